"""Publish an immutable, read-only serving snapshot and switch the dashboard to it atomically.

DuckDB allows one read-write process per file, and the pipeline is that process for the working
warehouse. The dashboard therefore never opens the working file: it reads the snapshot named in
``serving.json``. A new snapshot is fully written under a fresh name before the pointer is replaced
with ``os.replace`` (atomic on POSIX), so a reader sees the old snapshot or the new one, never half of
one; a failed run never reaches this step and the last good snapshot keeps serving.

Each publish also tidies the folder: files a killed publish left half-written (``*.partial``, a
pointer's ``.tmp``) go, and of the complete snapshots only the newest ``RCM_SERVING_SNAPSHOTS_KEPT``
stay, never the one the pointer names nor the one it named before (a dashboard session may still be
reading it). Publishes never overlap (the run queue lets one warehouse writer run at a time).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from core.settings import get_orchestration_settings, get_warehouse_engine_settings
from dagster_project.warehouse import DuckDBWarehouse, Warehouse

# Ingest bookkeeping the dashboard shows (what was quarantined and why, which delivery replaced which).
PUBLISHED_TABLES = {
    "ingest.quarantine": "ingest_quarantine",
    "ingest.file_ledger": "ingest_file_ledger",
    "ingest.file_supersessions": "ingest_file_supersessions",
}


@dataclass(frozen=True)
class PublishResult:
    snapshot_path: Path
    tables: dict[str, int]


def read_pointer(pointer: Path) -> dict | None:
    try:
        return json.loads(pointer.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def publish_snapshot(
    warehouse_path: Path, pointer: Path, as_of_date: date, run_id: str, models: Warehouse | None = None
) -> PublishResult:
    """Snapshot the marts (from `models`, the warehouse dbt built in; default the DuckDB file itself) and the
    ingest bookkeeping (always the DuckDB file at `warehouse_path`)."""
    snapshots_dir = pointer.parent / "snapshots"
    snapshots_dir.mkdir(parents=True, exist_ok=True)
    _remove_partial_files(snapshots_dir, pointer)
    previous = read_pointer(pointer)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = snapshots_dir / f"serving_{stamp}_{run_id[:8]}.duckdb"
    partial = final.with_suffix(".partial")

    con = duckdb.connect(str(partial), config=get_warehouse_engine_settings().duckdb_config())
    try:
        tables = _copy_tables(con, warehouse_path, models or DuckDBWarehouse(warehouse_path))
    except BaseException:
        con.close()
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    os.replace(partial, final)

    payload = {
        "snapshot_path": str(final),
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_of_date": as_of_date.isoformat(),
        "run_id": run_id,
        "tables": tables,
    }
    staging = pointer.with_suffix(".json.tmp")
    staging.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    os.replace(staging, pointer)
    keep = {final} | ({Path(previous["snapshot_path"])} if previous else set())
    _prune(snapshots_dir, keep=keep, kept=get_orchestration_settings().serving_snapshots_kept)
    return PublishResult(final, tables)


def _copy_tables(con, warehouse_path: Path, models: Warehouse) -> dict[str, int]:
    if not warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}: nothing to publish")
    con.execute(f"attach '{warehouse_path}' as wh (read_only)")
    listed = con.execute("select schema_name, table_name from duckdb_tables() where database_name = 'wh'").fetchall()
    present = {f"{schema}.{name}" for schema, name in listed}
    targets = models.copy_marts(con, "wh")  # marts keep their model names
    for source, target in sorted(PUBLISHED_TABLES.items()):
        if source in present:
            con.execute(f'create table main."{target}" as select * from wh.{source}')
            targets.append(target)
    tables = {target: con.execute(f'select count(*) from main."{target}"').fetchone()[0] for target in sorted(targets)}
    con.execute("detach wh")
    con.execute("checkpoint")
    return tables


def _remove_partial_files(snapshots_dir: Path, pointer: Path) -> None:
    # Only a publish that was killed leaves these: a failed one removes its own partial file.
    for leftover in [
        *snapshots_dir.glob("*.partial"),
        *snapshots_dir.glob("*.partial.wal"),
        pointer.with_suffix(".json.tmp"),
    ]:
        leftover.unlink(missing_ok=True)


def _prune(snapshots_dir: Path, keep: set[Path], kept: int) -> None:
    # Older snapshots stay a while so a dashboard session that opened one can finish its query.
    snapshots = sorted(snapshots_dir.glob("serving_*.duckdb"), key=lambda p: p.name, reverse=True)
    keep_resolved = {path.resolve() for path in keep}
    for old in snapshots[kept:]:
        if old.resolve() not in keep_resolved:
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".wal").unlink(missing_ok=True)
