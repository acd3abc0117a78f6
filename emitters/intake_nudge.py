"""Family nudges for missing intake items: rows of marts.flag_referral_packet_items_missing with
chase_channel 'family_nudge' -> one short text per missing item, naming only that item."""

from __future__ import annotations

from .context import DraftContext
from .front_office_text import ITEM_LABELS, as_date, assert_family_safe, identifiers, jsonable
from .models import DraftAction

ACTION_TYPE = "intake_family_nudge"
ASSIGNED_ROLE = "front_desk"
EVIDENCE = (
    "flag_id",
    "rule_name",
    "referral_id",
    "document_id",
    "document_type",
    "document_status",
    "requested_date",
    "referral_channel",
    "location_id",
)


def draft_nudges(rows: list[dict], location_names: dict[str, str], patients: dict[str, dict]) -> list[DraftAction]:
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        if row.get("chase_channel") != "family_nudge":
            continue
        location = location_names.get(row["location_id"], row["location_id"])
        item = ITEM_LABELS[row["document_type"]]
        body = (
            f"Hello from {location}. To finish your child's intake we still need {item}. "
            f"You can reply to this message with a photo, drop it at the front desk, or call us. Thank you!"
        )
        patient = patients.get(row.get("patient_id"), {})
        assert_family_safe(body, identifiers(patient))
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                patient_id=row.get("patient_id"),
                title=f"Intake nudge: {row['document_type'].replace('_', ' ')} ({location})",
                recipient="Family (guardian phone on file)",
                body=body,
                evidence=[jsonable(row, EVIDENCE)],
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the child's identifiers (never sent) come from packet_intake_patients."""
    drafts = draft_nudges(rows, ctx.location_names(), ctx.indexed("packet_intake_patients", "patient_id"))
    return ctx.with_recipients(drafts, "guardian_mobile", lambda d: d.patient_id)
