"""The one seam between the pipeline and the warehouse dbt builds in (setting RCM_WAREHOUSE).

Ingest always lands in the working DuckDB file: validation, quarantine and the file ledger stay in one
place whichever warehouse runs the models. What differs is behind `Warehouse`:

- `prepare_models()`: before `dbt build`, make the raw tables visible where dbt runs (DuckDB: they are
  already there; PostgreSQL: the raw and ingest schemas are copied over with COPY).
- reading the built models (emitters, the NPPES check) goes through `WarehouseResource.models()`.
- `copy_marts(snapshot, ...)`: publish copies the marts into the DuckDB serving snapshot the dashboard reads,
  so the dashboard speaks DuckDB whatever the warehouse.
"""

from __future__ import annotations

from core.settings import get_warehouse_settings
from dagster_project.warehouse.base import Warehouse
from dagster_project.warehouse.duckdb_warehouse import DuckDBWarehouse
from dagster_project.warehouse.postgres_warehouse import PostgresWarehouse

__all__ = ["DuckDBWarehouse", "PostgresWarehouse", "Warehouse", "get_warehouse"]


def get_warehouse(duckdb_path) -> Warehouse:
    settings = get_warehouse_settings()
    if settings.kind == "postgres":
        return PostgresWarehouse(settings.pg_conninfo, duckdb_path)
    return DuckDBWarehouse(duckdb_path)
