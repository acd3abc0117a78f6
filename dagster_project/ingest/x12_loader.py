"""Load the clearinghouse inbox: X12 files routed by content, each transaction set loaded or quarantined
on its own, rows inserted in bulk.

For every file: hash its bytes (a hash already in the file ledger is a re-delivery and changes nothing);
read every transaction set with the reader of its ST01, whatever the file is called (``.835``,
``.271``, ``.dat``, ``.txt``, ...); load the transactions that read cleanly and quarantine the others
with their reasons; recognise a remittance re-sent in a new envelope (same payer, trace number and
amounts) and post it once; record the file in the ledger with what loaded and what was wrong.

Rows are gathered as Arrow columns over many files and inserted with one ``insert ... select`` per
table. A batch of files (their rows, ledger rows and quarantine rows) commits as one DuckDB transaction,
so a crash never half-loads a file: the files of an unfinished batch are simply read again next run.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

import pyarrow as pa

from dagster_project.ingest.loader import FileOutcome, SourceLoadReport, ensure_ingest_tables
from dagster_project.ingest.quarantine import QuarantineEntry, now_utc, quarantine_whole_file
from dagster_project.ingest.raw_schema import LINEAGE_COLUMNS, insert_frame
from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.reader_base import SEGMENT_POSITION_KEY, X12Reader, no_cyclic_gc
from dagster_project.ingest.x12.readers import READERS, parse_x12
from dagster_project.ingest.x12.result import DUPLICATE, LOADED, QUARANTINED, TransactionResult, X12ParseResult
from dagster_project.ingest.x12.validate import validate_with_pyx12
from dagster_project.ingest.x12.values import DecimalType

log = logging.getLogger(__name__)

BATCH_ROWS = 250_000  # rows gathered before a batch is written (memory stays in the tens of MB)
WARNINGS_IN_SUMMARY = 3


def _arrow_type(sql_type: str) -> pa.DataType:
    if sql_type.startswith("DECIMAL("):
        kind = DecimalType.of(sql_type)
        return pa.decimal128(kind.precision, kind.scale)
    return {
        "VARCHAR": pa.string(),
        "INTEGER": pa.int32(),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"),
    }[sql_type]


@dataclass
class X12FileOutcome(FileOutcome):
    """A file's ledger row: how many transaction sets loaded, were quarantined or re-sent a delivery."""

    transactions_loaded: int = 0
    transactions_quarantined: int = 0
    transactions_duplicate: int = 0
    duplicate_of: str | None = None  # file_sha256 of the first delivery of a re-sent remittance
    summary: str | None = None  # what loaded and what was wrong, in words (no patient values)


def _where(issue: X12Issue, transaction: TransactionResult | None) -> str:
    parts = []
    if transaction is not None:
        parts.append(f"transaction {transaction.transaction_set or '?'} {transaction.control_number or '?'}")
    if issue.segment_position is not None:
        parts.append(f"segment {issue.segment_position}" + (f" ({issue.segment_id})" if issue.segment_id else ""))
    return ", ".join(parts) or "file"


def reason(issue: X12Issue, transaction: TransactionResult | None = None) -> str:
    """``<file>: transaction 835 0001, segment 38 (DTM): <what was wrong>``; ``warning: `` in front of a warning."""
    text = f"{issue.file_name}: {_where(issue, transaction)}: {issue.message}"
    return text if issue.is_error else f"warning: {text}"


@dataclass
class _Batch:
    """Rows, ledger rows and quarantine rows of the files read since the last write."""

    tables: dict[str, dict[str, str]]
    runs: dict[str, list[tuple[list[dict[str, Any]], str, str, Any]]] = field(default_factory=dict)
    ledger: list[X12FileOutcome] = field(default_factory=list)
    ledger_meta: list[tuple[str, str, Any]] = field(default_factory=list)  # (sha, source, received_at)
    entries: list[QuarantineEntry] = field(default_factory=list)
    row_count: int = 0

    def add_rows(self, table: str, rows: list[dict[str, Any]], file_name: str, sha: str, received_at) -> None:
        if rows:
            self.runs.setdefault(table, []).append((rows, file_name, sha, received_at))
            self.row_count += len(rows)

    def write(self, con) -> dict[str, int]:
        """Insert everything gathered in one DuckDB transaction; the counts inserted per table."""
        counts: dict[str, int] = {}
        con.execute("begin transaction")
        try:
            for table, runs in self.runs.items():
                counts[f"raw_clearinghouse.{table}"] = _insert_rows(con, table, self.tables[table], runs)
            _insert_ledger(con, self.ledger, self.ledger_meta)
            _insert_quarantine(con, self.entries)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        self.runs, self.ledger, self.ledger_meta, self.entries, self.row_count = {}, [], [], [], 0
        return counts


def _insert_rows(con, table: str, columns: dict[str, str], runs) -> int:
    rows = chain.from_iterable(run[0] for run in runs)
    # One pass over the row dicts (row by row is kind to the CPU cache), then transposed in C.
    *values, positions = zip(*map(itemgetter(*columns, SEGMENT_POSITION_KEY), rows), strict=False)
    arrays, names = [], []
    for (column, sql_type), column_values in zip(columns.items(), values, strict=False):
        # pyarrow refuses a Decimal its type cannot hold exactly: nothing is rounded on the way in.
        arrays.append(pa.array(column_values, type=_arrow_type(sql_type)))
        names.append(column)
    lineage = {
        "_file_name": list(chain.from_iterable(repeat(name, len(run_rows)) for run_rows, name, _, _ in runs)),
        "_file_sha256": list(chain.from_iterable(repeat(sha, len(run_rows)) for run_rows, _, sha, _ in runs)),
        "_line_number": positions,
        "_loaded_at": list(chain.from_iterable(repeat(at, len(run_rows)) for run_rows, _, _, at in runs)),
    }
    for column, values in lineage.items():
        arrays.append(pa.array(values, type=_arrow_type(LINEAGE_COLUMNS[column])))
        names.append(column)
    frame = pa.Table.from_arrays(arrays, names=names)
    insert_frame(con, f"raw_clearinghouse.{table}", frame)
    return frame.num_rows


LEDGER_COLUMNS = [
    "file_sha256",
    "source",
    "file_name",
    "entity",
    "status",
    "rows_loaded",
    "rows_quarantined",
    "received_at",
    "transactions_loaded",
    "transactions_quarantined",
    "transactions_duplicate",
    "duplicate_of",
    "summary",
]


def _insert_ledger(con, outcomes: list[X12FileOutcome], meta: list[tuple[str, str, Any]]) -> None:
    if not outcomes:
        return
    rows = [
        {
            "file_sha256": sha,
            "source": source,
            "file_name": o.file_name,
            "entity": o.entity,
            "status": o.status,
            "rows_loaded": o.rows_loaded,
            "rows_quarantined": o.rows_quarantined,
            "received_at": at,
            "transactions_loaded": o.transactions_loaded,
            "transactions_quarantined": o.transactions_quarantined,
            "transactions_duplicate": o.transactions_duplicate,
            "duplicate_of": o.duplicate_of,
            "summary": o.summary,
        }
        for o, (sha, source, at) in zip(outcomes, meta, strict=False)
    ]
    schema = pa.schema(
        [
            (
                c,
                pa.int32()
                if c.startswith(("rows_", "transactions_"))
                else pa.timestamp("us")
                if c == "received_at"
                else pa.string(),
            )
            for c in LEDGER_COLUMNS
        ]
    )
    insert_frame(con, "ingest.file_ledger", pa.Table.from_pylist(rows, schema=schema))


QUARANTINE_COLUMNS = [
    "source",
    "file_name",
    "file_sha256",
    "line_number",
    "reason",
    "quarantined_at",
    "severity",
    "transaction_set",
    "transaction_control_number",
]


def _insert_quarantine(con, entries: list[QuarantineEntry]) -> None:
    if not entries:
        return
    schema = pa.schema(
        [
            (c, pa.int32() if c == "line_number" else pa.timestamp("us") if c == "quarantined_at" else pa.string())
            for c in QUARANTINE_COLUMNS
        ]
    )
    rows = [{c: getattr(e, "line_number" if c == "line_number" else c) for c in QUARANTINE_COLUMNS} for e in entries]
    insert_frame(con, "ingest.quarantine", pa.Table.from_pylist(rows, schema=schema))


class _DeliveryIndex:
    """The first delivery of every remittance (by the reader's delivery key), from the warehouse and
    from the files read in this run."""

    def __init__(self, con, readers: dict[str, X12Reader]):
        self.first: dict[str, dict[tuple, tuple[str, str]]] = {}
        for code, reader in readers.items():
            if reader.delivery_key is None:
                continue
            known = self.first.setdefault(code, {})
            for *key, file_name, sha in con.execute(reader.delivery_key.sql).fetchall():
                known.setdefault(tuple(key), (file_name, sha))

    def check(self, transaction: TransactionResult, reader: X12Reader, file_name: str, sha: str) -> None:
        """Mark ``transaction`` a duplicate when its payment was delivered before; else remember it."""
        if reader.delivery_key is None or transaction.status != LOADED:
            return
        key = reader.delivery_key.of(transaction)
        if key is None:
            return
        known = self.first[reader.transaction_set]
        if key in known:
            first_name, first_sha = known[key]
            transaction.duplicate_of = first_sha
            transaction.warnings.append(
                X12Issue(
                    file_name,
                    transaction.start_position,
                    "ST",
                    "warning",
                    f"re-sends the remittance first delivered in {first_name} (same payer, trace number and amounts): "
                    f"not posted again",
                )
            )
        else:
            known[key] = (file_name, sha)


def _attach_pyx12(parsed: X12ParseResult, issues: list[X12Issue]) -> None:
    """pyx12's findings inside a transaction's segments are errors of that transaction; the rest (envelope
    counts, what it could not validate) are warnings of the file."""
    for issue in issues:
        transaction = parsed.transaction_at(issue.segment_position)
        if issue.is_error and transaction is not None:
            transaction.add(
                X12Issue(issue.file_name, issue.segment_position, issue.segment_id, "error", f"pyx12: {issue.message}")
            )
        else:
            parsed.file_issues.append(
                X12Issue(
                    issue.file_name, issue.segment_position, issue.segment_id, "warning", f"pyx12: {issue.message}"
                )
            )


def _summary(parsed: X12ParseResult, outcome: X12FileOutcome) -> str:
    total = len(parsed.transactions)
    parts = [f"{outcome.transactions_loaded} of {total} transaction sets loaded ({outcome.rows_loaded} rows)"]
    for transaction in parsed.transactions:
        if transaction.status == QUARANTINED:
            first = transaction.errors[0]
            more = len(transaction.errors) - 1
            parts.append(
                f"quarantined {transaction.label}: {_where(first, None)}: {first.message}"
                + (f" (and {more} more)" if more else "")
            )
        elif transaction.status == DUPLICATE:
            parts.append(f"{transaction.label} is a re-sent remittance: not posted again")
    file_errors = [i for i in parsed.file_issues if i.is_error]
    parts.extend(f"{_where(issue, None)}: {issue.message}" for issue in file_errors)
    warnings = [
        i
        for t in parsed.transactions
        if t.status != QUARANTINED
        for i in t.warnings
        if not i.message.startswith("re-sends")
    ]
    warnings += [i for i in parsed.file_issues if not i.is_error]
    if warnings:
        shown = "; ".join(f"{_where(i, None)}: {i.message}" for i in warnings[:WARNINGS_IN_SUMMARY])
        more = len(warnings) - WARNINGS_IN_SUMMARY
        parts.append(
            f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}: {shown}"
            + (f"; and {more} more" if more > 0 else "")
        )
    return "; ".join(parts)


def _status(loaded: int, quarantined: int, duplicate: int, file_errors: int) -> str:
    if loaded and (quarantined or file_errors):
        return "loaded_with_rejects"
    if loaded:
        return "loaded"
    if duplicate and not quarantined:
        return "duplicate"
    return "rejected"


def _read_file(
    path: Path,
    data: bytes,
    source: str,
    sha: str,
    received_at,
    batch: _Batch,
    deliveries: _DeliveryIndex,
    quarantine_dir: Path,
    with_pyx12: bool,
) -> X12FileOutcome:
    parsed = parse_x12(data, path.name)
    if with_pyx12 and any(t.status == LOADED for t in parsed.transactions):
        # Implementation-guide validation is optional: ~2 ms per claim, too slow to run on every
        # delivery by default; the readers' structural checks always run.
        _attach_pyx12(parsed, validate_with_pyx12(data, path.name))
    entities = sorted({READERS[t.transaction_set].entity for t in parsed.transactions if t.transaction_set in READERS})
    for transaction in parsed.transactions:
        reader = READERS.get(transaction.transaction_set)
        if reader is not None:
            deliveries.check(transaction, reader, path.name, sha)
    outcome = X12FileOutcome(path.name, ",".join(entities) or None, "")
    for transaction in parsed.transactions:
        status = transaction.status
        if status == LOADED:
            outcome.transactions_loaded += 1
            outcome.rows_loaded += transaction.row_count
            for table, rows in transaction.rows.items():
                batch.add_rows(table, rows, path.name, sha, received_at)
        elif status == QUARANTINED:
            outcome.transactions_quarantined += 1
            outcome.rows_quarantined += transaction.row_count
        else:
            outcome.transactions_duplicate += 1
            outcome.duplicate_of = outcome.duplicate_of or transaction.duplicate_of
    file_errors = [i for i in parsed.file_issues if i.is_error]
    outcome.status = _status(
        outcome.transactions_loaded, outcome.transactions_quarantined, outcome.transactions_duplicate, len(file_errors)
    )
    outcome.summary = _summary(parsed, outcome)

    def entry(issue: X12Issue, transaction: TransactionResult | None) -> QuarantineEntry:
        return QuarantineEntry(
            source,
            path.name,
            sha,
            issue.segment_position,
            reason(issue, transaction),
            received_at,
            issue.severity,
            transaction.transaction_set if transaction else None,
            transaction.control_number if transaction else None,
        )

    entries = [entry(issue, None) for issue in parsed.file_issues]
    for transaction in parsed.transactions:
        entries.extend(entry(issue, transaction) for issue in transaction.issues)
    batch.entries.extend(entries)
    batch.ledger.append(outcome)
    batch.ledger_meta.append((sha, source, received_at))
    if outcome.transactions_quarantined or file_errors:
        # The original bytes go to quarantine, so the transaction can be fixed and sent again.
        quarantine_whole_file(path, quarantine_dir, source, sha, [e.reason for e in entries if e.severity == "error"])
    return outcome


def load_x12_source(
    con, source: str, source_dir: Path, quarantine_dir: Path, *, validate_x12_with_pyx12: bool = False
) -> SourceLoadReport:
    """Load every new file of the clearinghouse inbox. Safe to run again: seen files are skipped by hash."""
    ensure_ingest_tables(con)
    report = SourceLoadReport(source)
    if not source_dir.is_dir():
        return report
    seen = {row[0] for row in con.execute("select file_sha256 from ingest.file_ledger").fetchall()}
    deliveries = _DeliveryIndex(con, READERS)
    tables = {table: columns for reader in READERS.values() for table, columns in reader.tables.items()}
    batch = _Batch(tables)
    pending: list[X12FileOutcome] = []

    def write() -> None:
        for table, count in batch.write(con).items():
            report.rows_loaded_by_table[table] = report.rows_loaded_by_table.get(table, 0) + count
        for outcome in pending:
            report.files.append(outcome)
            log.info(
                "ingest %s/%s: %s (%d rows loaded, %d quarantined)",
                source,
                outcome.file_name,
                outcome.status,
                outcome.rows_loaded,
                outcome.rows_quarantined,
            )
        pending.clear()

    with no_cyclic_gc():
        for path in sorted(p for p in source_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            if sha in seen:
                report.files.append(FileOutcome(path.name, None, "duplicate"))
                continue
            seen.add(sha)
            pending.append(
                _read_file(
                    path, data, source, sha, now_utc(), batch, deliveries, quarantine_dir, validate_x12_with_pyx12
                )
            )
            if batch.row_count >= BATCH_ROWS:
                write()
        write()
    return report
