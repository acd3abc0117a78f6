"""What every warehouse offers the pipeline (see the package docstring)."""

from __future__ import annotations

from typing import Protocol

import duckdb

# Schemas dbt reads as sources: the raw tables of every source and the ingest bookkeeping.
RAW_SCHEMA_PREFIX = "raw_"
INGEST_SCHEMA = "ingest"
# The schema of the models publish copies into the serving snapshot.
MARTS_SCHEMA = "marts"


class Warehouse(Protocol):
    kind: str

    def prepare_models(self) -> dict[str, int]:
        """Make the raw tables of the working DuckDB file available to dbt; rows copied by table."""

    def missing_tables(self, tables: list[tuple[str, str]]) -> list[str]:
        """Which of these (schema, table) dbt relations the warehouse does not hold, as "schema.table"."""

    def mart_fingerprints(self, snapshot: duckdb.DuckDBPyConnection, duckdb_alias: str) -> dict[str, str]:
        """marts table -> a digest of its columns, row count and content (order-free), computed where the table
        lives: publish copies only the tables whose digest differs from the previous snapshot's."""

    def copy_marts(
        self, snapshot: duckdb.DuckDBPyConnection, duckdb_alias: str, only: set[str] | None = None
    ) -> list[str]:
        """Copy the marts tables (every one, or those named in `only`) into `snapshot` (schema main, same names)
        and return their names; the working DuckDB file is attached to `snapshot` as `duckdb_alias`."""
