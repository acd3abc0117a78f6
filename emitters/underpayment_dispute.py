"""Underpayment disputes: rows of marts.flag_underpayment_disputes -> a payment dispute letter per line.

Pure: the same flag rows give the same drafts. Each letter names what the payer needs to find the claim
(patient, date of birth, member id, its claim number and ours, the date of service, the line control number)
and cites the contract line the payment fell short of: the rate (a modifier-specific or assistant rate), the
multiple-procedure split where the payer applies it, and the lesser-of-charge amount, for the units the
payer allowed. Nothing internal: our dispute deadline stays on the draft (due_date), not in the letter.
The patient's name, date of birth and member id come from packet_underpayment_patients and are PHI terms.
"""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE
from core.money import format_money
from core.templating import render_text

from .claims_common import cents
from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .values import jsonable

ACTION_TYPE = "underpayment_dispute"
ASSIGNED_ROLE = "billing"
TEMPLATE_NAME = "underpayment_dispute.txt.j2"
PATIENTS_PACKET = "packet_underpayment_patients"
EVIDENCE_COLUMNS = (
    "claim_id",
    "line_number",
    "line_control_number",
    "payer_claim_control_number",
    "service_date",
    "procedure_code",
    "modifiers",
    "billed_units",
    "paid_units",
    "units_reduced",
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


def draft_actions(flag_rows: list[dict], patients: dict[str, dict], locations: dict[str, dict]) -> list[DraftAction]:
    """One dispute letter per underpaid claim line (ordered by flag_id); `patients` is flag_id -> the
    packet_underpayment_patients row, `locations` location_id -> letterhead row (packet_locations)."""
    return [
        _draft_one(row, patients.get(row["flag_id"], {}), locations.get(row["location_id"], {}))
        for row in sorted(flag_rows, key=lambda r: str(r["flag_id"]))
    ]


def _draft_one(row: dict, patient: dict, letterhead: dict) -> DraftAction:
    location_name = letterhead.get("location_name") or row["location_id"]
    address = ", ".join(
        part
        for part in (
            letterhead.get("address_line"),
            " ".join(p for p in (letterhead.get("city"), letterhead.get("state"), letterhead.get("zip")) if p),
        )
        if part
    )
    payer_name = row.get("payer_name") or row["payer_id"]
    units = row.get("paid_units") or row.get("billed_units") or 0
    full_units = min(row.get("full_rate_units") or 0, units) if row.get("applies_mppr") else units
    assistant_percent = row.get("assistant_rate_percent")
    patient_name = f"{patient.get('first_name') or ''} {patient.get('last_name') or ''}".strip()
    born = jsonable(patient.get("date_of_birth"))
    member = patient.get("member_id") or ""
    body = render_text(
        TEMPLATE_NAME,
        payer_name=payer_name,
        payer_id=row["payer_id"],
        location_name=location_name,
        address=address,
        billing_npi=letterhead.get("facility_npi"),
        letter_date=APPROVAL_DATE,
        patient_name=patient_name or "not on file",
        patient_dob=born or "not on file",
        member_id=member or "not on file",
        payment_date=jsonable(row["payment_date"]),
        claim_id=row["claim_id"],
        payer_claim_control_number=row.get("payer_claim_control_number") or "not on the remittance",
        line_number=row["line_number"],
        line_control_number=row.get("line_control_number"),
        service_date=jsonable(row["service_date"]),
        procedure_code=row["procedure_code"],
        modifiers=(row.get("modifiers") or "").replace("|", ", "),
        units=units,
        contract_modifier=row.get("fee_schedule_modifier") or "none (the plain rate)",
        assistant_percent=assistant_percent if assistant_percent and assistant_percent < 100 else None,
        full_units=full_units,
        reduced_units=units - full_units,
        reduced_rate=format_money(row.get("reduced_rate_per_unit")),
        mppr_percent=row.get("mppr_subsequent_unit_percent"),
        priced_at_charge=bool(row.get("is_priced_at_charge")),
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
        ChecklistItem(item="Patient name and member id on file", present=bool(patient_name and member), required=True),
        ChecklistItem(item="Attach the remittance (835/EOB) page and the contract's fee schedule page", present=False),
    ]
    if row.get("units_reduced"):
        checklist.append(
            ChecklistItem(
                item="Units reduced by the payer are worked separately",
                detail=(
                    f"{row['units_reduced']} of {row.get('billed_units')} units not paid; "
                    "this letter disputes the rate only"
                ),
                present=True,
            )
        )
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
        phi_terms=[t for t in (patient.get("first_name"), patient.get("last_name"), born, member) if t],
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the patient comes from packet_underpayment_patients, the letterhead from
    packet_locations."""
    drafts = draft_actions(rows, ctx.indexed(PATIENTS_PACKET, "flag_id"), ctx.locations())
    return ctx.with_recipients(drafts, "payer_fax", lambda d: d.payer_id)
