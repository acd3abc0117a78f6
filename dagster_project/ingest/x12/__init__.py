"""X12 readers. ``parse_835`` turns an 835 remittance into rows for ``raw_clearinghouse.remit_*``;
``validate_with_pyx12`` checks a file against the implementation guide. No Dagster imports here."""

from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.remit_835 import RemitParseResult, parse_835, parse_835_file
from dagster_project.ingest.x12.validate import validate_with_pyx12

__all__ = ["RemitParseResult", "X12Issue", "parse_835", "parse_835_file", "validate_with_pyx12"]
