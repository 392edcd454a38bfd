"""What the example code location needs from its environment, said in one sentence.

Loaded with nothing set, ``definitions.py`` would otherwise try Airbyte Cloud without
credentials and fail deep inside a request. :func:`require_airbyte_settings` stops it first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

MISSING_SETTINGS = (
    "The example code location needs Airbyte credentials: set AIRBYTE_CLIENT_ID and "
    "AIRBYTE_CLIENT_SECRET (an Airbyte application; also AIRBYTE_API_URL for self-managed "
    "Airbyte), or AIRBYTE_SNAPSHOT_PATH to load from a workspace snapshot (syncs still need "
    "the credentials), or run `make demo` to use the local sandbox."
)


class MissingAirbyteSettings(Exception):
    """The environment names no Airbyte to load connections from."""


def missing_settings(environ: Mapping[str, str]) -> str | None:
    """The sentence to show when the environment cannot work, else None.

    Enough: client id and secret, or a snapshot file, or an ``AIRBYTE_API_URL`` of its own
    (self-managed Airbyte may run with API authorization disabled).
    """
    has_credentials = bool(
        environ.get("AIRBYTE_CLIENT_ID") and environ.get("AIRBYTE_CLIENT_SECRET")
    )
    if has_credentials or environ.get("AIRBYTE_SNAPSHOT_PATH") or environ.get("AIRBYTE_API_URL"):
        return None
    return MISSING_SETTINGS


def require_airbyte_settings(environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`MissingAirbyteSettings` with one clear sentence if nothing is set."""
    message = missing_settings(os.environ if environ is None else environ)
    if message:
        raise MissingAirbyteSettings(message)
