"""Which reader handles each transaction set of a delivered X12 file, by its ST01.

Each transaction set the product reads has one entry (``reader_base.X12Reader``): its body reader and
the raw tables its rows load into (schema ``raw_clearinghouse``). Adding a reader (999, 277CA, ...) is
adding an entry here; the loader and the raw-table DDL follow from this registry. Files are routed by
content: every transaction set in a file goes to its own reader, and one without a reader is
quarantined by name.
"""

from __future__ import annotations

from dagster_project.ingest.x12 import ack_999, claim_837, claim_ack_277, eligibility_271, remit_835
from dagster_project.ingest.x12.reader_base import X12Reader, read_transactions
from dagster_project.ingest.x12.result import X12ParseResult

READERS: dict[str, X12Reader] = {
    reader.transaction_set: reader
    for reader in (remit_835.READER, claim_837.READER, eligibility_271.READER, ack_999.READER, claim_ack_277.READER)
}


def all_x12_tables() -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {}
    for reader in READERS.values():
        tables.update(reader.tables)
    return tables


def parse_x12(data: bytes, file_name: str) -> X12ParseResult:
    """Every transaction set of the file, each read by the reader of its ST01."""
    return read_transactions(data, file_name, READERS)
