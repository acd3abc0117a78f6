"""Read clearinghouse files into Arrow columns, spread over the machine's cores when there are many.

Parsing X12 is pure Python and CPU-bound, and every file reads on its own: ``read_chunks`` hands chunks
of files to a pool of worker processes and yields their results in file order, so everything the loader
decides in order (a re-sent remittance, batches, the ledger) is what reading them one by one gives. Row
ids come from each file's own hash, so they do not depend on which process read the file. A worker
sends back each table's rows as one Arrow table per chunk, not Python dicts: far cheaper to pass between
processes, and what the bulk insert wants.

Kept free of Dagster, Polars and the contracts so a worker starts in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import pyarrow as pa

from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.reader_base import SEGMENT_POSITION_KEY, no_cyclic_gc
from dagster_project.ingest.x12.readers import READERS, all_x12_tables, parse_x12
from dagster_project.ingest.x12.result import LOADED, X12ParseResult
from dagster_project.ingest.x12.validate import validate_with_pyx12
from dagster_project.ingest.x12.values import DecimalType

CHUNK_FILES = 40  # files a worker reads per task: enough to amortise the hand-over, small enough to balance
FILE_INDEX, TRANSACTION_INDEX, LINE_NUMBER = "_file_index", "_transaction_index", "_line_number"


def arrow_type(sql_type: str) -> pa.DataType:
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
class ReadFile:
    """One file as read: its transactions (rows detached, counts kept) and each one's delivery key."""

    path: str
    sha: str
    parsed: X12ParseResult
    delivery_keys: list[tuple | None]  # per transaction: how a re-sent remittance is recognised (None: no key)


@dataclass
class ReadChunk:
    files: list[ReadFile]
    # Per raw table: the rows of every transaction of the chunk's files, in file and segment order, with
    # _file_index (into ``files``), _transaction_index (into its transactions) and _line_number.
    tables: dict[str, pa.Table]


def attach_pyx12(parsed: X12ParseResult, issues: list[X12Issue]) -> None:
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


def _delivery_key(transaction) -> tuple | None:
    reader = READERS.get(transaction.transaction_set)
    if reader is None or reader.delivery_key is None or transaction.status != LOADED:
        return None
    return reader.delivery_key.of(transaction)


def _columns(columns: dict[str, str], runs: list[tuple[int, int, list[dict[str, Any]]]]) -> pa.Table:
    rows = chain.from_iterable(run[2] for run in runs)
    # One pass over the row dicts (row by row is kind to the CPU cache), then transposed in C.
    *values, positions = zip(*map(itemgetter(*columns, SEGMENT_POSITION_KEY), rows), strict=False)
    arrays = [
        # pyarrow refuses a Decimal its type cannot hold exactly: nothing is rounded on the way in.
        pa.array(column_values, type=arrow_type(sql_type))
        for sql_type, column_values in zip(columns.values(), values, strict=False)
    ]
    arrays.append(pa.array(positions, type=pa.int32()))
    arrays.append(pa.array(list(chain.from_iterable(repeat(f, len(r)) for f, _, r in runs)), type=pa.int32()))
    arrays.append(pa.array(list(chain.from_iterable(repeat(t, len(r)) for _, t, r in runs)), type=pa.int32()))
    return pa.Table.from_arrays(arrays, names=[*columns, LINE_NUMBER, FILE_INDEX, TRANSACTION_INDEX])


def read_chunk(files: Sequence[tuple[str, str]], with_pyx12: bool) -> ReadChunk:
    """Read ``(path, sha256)`` files; a file whose bytes no longer hash to ``sha256`` is an error."""
    tables = all_x12_tables()
    runs: dict[str, list[tuple[int, int, list[dict[str, Any]]]]] = {}
    read: list[ReadFile] = []
    with no_cyclic_gc():
        for file_index, (path, sha) in enumerate(files):
            with open(path, "rb") as handle:
                data = handle.read()
            name = os.path.basename(path)
            if hashlib.sha256(data).hexdigest() != sha:
                raise RuntimeError(f"{name}: the file changed while the clearinghouse inbox was being loaded")
            parsed = parse_x12(data, name)
            if with_pyx12 and any(t.status == LOADED for t in parsed.transactions):
                # Implementation-guide validation is optional: ~2 ms per claim, too slow to run on every
                # delivery by default; the readers' structural checks always run.
                attach_pyx12(parsed, validate_with_pyx12(data, name))
            keys = [_delivery_key(t) for t in parsed.transactions]
            for transaction_index, transaction in enumerate(parsed.transactions):
                for table, rows in transaction.detach_rows().items():
                    if rows:
                        runs.setdefault(table, []).append((file_index, transaction_index, rows))
            read.append(ReadFile(path, sha, parsed, keys))
        frames = {table: _columns(tables[table], table_runs) for table, table_runs in runs.items()}
    return ReadChunk(read, frames)


def _workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def read_chunks(files: Sequence[tuple[str, str]], with_pyx12: bool) -> Iterator[ReadChunk]:
    """``read_chunk`` over ``files`` in chunks, in order; in worker processes when there is more than one
    chunk and more than one core."""
    chunks = [files[i : i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
    workers = min(_workers(), len(chunks))
    if workers <= 1:
        for chunk in chunks:
            yield read_chunk(chunk, with_pyx12)
        return
    from concurrent.futures import ProcessPoolExecutor

    # pyarrow imports pandas the first time it converts Python values (pa.array), and the loader in this process
    # does so anyway: imported here, before the fork, the workers inherit it instead of each importing it on
    # its first chunk (about 0.25 s of each worker's first chunk, 0.03 s of later ones).
    import pandas  # noqa: F401

    pool = ProcessPoolExecutor(workers, mp_context=_context())
    try:
        waiting = iter(chunks)
        # A few chunks ahead per worker keeps them busy while memory stays bounded.
        running = deque(pool.submit(read_chunk, chunk, with_pyx12) for chunk in _take(waiting, 2 * workers))
        while running:
            result = running.popleft().result()
            running.extend(pool.submit(read_chunk, chunk, with_pyx12) for chunk in _take(waiting, 1))
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _context():
    # fork where there is one. spawn and forkserver prepare every worker by re-running the parent's __main__
    # (the Dagster CLI; a page script after a Streamlit test has run), which is slow and can fail. A forked
    # worker runs only the pure-Python readers on its chunk: it never uses the parent's DuckDB connection or
    # its threads, and CPython resets the import and logging locks in the child.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _take(iterator: Iterator, n: int) -> list:
    return [item for _, item in zip(range(n), iterator, strict=False)]
