"""The one parse result every X12 reader returns and the loader consumes.

An ``X12ParseResult`` is a file: its transaction sets in file order, each a ``TransactionResult`` with
its rows by raw table, warnings and errors, plus the envelope findings that belong to no one
transaction. A transaction with an error is quarantined (its rows are kept for diagnosis, never
loaded); the others load. The loader may add to a transaction: pyx12 findings, or the first delivery of
a remittance it re-sends (``duplicate_of``), which makes it a duplicate that posts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dagster_project.ingest.x12.errors import X12Issue

LOADED, QUARANTINED, DUPLICATE = "loaded", "quarantined", "duplicate"


def _position(issue: X12Issue) -> int:
    return issue.segment_position if issue.segment_position is not None else 0


@dataclass
class TransactionResult:
    file_name: str
    transaction_set: str  # ST01
    control_number: str  # ST02
    start_position: int  # the ST
    end_position: int  # the SE, or the last segment read
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[X12Issue] = field(default_factory=list)
    errors: list[X12Issue] = field(default_factory=list)
    count_table: str | None = None  # the table whose rows are this transaction's claims (responses, ...)
    duplicate_of: str | None = None  # set by the loader: the delivery this one re-sends
    detached_row_count: int | None = None  # ``row_count`` once the loader has taken the rows (``detach_rows``)

    @property
    def status(self) -> str:
        if self.errors:
            return QUARANTINED
        return DUPLICATE if self.duplicate_of else LOADED

    @property
    def row_count(self) -> int:
        """Claims (835, 837) or responses (271) in the transaction, loaded or not."""
        if self.detached_row_count is not None:
            return self.detached_row_count
        return len(self.rows.get(self.count_table, [])) if self.count_table else 0

    @property
    def issues(self) -> list[X12Issue]:
        return sorted([*self.errors, *self.warnings], key=_position)

    def detach_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Hand the rows over (to be turned into columns) and keep only their count."""
        rows, self.detached_row_count = self.rows, self.row_count
        self.rows = {}
        return rows

    def add(self, issue: X12Issue) -> None:
        (self.errors if issue.is_error else self.warnings).append(issue)

    @property
    def label(self) -> str:
        """How a person finds it in the file: ``835 0001 (segments 3-43)``."""
        return (
            f"{self.transaction_set or '?'} {self.control_number or '?'} "
            f"(segments {self.start_position}-{self.end_position})"
        )


@dataclass
class X12ParseResult:
    file_name: str
    transactions: list[TransactionResult] = field(default_factory=list)
    file_issues: list[X12Issue] = field(default_factory=list)  # envelope findings outside any one transaction

    @property
    def loaded(self) -> list[TransactionResult]:
        return [t for t in self.transactions if t.status == LOADED]

    @property
    def quarantined(self) -> list[TransactionResult]:
        return [t for t in self.transactions if t.status == QUARANTINED]

    @property
    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Rows of the transactions that load, by table."""
        tables: dict[str, list[dict[str, Any]]] = {}
        for transaction in self.transactions:
            for table, rows in transaction.rows.items():
                bucket = tables.setdefault(table, [])
                if transaction.status == LOADED:
                    bucket.extend(rows)
        return tables

    @property
    def issues(self) -> list[X12Issue]:
        found = [*self.file_issues]
        for transaction in self.transactions:
            found.extend(transaction.errors)
            found.extend(transaction.warnings)
        return sorted(found, key=_position)

    @property
    def errors(self) -> list[X12Issue]:
        return [issue for issue in self.issues if issue.is_error]

    @property
    def warnings(self) -> list[X12Issue]:
        return [issue for issue in self.issues if not issue.is_error]

    @property
    def is_rejected(self) -> bool:
        """Nothing in the file loads (or posts): every transaction is quarantined, or there is none."""
        return not any(t.status != QUARANTINED for t in self.transactions)

    def transaction_at(self, position: int | None) -> TransactionResult | None:
        """The transaction whose ST..SE holds segment ``position``."""
        if position is None:
            return None
        for transaction in self.transactions:
            if transaction.start_position <= position <= transaction.end_position:
                return transaction
        return None
