"""Records requests to the school district or the prior clinic for a missing IEP or prior therapy records,
with the signed release attached: rows of marts.flag_referral_packet_items_missing with chase_channel
'records_request' (the mart only lists them once the release is received)."""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE

from .context import DraftContext
from .front_office_text import ITEM_LABELS, as_date, fmt_date, jsonable, templates
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "records_request"
ASSIGNED_ROLE = "front_desk"
RECIPIENTS = {
    "school_iep": "School district special education office",
    "prior_therapy_records": "Prior therapy provider (records department)",
}
EVIDENCE = (
    "flag_id",
    "rule_name",
    "referral_id",
    "document_id",
    "document_type",
    "document_status",
    "has_signed_release",
    "location_id",
)


def draft_requests(rows: list[dict], locations: dict[str, dict], patients: dict[str, dict]) -> list[DraftAction]:
    template = templates().get_template("records_request.txt.j2")
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        if row.get("chase_channel") != "records_request":
            continue
        location = locations.get(row["location_id"], {"location_name": row["location_id"]})
        patient = patients.get(row.get("patient_id"), {})
        name = f"{patient.get('first_name', '')} {patient.get('last_name', '')}".strip() or "see release"
        dob = fmt_date(patient.get("date_of_birth"))
        body = template.render(
            location=location,
            patient_name=name,
            patient_dob=dob,
            item=ITEM_LABELS[row["document_type"]],
            letter_date=APPROVAL_DATE,
        )
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                patient_id=row.get("patient_id"),
                title=f"Records request: {row['document_type'].replace('_', ' ')} for referral {row['referral_id']}",
                recipient=RECIPIENTS[row["document_type"]],
                body=body,
                evidence=[jsonable(row, EVIDENCE)],
                checklist=[
                    ChecklistItem(
                        item="Signed release of information attached",
                        detail="received",
                        present=bool(row.get("has_signed_release")),
                    )
                ],
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
                phi_terms=[t for t in (patient.get("first_name"), patient.get("last_name"), dob) if t],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the child's identifiers come from packet_intake_patients."""
    return draft_requests(rows, ctx.locations(), ctx.indexed("packet_intake_patients", "patient_id"))
