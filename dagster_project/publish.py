"""Publish an immutable, read-only serving snapshot and switch the dashboard to it atomically.

DuckDB allows one read-write process per file, and the pipeline is that process for the working
warehouse. The dashboard therefore never opens the working file: it reads the snapshot named in
``serving.json``. A new snapshot is fully written under a fresh name before the pointer is replaced
with ``os.replace`` (atomic on POSIX), so a reader sees the old snapshot or the new one, never half of
one; a failed run never reaches this step and the last good snapshot keeps serving. A publish copies only the
tables that changed since the previous snapshot (``publish_snapshot``), so a quiet day costs a file copy.

Each publish also tidies the folder: files a killed publish left half-written (``*.partial``, a
pointer's ``.tmp``) go, and of the complete snapshots only the newest ``RCM_SERVING_SNAPSHOTS_KEPT``
stay, never the one the pointer names nor the one it named before (a dashboard session may still be
reading it). Publishes never overlap (the run queue lets one warehouse writer run at a time).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from core.settings import get_orchestration_settings, get_warehouse_engine_settings
from dagster_project.warehouse import DuckDBWarehouse, Warehouse
from dagster_project.warehouse.duckdb_warehouse import duckdb_table_fingerprint

# Ingest bookkeeping the dashboard shows (what was quarantined and why, which delivery replaced which).
PUBLISHED_TABLES = {
    "ingest.quarantine": "ingest_quarantine",
    "ingest.file_ledger": "ingest_file_ledger",
    "ingest.file_supersessions": "ingest_file_supersessions",
}


# A snapshot copied forward whose free blocks exceed this share of its used ones is not copied again.
MAX_FREE_SHARE = 0.5


@dataclass(frozen=True)
class PublishResult:
    snapshot_path: Path
    tables: dict[str, int]  # row count by snapshot table
    copied: list[str] = field(default_factory=list)  # tables copied from the warehouse this time
    reused: list[str] = field(default_factory=list)  # tables unchanged since the previous snapshot, not copied


def read_pointer(pointer: Path) -> dict | None:
    try:
        return json.loads(pointer.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def publish_snapshot(
    warehouse_path: Path, pointer: Path, as_of_date: date, run_id: str, models: Warehouse | None = None
) -> PublishResult:
    """Snapshot the marts (from `models`, the warehouse dbt built in; default the DuckDB file itself) and the
    ingest bookkeeping (always the DuckDB file at `warehouse_path`).

    Only what changed is copied: every table's digest (columns, rows, content) is computed where it lives and
    compared with the digests the pointer recorded for the previous snapshot. When some tables match, the new
    snapshot starts as a file copy of the previous one and only the other tables are replaced in it; the result
    is the same as a copy of every table, under a fresh name, switched in the same way."""
    if not warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse_path}: nothing to publish")
    models = models or DuckDBWarehouse(warehouse_path)
    snapshots_dir = pointer.parent / "snapshots"
    snapshots_dir.mkdir(parents=True, exist_ok=True)
    _remove_partial_files(snapshots_dir, pointer)
    previous = read_pointer(pointer)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = snapshots_dir / f"serving_{stamp}_{run_id[:8]}.duckdb"
    partial = final.with_suffix(".partial")

    config = get_warehouse_engine_settings().duckdb_config()
    with duckdb.connect(config=config) as scratch:
        fingerprints = _fingerprints(scratch, warehouse_path, models)
    reused = _reusable(previous, fingerprints)
    try:
        if reused:
            shutil.copyfile(previous["snapshot_path"], partial)
        with duckdb.connect(str(partial), config=config) as con:
            tables = _copy_tables(con, warehouse_path, models, fingerprints, set(reused))
    except BaseException:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
        raise
    os.replace(partial, final)

    payload = {
        "snapshot_path": str(final),
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_of_date": as_of_date.isoformat(),
        "run_id": run_id,
        "tables": tables,
        "fingerprints": fingerprints,
    }
    staging = pointer.with_suffix(".json.tmp")
    staging.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    os.replace(staging, pointer)
    keep = {final} | ({Path(previous["snapshot_path"])} if previous else set())
    _prune(snapshots_dir, keep=keep, kept=get_orchestration_settings().serving_snapshots_kept)
    return PublishResult(final, tables, copied=sorted(set(tables) - set(reused)), reused=sorted(reused))


def _fingerprints(con, warehouse_path: Path, models: Warehouse) -> dict[str, str]:
    """snapshot table -> digest, for every table a publish would copy."""
    con.execute(f"attach '{warehouse_path}' as wh (read_only)")
    fingerprints = models.mart_fingerprints(con, "wh")
    for source, target in sorted(PUBLISHED_TABLES.items()):
        schema, name = source.split(".")
        if con.execute(
            "select count(*) from duckdb_tables() where database_name = 'wh' and schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]:
            fingerprints[target] = duckdb_table_fingerprint(con, "wh", schema, name)
    con.execute("detach wh")
    return fingerprints


def _reusable(previous: dict | None, fingerprints: dict[str, str]) -> list[str]:
    """The tables the previous snapshot holds exactly as they are now; none when its file is gone, was never
    fingerprinted, or carries more free space than `MAX_FREE_SHARE` of what it holds (tables replaced in a copied
    file leave their old blocks free: a fresh file then compacts it)."""
    if not previous or not Path(previous["snapshot_path"]).is_file():
        return []
    with duckdb.connect(previous["snapshot_path"], read_only=True) as con:
        free, used = con.execute("select free_blocks, used_blocks from pragma_database_size()").fetchone()
    if free > MAX_FREE_SHARE * used:
        return []
    recorded = previous.get("fingerprints", {})
    return sorted(name for name, digest in fingerprints.items() if recorded.get(name) == digest)


def _copy_tables(con, warehouse_path: Path, models: Warehouse, fingerprints: dict[str, str], reused: set[str]):
    """Make the snapshot `con` hold exactly the tables of `fingerprints`: those in `reused` are already there
    (a copy of the previous snapshot), the rest are copied from the warehouse; row counts by table."""
    held = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    for stale in sorted(held - reused):  # changed since, or no longer built
        con.execute(f'drop table main."{stale}"')
    con.execute(f"attach '{warehouse_path}' as wh (read_only)")
    marts = {name for name in fingerprints if name not in PUBLISHED_TABLES.values()}
    models.copy_marts(con, "wh", only=marts - reused)  # marts keep their model names
    for source, target in sorted(PUBLISHED_TABLES.items()):
        if target in fingerprints and target not in reused:
            con.execute(f'create table main."{target}" as select * from wh.{source}')
    tables = {
        target: con.execute(f'select count(*) from main."{target}"').fetchone()[0] for target in sorted(fingerprints)
    }
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
