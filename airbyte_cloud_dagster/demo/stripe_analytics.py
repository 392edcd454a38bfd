"""Revenue from the Stripe tables Airbyte lands, and a check that every synced row landed.

Two downstream assets read the warehouse (the sandbox's SQLite file, ``AIRBYTE_SANDBOX_WAREHOUSE``;
against a real warehouse they would be dbt models or queries through its resource):

- ``stripe_revenue_by_currency``: charges joined with customers (charges of unknown customers
  are left out, as a finance team would), revenue per currency in major units;
- ``stripe_revenue_by_month``: the same revenue per month and currency.

Stripe amounts are in the currency's minor unit (cents), except for zero-decimal currencies
such as JPY. The asset check ``rows_landed`` on ``raw/stripe_charges`` compares the rows the
connection's latest successful sync put in the warehouse with the ``rowsSynced`` Airbyte reported
for that job; ``Sandbox.lose_rows`` (or ``POST /_sandbox/connections/<id>/lose-rows``) makes it
fail.
"""

import os
import sqlite3
from collections.abc import Sequence

import dagster as dg

from airbyte_cloud_dagster import metadata as md
from airbyte_cloud_dagster.resource import AirbyteCloudResource

WAREHOUSE_ENV = "AIRBYTE_SANDBOX_WAREHOUSE"
CHARGES = dg.AssetKey(["raw", "stripe_charges"])
CUSTOMERS = dg.AssetKey(["raw", "stripe_customers"])
# The Stripe connection's tables in the sandbox warehouse (one quoted "<schema>.<table>" each).
STRIPE_TABLES = ("raw.stripe_charges", "raw.stripe_customers", "raw.stripe_balance_transactions")
ZERO_DECIMAL_CURRENCIES = frozenset({"bif", "clp", "jpy", "krw", "pyg", "vnd", "xaf", "xof"})

# Latest version of each customer (the sandbox appends deduped-history streams), then the
# charges of known customers per currency and month.
REVENUE_SQL = """
WITH customers AS (
    SELECT id, ROW_NUMBER() OVER (
        PARTITION BY id ORDER BY _airbyte_extracted_at DESC, _airbyte_job_id DESC
    ) AS version
    FROM "raw.stripe_customers"
),
charges AS (SELECT DISTINCT id, amount, currency, customer, created FROM "raw.stripe_charges")
SELECT charges.currency, strftime('%Y-%m', charges.created, 'unixepoch') AS month,
       COUNT(*) AS charges, COUNT(DISTINCT charges.customer) AS customers,
       SUM(charges.amount) AS amount
FROM charges JOIN customers ON customers.id = charges.customer AND customers.version = 1
GROUP BY 1, 2
ORDER BY 1, 2
"""


def warehouse_path() -> str:
    """The SQLite warehouse the demo's sandbox writes (a step failure if it is not set)."""
    path = os.environ.get(WAREHOUSE_ENV)
    if not path:
        raise dg.Failure(
            f"{WAREHOUSE_ENV} is not set: these assets read the local sandbox's warehouse; "
            "run them with `make demo` or `make materialize`."
        )
    return path


def major_units(amount: int, currency: str) -> float:
    """A Stripe amount in the currency's major unit: 2900 usd -> 29.0, 4000 jpy -> 4000.0."""
    return float(amount) if currency.lower() in ZERO_DECIMAL_CURRENCIES else amount / 100


def revenue_rows(path: str) -> list[tuple[str, str, int, int, float]]:
    """(currency, month, charges, paying customers, revenue in major units), by currency, month."""
    with sqlite3.connect(path) as warehouse:
        rows = warehouse.execute(REVENUE_SQL).fetchall()
    return [
        (currency, month, charges, customers, round(major_units(amount, currency), 2))
        for currency, month, charges, customers, amount in rows
    ]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@dg.asset(deps=[CHARGES, CUSTOMERS], kinds={"python", "sqlite"}, group_name="analytics")
def stripe_revenue_by_currency(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Revenue per currency: Stripe charges joined with the customers they belong to."""
    totals: dict[str, list[float]] = {}
    for currency, _, charges, _, revenue in revenue_rows(warehouse_path()):
        total = totals.setdefault(currency.upper(), [0, 0.0])
        total[0] += charges
        total[1] = round(total[1] + revenue, 2)
    context.log.info(f"Revenue by currency: { {c: t[1] for c, t in totals.items()} }")
    table = [(currency, count, f"{revenue:,.2f}") for currency, (count, revenue) in totals.items()]
    return dg.MaterializeResult(
        metadata={
            "charges": int(sum(t[0] for t in totals.values())),
            "currencies": len(totals),
            "revenue": dg.MetadataValue.json({c: t[1] for c, t in totals.items()}),
            "by_currency": dg.MetadataValue.md(
                markdown_table(["currency", "charges", "revenue"], table)
            ),
            md.ROW_COUNT: len(totals),
        }
    )


@dg.asset(deps=[CHARGES, CUSTOMERS], kinds={"python", "sqlite"}, group_name="analytics")
def stripe_revenue_by_month(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Revenue per month and currency, from the same join of charges and customers."""
    rows = revenue_rows(warehouse_path())
    table = [
        (month, currency.upper(), charges, customers, f"{revenue:,.2f}")
        for currency, month, charges, customers, revenue in sorted(rows, key=lambda r: r[1])
    ]
    months = sorted({row[1] for row in rows})
    context.log.info(f"Revenue for {len(months)} months in {len({r[0] for r in rows})} currencies")
    return dg.MaterializeResult(
        metadata={
            "months": len(months),
            "first_month": months[0] if months else "",
            "last_month": months[-1] if months else "",
            "by_month": dg.MetadataValue.md(
                markdown_table(["month", "currency", "charges", "customers", "revenue"], table)
            ),
            md.ROW_COUNT: len(rows),
        }
    )


def landed_rows(path: str, tables: Sequence[str], job_id: int) -> dict[str, int]:
    """Rows of each table that the given Airbyte job wrote (``_airbyte_job_id``)."""
    counts = {}
    with sqlite3.connect(path) as warehouse:
        for table in tables:
            ident = '"' + table.replace('"', '""') + '"'
            query = f"SELECT COUNT(*) FROM {ident} WHERE _airbyte_job_id = ?"
            try:
                (counts[table],) = warehouse.execute(query, (job_id,)).fetchone()
            except sqlite3.OperationalError:  # the table was never created
                counts[table] = 0
    return counts


def build_rows_landed_check(
    airbyte_tables: Sequence[dg.AssetsDefinition],
) -> list[dg.AssetChecksDefinition]:
    """The ``rows_landed`` check on ``raw/stripe_charges``, if that asset was loaded."""
    specs = [spec for assets_def in airbyte_tables for spec in assets_def.specs]
    charges = next((spec for spec in specs if spec.key == CHARGES), None)
    if charges is None:
        return []
    connection_id = str(charges.metadata[md.CONNECTION_ID])

    @dg.asset_check(
        asset=CHARGES,
        name="rows_landed",
        description=(
            "Every row Airbyte reported for the Stripe connection's latest successful sync "
            "is in the warehouse (rows landed by that job = its rowsSynced)."
        ),
    )
    def rows_landed(airbyte: AirbyteCloudResource) -> dg.AssetCheckResult:
        jobs = airbyte.get_client().list_jobs(
            connection_id=connection_id,
            job_type="sync",
            status="succeeded",
            order_by="createdAt|DESC",
            limit=1,
        )
        if not jobs:
            return dg.AssetCheckResult(
                passed=False, description="The connection has no successful sync yet."
            )
        job = jobs[0]
        landed = landed_rows(warehouse_path(), STRIPE_TABLES, job.job_id)
        reported, total = job.rows_synced or 0, sum(landed.values())
        return dg.AssetCheckResult(
            passed=total == reported,
            description=(
                f"Airbyte job {job.job_id} reported {reported} rows; {total} landed"
                + ("." if total == reported else f": {reported - total} rows are missing.")
            ),
            metadata={
                md.JOB_ID: dg.MetadataValue.text(str(job.job_id)),
                "rows_reported": reported,
                "rows_landed": total,
                "rows_missing": reported - total,
                "landed_by_table": dg.MetadataValue.json(landed),
            },
        )

    return [rows_landed]
