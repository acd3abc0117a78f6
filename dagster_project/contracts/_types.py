"""Field types shared by the CSV contracts.

Lists inside one CSV cell are pipe-separated (``97530|97110``) because commas are the column
separator and EHR exports already quote them inconsistently.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


def _blank_to_none(value):
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


def _pipe_list(pattern: str, what: str):
    compiled = re.compile(pattern)

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        items = [item.strip() for item in value.split("|")]
        bad = [str(i) for i, item in enumerate(items, start=1) if not compiled.fullmatch(item)]
        if bad:
            # Positions, not the codes: a diagnosis code is PHI.
            raise ValueError(f"not a valid {what}: item(s) {', '.join(bad)} of {len(items)} do not match")
        return "|".join(items)

    check.item_pattern = pattern  # read by the column-wise validator (ingest/vectorised.py)
    return check


_NOT_FINITE = re.compile(r"[+-]?(s?nan|inf|infinity)", re.IGNORECASE)
_EXPONENT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")
_FRACTION = re.compile(r"[+-]?\d*\.(\d+)")


def _plain_decimal(places: int):
    """Refuse what Decimal() would take but an extract must never carry: NaN, Infinity, exponent
    notation and more decimal places than the column has (12.500 is three, even if the value fits)."""

    def check(value):
        if not isinstance(value, str):
            return value
        text = value.strip()
        if _NOT_FINITE.fullmatch(text):
            raise ValueError("NaN or Infinity is not a number this column accepts")
        if _EXPONENT.fullmatch(text):
            raise ValueError("exponent notation (like 1e5) is not accepted; write the number in plain digits")
        fraction = _FRACTION.fullmatch(text)
        if fraction and len(fraction.group(1)) > places:
            raise ValueError(f"more than {places} decimal places")
        return value

    check.decimal_places = places  # read by the column-wise validator (ingest/vectorised.py)
    return check


def _utc(value: datetime) -> datetime:
    # Timestamps are UTC in the contract; a naive value is taken as UTC, an offset is converted.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def known_time_zone(value: str) -> str:
    """An IANA time zone name (America/Chicago); local dates and times of a location are read in it."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long for a file path
        raise ValueError("not a known IANA time zone name") from exc
    return value


def Maybe(t):
    """An optional column: an empty cell is None."""
    return Annotated[t | None, BeforeValidator(_blank_to_none)]


Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Npi = Annotated[str, Field(pattern=r"^\d{10}$")]
# Money is never negative in an extract (refunds and adjustments arrive on the 835, not here); each
# money column adds its own plausibility cap with Field(le=...).
Money = Annotated[Decimal, BeforeValidator(_plain_decimal(2)), Field(ge=0, max_digits=12, decimal_places=2)]
Hours = Annotated[Decimal, BeforeValidator(_plain_decimal(2)), Field(ge=0, le=24, max_digits=5, decimal_places=2)]
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
CptList = Annotated[str, AfterValidator(_pipe_list(r"\d{4}[0-9A-Z]", "CPT/HCPCS code list"))]
ModifierList = Annotated[str, AfterValidator(_pipe_list(r"[0-9A-Z]{2}", "modifier list"))]
Icd10List = Annotated[
    str, AfterValidator(_pipe_list(r"[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?", "ICD-10-CM code list"))
]
WeekdayList = Annotated[str, AfterValidator(_pipe_list(r"Mon|Tue|Wed|Thu|Fri|Sat|Sun", "weekday list"))]
PlainText = Annotated[str, Field(max_length=2000)]


class Contract(BaseModel):
    """Base for every extract row: unknown columns are an error, values are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    # Set on each subclass.
    __source__: str = ""
    __entity__: str = ""
    __primary_key__: tuple[str, ...] = ()
    __doc_purpose__: str = ""
    # A downloaded file whose header cells are not column names ("Active Date", "State / Province"): its
    # header cell -> the contract column it fills. Applied to line 1 before anything else reads the file.
    __header_aliases__: dict[str, str] = {}


__all__ = [
    "Contract",
    "Maybe",
    "Id",
    "Npi",
    "Money",
    "Hours",
    "UtcDatetime",
    "CptList",
    "ModifierList",
    "Icd10List",
    "WeekdayList",
    "PlainText",
    "date",
    "datetime",
    "Decimal",
    "known_time_zone",
]
