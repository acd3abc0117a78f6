"""Load one source's inbox into the warehouse: CSV extracts here, the clearinghouse's X12 in ``x12_loader``.

For every file: hash its bytes; a hash already in the file ledger is a re-delivery and changes
nothing; otherwise validate, append good rows to the raw tables, quarantine the rest with reasons,
and record the file in the ledger. One transaction per file, so a crash never half-loads a file.

A CSV file replaces an earlier delivery when it is a new version of it: the same file name with new
bytes, or ``<stem>.correction.csv`` / ``<stem>.correction-<tag>.csv`` naming ``<stem>.csv``. The
replaced file is recorded in ``ingest.file_supersessions`` and staging ignores its rows, so a row the
correction leaves out is gone and a renumbered line is not counted twice.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dagster_project.contracts import contract_for_file
from dagster_project.ingest.csv_reader import FileRejected, read_contract_csv
from dagster_project.ingest.inbox_files import InboxFiles
from dagster_project.ingest.quarantine import (
    QuarantineEntry,
    now_utc,
    quarantine_rows,
    quarantine_whole_file,
)
from dagster_project.ingest.raw_schema import LINEAGE_COLUMNS, POLARS_TYPES, create_raw_tables, insert_frame, raw_table

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


@dataclass
class FileOutcome:
    file_name: str
    entity: str | None
    status: str  # loaded | loaded_with_rejects | rejected | duplicate
    rows_loaded: int = 0
    rows_quarantined: int = 0
    supersedes: list[str] = field(default_factory=list)  # earlier deliveries this file replaced
    superseded_by: str | None = None  # a correction that arrived before this file replaces it at once


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


_CORRECTION_MARKER = re.compile(r"\.correction(?:-[A-Za-z0-9_]+)?(?=\.csv$)", re.IGNORECASE)


def is_correction(file_name: str) -> bool:
    return _CORRECTION_MARKER.search(file_name) is not None


def delivered_as(file_name: str) -> str:
    """The delivery a CSV file is a version of: its own name, or the name its correction marker points at."""
    return _CORRECTION_MARKER.sub("", file_name)


def _version_order(file_name: str, received_at) -> tuple:
    # A correction outranks the plain file even when the plain file arrives after it; then arrival order.
    return (is_correction(file_name), received_at, file_name)


def _supersede(con, source: str, outcome: FileOutcome, sha: str, received_at) -> None:
    """Keep one current version per delivered name: every other loaded version is superseded by the newest."""
    name = delivered_as(outcome.file_name)
    versions = [
        (file_sha, file_name, at)
        for file_sha, file_name, at in con.execute(
            "select file_sha256, file_name, received_at from ingest.file_ledger where source = ? "
            "and status in ('loaded', 'loaded_with_rejects') "
            "and file_sha256 not in (select superseded_sha256 from ingest.file_supersessions)",
            [source],
        ).fetchall()
        if delivered_as(file_name) == name
    ]
    if len(versions) < 2:
        return
    winner = max(versions, key=lambda v: _version_order(v[1], v[2]))
    losers = [v for v in versions if v[0] != winner[0]]
    con.executemany(
        "insert into ingest.file_supersessions values (?, ?, ?, ?, ?, ?, ?)",
        [
            [loser_sha, loser_name, winner[0], winner[1], source, outcome.entity, received_at]
            for loser_sha, loser_name, _ in losers
        ],
    )
    if winner[0] == sha:
        outcome.supersedes = sorted(loser_name for _, loser_name, _ in losers)
    else:
        outcome.superseded_by = winner[1]


def ensure_ingest_tables(con) -> None:
    con.execute(LEDGER_DDL)
    create_raw_tables(con)


def _append(con, table: str, columns: dict[str, str], rows: list[dict], lineage: dict) -> None:
    if not rows:
        return
    schema = {name: POLARS_TYPES[sql] for name, sql in columns.items()}
    frame = pl.DataFrame(
        [{**{k: r.get(k) for k in columns}, **lineage, "_line_number": r["_line_number"]} for r in rows],
        schema={**schema, **{k: POLARS_TYPES[v] for k, v in LINEAGE_COLUMNS.items()}},
        strict=False,
    )
    insert_frame(con, table, frame)


def _record(con, outcome: FileOutcome, source: str, sha: str, received_at, entries: list[QuarantineEntry]) -> None:
    con.execute(
        "insert into ingest.file_ledger (file_sha256, source, file_name, entity, status, rows_loaded, "
        "rows_quarantined, received_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            sha,
            source,
            outcome.file_name,
            outcome.entity,
            outcome.status,
            outcome.rows_loaded,
            outcome.rows_quarantined,
            received_at,
        ],
    )
    if entries:
        con.executemany(
            "insert into ingest.quarantine (source, file_name, file_sha256, line_number, reason, quarantined_at, "
            "severity) values (?, ?, ?, ?, ?, ?, ?)",
            [
                [e.source, e.file_name, e.file_sha256, e.line_number, e.reason, e.quarantined_at, e.severity]
                for e in entries
            ],
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
    insert_frame(con, table, frame)


def _load_csv(con, path: Path, data: bytes, source: str, sha: str, quarantine_dir: Path, received_at):
    contract = contract_for_file(source, delivered_as(path.name))  # "visits.correction.csv" is a visits file
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


def load_source(
    con, source: str, inbox_dir: Path, quarantine_dir: Path, *, validate_x12_with_pyx12: bool = False
) -> SourceLoadReport:
    """Load every new file of one source. Safe to run again: seen files are skipped by content hash."""
    if source == "clearinghouse":
        from dagster_project.ingest.x12_loader import load_x12_source

        return load_x12_source(
            con, source, inbox_dir / source, quarantine_dir, validate_x12_with_pyx12=validate_x12_with_pyx12
        )
    ensure_ingest_tables(con)
    report = SourceLoadReport(source)
    source_dir = inbox_dir / source
    if not source_dir.is_dir():
        return report
    inbox = InboxFiles(con, source)
    files = [p for p in source_dir.iterdir() if p.is_file() and not p.name.startswith(".")]
    # A file before its corrections, whatever their names sort as.
    for path in sorted(files, key=lambda p: (delivered_as(p.name), is_correction(p.name), p.name)):
        delivery = inbox.unseen(path)
        if delivery is None:
            report.files.append(FileOutcome(path.name, None, "duplicate"))
            continue
        data, sha = delivery
        received_at = now_utc()
        con.execute("begin transaction")
        try:
            outcome, reasons, counts, entries = _load_csv(con, path, data, source, sha, quarantine_dir, received_at)
            if outcome.status == "rejected":
                quarantine_whole_file(path, quarantine_dir, source, sha, reasons)
                if not entries:
                    entries = [QuarantineEntry(source, path.name, sha, None, r, received_at) for r in reasons]
            _record(con, outcome, source, sha, received_at, entries)
            if source != "clearinghouse" and outcome.status != "rejected":
                _supersede(con, source, outcome, sha, received_at)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        inbox.seen.add(sha)
        for table, n in counts.items():
            report.rows_loaded_by_table[table] = report.rows_loaded_by_table.get(table, 0) + n
        report.files.append(outcome)
        log.info(
            "ingest %s/%s: %s (%d rows loaded, %d quarantined)",
            source,
            path.name,
            outcome.status,
            outcome.rows_loaded,
            outcome.rows_quarantined,
        )
    inbox.save(con)
    return report
