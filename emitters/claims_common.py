"""What the claims-area emitters share: money in cents, the denied lines of a flag and their evidence
(templates render through core.templating)."""

from __future__ import annotations

from decimal import Decimal

from .values import jsonable

CENT = Decimal("0.01")
# The denied-line columns every denial draft keeps as evidence (no patient values).
DENIED_LINE_EVIDENCE = (
    "claim_id",
    "line_number",
    "procedure_code",
    "modifiers",
    "denial_carc",
    "remark_codes",
    "denial_category",
    "denial_date",
    "deadline_date",
    "days_left",
)


def cents(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def denied_lines_of(claim_id: str, denied_lines: dict[str, list[dict]]) -> list[dict]:
    """The claim's denied lines (packet_denied_lines) in line order."""
    return sorted(denied_lines.get(claim_id, []), key=lambda d: d["line_number"])


def denied_line_evidence(lines: list[dict]) -> list[dict]:
    """One JSON-able evidence entry per denied line."""
    return [{k: jsonable(d.get(k)) for k in DENIED_LINE_EVIDENCE} for d in lines]


def remark_codes(lines: list[dict]) -> list[str]:
    """The RARCs of the lines, sorted and without repeats."""
    return sorted({r for d in lines for r in (d.get("remark_codes") or "").split("|") if r})
