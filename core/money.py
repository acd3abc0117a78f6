"""One money formatter for every page, letter and message."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any


def to_decimal(value: Any) -> Decimal:
    """A Decimal for any amount the marts or the ledger hand us; None, NaN and blanks are zero."""
    if value is None or value == "":
        return Decimal("0")
    if isinstance(value, float) and math.isnan(value):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:  # the value itself may be patient data: name only its type
        raise ValueError(f"not an amount (a {type(value).__name__})") from exc


def amount(value: Any) -> Decimal:
    """An amount in dollars and cents (None, NaN and blanks are zero): what a draft stores as its dollars."""
    return to_decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def format_money(value: Any, *, missing: str | None = None) -> str:
    """'$1,234.56' and '-$12.00'. `missing` is shown instead when the value is None or NaN
    (e.g. "not measured"); without it those read as $0.00."""
    if missing is not None and (value is None or (isinstance(value, float) and math.isnan(value))):
        return missing
    amount = to_decimal(value).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
