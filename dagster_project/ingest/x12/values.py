"""Typed element values: X12 numbers (R) as Decimal, D8 dates as ``datetime.date``.

Each reader returns None for an empty element and appends an error issue for a malformed one, so a
file with a bad amount is reported with the segment position and element name, not half-loaded.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from dagster_project.ingest.x12.envelope import Segment
from dagster_project.ingest.x12.errors import X12Issue

# X12 data type R: optional minus, digits with an optional decimal point, no exponent, no thousands.
X12_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")
D8_DATE = re.compile(r"^\d{8}$")


def _shown(value: str) -> str:
    return repr(value if len(value) <= 20 else value[:20] + "...")


def read_number(seg: Segment, index: int, what: str, file_name: str, issues: list[X12Issue]) -> Decimal | None:
    value = seg.element(index)
    if value == "":
        return None
    if not X12_NUMBER.match(value):
        issues.append(X12Issue(
            file_name, seg.position, seg.id, "error",
            f"{seg.id}{index:02d} ({what}) is {_shown(value)}, which is not a number",
        ))
        return None
    return Decimal(value)


def read_date(seg: Segment, index: int, what: str, file_name: str, issues: list[X12Issue]) -> date | None:
    value = seg.element(index)
    if value == "":
        return None
    if D8_DATE.match(value):
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    issues.append(X12Issue(
        file_name, seg.position, seg.id, "error",
        f"{seg.id}{index:02d} ({what}) is {_shown(value)}, which is not a CCYYMMDD date",
    ))
    return None
