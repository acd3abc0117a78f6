"""The embedded default: dbt builds in the same DuckDB file ingest writes."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.warehouse.base import MARTS_SCHEMA


class DuckDBWarehouse:
    kind = "duckdb"

    def __init__(self, path: Path):
        self.path = Path(path)

    def prepare_models(self) -> dict[str, int]:
        return {}  # dbt reads the raw tables where ingest wrote them

    def missing_tables(self, tables: list[tuple[str, str]]) -> list[str]:
        held: set[tuple[str, str]] = set()
        if self.path.is_file():
            with duckdb.connect(str(self.path), read_only=True) as con:
                held = set(con.execute("select schema_name, table_name from duckdb_tables()").fetchall())
        return [f"{schema}.{table}" for schema, table in tables if (schema, table) not in held]

    def mart_fingerprints(self, snapshot: duckdb.DuckDBPyConnection, duckdb_alias: str) -> dict[str, str]:
        return {
            name: duckdb_table_fingerprint(snapshot, duckdb_alias, MARTS_SCHEMA, name)
            for name in _marts(snapshot, duckdb_alias)
        }

    def copy_marts(
        self, snapshot: duckdb.DuckDBPyConnection, duckdb_alias: str, only: set[str] | None = None
    ) -> list[str]:
        names = [name for name in _marts(snapshot, duckdb_alias) if only is None or name in only]
        for name in names:
            snapshot.execute(f'create table main."{name}" as select * from {duckdb_alias}.{MARTS_SCHEMA}."{name}"')
        return names


def _marts(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    listed = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ? order by 1",
        [database, MARTS_SCHEMA],
    ).fetchall()
    return [name for (name,) in listed]


def duckdb_table_fingerprint(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> str:
    """Column names and types, row count and the sum of the rows' hashes: equal digests mean the same rows (in any
    order), with a chance of a false match far below that of a disk error. One scan, nothing written."""
    columns = con.execute(
        "select string_agg(column_name || ' ' || data_type, ', ' order by column_index) from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [database, schema, table],
    ).fetchone()[0]
    rows, content = con.execute(
        f'select count(*), coalesce(sum(hash(t)::hugeint), 0) from {database}."{schema}"."{table}" as t'
    ).fetchone()
    return f"{columns}|{rows}|{content}"
