"""A misspelt setting is refused naming the closest one: ``sync_timout=5`` would otherwise be
kept in silence by a Dagster resource (no timeout at all), and only be "an unexpected keyword
argument" to Python.

>>> refuse_unknown_settings(["sync_timout"], ["sync_timeout"], "AirbyteClient", "")
Traceback (most recent call last):
AirbyteConfigurationError: sync_timout is not a setting of AirbyteClient; did you mean ...
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Collection, Iterable
from typing import Any, ParamSpec

from airbyte_cloud_dagster.api.errors import AirbyteConfigurationError

__all__ = ["named_settings", "refuse_unknown_settings"]

_Settings = ParamSpec("_Settings")


def refuse_unknown_settings(
    given: Iterable[Any], known: Collection[str], owner: str, listed_in: str
) -> None:
    """Refuse the first name in ``given`` that is not ``known``, naming the closest known one,
    else where the settings are (``listed_in``, e.g. ``"listed in docs/configuration.md"``)."""
    for name in given:
        if name not in known:
            close = difflib.get_close_matches(str(name), sorted(known), n=1)
            hint = f"did you mean {close[0]}?" if close else f"the settings are {listed_in}."
            raise AirbyteConfigurationError(f"{name} is not a setting of {owner}; {hint}")


def named_settings(
    owner: str, *, listed_in: str
) -> Callable[[Callable[_Settings, None]], Callable[_Settings, None]]:
    """Decorate an ``__init__`` whose settings are keywords: a misspelt one is refused with
    :func:`refuse_unknown_settings` instead of Python's bare ``TypeError``."""

    def decorate(init: Callable[_Settings, None]) -> Callable[_Settings, None]:
        known = [name for name in inspect.signature(init).parameters if name != "self"]

        @functools.wraps(init)
        def checked(*args: _Settings.args, **kwargs: _Settings.kwargs) -> None:
            refuse_unknown_settings(kwargs, known, owner, listed_in)
            init(*args, **kwargs)

        return checked

    return decorate
