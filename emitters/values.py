"""Turning flag-mart values into Python dates and JSON-safe evidence (one way, for every emitter).

Flag rows arrive from DuckDB (date, datetime, Decimal), through pandas (Timestamp, NaT, numpy scalars) or
from test dicts (ISO strings), so both helpers accept all of those.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo


def as_date(value: Any) -> date | None:
    """The calendar date of a value, or None when it is missing (None, "", NaN, NaT)."""
    if _is_missing(value):
        return None
    if isinstance(value, datetime):  # before date: a datetime is also a date
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def fmt_date(value: Any) -> str:
    """A date as a letter or task writes it (MM/DD/YYYY); "not on file" when it is missing."""
    day = as_date(value)
    return day.strftime("%m/%d/%Y") if day else "not on file"


def local_moment(utc_value: Any, time_zone: str) -> datetime:
    """A stored UTC moment (naive values are UTC, as the warehouse stores them) in a location's zone."""
    if _is_missing(utc_value):
        raise ValueError("a local time was asked for a missing timestamp")
    moment = (
        utc_value if isinstance(utc_value, datetime) else datetime.fromisoformat(str(utc_value).replace("Z", "+00:00"))
    )
    if hasattr(moment, "to_pydatetime"):
        moment = moment.to_pydatetime()  # pandas Timestamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(time_zone))


def local_time_text(utc_value: Any, time_zone: str) -> str:
    """A stored UTC moment as a person at the location reads it: "Thu 12/03/2026 4:30 PM CST" (the zone
    abbreviation follows daylight saving time)."""
    local = local_moment(utc_value, time_zone)
    return f"{local:%a %m/%d/%Y} {local.hour % 12 or 12}:{local:%M %p} {local.tzname()}"


def jsonable(value: Any) -> Any:
    """A value the evidence JSON can hold exactly: ISO dates, money as a string, plain numbers; None for
    missing values (NaN and NaT would otherwise become invalid JSON or the text "NaT")."""
    # The warehouse's own types first, without the general checks below (a large run converts millions).
    kind = type(value)
    if kind is str:
        return value if value.strip() else None
    if kind is int or value is None:
        return value
    if kind is Decimal and value.is_finite():
        return str(value)
    if kind is date:
        return value.isoformat()
    if _is_missing(value):
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # exact cents, never a float
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar -> Python scalar
    if isinstance(value, float):
        return round(value, 4)  # rates: stable text, so an unchanged flag is not seen as refreshed
    return value


def _is_missing(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(value != value)  # NaN and pandas' NaT are the only values unequal to themselves
    except (TypeError, ValueError):
        return False
