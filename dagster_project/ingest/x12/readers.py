"""Which reader handles a delivered X12 file, by its transaction set (ST01).

Each transaction set the product reads has one entry: its parser (bytes -> rows + issues) and the
raw tables its rows load into (schema ``raw_clearinghouse``). Adding 837P or 271 means adding an
entry here; the loader and the raw-table DDL follow from this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dagster_project.ingest.x12.envelope import split_segments
from dagster_project.ingest.x12.eligibility_271 import ELIGIBILITY_TABLES, parse_271
from dagster_project.ingest.x12.claim_837 import CLAIM_TABLES, parse_837
from dagster_project.ingest.x12.remit_835 import parse_835
from dagster_project.ingest.x12_tables import REMIT_TABLES


@dataclass(frozen=True)
class X12Reader:
    transaction_set: str  # ST01
    entity: str  # recorded in the file ledger
    parse: Callable  # (data: bytes, file_name: str) -> result with .tables, .issues, .is_rejected
    tables: dict[str, dict[str, str]]  # raw_clearinghouse.<table> -> column types
    count_table: str  # the table whose row count is the file's "rows loaded"


READERS: dict[str, X12Reader] = {
    "835": X12Reader("835", "remittance_835", parse_835, REMIT_TABLES, "remit_claims"),
    "837": X12Reader("837", "claim_837p", parse_837, CLAIM_TABLES, "claim_headers"),
    "271": X12Reader("271", "eligibility_271", parse_271, ELIGIBILITY_TABLES, "eligibility_responses"),
}


def all_x12_tables() -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {}
    for reader in READERS.values():
        tables.update(reader.tables)
    return tables


def detect_transaction_set(data: bytes, file_name: str) -> str | None:
    """ST01 of the first transaction in the file, or None when there is none to read."""
    split = split_segments(data, file_name)
    for segment in split.segments:
        if segment.elements[0] == "ST" and len(segment.elements) > 1:
            return segment.elements[1].strip()
    return None
