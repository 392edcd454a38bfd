"""The matrix's one assertion, :func:`assert_clear`: the error a user sees is of the expected
class (one of ours, or Dagster's where that is the layer, never a bare ``KeyError``,
``TypeError``, ``ValueError`` or ``AttributeError``), its message names what was wrong and what
to do, in one sentence, and shows no secret.

Also :func:`refusal` (the error whose message the user reads, inside pydantic's or a component
load's) and :func:`running_jobs` (what a sync case must leave behind: nothing running).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pydantic
import requests

from airbyte_cloud_dagster.api import AirbyteError

BARE = (KeyError, TypeError, ValueError, AttributeError, RecursionError)
# The two things to do about an answer that cannot be used: check api_url (and the version).
CHECK_API_URL = "check that api_url points at the Airbyte API"
WRONG_API_URL = "looks wrong: the Airbyte API is at https://api.airbyte.com/v1"
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc)\.")
# 'quoted', "quoted" and `code` parts: reprs, paths and commands may hold anything. A quote
# right after a letter is an apostrophe (Airbyte's), not an opening one.
_QUOTED = re.compile(r"`[^`]*`|(?<![A-Za-z])'[^']*'|\"[^\"]*\"")
_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")


def sentence_breaks(message: str) -> list[str]:
    """Where ``message`` starts a second sentence (empty for one sentence)."""
    text = _QUOTED.sub("Q", _ABBREVIATIONS.sub("eg", message))
    return _SENTENCE_BREAK.findall(text)


def assert_one_sentence(message: str) -> None:
    assert "\n" not in message, message
    assert message.endswith((".", "?")), message
    assert not sentence_breaks(message), f"more than one sentence: {message}"


def assert_clear(
    error: BaseException,
    expected: type[BaseException] | tuple[type[BaseException], ...],
    *,
    problem: Iterable[str],
    fix: Iterable[str],
    secrets: Iterable[str] = (),
    one_sentence: bool = True,
) -> str:
    """``error`` is ``expected``, and its message holds every ``problem`` and ``fix`` text,
    in one sentence (unless ``one_sentence`` is off, for a case whose own test of that is an
    expected failure), and none of the ``secrets``; returns the message."""
    assert isinstance(error, expected), f"{type(error).__name__}: {error}"
    assert type(error) not in BARE, f"a bare {type(error).__name__}: {error}"
    message = str(error)
    for text in problem:
        assert text in message, f"the problem ({text!r}) is not named: {message}"
    for text in fix:
        assert text in message, f"the fix ({text!r}) is not named: {message}"
    if one_sentence:
        assert_one_sentence(message)
    for secret in secrets:
        assert secret not in message and secret not in repr(error)
    return message


def refusal(raised: BaseException) -> BaseException:
    """The error whose message the user reads: ours, inside pydantic's ``ValidationError`` (a
    resource's settings) or anywhere in the chain of a component's load error; else
    ``raised`` itself."""
    seen: set[int] = set()
    error: BaseException | None = raised
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, AirbyteError):
            return error
        if isinstance(error, pydantic.ValidationError):
            for detail in error.errors():
                inner = detail.get("ctx", {}).get("error")
                if isinstance(inner, BaseException):
                    return inner
        error = error.__cause__ or error.__context__
    return raised


_UNFINISHED = {"pending", "queued", "running", "incomplete"}


def running_jobs(sandbox) -> list[dict]:
    """Every job of the sandbox that has not finished, read with raw HTTP."""
    response = requests.get(
        f"{sandbox.base_url}/jobs",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {sandbox.issue_token()}"},
        timeout=10,
    )
    response.raise_for_status()
    return [job for job in response.json()["data"] if job["status"] in _UNFINISHED]
