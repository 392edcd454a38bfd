"""JSON Schemas of the internal Config API bodies the sandbox serves.

Written by hand from ``docs/airbyte/config-api.md`` (itself read from Airbyte's ``config.yaml``
and server code), not from a machine-readable spec: no Config API spec is stored next to
openapi.yaml. Stricter than the spec in two ways that page states as server behaviour: nulls
are never sent (``NON_ABSENT``), so no property allows ``null``; and objects allow only the
properties that page lists, so the sandbox cannot invent any.

>>> validate_config_body("JobInfoRead", response.json())
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

INT64 = {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1}
EPOCH_SECONDS = {"type": "integer", "minimum": 1_000_000_000, "maximum": 10_000_000_000}
EPOCH_MS = {"type": "integer", "minimum": 1_000_000_000_000, "maximum": 10_000_000_000_000}
UUID = {"type": "string", "format": "uuid"}
STRINGS = {"type": "array", "items": {"type": "string"}}
PATHS = {"type": "array", "items": STRINGS}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


STREAM_DESCRIPTOR = _object(["name"], {"name": {"type": "string"}, "namespace": {"type": "string"}})

# Attempt stats from the stored sync summary (docs/airbyte/config-api.md §1, "Attempt stats").
ATTEMPT_STATS = _object(
    [],
    {
        name: INT64
        for name in (
            "recordsEmitted",
            "bytesEmitted",
            "stateMessagesEmitted",
            "bytesCommitted",
            "recordsCommitted",
            "recordsRejected",
            "estimatedRecords",
            "estimatedBytes",
        )
    }
    | {"additionalStats": {"type": "object", "additionalProperties": {"type": "number"}}},
)

FAILURE_REASON = _object(
    ["timestamp"],
    {
        "timestamp": EPOCH_MS,
        "failureOrigin": {
            "enum": [
                "source",
                "destination",
                "replication",
                "persistence",
                "airbyte_platform",
                "normalization",
                "dbt",
                "unknown",
            ]
        },
        "failureType": {
            "enum": [
                "config_error",
                "system_error",
                "manual_cancellation",
                "refresh_schema",
                "heartbeat_timeout",
                "destination_timeout",
                "transient_error",
            ]
        },
        "externalMessage": {"type": "string"},
        "internalMessage": {"type": "string"},
        "stacktrace": {"type": "string"},
        "retryable": {"type": "boolean"},
        "fromTraceMessage": {"type": "boolean"},
        "streamDescriptor": STREAM_DESCRIPTOR,
    },
)

ATTEMPT_READ = _object(
    ["id", "status", "createdAt", "updatedAt"],
    {
        "id": {"type": "integer", "minimum": 0},
        "status": {"enum": ["running", "failed", "succeeded"]},
        "createdAt": EPOCH_SECONDS,
        "updatedAt": EPOCH_SECONDS,
        "endedAt": EPOCH_SECONDS,
        "bytesSynced": INT64,
        "recordsSynced": INT64,
        "totalStats": ATTEMPT_STATS,
        "streamStats": {
            "type": "array",
            "items": _object(
                ["streamName", "stats"],
                {
                    "streamName": {"type": "string"},
                    "streamNamespace": {"type": "string"},
                    "stats": ATTEMPT_STATS,
                },
            ),
        },
        "failureSummary": _object(
            ["failures"],
            {
                "failures": {"type": "array", "items": FAILURE_REASON},
                "partialSuccess": {"type": "boolean"},
            },
        ),
    },
)

LOG_READ = _object(["logLines"], {"logLines": STRINGS})

ATTEMPT_INFO_READ = _object(
    ["attempt"],
    {"attempt": ATTEMPT_READ, "logType": {"enum": ["formatted", "structured"]}, "logs": LOG_READ},
)

# The counts JobAggregatedStats and StreamStats both require.
AGGREGATED_COUNTS = (
    "recordsEmitted",
    "bytesEmitted",
    "recordsCommitted",
    "bytesCommitted",
    "recordsRejected",
)
JOB_AGGREGATED_STATS = _object(list(AGGREGATED_COUNTS), dict.fromkeys(AGGREGATED_COUNTS, INT64))

STREAM_STATS = _object(
    ["streamName", *AGGREGATED_COUNTS],
    {
        "streamName": {"type": "string"},
        "streamNamespace": {"type": "string"},
        **dict.fromkeys(AGGREGATED_COUNTS, INT64),
        "wasBackfilled": {"type": "boolean"},
        "wasResumed": {"type": "boolean"},
    },
)

JOB_READ = _object(
    ["id", "configType", "configId", "createdAt", "updatedAt", "status"],
    {
        "id": INT64,
        "configType": {
            "enum": [
                "check_connection_source",
                "check_connection_destination",
                "discover_schema",
                "get_spec",
                "sync",
                "reset_connection",
                "refresh",
                "clear",
            ]
        },
        "configId": {"type": "string"},
        "createdAt": EPOCH_SECONDS,
        "updatedAt": EPOCH_SECONDS,
        "startedAt": EPOCH_SECONDS,
        "status": {
            "enum": [
                "pending",
                "queued",
                "running",
                "incomplete",
                "failed",
                "succeeded",
                "cancelled",
            ]
        },
        "enabledStreams": {"type": "array", "items": STREAM_DESCRIPTOR},
        "resetConfig": _object(
            [], {"streamsToReset": {"type": "array", "items": STREAM_DESCRIPTOR}}
        ),
        "refreshConfig": _object(
            [], {"streamsToRefresh": {"type": "array", "items": STREAM_DESCRIPTOR}}
        ),
        "aggregatedStats": JOB_AGGREGATED_STATS,
        "streamAggregatedStats": {"type": "array", "items": STREAM_STATS},
    },
)

JOB_INFO_READ = _object(
    ["job", "attempts"],
    {"job": JOB_READ, "attempts": {"type": "array", "items": ATTEMPT_INFO_READ}},
)
JOB_INFO_LIGHT_READ = _object(["job"], {"job": JOB_READ})

SYNC_MODES = {"enum": ["full_refresh", "incremental"]}
AIRBYTE_STREAM = _object(
    ["name"],
    {
        "name": {"type": "string"},
        "jsonSchema": {"type": "object"},
        "supportedSyncModes": {"type": "array", "items": SYNC_MODES},
        "sourceDefinedCursor": {"type": "boolean"},
        "defaultCursorField": STRINGS,
        "sourceDefinedPrimaryKey": PATHS,
        "namespace": {"type": "string"},
        "isResumable": {"type": "boolean"},
        "isFileBased": {"type": "boolean"},
    },
)
AIRBYTE_STREAM_CONFIGURATION = _object(
    ["syncMode", "destinationSyncMode"],
    {
        "syncMode": SYNC_MODES,
        "destinationSyncMode": {
            "enum": [
                "append",
                "overwrite",
                "append_dedup",
                "overwrite_dedup",
                "update",
                "soft_delete",
            ]
        },
        "cursorField": STRINGS,
        "primaryKey": PATHS,
        "namespace": {"type": "string"},
        "aliasName": {"type": "string"},
        "selected": {"type": "boolean"},
        "suggested": {"type": "boolean"},
        "destinationObjectName": {"type": "string"},
        "includeFiles": {"type": "boolean"},
        "fieldSelectionEnabled": {"type": "boolean"},
        "selectedFields": {
            "type": "array",
            "items": _object(["fieldPath"], {"fieldPath": STRINGS}),
        },
        "hashedFields": {"type": "array"},
        "mappers": {"type": "array"},
        "minimumGenerationId": INT64,
        "generationId": INT64,
        "syncId": INT64,
    },
)
TIME_UNIT = {"enum": ["minutes", "hours", "days", "weeks", "months"]}

CONNECTION_READ = _object(
    [
        "connectionId",
        "name",
        "sourceId",
        "destinationId",
        "syncCatalog",
        "breakingChange",
        "status",
    ],
    {
        "connectionId": UUID,
        "name": {"type": "string"},
        "namespaceDefinition": {"enum": ["source", "destination", "customformat"]},
        "namespaceFormat": {"type": "string"},
        "prefix": {"type": "string"},
        "sourceId": UUID,
        "destinationId": UUID,
        "operationIds": {"type": "array", "items": UUID},
        "syncCatalog": _object(
            ["streams"],
            {
                "streams": {
                    "type": "array",
                    "items": _object(
                        ["stream", "config"],
                        {"stream": AIRBYTE_STREAM, "config": AIRBYTE_STREAM_CONFIGURATION},
                    ),
                }
            },
        ),
        "schedule": _object(["units", "timeUnit"], {"units": INT64, "timeUnit": TIME_UNIT}),
        "scheduleType": {"enum": ["manual", "basic", "cron"]},
        "scheduleData": _object(
            [],
            {
                "basicSchedule": _object(
                    ["timeUnit", "units"], {"timeUnit": TIME_UNIT, "units": INT64}
                ),
                "cron": _object(
                    ["cronExpression", "cronTimeZone"],
                    {"cronExpression": {"type": "string"}, "cronTimeZone": {"type": "string"}},
                ),
            },
        ),
        "status": {"enum": ["active", "inactive", "deprecated", "locked"]},
        "statusReason": {"type": "string"},
        "resourceRequirements": {"type": "object"},
        "sourceCatalogId": UUID,
        "destinationCatalogId": UUID,
        "breakingChange": {"type": "boolean"},
        "notifySchemaChanges": {"type": "boolean"},
        "notifySchemaChangesByEmail": {"type": "boolean"},
        "nonBreakingChangesPreference": {
            "enum": ["ignore", "disable", "propagate_columns", "propagate_fully"]
        },
        "created_at": INT64,
        "backfillPreference": {"enum": ["enabled", "disabled"]},
        "workspaceId": UUID,
        "dataplaneGroupId": UUID,
        "tags": {"type": "array"},
        "onDemandEnabled": {"type": "boolean"},
        "locked": {"type": "boolean"},
    },
)

ACCESS_TOKEN = {
    "type": "object",
    "required": ["access_token"],
    "properties": {"access_token": {"type": "string", "minLength": 1}},
}

# Since v2.0.0 404, 400, 401 and 500 bodies are only an error id
# (docs/airbyte/config-api.md, "Errors").
ERROR_ID = _object(["errorId"], {"errorId": UUID})

SCHEMAS: dict[str, dict[str, Any]] = {
    "JobInfoRead": JOB_INFO_READ,
    "JobInfoLightRead": JOB_INFO_LIGHT_READ,
    "ConnectionRead": CONNECTION_READ,
    "AccessToken": ACCESS_TOKEN,
    "ErrorId": ERROR_ID,
}


def validate_config_body(schema_name: str, body: Any) -> None:
    """Raise ``AssertionError`` listing every way ``body`` breaks the named schema."""
    validator = Draft202012Validator(SCHEMAS[schema_name], format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]]
        raise AssertionError(
            f"{schema_name} body breaks docs/airbyte/config-api.md:\n" + "\n".join(lines)
        )
