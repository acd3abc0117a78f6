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

    def copy_marts(self, snapshot: duckdb.DuckDBPyConnection, duckdb_alias: str) -> list[str]:
        listed = snapshot.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = ? order by 1",
            [duckdb_alias, MARTS_SCHEMA],
        ).fetchall()
        for (name,) in listed:
            snapshot.execute(f'create table main."{name}" as select * from {duckdb_alias}.{MARTS_SCHEMA}."{name}"')
        return [name for (name,) in listed]
