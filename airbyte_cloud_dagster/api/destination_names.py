"""How each destination normalises the schema and table names Airbyte hands it.

Airbyte names a stream's table in two steps (docs/airbyte/destination-names.md §1): the platform
picks the namespace and adds the connection's prefix (that is ``api/tables.py``), then the
destination connector rewrites both names to suit its warehouse. This module is the second step: one
:class:`DestinationNaming` per ``destinationType``, each read from the connector's code. Every rule
cites ``docs/airbyte/destination-names.md`` (§3 has the worked examples, §7 what is still
unconfirmed).

>>> naming = destination_naming("postgres")
>>> naming.table_name("stripe_invoice line items"), naming.table_name("1st.try")
('stripe_invoice_line_items', '_1st_try')
>>> destination_naming("snowflake").table_name("stripe_invoice line items")
'STRIPE_INVOICE LINE ITEMS'

A destination type not listed here (including ``""``, a custom connector) keeps every name as
it is; :attr:`DestinationNaming.quoting` still quotes a name that needs it in SQL.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Java's ``\s`` (no UNICODE_CHARACTER_CLASS flag) is ASCII whitespace only; so is this.
_JAVA_WHITESPACE_RUN = re.compile(r"[ \t\n\x0b\f\r]+")
_NOT_ALPHANUMERIC_OR_UNDERSCORE = re.compile(r"[^A-Za-z0-9_]")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


# --------------------------------------------------------------------------- quoting


@dataclass(frozen=True)
class IdentifierQuoting:
    """How a destination's SQL writes an identifier that is not a plain one.

    ``plain`` matches the names that may stand unquoted *and* mean the same table: for
    warehouses that fold unquoted names (Postgres and Redshift to lower case, Snowflake to
    upper case) a name in the other case must be quoted to be found.

    >>> POSTGRES_QUOTING.quote("Customers"), POSTGRES_QUOTING.quote("customers")
    ('"Customers"', 'customers')
    """

    open: str
    close: str
    plain: re.Pattern[str]

    def quote(self, name: str) -> str:
        """``name`` as this destination's SQL must write it."""
        if self.plain.fullmatch(name):
            return name
        return self.open + name.replace(self.close, self.close * 2) + self.close


# Reserved words are not considered: a table called ``order`` is left unquoted.
ANSI_QUOTING = IdentifierQuoting('"', '"', re.compile(r"[A-Za-z_][A-Za-z0-9_]*"))
POSTGRES_QUOTING = IdentifierQuoting('"', '"', re.compile(r"[a-z_][a-z0-9_$]*"))
SNOWFLAKE_QUOTING = IdentifierQuoting('"', '"', re.compile(r"[A-Z_][A-Z0-9_$]*"))
# GoogleSQL allows dashes unquoted in a table path's project part; datasets and tables never
# hold one once normalised, so the dash here only ever applies to the project id.
BIGQUERY_QUOTING = IdentifierQuoting("`", "`", re.compile(r"[A-Za-z_][A-Za-z0-9_-]*"))
BACKTICK_QUOTING = IdentifierQuoting("`", "`", re.compile(r"[A-Za-z_][A-Za-z0-9_]*"))
MSSQL_QUOTING = IdentifierQuoting("[", "]", re.compile(r"[A-Za-z_][A-Za-z0-9_]*"))


# --------------------------------------------------------------------------- shared primitives


def alphanumeric_and_underscore(name: str) -> str:
    """The Bulk CDK's ``toAlphanumericAndUnderscore`` (docs/airbyte/destination-names.md §1 step B).

    NFKD and drop combining marks (``café`` -> ``cafe``), each run of whitespace -> one ``_``,
    then every other character outside ``[A-Za-z0-9_]`` -> ``_``, one for one.

    >>> alphanumeric_and_underscore("orders/2024-items"), alphanumeric_and_underscore("a  b")
    ('orders_2024_items', 'a_b')
    """
    decomposed = unicodedata.normalize("NFKD", name)
    unmarked = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return _NOT_ALPHANUMERIC_OR_UNDERSCORE.sub("_", _JAVA_WHITESPACE_RUN.sub("_", unmarked))


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode()``: a signed 32-bit hash over UTF-16 code units."""
    value = 0
    units = text.encode("utf-16-le")
    for index in range(0, len(units), 2):
        value = (31 * value + int.from_bytes(units[index : index + 2], "little")) & 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value


def _underscore_before_digit(name: str) -> str:
    return f"_{name}" if name[:1].isdigit() else name


# --------------------------------------------------------------------------- per destination


def snowflake_name(name: str) -> str:
    """Snowflake 4.x ``toSnowflakeCompatibleName`` (docs/airbyte/destination-names.md §3 Snowflake).

    Characters are kept (the SQL quotes every identifier); ``$ { }`` become ``_`` only when
    ``${`` occurs; then upper case. Airbyte also doubles ``"`` inside the name: that is SQL
    escaping, so the table itself keeps a single ``"`` (unconfirmed, §7).
    """
    if "${" in name:
        name = name.replace("$", "_").replace("{", "_").replace("}", "_")
    return name.upper()


def bigquery_table_name(name: str) -> str:
    """BigQuery ``convertStreamName``: alnum_us; a first char outside ``[A-Za-z_]`` gets ``_``."""
    converted = alphanumeric_and_underscore(name)
    return converted if re.match(r"[A-Za-z_]", converted) else f"_{converted}"


def bigquery_dataset_name(namespace: str) -> str:
    """BigQuery ``getNamespace``: alnum_us; a first char outside ``[A-Za-z0-9]`` gets ``n``.

    Datasets starting with ``_`` are hidden, hence ``n``
    (docs/airbyte/destination-names.md §3 BigQuery).
    """
    converted = alphanumeric_and_underscore(namespace)
    return converted if re.match(r"[A-Za-z0-9]", converted) else f"n{converted}"


def postgres_name(name: str) -> str:
    """Postgres 3.x ``toPostgresCompatibleName`` (docs/airbyte/destination-names.md §3 Postgres).

    alnum_us, ``_`` before a leading digit, case kept; over 63 characters: the first 54, ``_``
    and the last 8 characters of the decimal Java ``hashCode``.
    """
    converted = _underscore_before_digit(alphanumeric_and_underscore(name))
    if len(converted) > 63:
        converted = f"{converted[:54]}_{str(java_string_hash(converted))[-8:]}"
    return converted


def redshift_name(name: str) -> str:
    """Redshift 4.x ``toRedshiftCompatibleName`` (docs/airbyte/destination-names.md §3 Redshift).

    alnum_us, lower case, ``_`` before a leading digit; over 127 characters: the first 118,
    ``_`` and the last 8 hex digits of the unsigned Java ``hashCode``. (3.x: no ``_`` before a
    digit and no truncation; which major version a workspace runs is unconfirmed, §7.)
    """
    converted = _underscore_before_digit(alphanumeric_and_underscore(name).lower())
    if len(converted) > 127:
        digest = format(java_string_hash(converted) & 0xFFFFFFFF, "x")[-8:]
        converted = f"{converted[:118]}_{digest}"
    return converted


def databricks_name(name: str) -> str:
    """Databricks 4.x ``toDatabricksCompatibleNameLowercase``.

    alnum_us, ``_`` before a leading digit; over 255 characters: the first 246, ``_`` and the
    last 8 characters of the decimal Java ``hashCode``; then lower case ("Databricks downcases
    all object names"). See docs/airbyte/destination-names.md §3 Databricks.
    """
    converted = _underscore_before_digit(alphanumeric_and_underscore(name))
    if len(converted) > 255:
        converted = f"{converted[:246]}_{str(java_string_hash(converted))[-8:]}"
    return converted.lower()


def motherduck_table_name(name: str) -> str:
    """MotherDuck's ``LowerCaseNormalizer`` (docs/airbyte/destination-names.md §3 MotherDuck).

    Lower case, then every character outside ``[A-Za-z0-9]`` -> ``_`` one for one (no NFKD:
    ``café`` -> ``caf_``), ``_`` before a leading digit.
    """
    return _underscore_before_digit(_NOT_ALPHANUMERIC.sub("_", name.lower()))


def clickhouse_name(name: str) -> str:
    """ClickHouse ``toClickHouseCompatibleName``: alnum_us, ``_`` before a digit, case kept."""
    return _underscore_before_digit(alphanumeric_and_underscore(name))


def iceberg_glue_name(name: str) -> str:
    """S3 Data Lake with a Glue catalog: lower case, then alnum_us ("Glue requires lowercase")."""
    return alphanumeric_and_underscore(name.lower())


def _verbatim(name: str) -> str:
    return name


# --------------------------------------------------------------------------- the rule sets


@dataclass(frozen=True)
class DestinationNaming:
    """How one destination type names the schema and table a stream lands in.

    - ``table`` / ``schema`` / ``database``: the rewrite of each part;
    - ``uses_stream_namespace``: False where the destination ignores Airbyte's namespace
      (MotherDuck always writes to its configured schema);
    - ``namespace_is_database``: the namespace is a *database* and names have two parts
      (ClickHouse); its configured ``database`` is then the default namespace;
    - ``default_schema``: the connector's own default when the configuration has none;
    - ``renames_collisions``: a second stream whose normalised table is taken gets a hash
      suffix (the Bulk CDK's ``TableNameResolver``, docs/airbyte/destination-names.md §4).
    """

    destination_type: str
    quoting: IdentifierQuoting = ANSI_QUOTING
    table: Callable[[str], str] = _verbatim
    schema: Callable[[str], str] = _verbatim
    database: Callable[[str], str] = _verbatim
    uses_stream_namespace: bool = True
    namespace_is_database: bool = False
    default_schema: str | None = None
    renames_collisions: bool = False

    def table_name(self, name: str) -> str:
        """The table written for ``name`` (the connection's prefix + the stream name)."""
        # Empty only for a name of combining marks alone; Postgres and ClickHouse then pick a
        # random ``default_name_<uuid>`` (§3), which nobody can predict: keep the name.
        return self.table(name) or name

    def schema_name(
        self, namespace: str | None, configured_schema: str | None, configured_database: str | None
    ) -> str | None:
        """The schema (or dataset, or ClickHouse database) written for Airbyte's namespace.

        ``namespace`` None means "the destination's default"
        (docs/airbyte/destination-names.md §1 step A).
        """
        if not self.uses_stream_namespace:
            namespace = None
        configured = configured_database if self.namespace_is_database else configured_schema
        chosen = namespace or configured or self.default_schema
        return (self.schema(chosen) or chosen) if chosen else None

    def database_name(self, database: str | None) -> str | None:
        """The database, project or catalog part of the name; None where there is none."""
        if self.namespace_is_database or not database:
            return None
        return self.database(database)

    def collision_name(self, normalised_schema: str | None, name: str) -> str:
        """The name Airbyte retries with when ``name``'s table is taken (§4).

        ``sha1("<normalised namespace>&airbyte&<name>")[:3]`` appended to the *un-normalised*
        name, which is then normalised again by :meth:`table_name`.
        """
        digest = hashlib.sha1(f"{normalised_schema}&airbyte&{name}".encode()).hexdigest()[:3]
        return f"{name}_{digest}"


_NAMINGS = (
    # §3 Snowflake 4.x: schema and table uppercased, characters kept; so is the database.
    DestinationNaming(
        "snowflake",
        SNOWFLAKE_QUOTING,
        table=snowflake_name,
        schema=snowflake_name,
        database=snowflake_name,
        renames_collisions=True,
    ),
    # §3 BigQuery: project verbatim, dataset and table each by their own rule, case kept.
    DestinationNaming(
        "bigquery",
        BIGQUERY_QUOTING,
        table=bigquery_table_name,
        schema=bigquery_dataset_name,
        renames_collisions=True,
    ),
    # §3 Postgres 3.x: one rule for schema and table; quoted SQL keeps mixed case.
    DestinationNaming(
        "postgres",
        POSTGRES_QUOTING,
        table=postgres_name,
        schema=postgres_name,
        default_schema="public",
        renames_collisions=True,
    ),
    # §3 Redshift 4.x (Bulk CDK rewrite).
    DestinationNaming(
        "redshift",
        POSTGRES_QUOTING,
        table=redshift_name,
        schema=redshift_name,
        default_schema="public",
        renames_collisions=True,
    ),
    # §3 Databricks 4.x: catalog is config ``database``; Unity Catalog stores it in lower case
    # (whether Airbyte folds it is unconfirmed, §7); the default schema is ``default``.
    DestinationNaming(
        "databricks",
        BACKTICK_QUOTING,
        table=databricks_name,
        schema=databricks_name,
        database=str.lower,
        default_schema="default",
        renames_collisions=True,
    ),
    # §3 MotherDuck: the stream namespace is never used; config ``schema`` verbatim (``main``).
    DestinationNaming(
        "motherduck",
        ANSI_QUOTING,
        table=motherduck_table_name,
        uses_stream_namespace=False,
        default_schema="main",
    ),
    # §3 ClickHouse: ``database.table``; namespace else config ``database`` (``default``).
    DestinationNaming(
        "clickhouse",
        BACKTICK_QUOTING,
        table=clickhouse_name,
        schema=clickhouse_name,
        namespace_is_database=True,
        default_schema="default",
        renames_collisions=True,
    ),
    # §3 MSSQL (v2): ``[schema].[table]`` written verbatim; config ``schema`` defaults to public.
    DestinationNaming("mssql", MSSQL_QUOTING, default_schema="public"),
    DestinationNaming("mssql-v2", MSSQL_QUOTING, default_schema="public"),
    # §3 Iceberg / S3 Data Lake: verbatim for REST, Nessie and Polaris catalogs. A Glue catalog
    # lowercases (ICEBERG_GLUE below), but the catalog type is inside the configuration, which
    # AirbyteDestination does not keep, so the verbatim rule is the default.
    DestinationNaming("s3-data-lake", ANSI_QUOTING),
)

ICEBERG_GLUE = DestinationNaming(
    "s3-data-lake", ANSI_QUOTING, table=iceberg_glue_name, schema=iceberg_glue_name
)

NAMINGS: dict[str, DestinationNaming] = {naming.destination_type: naming for naming in _NAMINGS}


def destination_naming(destination_type: str | None) -> DestinationNaming:
    """The rules of ``destination_type``; names kept as they are for any other type.

    >>> destination_naming("").table_name("invoice line items")
    'invoice line items'
    """
    return NAMINGS.get(destination_type or "") or DestinationNaming(destination_type or "")
