"""Reading fields out of Airbyte payloads: each helper checks one field and names it when it
is missing or malformed (:class:`AirbyteResponseError`), so a bad payload fails at the edge.

Shared by the model modules (``jobs``, ``connections``, ``catalog``); ISO-8601 times and
durations are parsed here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from airbyte_cloud_dagster.api.errors import AirbyteResponseError

__all__ = [
    "UNUSABLE_ANSWER_HINT",
    "field",
    "optional_datetime",
    "parse_iso_duration",
    "paths",
    "require_mapping",
    "short",
    "str_tuple",
]

_T = TypeVar("_T")
_MISSING = object()
# What to do about an answer of the wrong shape: it is not the Airbyte API answering, or an
# Airbyte newer than this client.
UNUSABLE_ANSWER_HINT = (
    "check that api_url points at the Airbyte API and that this version of "
    "airbyte-cloud-dagster supports it"
)


def field(
    payload: Mapping[str, Any],
    key: str,
    kind: type[_T] | tuple[type, ...],
    what: str,
    *,
    default: Any = _MISSING,
) -> Any:
    """Return ``payload[key]`` checked against ``kind``; a missing key returns ``default``.

    ``None`` counts as missing. Without a default, a missing field raises AirbyteResponseError.
    """
    value = payload.get(key)
    if value is None:
        if default is _MISSING:
            raise AirbyteResponseError(
                f"Airbyte returned a {what} without the required field {key!r}, so the answer "
                f"cannot be used; {UNUSABLE_ANSWER_HINT}."
            )
        return default
    # bool is a subclass of int: never accept it where a number is expected.
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise AirbyteResponseError(
            f"Airbyte returned a {what} whose field {key!r} is malformed (expected "
            f"{_kind_name(kind)}, got {type(value).__name__} {short(value)}); "
            f"{UNUSABLE_ANSWER_HINT}."
        )
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    if isinstance(kind, tuple):
        return " or ".join(k.__name__ for k in kind)
    return kind.__name__


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def require_mapping(payload: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise AirbyteResponseError(
            f"Airbyte returned a {what} that is not a JSON object (got "
            f"{type(payload).__name__} {short(payload)}); {UNUSABLE_ANSWER_HINT}."
        )
    return payload


def str_tuple(payload: Mapping[str, Any], key: str, what: str) -> tuple[str, ...]:
    items = field(payload, key, list, what, default=[])
    if not all(isinstance(item, str) for item in items):
        raise AirbyteResponseError(
            f"Airbyte returned a {what} whose field {key!r} is malformed "
            f"(expected a list of strings, got {short(items)}); {UNUSABLE_ANSWER_HINT}."
        )
    return tuple(items)


def paths(payload: Mapping[str, Any], key: str, what: str) -> tuple[tuple[str, ...], ...]:
    items = field(payload, key, list, what, default=[])
    ok = all(isinstance(path, list) and all(isinstance(p, str) for p in path) for path in items)
    if not ok:
        raise AirbyteResponseError(
            f"Airbyte returned a {what} whose field {key!r} is malformed (expected a list "
            f"of lists of strings, got {short(items)}); {UNUSABLE_ANSWER_HINT}."
        )
    return tuple(tuple(path) for path in items)


_FRACTION = re.compile(r"\.(\d+)")


def optional_datetime(payload: Mapping[str, Any], key: str, what: str) -> datetime | None:
    """Parse an ISO-8601 time; the spec's examples use both ``T``/``Z`` and ``' '``/``+00:00``,
    and Java (Airbyte's server) leaves out zero seconds: ``2024-05-01T19:31Z``.

    >>> optional_datetime({"startTime": "2024-05-01T19:31Z"}, "startTime", "job")
    datetime.datetime(2024, 5, 1, 19, 31, tzinfo=datetime.timezone.utc)
    """
    text = field(payload, key, str, what, default=None)
    if text is None or text == "":
        return None
    cleaned = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python 3.10 accepts 3 or 6 fractional digits only; Java writes 1 to 9.
    cleaned = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), cleaned, count=1)
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise AirbyteResponseError(
            f"Airbyte returned a {what} whose field {key!r} is not an ISO-8601 time "
            f"({short(text)}); {UNUSABLE_ANSWER_HINT}."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_NUMBER = r"([-+]?\d+(?:[.,]\d+)?)"
_ISO_DURATION = re.compile(
    rf"^(?P<sign>[-+])?P(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$",
    re.IGNORECASE,
)


def parse_iso_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration as Airbyte (Java's ``Duration``) writes it.

    >>> parse_iso_duration("PT8H6M12S")
    datetime.timedelta(seconds=29172)
    >>> parse_iso_duration("PT1.5S")
    datetime.timedelta(seconds=1, microseconds=500000)

    Raises ValueError for anything else (years and months have no fixed length).
    """
    match = _ISO_DURATION.match(text.strip())
    if not match or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    weeks, days, hours, minutes, seconds = (
        float(group.replace(",", ".")) if group else 0.0 for group in match.groups()[1:]
    )
    total = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -total if match.group("sign") == "-" else total
