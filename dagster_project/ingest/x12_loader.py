"""Load the clearinghouse inbox: X12 files routed by content, each transaction set loaded or quarantined
on its own, rows inserted in bulk.

For every file: hash its bytes (a hash already in the file ledger is a re-delivery and changes nothing);
read every transaction set with the reader of its ST01, whatever the file is called (``.835``,
``.271``, ``.dat``, ``.txt``, ...); load the transactions that read cleanly and quarantine the others
with their reasons; recognise a remittance re-sent in a new envelope (same payer, trace number and
amounts) and post it once; record the file in the ledger with what loaded and what was wrong.

Files are read in worker processes, one per core, and come back in file order with their rows as Arrow
columns (``x12_frames``); what is decided across files (a re-sent remittance, the ledger) is decided
here, in that order. Rows are gathered over many files and inserted with one ``insert ... select`` per
table. A batch of files (their rows, ledger rows and quarantine rows) commits as one DuckDB transaction,
so a crash never half-loads a file: the files of an unfinished batch are simply read again next run.
A batch is written on a thread of its own while the next one is read (``_BatchWriter``): DuckDB's insert
runs outside Python's interpreter lock, so the workers are kept reading instead of waiting for it.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.ingest.inbox_files import InboxFiles
from dagster_project.ingest.loader import FileOutcome, SourceLoadReport, ensure_ingest_tables
from dagster_project.ingest.quarantine import QuarantineEntry, now_utc, quarantine_whole_file
from dagster_project.ingest.raw_schema import LINEAGE_COLUMNS, insert_frame
from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.reader_base import X12Reader
from dagster_project.ingest.x12.readers import READERS
from dagster_project.ingest.x12.result import DUPLICATE, LOADED, QUARANTINED, TransactionResult, X12ParseResult
from dagster_project.ingest.x12_frames import (
    FILE_INDEX,
    TRANSACTION_INDEX,
    ReadChunk,
    ReadFile,
    arrow_type,
    read_chunks,
)

log = logging.getLogger(__name__)

# Rows gathered before a batch is written in one transaction. DuckDB writes a transaction's appended rows straight
# into the database file once a table's rows fill a row group (122,880 rows); the rest go to the write-ahead log
# and are written again when it checkpoints (every 16 MB of log). At 250,000 rows spread over a dozen tables almost
# nothing filled a row group: 50 x 36's 5.2 million rows took 20 commits and 16-17 s of them; at 1,000,000 six
# commits take about 1 s, for about 160 MB more at the peak (the batch's Arrow frames).
BATCH_ROWS = 1_000_000
WARNINGS_IN_SUMMARY = 3


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

    frames: dict[str, list[pa.Table]] = field(default_factory=dict)
    ledger: list[X12FileOutcome] = field(default_factory=list)
    ledger_meta: list[tuple[str, str, Any]] = field(default_factory=list)  # (sha, source, received_at)
    entries: list[QuarantineEntry] = field(default_factory=list)
    row_count: int = 0

    def add_rows(self, table: str, frame: pa.Table) -> None:
        if frame.num_rows:
            self.frames.setdefault(table, []).append(frame)
            self.row_count += frame.num_rows

    def write(self, con) -> dict[str, int]:
        """Insert everything gathered in one DuckDB transaction; the counts inserted per table."""
        counts: dict[str, int] = {}
        con.execute("begin transaction")
        try:
            for table, frames in self.frames.items():
                frame = pa.concat_tables(frames)
                insert_frame(con, f"raw_clearinghouse.{table}", frame)
                counts[f"raw_clearinghouse.{table}"] = frame.num_rows
            _insert_ledger(con, self.ledger, self.ledger_meta)
            _insert_quarantine(con, self.entries)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        self.frames, self.ledger, self.ledger_meta, self.entries, self.row_count = {}, [], [], [], 0
        return counts


def _loaded_rows(frame: pa.Table, left_out: set[tuple[int, int]], lineage: dict[str, pa.Array]) -> pa.Table:
    """The rows of ``frame`` but those of the (file, transaction) pairs ``left_out`` (quarantined or re-sent),
    with the lineage columns of their file (``lineage``: one value per file of the chunk)."""
    if left_out:
        pairs = pc.add(
            pc.multiply(pc.cast(frame.column(FILE_INDEX), pa.int64()), 1 << 32),
            pc.cast(frame.column(TRANSACTION_INDEX), pa.int64()),
        )
        unwanted = pa.array([(file << 32) + transaction for file, transaction in left_out], type=pa.int64())
        frame = frame.filter(pc.invert(pc.is_in(pairs, value_set=unwanted)))
    files = frame.column(FILE_INDEX)
    frame = frame.drop_columns([FILE_INDEX, TRANSACTION_INDEX])
    for column, values in lineage.items():
        frame = frame.append_column(column, pc.take(values, files))
    return frame


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

    def check(self, transaction: TransactionResult, key: tuple | None, file_name: str, sha: str) -> None:
        """Mark ``transaction`` a duplicate when its payment (``key``) was delivered before; else remember it."""
        if key is None or transaction.status != LOADED:
            return
        known = self.first[transaction.transaction_set]
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


def _record_file(
    read: ReadFile,
    source: str,
    received_at,
    batch: _Batch,
    deliveries: _DeliveryIndex,
    quarantine_dir: Path,
) -> tuple[X12FileOutcome, list[int]]:
    """Decide what of one read file loads; its ledger and quarantine rows go to ``batch``. Also the indexes
    of its transactions that do not load."""
    parsed, path = read.parsed, Path(read.path)
    entities = sorted({READERS[t.transaction_set].entity for t in parsed.transactions if t.transaction_set in READERS})
    for transaction, key in zip(parsed.transactions, read.delivery_keys, strict=True):
        deliveries.check(transaction, key, path.name, read.sha)
    outcome = X12FileOutcome(path.name, ",".join(entities) or None, "")
    left_out = []
    for index, transaction in enumerate(parsed.transactions):
        status = transaction.status
        if status == LOADED:
            outcome.transactions_loaded += 1
            outcome.rows_loaded += transaction.row_count
            continue
        left_out.append(index)
        if status == QUARANTINED:
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
            read.sha,
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
    batch.ledger_meta.append((read.sha, source, received_at))
    if outcome.transactions_quarantined or file_errors:
        # The original bytes go to quarantine, so the transaction can be fixed and sent again.
        quarantine_whole_file(
            path, quarantine_dir, source, read.sha, [e.reason for e in entries if e.severity == "error"]
        )
    return outcome, left_out


def load_x12_source(
    con, source: str, source_dir: Path, quarantine_dir: Path, *, validate_x12_with_pyx12: bool = False
) -> SourceLoadReport:
    """Load every new file of the clearinghouse inbox. Safe to run again: seen files are skipped by hash."""
    ensure_ingest_tables(con)
    report = SourceLoadReport(source)
    if not source_dir.is_dir():
        return report
    inbox = InboxFiles(con, source)
    deliveries = _DeliveryIndex(con, READERS)
    new: list[tuple[str, str]] = []
    for path in sorted(p for p in source_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
        delivery = inbox.unseen(path)
        if delivery is None:
            report.files.append(FileOutcome(path.name, None, "duplicate"))
            continue
        _, sha = delivery
        inbox.seen.add(sha)  # the same bytes twice in one inbox: the second is a re-delivery
        new.append((str(path), sha))
    with _BatchWriter(con, source, report) as writer:
        batch = _Batch()
        for chunk in read_chunks(new, validate_x12_with_pyx12):
            _add_chunk(chunk, batch, source, deliveries, quarantine_dir)
            if batch.row_count >= BATCH_ROWS:
                writer.write(batch)
                batch = _Batch()
        writer.write(batch)
    inbox.save(con)
    return report


def _add_chunk(chunk: ReadChunk, batch: _Batch, source: str, deliveries: _DeliveryIndex, quarantine_dir: Path) -> None:
    """Decide, file by file in order, what of a read chunk loads, and add it to ``batch``."""
    names, shas, times, left_out = [], [], [], set()
    for file_index, read in enumerate(chunk.files):
        received_at = now_utc()
        outcome, not_loaded = _record_file(read, source, received_at, batch, deliveries, quarantine_dir)
        names.append(outcome.file_name)
        shas.append(read.sha)
        times.append(received_at)
        left_out.update((file_index, t) for t in not_loaded)
    lineage = {
        "_file_name": pa.array(names, type=pa.string()),
        "_file_sha256": pa.array(shas, type=pa.string()),
        "_loaded_at": pa.array(times, type=arrow_type(LINEAGE_COLUMNS["_loaded_at"])),
    }
    for table, frame in chunk.tables.items():
        batch.add_rows(table, _loaded_rows(frame, left_out, lineage))


class _BatchWriter:
    """Writes batches one at a time, in order, on a thread of its own with its own DuckDB cursor, while the
    caller reads the next batch. At 50 x 36 the inserts take about 15 s of the clearinghouse load; written on
    the reading thread, they held up the hand-over of new files to the worker processes. ``write`` waits for the
    batch before (so at most two are in memory, and a failed write stops the load at the next batch); leaving the
    block waits for the last one and re-raises its error. A file's outcome is reported once its batch commits."""

    def __init__(self, con, source: str, report: SourceLoadReport):
        self.cursor = con.cursor()
        self.source, self.report = source, report
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="x12-batch-writer")
        self.running: tuple[Future, list[X12FileOutcome]] | None = None

    def __enter__(self) -> _BatchWriter:
        return self

    def write(self, batch: _Batch) -> None:
        self.wait()
        self.running = (self.thread.submit(batch.write, self.cursor), list(batch.ledger))

    def wait(self) -> None:
        if self.running is None:
            return
        future, outcomes = self.running
        self.running = None
        for table, count in future.result().items():
            self.report.rows_loaded_by_table[table] = self.report.rows_loaded_by_table.get(table, 0) + count
        for outcome in outcomes:
            self.report.files.append(outcome)
            log.info(
                "ingest %s/%s: %s (%d rows loaded, %d quarantined)",
                self.source,
                outcome.file_name,
                outcome.status,
                outcome.rows_loaded,
                outcome.rows_quarantined,
            )

    def __exit__(self, error_type, *_) -> None:
        try:
            if error_type is None:
                self.wait()
        finally:
            self.thread.shutdown(wait=True)  # never leave a write running on a connection being closed
            self.cursor.close()
