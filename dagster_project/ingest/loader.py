"""Load one source's inbox into the warehouse: the same steps for CSV extracts and X12 remits.

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

X12_SUFFIXES = {".835", ".837", ".x12", ".edi", ".txt", ".era"}

LEDGER_DDL = """
create schema if not exists ingest;
create table if not exists ingest.file_ledger (
    file_sha256 varchar primary key,
    source varchar not null,
    file_name varchar not null,
    entity varchar,
    status varchar not null,          -- loaded | loaded_with_rejects | rejected
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
        "insert into ingest.file_ledger values (?, ?, ?, ?, ?, ?, ?, ?)",
        [sha, source, outcome.file_name, outcome.entity, outcome.status, outcome.rows_loaded,
         outcome.rows_quarantined, received_at],
    )
    if entries:
        con.executemany(
            "insert into ingest.quarantine values (?, ?, ?, ?, ?, ?)",
            [[e.source, e.file_name, e.file_sha256, e.line_number, e.reason, e.quarantined_at] for e in entries],
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


def _x12_reason(issue) -> str:
    where = f"segment {issue.segment_position}" if issue.segment_position else "file"
    segment = f" ({issue.segment_id})" if issue.segment_id else ""
    return f"{issue.file_name}: {where}{segment}: {issue.message}"


def _load_x12(con, path: Path, data: bytes, source: str, sha: str, received_at, with_pyx12: bool):
    from dagster_project.ingest.x12 import validate_with_pyx12
    from dagster_project.ingest.x12.readers import READERS, detect_transaction_set

    transaction_set = detect_transaction_set(data, path.name)
    reader = READERS.get(transaction_set or "")
    if reader is None:
        from dagster_project.ingest.x12 import parse_835

        if transaction_set is None:
            # Not readable as X12 at all: let the 835 reader say precisely why (envelope, truncation).
            reader_issues = [i for i in parse_835(data, path.name).issues if i.severity == "error"]
            reasons = [_x12_reason(i) for i in reader_issues] or [f"{path.name}: no ST segment: not an X12 transaction"]
        else:
            reasons = [f"{path.name}: transaction set {transaction_set} is not read here "
                       f"(supported: {', '.join(sorted(READERS))})"]
        return FileOutcome(path.name, None, "rejected"), reasons, {}, []

    parsed = reader.parse(data, path.name)
    issues = list(parsed.issues)
    if with_pyx12 and not parsed.is_rejected:
        # Implementation-guide validation is optional: ~2 ms per claim, too slow to run on every
        # delivery by default; the reader's structural checks always run.
        issues += validate_with_pyx12(path)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        reasons = [_x12_reason(i) for i in errors]
        entries = [
            QuarantineEntry(source, path.name, sha, i.segment_position, reason, received_at)
            for i, reason in zip(errors, reasons)
        ]
        return FileOutcome(path.name, reader.entity, "rejected"), reasons, {}, entries
    counts = {}
    lineage = {"_file_name": path.name, "_file_sha256": sha, "_loaded_at": received_at}
    for table, columns in reader.tables.items():
        rows = [{**r, "_line_number": r.get("_segment_position")} for r in parsed.tables.get(table, [])]
        _append(con, f"raw_clearinghouse.{table}", columns, rows, lineage)
        counts[f"raw_clearinghouse.{table}"] = len(rows)
    # Warnings (unbalanced claims, unknown segments) are recorded but the data loads: flagged, not dropped.
    warnings = [
        QuarantineEntry(source, path.name, sha, i.segment_position, f"warning: {_x12_reason(i)}", received_at)
        for i in issues if i.severity != "error"
    ]
    loaded = counts.get(f"raw_clearinghouse.{reader.count_table}", 0)
    return FileOutcome(path.name, reader.entity, "loaded", loaded, 0), [], counts, warnings


def load_source(con, source: str, inbox_dir: Path, quarantine_dir: Path, *, validate_x12_with_pyx12: bool = False
                ) -> SourceLoadReport:
    """Load every new file of one source. Safe to run again: seen files are skipped by content hash."""
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
            if source == "clearinghouse":
                if path.suffix.lower() not in X12_SUFFIXES:
                    outcome, reasons, counts, entries = (
                        FileOutcome(path.name, None, "rejected"),
                        [f"{path.name}: not an X12 file name (expected one of {sorted(X12_SUFFIXES)})"], {}, [],
                    )
                else:
                    outcome, reasons, counts, entries = _load_x12(
                        con, path, data, source, sha, received_at, validate_x12_with_pyx12)
            else:
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
