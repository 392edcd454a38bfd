"""dagster-airbyte's latest release, for the tests that compare with it, never a dependency.

It is installed with ``pip install --no-deps --target`` into the pytest cache (once per cache;
CI reaches PyPI once per run); the tests read its source or run it in a subprocess with that
folder on ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def dagster_airbyte_release(request, tmp_path_factory) -> tuple[Path, str]:
    """dagster-airbyte's folder and version: its latest release, or, when that pins a newer
    Dagster than ours, the release made with our Dagster (libraries are versioned 0.<minor + 16>
    beside Dagster 1.<minor>)."""
    ours = importlib.metadata.version("dagster")
    cache = getattr(request.config, "cache", None)
    root = cache.mkdir("dagster-airbyte") if cache else tmp_path_factory.mktemp("dagster-airbyte")
    target = Path(root) / f"for-dagster-{ours}"
    stamp = target / "installed.json"
    if stamp.exists():
        return target, json.loads(stamp.read_text())["version"]
    staging = Path(root) / f"staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    version, pinned = _pip_install(staging, "dagster-airbyte")
    if pinned != ours:
        _, minor, patch = ours.split(".")[:3]
        shutil.rmtree(staging)
        version, pinned = _pip_install(staging, f"dagster-airbyte==0.{int(minor) + 16}.{patch}")
    assert pinned == ours, f"dagster-airbyte {version} needs dagster {pinned}, ours is {ours}"
    (staging / "installed.json").write_text(json.dumps({"version": version}))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target, version


def _pip_install(target: Path, requirement: str) -> tuple[str, str]:
    """Installs ``requirement`` alone into ``target``; its version and the Dagster it pins."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--no-deps", "--target", str(target), requirement]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        said = (result.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.fail(
            f"Could not install {requirement} from PyPI into {target} (pip: {said}); this "
            "test needs PyPI once per pytest cache, so check the network or pip's index settings."
        )
    (distribution,) = importlib.metadata.distributions(path=[str(target)])
    pins = [r for r in distribution.requires or [] if r.replace(" ", "").startswith("dagster==")]
    pinned = pins[0].replace(" ", "").split("==")[1].split(";")[0] if pins else ""
    return distribution.version, pinned
