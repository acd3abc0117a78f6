"""What the claims-area emitters share: money in cents, the denied lines of a flag and their evidence
(templates render through core.templating)."""

from __future__ import annotations

from decimal import Decimal

from .models import ChecklistItem, DraftAction
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


def denial_title(row: dict, location_name: str, lead: str, payer_name: str | None = None) -> str:
    """'<lead> claim C1 (CARC 50) to <payer> by 2026-04-01 (<location>)', the payer left out when not given."""
    to_payer = f" to {payer_name}" if payer_name else ""
    return (
        f"{lead} claim {row['claim_id']} (CARC {row['carcs']}){to_payer} by {jsonable(row['due_date'])} "
        f"({location_name})"
    )[:200]


def denial_draft(
    row: dict,
    lines: list[dict],
    *,
    action_type: str,
    assigned_role: str,
    title: str,
    recipient: str,
    body: str,
    checklist: list[ChecklistItem],
    phi_terms: list[str],
    public_terms: list[str] | None = None,
) -> DraftAction:
    """A draft about one denied claim (flag row + its denied lines): the fields every denial letter shares."""
    return DraftAction(
        flag_id=row["flag_id"],
        action_type=action_type,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=title,
        recipient=recipient,
        body=body,
        checklist=checklist,
        evidence=denied_line_evidence(lines),
        dollars_at_stake=cents(row["dollars_at_risk"]),
        due_date=row.get("due_date"),
        assigned_role=assigned_role,
        public_terms=public_terms or [],
        phi_terms=phi_terms,
    )
