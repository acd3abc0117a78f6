"""X12 readers. ``parse_x12`` reads every transaction set of a file with the reader of its ST01 (835
remittance, 837P claim, 271 eligibility) into one ``X12ParseResult``; ``validate_with_pyx12`` checks a
file against the implementation guide. No Dagster imports here."""

from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.readers import READERS, parse_x12
from dagster_project.ingest.x12.remit_835 import parse_835, parse_835_file
from dagster_project.ingest.x12.result import TransactionResult, X12ParseResult
from dagster_project.ingest.x12.validate import validate_with_pyx12

__all__ = [
    "READERS",
    "TransactionResult",
    "X12Issue",
    "X12ParseResult",
    "parse_835",
    "parse_835_file",
    "parse_x12",
    "validate_with_pyx12",
]
