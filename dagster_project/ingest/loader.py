"""Load one source's inbox into the warehouse: CSV extracts here, the clearinghouse's X12 in ``x12_loader``.

For every file: hash its bytes; a hash already in the file ledger is a re-delivery and changes
nothing; otherwise validate, append good rows to the raw tables, quarantine the rest with reasons,
and record the file in the ledger. One transaction per file, so a crash never half-loads a file.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dagster_project.contracts import contract_for_file
from dagster_project.ingest.csv_reader import FileRejected, read_contract_csv
from dagster_project.ingest.quarantine import (
    QuarantineEntry, now_utc, quarantine_rows, quarantine_whole_file,
)
from dagster_project.ingest.raw_schema import LINEAGE_COLUMNS, column_types, create_raw_tables, raw_table

log = logging.getLogger(__name__)

LEDGER_DDL = """
create schema if not exists ingest;
create table if not exists ingest.file_ledger (
    file_sha256 varchar primary key,
    source varchar not null,
    file_name varchar not null,
    entity varchar,
    status varchar not null,          -- loaded | loaded_with_rejects | rejected | duplicate (X12: a re-sent remittance)
    rows_loaded integer not null,
    rows_quarantined integer not null,
    received_at timestamp not null
);
create table if not exists ingest.quarantine (
    source varchar not null,
    file_name varchar not null,
    file_sha256 varchar not null,
    line_number integer,
    reason varchar not null,
    quarantined_at timestamp not null
);
-- X12 files: transaction sets loaded, quarantined and re-sent, and what was wrong (x12_loader.py).
alter table ingest.file_ledger add column if not exists transactions_loaded integer;
alter table ingest.file_ledger add column if not exists transactions_quarantined integer;
alter table ingest.file_ledger add column if not exists transactions_duplicate integer;
alter table ingest.file_ledger add column if not exists duplicate_of varchar;  -- file_sha256 of the first delivery
alter table ingest.file_ledger add column if not exists summary varchar;
alter table ingest.quarantine add column if not exists severity varchar;  -- error (not loaded) | warning (loaded)
alter table ingest.quarantine add column if not exists transaction_set varchar;  -- X12 ST01
alter table ingest.quarantine add column if not exists transaction_control_number varchar;  -- X12 ST02
"""

_POLARS_TYPES = {
    "VARCHAR": pl.Utf8, "INTEGER": pl.Int32, "BOOLEAN": pl.Boolean, "DATE": pl.Date,
    "TIMESTAMP": pl.Datetime("us"), "DECIMAL(12, 2)": pl.Decimal(12, 2), "DECIMAL(9, 2)": pl.Decimal(9, 2),
}


@dataclass
class FileOutcome:
    file_name: str
    entity: str | None
    status: str  # loaded | loaded_with_rejects | rejected | duplicate
    rows_loaded: int = 0
    rows_quarantined: int = 0


@dataclass
class SourceLoadReport:
    source: str
    files: list[FileOutcome] = field(default_factory=list)
    rows_loaded_by_table: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


def ensure_ingest_tables(con) -> None:
    con.execute(LEDGER_DDL)
    create_raw_tables(con)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _append(con, table: str, columns: dict[str, str], rows: list[dict], lineage: dict) -> None:
    if not rows:
        return
    schema = {name: _POLARS_TYPES[sql] for name, sql in columns.items()}
    frame = pl.DataFrame(
        [{**{k: r.get(k) for k in columns}, **lineage, "_line_number": r["_line_number"]} for r in rows],
        schema={**schema, **{k: _POLARS_TYPES[v] for k, v in LINEAGE_COLUMNS.items()}},
        strict=False,
    )
    names = ", ".join(f'"{c}"' for c in frame.columns)
    con.register("incoming_rows", frame)
    try:
        con.execute(f"insert into {table} ({names}) select {names} from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _record(con, outcome: FileOutcome, source: str, sha: str, received_at, entries: list[QuarantineEntry]) -> None:
    con.execute(
        "insert into ingest.file_ledger (file_sha256, source, file_name, entity, status, rows_loaded, "
        "rows_quarantined, received_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [sha, source, outcome.file_name, outcome.entity, outcome.status, outcome.rows_loaded,
         outcome.rows_quarantined, received_at],
    )
    if entries:
        con.executemany(
            "insert into ingest.quarantine (source, file_name, file_sha256, line_number, reason, quarantined_at, "
            "severity) values (?, ?, ?, ?, ?, ?, ?)",
            [[e.source, e.file_name, e.file_sha256, e.line_number, e.reason, e.quarantined_at, e.severity]
             for e in entries],
        )


def _append_csv_rows(con, table: str, rows: pl.DataFrame, lineage: dict) -> None:
    """Bulk insert of a file's validated rows, with the lineage columns, through Arrow."""
    if rows.is_empty():
        return
    frame = rows.with_columns(
        pl.lit(lineage["_file_name"], dtype=pl.Utf8).alias("_file_name"),
        pl.lit(lineage["_file_sha256"], dtype=pl.Utf8).alias("_file_sha256"),
        pl.lit(lineage["_loaded_at"], dtype=pl.Datetime("us")).alias("_loaded_at"),
    )
    names = ", ".join(f'"{c}"' for c in frame.columns)
    con.register("incoming_rows", frame)
    try:
        con.execute(f"insert into {table} ({names}) select {names} from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _load_csv(con, path: Path, data: bytes, source: str, sha: str, quarantine_dir: Path, received_at):
    contract = contract_for_file(source, path.name)
    if contract is None:
        reason = f"{path.name}: the file name matches no {source} extract entity"
        return FileOutcome(path.name, None, "rejected"), [reason], {}, []
    try:
        result = read_contract_csv(data, path.name, contract)
    except FileRejected as exc:
        return FileOutcome(path.name, contract.__entity__, "rejected"), [str(exc)], {}, []
    table = raw_table(contract)
    lineage = {"_file_name": path.name, "_file_sha256": sha, "_loaded_at": received_at}
    _append_csv_rows(con, table, result.frame, lineage)
    entries = [
        QuarantineEntry(source, path.name, sha, line, reason, received_at) for line, _, reason in result.rejected
    ]
    if result.rejected:
        quarantine_rows(path, quarantine_dir, source, sha, result.header, result.rejected)
    status = "loaded_with_rejects" if result.rejected else "loaded"
    loaded = result.frame.height
    outcome = FileOutcome(path.name, contract.__entity__, status, loaded, len(result.rejected))
    return outcome, [], {table: loaded}, entries


def load_source(con, source: str, inbox_dir: Path, quarantine_dir: Path, *, validate_x12_with_pyx12: bool = False
                ) -> SourceLoadReport:
    """Load every new file of one source. Safe to run again: seen files are skipped by content hash."""
    if source == "clearinghouse":
        from dagster_project.ingest.x12_loader import load_x12_source

        return load_x12_source(con, source, inbox_dir / source, quarantine_dir,
                               validate_x12_with_pyx12=validate_x12_with_pyx12)
    ensure_ingest_tables(con)
    report = SourceLoadReport(source)
    source_dir = inbox_dir / source
    if not source_dir.is_dir():
        return report
    seen = {row[0] for row in con.execute("select file_sha256 from ingest.file_ledger").fetchall()}
    for path in sorted(p for p in source_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
        data = path.read_bytes()
        sha = _sha256(data)
        if sha in seen:
            report.files.append(FileOutcome(path.name, None, "duplicate"))
            continue
        received_at = now_utc()
        con.execute("begin transaction")
        try:
            outcome, reasons, counts, entries = _load_csv(con, path, data, source, sha, quarantine_dir, received_at)
            if outcome.status == "rejected":
                quarantine_whole_file(path, quarantine_dir, source, sha, reasons)
                if not entries:
                    entries = [QuarantineEntry(source, path.name, sha, None, r, received_at) for r in reasons]
            _record(con, outcome, source, sha, received_at, entries)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        seen.add(sha)
        for table, n in counts.items():
            report.rows_loaded_by_table[table] = report.rows_loaded_by_table.get(table, 0) + n
        report.files.append(outcome)
        log.info("ingest %s/%s: %s (%d rows loaded, %d quarantined)", source, path.name, outcome.status,
                 outcome.rows_loaded, outcome.rows_quarantined)
    return report
