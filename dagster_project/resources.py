"""Dagster resources: the warehouse (the pipeline is its only writer) and the action ledger."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from core.settings import get_settings
from dagster_project.warehouse import PostgresWarehouse, Warehouse, get_warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB file ingest writes (empty path = the RCM_DUCKDB_PATH setting), and the warehouse dbt
    builds in (RCM_WAREHOUSE: the same file, or PostgreSQL; dagster_project/warehouse)."""

    path: str = ""

    @property
    def resolved_path(self) -> Path:
        return Path(self.path) if self.path else get_settings().warehouse_path

    @contextmanager
    def connect(self, read_only: bool = False):
        target = self.resolved_path
        target.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(target), read_only=read_only)
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
