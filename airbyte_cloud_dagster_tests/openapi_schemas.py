"""Validate Airbyte API bodies against the official OpenAPI spec (``openapi.yaml``).

The spec is the ground truth for what the sandbox (and the real Airbyte API) may
serve. It is found through ``AIRBYTE_OPENAPI_PATH`` and defaults to
``<repo>/../shared/airbyte-api/openapi.yaml``; it is never copied into the repo.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the whole document goes into one
``referencing`` registry and every ``$ref`` resolves inside it. Validation is
stricter than plain JSON Schema where the spec says more than the keywords do:
``format: int32/int64`` must be real ints in range (JSON Schema's ``integer``
accepts ``1.0``), ``format: uuid``/``UUID`` must parse as a UUID and
``format: date-time`` as an ISO date-time with an offset. ``required`` is
enforced as written.

Example::

    from airbyte_cloud_dagster_tests.openapi_schemas import require_spec, validate_response

    def test_job_body(...):
        require_spec()                       # skips only when the file is absent
        validate_response("GET", "/jobs/{jobId}", 200, response.json())
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ENV_VAR = "AIRBYTE_OPENAPI_PATH"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC_PATH = REPO_ROOT.parent / "shared" / "airbyte-api" / "openapi.yaml"

# Cloud serves the API under /v1, self-managed Airbyte under /api/public/v1
# (docs/airbyte/behaviour.md, "Base URLs").
API_PREFIXES = ("/api/public/v1", "/v1")

_SPEC_URI = "urn:airbyte-api:openapi.yaml"
_PROBLEM_URI = "urn:airbyte-cloud-dagster:problem"
PROBLEM_SCHEMA_NAME = "Problem (from docs/airbyte/behaviour.md)"

# The problem object. It comes from docs/airbyte/behaviour.md ("Errors"), because openapi.yaml has
# no schema for error bodies: its 4xx responses carry only a description.
PROBLEM_STATUS_BY_TITLE = {
    "bad-request": 400,
    "invalid-api-key": 401,
    "forbidden": 403,
    "resource-not-found": 404,
    "try-again-later": 409,
    "state-conflict": 409,
    "unprocessable-entity": 422,
    "unexpected-problem": 500,
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": _PROBLEM_URI,
    "title": PROBLEM_SCHEMA_NAME,
    "type": "object",
    "required": ["status", "type", "title", "detail", "data"],
    "properties": {
        "status": {"type": "integer", "format": "int32", "minimum": 400, "maximum": 599},
        "type": {"type": "string", "minLength": 1},
        "title": {"enum": sorted(PROBLEM_STATUS_BY_TITLE)},
        "detail": {"type": "string"},
        "documentationUrl": {"type": "string"},
        "data": {"type": "object"},
    },
    "allOf": [
        {
            "if": {"properties": {"title": {"const": title}}, "required": ["title"]},
            "then": {"properties": {"status": {"const": status}}},
        }
        for title, status in PROBLEM_STATUS_BY_TITLE.items()
    ]
    + [
        {
            # resource-not-found carries data = {resourceType, resourceId}
            # (docs/airbyte/behaviour.md, "Errors").
            "if": {"properties": {"title": {"const": "resource-not-found"}}, "required": ["title"]},
            "then": {
                "properties": {
                    "data": {
                        "required": ["resourceType", "resourceId"],
                        "properties": {
                            "resourceType": {"type": "string"},
                            "resourceId": {"type": "string"},
                        },
                    }
                }
            },
        }
    ],
}


# ---------------------------------------------------------------- locating and loading


def spec_path() -> Path:
    """Where the spec is expected: ``$AIRBYTE_OPENAPI_PATH`` or the shared default."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured).expanduser() if configured else DEFAULT_SPEC_PATH


def require_spec() -> Path:
    """Return the spec path, or skip the calling test when (and only when) the file is absent."""
    path = spec_path()
    if not path.is_file():
        pytest.skip(f"openapi.yaml not found at {path}; set {ENV_VAR}")
    return path


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings, so the document stays plain JSON data."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_spec() -> dict[str, Any]:
    """The parsed spec (loaded once per path)."""
    return _load_spec(str(require_spec().resolve()))


@functools.lru_cache(maxsize=4)
def _load_spec(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_SpecLoader)  # a SafeLoader subclass: safe
    if not isinstance(document, dict) or "paths" not in document:
        raise AssertionError(f"{path} does not look like an OpenAPI document")
    return document


@functools.lru_cache(maxsize=4)
def _registry(path: str) -> Registry:
    spec = Resource.from_contents(_load_spec(path), default_specification=DRAFT202012)
    problem = Resource.from_contents(PROBLEM_SCHEMA)
    return Registry().with_resources([(_SPEC_URI, spec), (_PROBLEM_URI, problem)])


# ---------------------------------------------------------------- strict formats

_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}

FORMAT_CHECKER = FormatChecker(formats=())


def _check_int_format(name: str):
    low, high = _INT_RANGES[name]

    def check(instance: object) -> bool:
        if not isinstance(instance, (int, float)) or isinstance(instance, bool):
            return True  # not a number: the `type` keyword reports it
        return isinstance(instance, int) and low <= instance <= high

    FORMAT_CHECKER.checks(name)(check)


for _name in _INT_RANGES:
    _check_int_format(_name)


# The spec spells this format both "uuid" and "UUID".
@FORMAT_CHECKER.checks("uuid", raises=ValueError)
@FORMAT_CHECKER.checks("UUID", raises=ValueError)
def _check_uuid(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    uuid.UUID(instance)
    return len(instance) == 36 and all(instance[i] == "-" for i in (8, 13, 18, 23))


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _check_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return parse_iso_datetime(instance).tzinfo is not None


def parse_iso_datetime(text: str) -> dt.datetime:
    """Parse an ISO-8601 date-time such as ``2024-05-01T12:00:00Z`` (ValueError if it is not)."""
    if "T" not in text and " " not in text:
        raise ValueError(f"{text!r} has no time part")
    # datetime.fromisoformat accepts a trailing "Z" only from Python 3.11 on.
    return dt.datetime.fromisoformat(re.sub(r"[zZ]$", "+00:00", text))


_DURATION = re.compile(
    r"^P(?!$)"
    r"(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?"
    r"(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?$"
)


def is_iso8601_duration(text: object) -> bool:
    """True for ISO-8601 durations such as ``PT8H6M12S`` or ``PT0.5S`` (Java Duration style)."""
    return isinstance(text, str) and bool(_DURATION.match(text))


# ---------------------------------------------------------------- validating


def validate(body: Any, schema_name: str) -> None:
    """Assert that ``body`` matches ``components.schemas[schema_name]`` of the spec."""
    schemas = load_spec().get("components", {}).get("schemas", {})
    if schema_name not in schemas:
        raise AssertionError(f"openapi.yaml has no schema named {schema_name!r}")
    _validate(body, f"{_SPEC_URI}#/components/schemas/{_pointer_token(schema_name)}", schema_name)


def validate_problem(body: Any, status: int | None = None) -> None:
    """Assert that ``body`` is a problem object as docs/airbyte/behaviour.md describes it.

    With ``status``, the body's own ``status`` must equal the HTTP status it came with.
    """
    _validate(body, _PROBLEM_URI, PROBLEM_SCHEMA_NAME)
    if status is not None and body["status"] != status:
        raise AssertionError(
            f"{PROBLEM_SCHEMA_NAME}: $.status is {body['status']} but the HTTP status was "
            f"{status}\nbody: {_excerpt(body)}"
        )


def validate_response(method: str, path_template: str, status: int, body: Any) -> None:
    """Assert that ``body`` is what the spec documents for ``method path_template -> status``.

    ``path_template`` is a key of the spec's ``paths`` (e.g. ``/jobs/{jobId}``); see
    :func:`path_template_for` to get it from a request path. Error statuses whose spec entry
    has no JSON schema (all of them today) are checked against the problem schema.
    """
    operation = operation_for(method, path_template)
    responses = operation.get("responses", {})
    documented = responses.get(str(status), responses.get(status))
    label = f"{method.upper()} {path_template} -> {status}"
    schema = _json_schema(documented)
    if schema is not None:
        pointer = "/".join(
            _pointer_token(part)
            for part in (
                "paths",
                path_template,
                method.lower(),
                "responses",
                str(status),
                "content",
                "application/json",
                "schema",
            )
        )
        name = schema["$ref"].rsplit("/", 1)[-1] if "$ref" in schema else "inline schema"
        _validate(body, f"{_SPEC_URI}#/{pointer}", f"{label} ({name})")
    elif status >= 400:
        validate_problem(body, status)
    elif documented is None:
        raise AssertionError(f"{label}: openapi.yaml does not document this status")
    elif body not in (None, "", b""):
        raise AssertionError(f"{label}: openapi.yaml documents no body\nbody: {_excerpt(body)}")


def response_schema_name(method: str, path_template: str, status: int = 200) -> str | None:
    """The component name the spec gives the JSON body of a response, if it is a ``$ref``."""
    responses = operation_for(method, path_template).get("responses", {})
    schema = _json_schema(responses.get(str(status), responses.get(status)))
    return schema["$ref"].rsplit("/", 1)[-1] if schema and "$ref" in schema else None


def operation_for(method: str, path_template: str) -> Mapping[str, Any]:
    """``paths[path_template][method]`` of the spec (AssertionError if it is not there)."""
    path_item = load_spec()["paths"].get(path_template)
    if path_item is None or method.lower() not in path_item:
        raise AssertionError(f"openapi.yaml has no operation {method.upper()} {path_template}")
    return path_item[method.lower()]


def path_template_for(method: str, request_path: str) -> str:
    """Map a request path (``/v1/jobs/3`` or ``/api/public/v1/jobs/3``) to its spec template.

    A literal template beats one with parameters (``/applications/token`` is not
    ``/applications/{applicationId}``).
    """
    path = request_path.split("?", 1)[0]
    for prefix in API_PREFIXES:
        if path.startswith(prefix + "/") or path == prefix:
            path = path[len(prefix) :] or "/"
            break
    else:
        raise AssertionError(f"{request_path} is under neither of {API_PREFIXES}")
    for template, pattern in _path_patterns(str(require_spec().resolve())):
        if pattern.fullmatch(path) and method.lower() in load_spec()["paths"][template]:
            return template
    raise AssertionError(f"openapi.yaml has no operation matching {method.upper()} {path}")


@functools.lru_cache(maxsize=4)
def _path_patterns(path: str) -> list[tuple[str, re.Pattern[str]]]:
    templates = sorted(_load_spec(path)["paths"], key=lambda t: (t.count("{"), -len(t)))
    return [
        (template, re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))))
        for template in templates
    ]


def _json_schema(response: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if not response:
        return None
    return response.get("content", {}).get("application/json", {}).get("schema")


def _validate(body: Any, ref: str, label: str) -> None:
    registry = _registry(str(require_spec().resolve()))
    validator = Draft202012Validator(
        {"$ref": ref}, registry=registry, format_checker=FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path))
    if errors:
        lines = [f"  at {error.json_path}: {error.message}" for error in errors[:10]]
        if len(errors) > 10:
            lines.append(f"  ... and {len(errors) - 10} more")
        raise AssertionError(
            f"body does not match {label}:\n" + "\n".join(lines) + f"\nbody: {_excerpt(body)}"
        )


def _pointer_token(part: str) -> str:
    """Escape one JSON-pointer segment, then percent-encode it for a URI fragment."""
    return quote(part.replace("~", "~0").replace("/", "~1"), safe="~")


def _excerpt(body: Any, limit: int = 3000) -> str:
    text = json.dumps(body, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."
