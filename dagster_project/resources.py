"""Dagster resources: the warehouse (the pipeline is its only writer) and the action ledger.

Each field an RCM_* variable sets is given as ``dg.EnvVar`` when the variable is set, so the Dagster UI
shows where the value comes from and Dagster reads it when a run starts; an empty field falls back to
core.settings, which holds every default (paths relative to the project root).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from core.settings import PROJECT_ROOT, get_settings, get_warehouse_engine_settings
from dagster_project.warehouse import PostgresWarehouse, Warehouse, get_warehouse


def from_environment(variable: str) -> dg.EnvVar | str:
    """A resource field read from ``variable`` when it is set; empty (the settings default) otherwise."""
    return dg.EnvVar(variable) if os.environ.get(variable) else ""


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB file ingest writes (empty path = the RCM_DUCKDB_PATH setting), and the warehouse dbt
    builds in (RCM_WAREHOUSE: the same file, or PostgreSQL; dagster_project/warehouse)."""

    path: str = ""

    @property
    def resolved_path(self) -> Path:
        if not self.path:
            return get_settings().warehouse_path
        path = Path(self.path)
        return path if path.is_absolute() else PROJECT_ROOT / path

    @contextmanager
    def connect(self, read_only: bool = False):
        target = self.resolved_path
        target.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(target), read_only=read_only, config=get_warehouse_engine_settings().duckdb_config())
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def models(self):
        """A read connection to the built models: this DuckDB file, or the server warehouse dbt built in. Both
        answer `.execute(sql)` with a cursor that has `.description` and `.fetchall()`."""
        warehouse = get_warehouse(self.resolved_path)
        if isinstance(warehouse, PostgresWarehouse):
            with warehouse.connect(autocommit=True) as con:
                yield con
        else:
            with self.connect(read_only=True) as con:
                yield con

    def models_warehouse(self) -> Warehouse:
        return get_warehouse(self.resolved_path)


class LedgerResource(dg.ConfigurableResource):
    """The transactional action ledger. Empty url = the RCM_LEDGER_URL setting."""

    url: str = ""

    def open(self):
        from ledger import Ledger

        url = self.url or get_settings().ledger_url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return Ledger(url)


def pipeline_resources() -> dict[str, dg.ConfigurableResource]:
    """The warehouse and the ledger as the pipeline's Definitions carry them."""
    return {
        "warehouse": WarehouseResource(path=from_environment("RCM_DUCKDB_PATH")),
        "ledger": LedgerResource(url=from_environment("RCM_LEDGER_URL")),
    }
