"""Typed element values: X12 numbers (R) as Decimal with the precision the raw column keeps, D8 dates
as ``datetime.date``.

A number is never rounded: one with more decimal places (or more digits) than its raw column holds is
refused, so the transaction is quarantined instead of loading a different amount. Trailing zeros are
not precision: ``10.500`` fits DECIMAL(12, 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

# X12 data type R: optional minus, digits with an optional decimal point, no exponent, no thousands.
X12_NUMBER = re.compile(r"^-?(\d*)(?:\.(\d*))?$")
D8_DATE = re.compile(r"^\d{8}$")
SQL_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


class BadValue(ValueError):
    """The element cannot be read as its type; the message says why without echoing patient values."""


@dataclass(frozen=True)
class DecimalType:
    precision: int
    scale: int

    @classmethod
    @cache
    def of(cls, sql_type: str) -> DecimalType:
        match = SQL_DECIMAL.match(sql_type)
        if match is None:
            raise ValueError(f"{sql_type!r} is not DECIMAL(p, s)")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def sql(self) -> str:
        return f"DECIMAL({self.precision}, {self.scale})"


def shown(value: str) -> str:
    return repr(value if len(value) <= 20 else value[:20] + "...")


def parse_decimal(value: str, kind: DecimalType) -> Decimal:
    """``value`` as a Decimal that ``kind`` holds exactly; BadValue otherwise."""
    match = X12_NUMBER.match(value)
    if match is None or not (match.group(1) or match.group(2)):
        raise BadValue(f"is {shown(value)}, which is not a number")
    whole, fraction = match.group(1), match.group(2) or ""
    places = len(fraction.rstrip("0"))
    if places > kind.scale:
        raise BadValue(
            f"is {shown(value)}, which has {places} decimal places; the raw column keeps "
            f"{kind.scale} ({kind.sql}) and amounts are never rounded"
        )
    if len(whole.lstrip("0")) > kind.precision - kind.scale:
        raise BadValue(f"is {shown(value)}, which has more digits than the raw column holds ({kind.sql})")
    return Decimal(value)


class DecimalReader:
    """``parse_decimal`` for one column type, remembering the values it has read: remittances repeat
    the same amounts thousands of times, and Decimals are immutable, so one object serves them all.
    A full cache starts over rather than stop learning: a worker reads years of files in turn."""

    CACHE_LIMIT = 65536

    def __init__(self, sql_type: str):
        self.kind = DecimalType.of(sql_type)
        self.cache: dict[str, Decimal] = {}

    def __call__(self, value: str) -> Decimal:
        number = self.cache.get(value)
        if number is None:
            number = parse_decimal(value, self.kind)
            if len(self.cache) >= self.CACHE_LIMIT:
                self.cache.clear()
            self.cache[value] = number
        return number


D8_CACHE_LIMIT = 65536
_d8_dates: dict[str, date] = {}
# A date read before, else None: the hottest handlers write ``known_d8(value) or self.date(...)``, one dict
# lookup instead of a method call (a remittance repeats the same few service dates thousands of times).
# Like the DecimalReader cache, a full one starts over (dates of birth fill it over years of files).
known_d8 = _d8_dates.get


def parse_d8(value: str) -> date:
    """A CCYYMMDD date; BadValue otherwise. The value is not repeated: it may be a date of birth."""
    found = _d8_dates.get(value)
    if found is not None:
        return found
    if D8_DATE.match(value):
        try:
            found = date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise BadValue("is not a real calendar date (CCYYMMDD)") from None
        if len(_d8_dates) >= D8_CACHE_LIMIT:
            _d8_dates.clear()
        _d8_dates[value] = found
        return found
    raise BadValue("is not a CCYYMMDD date (8 digits)")
