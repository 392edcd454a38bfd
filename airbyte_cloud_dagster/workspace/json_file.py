"""Writing a JSON file so that a reader never sees half of it: the snapshot and the schedule
hand-over record both use it.

Example::

    write_json_atomically(pathlib.Path("airbyte_workspace.json"), {"version": 1, ...})
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile
from typing import Any


def write_json_atomically(path: pathlib.Path, document: Any) -> pathlib.Path:
    """Sorted, indented JSON in a temporary file of the same folder, flushed, then renamed over
    ``path``; the temporary file is removed if anything fails."""
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise
    return path
