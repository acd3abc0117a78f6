"""Value formatting the claims-area emitters share (templates render through core.templating)."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def cents(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)
