"""Underpayment disputes: rows of marts.flag_underpayment_disputes -> a payment dispute letter per line.

Pure: the same flag rows give the same drafts. Each letter cites the fee-schedule line the payment fell
short of (payer, CPT, modifier, effective dates, contracted vs allowed, variance) and the claim and line
references the payer needs (its claim control number, our claim id and line control number). No patient
name, date of birth or member id: the payer finds the claim by its own number, so there are no PHI terms.
"""

from __future__ import annotations

from datetime import date

from core.money import format_money
from core.templating import render_text

from .claims_common import cents
from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .values import jsonable

ACTION_TYPE = "underpayment_dispute"
ASSIGNED_ROLE = "billing"
TEMPLATE_NAME = "underpayment_dispute.txt.j2"
EVIDENCE_COLUMNS = (
    "claim_id",
    "line_number",
    "line_control_number",
    "payer_claim_control_number",
    "service_date",
    "procedure_code",
    "modifiers",
    "billed_units",
    "payment_date",
    "contracted_rate_per_unit",
    "fee_schedule_effective_date",
    "fee_schedule_termination_date",
    "contracted_allowed_amount",
    "paid_allowed_amount",
    "net_paid_amount",
    "dollars_at_risk",
    "due_date",
)


def draft_actions(flag_rows: list[dict], location_names: dict[str, str], today: date) -> list[DraftAction]:
    """One dispute letter per underpaid claim line (ordered by flag_id)."""
    return [_draft_one(row, location_names, today) for row in sorted(flag_rows, key=lambda r: str(r["flag_id"]))]


def _draft_one(row: dict, location_names: dict[str, str], today: date) -> DraftAction:
    location_name = location_names.get(row["location_id"], row["location_id"])
    payer_name = row.get("payer_name") or row["payer_id"]
    units = row.get("billed_units") or 0
    body = render_text(
        TEMPLATE_NAME,
        payer_name=payer_name,
        payer_id=row["payer_id"],
        location_name=location_name,
        today=today.isoformat(),
        due_date=jsonable(row.get("due_date")) or "unknown",
        dispute_days=row.get("underpayment_dispute_days") or "?",
        payment_date=jsonable(row["payment_date"]),
        claim_id=row["claim_id"],
        payer_claim_control_number=row.get("payer_claim_control_number") or "not on the remittance",
        line_number=row["line_number"],
        line_control_number=row.get("line_control_number"),
        service_date=jsonable(row["service_date"]),
        procedure_code=row["procedure_code"],
        modifiers=(row.get("modifiers") or "").replace("|", ", "),
        units=units,
        contract_modifier="any (no modifier-specific rate)",
        effective_date=jsonable(row.get("fee_schedule_effective_date")) or "unknown",
        termination_date=jsonable(row.get("fee_schedule_termination_date")) or "open-ended",
        rate_per_unit=format_money(row.get("contracted_rate_per_unit")),
        contracted_allowed=format_money(row["contracted_allowed_amount"]),
        paid_allowed=format_money(row["paid_allowed_amount"]),
        net_paid=format_money(row.get("net_paid_amount")),
        variance=format_money(row["dollars_at_risk"]),
    )
    checklist = [
        ChecklistItem(
            item="Fee schedule line on file for the date of service",
            detail=f"effective {jsonable(row.get('fee_schedule_effective_date'))}",
            present=row.get("fee_schedule_effective_date") is not None,
        ),
        ChecklistItem(
            item="Payer claim control number from the 835", present=bool(row.get("payer_claim_control_number"))
        ),
        ChecklistItem(item="Attach the remittance (835/EOB) page and the contract's fee schedule page", present=False),
    ]
    return DraftAction(
        flag_id=row["flag_id"],
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=(
            f"Dispute underpayment {format_money(row['dollars_at_risk'])}: claim {row['claim_id']} "
            f"line {row['line_number']} "
            f"{row['procedure_code']} to {payer_name} ({location_name})"
        )[:200],
        recipient=f"{payer_name} provider disputes / reconsideration",
        body=body,
        checklist=checklist,
        evidence=[{k: jsonable(row.get(k)) for k in EVIDENCE_COLUMNS}],
        dollars_at_stake=cents(row["dollars_at_risk"]),
        due_date=row.get("due_date"),
        assigned_role=ASSIGNED_ROLE,
        phi_terms=[],
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return ctx.with_recipients(draft_actions(rows, ctx.location_names(), ctx.as_of), "payer_fax", lambda d: d.payer_id)
