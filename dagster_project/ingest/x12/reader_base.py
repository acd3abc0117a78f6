"""What every X12 reader shares: the registry entry, the body-reader base class, and the one routine that
walks a file's envelope once and hands each transaction set to the reader of its ST01.

A reader parses the body (the segments between ST and SE) of one transaction set into rows for its raw
tables. Anything that makes the body untrustworthy (an unknown segment ID, a bad number or date, a
claim without its amounts) is an error of that transaction, which is then quarantined while the rest of
the file loads. Messages name segment positions, IDs and elements, never patient values.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from dagster_project.ingest.x12.envelope import NOT_A_SEGMENT, Segment, TransactionSet, split_composite, walk_envelope
from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.result import TransactionResult, X12ParseResult
from dagster_project.ingest.x12.values import BadValue, DecimalReader, parse_d8
from dagster_project.ingest.x12_tables import MONEY, QUANTITY

SEGMENT_POSITION_KEY = "_segment_position"  # the loader maps it to the lineage column _line_number

# Names for the reasons given when a transaction set has no reader (it is quarantined by name).
TRANSACTION_SET_NAMES = {
    "270": "eligibility inquiry",
    "271": "eligibility response",
    "276": "claim status request",
    "277": "claim status response or claim acknowledgment",
    "278": "prior authorization",
    "820": "premium payment",
    "834": "benefit enrollment",
    "835": "remittance advice",
    "837": "claim",
    "997": "functional acknowledgment",
    "999": "implementation acknowledgment",
}
# The raw column types numbers are read into (x12_tables), shared by every reader.
MONEY_READER = DecimalReader(MONEY)
QUANTITY_READER = DecimalReader(QUANTITY)
# The hottest handlers write ``known_money(value) or self.decimal(...)``: a value read before is one dict
# lookup instead of a method call; an empty, new, bad or zero (falsy) value takes ``decimal``, which
# reports what is wrong and returns the very same Decimal otherwise.
known_money = MONEY_READER.cache.get
known_quantity = QUANTITY_READER.cache.get


class BodyReader:
    """Reads the body of one transaction set. Subclasses declare their tables and known segments and
    handle segment ``XY`` in a method ``on_xy``; ``start`` and ``finish`` open and close the transaction."""

    tables: ClassVar[dict[str, dict[str, str]]]
    count_table: ClassVar[str]
    known_segments: ClassVar[frozenset[str]]
    kind: ClassVar[str]  # "an 835": used in messages
    # True: the elements of every known segment are appended to ``self.kept``, the list the reader
    # points at wherever the text belongs (837: the billing header, the subscriber loop or the open claim).
    keeps_text: ClassVar[bool] = False
    _handlers: ClassVar[dict[str, Callable[[Any, Segment], None]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers = dict(cls._handlers)
        handlers.update(
            {
                name[3:].upper(): method
                for name, method in vars(cls).items()
                if name.startswith("on_") and callable(method)
            }
        )
        cls._handlers = handlers

    def __init__(self, transaction: TransactionSet, file_hash: str):
        self.transaction = transaction
        self.file_name = transaction.file_name
        self.delimiters = transaction.delimiters
        self.key = transaction.row_key(file_hash)
        self.rows: dict[str, list[dict[str, Any]]] = {table: [] for table in self.tables}
        self.errors: list[X12Issue] = []
        self.warnings: list[X12Issue] = []
        self._blank_rows: dict[str, dict[str, Any]] = {}
        self.kept: list[list[str]] = []

    # -- the loop --------------------------------------------------------------------------------
    def read(self) -> TransactionResult:
        self.start()
        handlers, known, keeps_text = self._handlers, self.known_segments, self.keeps_text
        for seg in self.transaction.body:
            segment_id = seg[1][0]
            handler = handlers.get(segment_id)
            if handler is not None:
                handler(self, seg)
            elif segment_id not in known:
                if segment_id != NOT_A_SEGMENT:  # the envelope walk reported it already
                    self.error(
                        seg,
                        f"segment ID {segment_id!r} is not part of {self.kind}: the transaction cannot be read whole",
                    )
                continue
            if keeps_text:  # a list append, not a method call: this runs for every segment
                self.kept.append(seg[1])
        self.finish()
        txn = self.transaction
        return TransactionResult(
            self.file_name,
            txn.transaction_set,
            txn.control_number,
            txn.start_position,
            txn.end_position,
            self.rows,
            self.warnings,
            self.errors,
            self.count_table,
        )

    def start(self) -> None:
        """Open the transaction (e.g. its header row)."""

    def finish(self) -> None:
        """Close what is still open and add the rows."""

    # -- reporting -------------------------------------------------------------------------------
    def error(self, seg: Segment | None, message: str, position: int | None = None) -> None:
        self.errors.append(self._issue("error", seg, message, position))

    def warning(self, seg: Segment | None, message: str, position: int | None = None) -> None:
        self.warnings.append(self._issue("warning", seg, message, position))

    def _issue(self, severity: str, seg: Segment | None, message: str, position: int | None) -> X12Issue:
        pos = position if position is not None else (seg.position if seg else None)
        return X12Issue(self.file_name, pos, seg.id if seg else None, severity, message)  # type: ignore[arg-type]

    # -- values ----------------------------------------------------------------------------------
    def decimal(
        self, seg: Segment, index: int, what: str, column: DecimalReader, *, required: bool = False
    ) -> Decimal | None:
        """Element ``index`` as a Decimal its raw column holds exactly (``MONEY_READER`` or ``QUANTITY_READER``);
        None when empty."""
        elements = seg[1]
        value = elements[index] if index < len(elements) else ""
        if value:
            number = column.cache.get(value)
            if number is not None:
                return number
            try:
                return column(value)
            except BadValue as problem:
                self.error(seg, f"{seg.id}{index:02d} ({what}) {problem}")
                return None
        if required:
            self.error(seg, f"{seg.id}{index:02d} ({what}) is empty")
        return None

    def date(self, seg: Segment, index: int, what: str, value: str | None = None) -> date | None:
        """Element ``index`` (or ``value`` cut from it, e.g. one end of an RD8 range) as a date."""
        if value is None:
            elements = seg[1]
            value = elements[index] if index < len(elements) else ""
        if value == "":
            return None
        try:
            return parse_d8(value)
        except BadValue as problem:
            self.error(seg, f"{seg.id}{index:02d} ({what}) {problem}")
            return None

    def composite(self, seg: Segment, index: int) -> list[str]:
        elements = seg[1]
        value = elements[index] if index < len(elements) else ""
        component = self.delimiters.component
        if component in value and " " not in value:  # the common case, without the checks below
            return value.split(component)
        parts, used_fallback = split_composite(value, self.delimiters)
        if used_fallback:
            self.warning(
                seg,
                f"{seg.id}{index:02d} uses {value[2]!r} between its components, "
                f"not the declared ISA16 {self.delimiters.component!r}",
            )
        return [part.strip() for part in parts]

    def new_row(self, table: str, position: int) -> dict[str, Any]:
        """An empty row of ``table`` at ``position``, with whichever envelope identifiers the table keeps."""
        blank = self._blank_rows.get(table)
        if blank is None:  # once per table and transaction: a copy of it is all a row costs after that
            blank = self._blank_rows[table] = self._blank_row(table)
        row = blank.copy()
        row[SEGMENT_POSITION_KEY] = position
        return row

    def _blank_row(self, table: str) -> dict[str, Any]:
        row: dict[str, Any] = dict.fromkeys(self.tables[table])
        txn = self.transaction
        envelope = {
            "interchange_sender_id": (txn.interchange.sender or None) if txn.interchange else None,
            "interchange_control_number": txn.interchange.control_number if txn.interchange else None,
            "group_control_number": txn.group.control_number if txn.group else None,
            "transaction_control_number": txn.control_number,
            "implementation_version": txn.version or None,
        }
        row.update((column, value) for column, value in envelope.items() if column in row)
        return row


@dataclass(frozen=True)
class DeliveryKey:
    """How a transaction set re-sent in a new envelope is recognised: ``of`` gives the key of a parsed
    transaction (None when it has none), ``sql`` selects the same keys, plus ``_file_name`` and
    ``_file_sha256`` of their delivery, from what the warehouse already holds."""

    of: Callable[[TransactionResult], tuple | None]
    sql: str


@dataclass(frozen=True)
class X12Reader:
    """One registry entry: adding a reader for a transaction set (999, 277CA, ...) is one of these."""

    transaction_set: str  # ST01
    entity: str  # recorded in the file ledger
    functional_group: str  # GS01 its groups carry
    body: type[BodyReader]
    delivery_key: DeliveryKey | None = None

    @property
    def tables(self) -> dict[str, dict[str, str]]:
        return self.body.tables

    @property
    def count_table(self) -> str:
        return self.body.count_table

    def read(self, transaction: TransactionSet, file_hash: str) -> TransactionResult:
        result = self.body(transaction, file_hash).read()
        group = transaction.group
        if group is not None and group.functional_id != self.functional_group:
            result.warnings.append(
                X12Issue(
                    transaction.file_name,
                    group.position,
                    "GS",
                    "warning",
                    f"GS01 is {group.functional_id!r}; {self.transaction_set} transactions belong in a "
                    f"{self.functional_group!r} group",
                )
            )
        return result


def file_hash(data: bytes) -> str:
    """The file-hash prefix of every row id."""
    return hashlib.sha256(data).hexdigest()[:12]


def _unread(transaction: TransactionSet, readers: Mapping[str, X12Reader]) -> TransactionResult:
    code = transaction.transaction_set
    name = TRANSACTION_SET_NAMES.get(code)
    what = f"transaction set {code or '(no ST01)'}" + (f" ({name})" if name else "")
    issue = X12Issue(
        transaction.file_name,
        transaction.start_position,
        "ST",
        "error",
        f"{what} is not read here (read here: {', '.join(sorted(readers))})",
    )
    return TransactionResult(
        transaction.file_name,
        code,
        transaction.control_number,
        transaction.start_position,
        transaction.end_position,
        errors=[issue],
    )


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector while segments and rows pile up: they hold no cycles and are freed
    by reference counting, but the collector would rescan every live object each time a few hundred
    are allocated (a fifth to half of the reading time). Nested uses leave it to the outermost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_transactions(data: bytes, file_name: str, readers: Mapping[str, X12Reader]) -> X12ParseResult:
    """Walk the envelope once and read every transaction set with the reader of its ST01; one without
    a reader is quarantined by name."""
    with no_cyclic_gc():
        return _read_transactions(data, file_name, readers)


def _read_transactions(data: bytes, file_name: str, readers: Mapping[str, X12Reader]) -> X12ParseResult:
    walk = walk_envelope(data, file_name)
    result = X12ParseResult(file_name, file_issues=walk.issues)
    if not walk.transactions:
        return result
    prefix = file_hash(data)
    for transaction in walk.transactions:
        reader = readers.get(transaction.transaction_set)
        parsed = reader.read(transaction, prefix) if reader is not None else _unread(transaction, readers)
        for issue in transaction.issues:
            parsed.add(issue)
        result.transactions.append(parsed)
    return result
