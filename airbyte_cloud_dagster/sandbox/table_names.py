"""Which schema and table a destination of a given type writes a stream to.

The sandbox's own copy of the rules in ``docs/airbyte/destination-names.md``, written
apart from the client's ``api/destination_names.py`` on purpose: the sandbox must be able to
prove the client wrong, so it shares no code with it. Two steps (§1 of that page):

1. the platform maps names, the same for every destination: the namespace from the
   connection's ``namespaceDefinition`` (None meaning "the destination's default"), the table
   from ``prefix + stream name``;
2. the destination rewrites both; its rules by ``destinationType`` are below (§2, §3). Any
   other type keeps the names as they are.

When two streams of one connection end up on one table, the Bulk CDK destinations rename the
later one with a hash suffix (§4).
"""

from __future__ import annotations

import hashlib
import unicodedata

from airbyte_cloud_dagster.sandbox.seed import ConnectionSeed, DestinationSeed

SOURCE_NAMESPACE = "${SOURCE_NAMESPACE}"
_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_DIGITS = "0123456789"
_WORD = set(_ASCII_LETTERS + _ASCII_DIGITS + "_")
_JAVA_SPACE = set(" \t\n\x0b\f\r")
# §4: the destinations on the Bulk CDK that rename colliding tables.
_RENAMES_COLLISIONS = {"snowflake", "bigquery", "postgres", "redshift", "databricks", "clickhouse"}


def mapped_namespace(connection: ConnectionSeed, stream_namespace: str | None) -> str | None:
    """Step 1 (docs/airbyte/destination-names.md §1 step A): None = the destination's default."""
    if connection.namespace_definition == "source":
        return stream_namespace or None
    if connection.namespace_definition == "custom_format":
        formatted = (connection.namespace_format or "").replace(
            SOURCE_NAMESPACE, stream_namespace or ""
        )
        return formatted if formatted.strip() else None
    return None


def landing_tables(
    connection: ConnectionSeed, destination: DestinationSeed
) -> list[tuple[str, str]]:
    """``(schema, table)`` for each configured stream of ``connection``, in order."""
    kind = destination.destination_type
    taken: set[tuple[str, str]] = set()
    landed = []
    for stream in connection.streams:
        namespace = _schema(kind, destination, mapped_namespace(connection, stream.namespace))
        name = connection.prefix + stream.name
        table = _table(kind, destination, name)
        if kind in _RENAMES_COLLISIONS and (namespace, table) in taken:
            suffix = hashlib.sha1(f"{namespace}&airbyte&{name}".encode()).hexdigest()[:3]
            table = _table(kind, destination, f"{name}_{suffix}")
        taken.add((namespace, table))
        landed.append((namespace, table))
    return landed


# --------------------------------------------------------------------------- step 2


def _schema(kind: str, destination: DestinationSeed, namespace: str | None) -> str:
    config = destination.configuration
    if kind == "motherduck":
        return str(config.get("schema") or "main")  # the stream namespace is never used
    if kind == "clickhouse":
        return _clickhouse(namespace or str(config.get("database") or "default"))
    if kind == "s3-data-lake":
        return _iceberg_schema(config, namespace)
    chosen = namespace or _configured_schema(kind, config)
    if kind in _SAME_RULE:
        return _SAME_RULE[kind](chosen)
    if kind == "bigquery":
        cleaned = _alnum_underscore(chosen)
        return (
            cleaned
            if cleaned[:1] and cleaned[0] in _ASCII_LETTERS + _ASCII_DIGITS
            else "n" + cleaned
        )
    return chosen


def _iceberg_schema(config: dict, namespace: str | None) -> str:
    """S3 Data Lake: Glue lowercases, other catalogs keep the namespace as it is."""
    catalog = config.get("catalog_type") or {}
    if catalog.get("catalog_type") == "GLUE":
        return _glue(namespace or str(catalog.get("database_name") or "default"))
    return namespace or str(catalog.get("namespace") or "default")


def _configured_schema(kind: str, config: dict) -> str:
    value = config.get("schema") or config.get("dataset_id")
    if value:
        return str(value)
    return {"databricks": "default"}.get(kind, "public")


def _table(kind: str, destination: DestinationSeed, name: str) -> str:
    if kind in _SAME_RULE:
        return _SAME_RULE[kind](name)
    if kind == "bigquery":
        cleaned = _alnum_underscore(name)
        return cleaned if cleaned[:1] and cleaned[0] in _ASCII_LETTERS + "_" else "_" + cleaned
    if kind == "motherduck":
        lowered = "".join(c if c in _ASCII_LETTERS + _ASCII_DIGITS else "_" for c in name.lower())
        return _digit_guard(lowered)
    if kind == "clickhouse":
        return _clickhouse(name)
    if kind == "s3-data-lake":
        catalog = destination.configuration.get("catalog_type") or {}
        return _glue(name) if catalog.get("catalog_type") == "GLUE" else name
    return name


def _alnum_underscore(text: str) -> str:
    """NFKD without combining marks; whitespace runs -> ``_``; other non-word chars -> ``_``."""
    out: list[str] = []
    in_space = False
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.category(char)[0] == "M":
            continue
        if char in _JAVA_SPACE:
            if not in_space:
                out.append("_")
            in_space = True
            continue
        in_space = False
        out.append(char if char in _WORD else "_")
    return "".join(out)


def _digit_guard(text: str) -> str:
    return "_" + text if text and text[0] in _ASCII_DIGITS else text


def _java_hash(text: str) -> int:
    """Java ``String.hashCode`` as a signed 32-bit int (names here are ASCII by now)."""
    value = 0
    for char in text:
        value = (value * 31 + ord(char)) % 2**32
    return value if value < 2**31 else value - 2**32


def _snowflake(text: str) -> str:
    if "${" in text:
        text = text.translate(str.maketrans("${}", "___"))
    return text.upper()


def _postgres(text: str) -> str:
    name = _digit_guard(_alnum_underscore(text))
    if len(name) <= 63:
        return name
    return name[:54] + "_" + str(_java_hash(name))[-8:]


def _redshift(text: str) -> str:
    name = _digit_guard(_alnum_underscore(text).lower())
    if len(name) <= 127:
        return name
    return name[:118] + "_" + f"{_java_hash(name) % 2**32:x}"[-8:]


def _databricks(text: str) -> str:
    name = _digit_guard(_alnum_underscore(text))
    if len(name) > 255:
        name = name[:246] + "_" + str(_java_hash(name))[-8:]
    return name.lower()


def _clickhouse(text: str) -> str:
    return _digit_guard(_alnum_underscore(text))


def _glue(text: str) -> str:
    return _alnum_underscore(text.lower())


# The destinations that name a schema and a table by the same rule.
_SAME_RULE = {
    "snowflake": _snowflake,
    "postgres": _postgres,
    "redshift": _redshift,
    "databricks": _databricks,
}
