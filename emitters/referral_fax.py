"""Fax requests to the referring physician (else the child's PCP) for a missing referral/order: rows of
marts.flag_referral_packet_items_missing with chase_channel 'physician_fax' -> a document ready to fax."""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE

from .context import DraftContext
from .front_office_text import as_date, fmt_date, jsonable, templates
from .models import ChecklistItem, DraftAction
from .values import local_moment

ACTION_TYPE = "referral_order_fax"
ASSIGNED_ROLE = "front_desk"
EVIDENCE = (
    "flag_id",
    "rule_name",
    "referral_id",
    "document_id",
    "document_status",
    "requested_date",
    "referral_channel",
    "location_id",
    "physician_npi",
    "physician_name",
)


def draft_faxes(rows: list[dict], locations: dict[str, dict], patients: dict[str, dict]) -> list[DraftAction]:
    template = templates().get_template("referral_order_fax.txt.j2")
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        if row.get("chase_channel") != "physician_fax":
            continue
        location = locations.get(row["location_id"])
        if location is None or not location.get("time_zone"):
            raise ValueError(
                f"referral fax {row['flag_id']}: location {row['location_id']} has no letterhead/time zone"
            )
        patient = patients.get(row.get("patient_id"), {})
        name = f"{patient.get('first_name', '')} {patient.get('last_name', '')}".strip() or "see referral"
        dob = fmt_date(patient.get("date_of_birth"))
        npi = row.get("physician_npi")
        physician = row.get("physician_name") or None
        body = template.render(
            location=location,
            patient_name=name,
            patient_dob=dob,
            physician_npi=npi or "not on file",
            physician_name=physician,
            received_date=fmt_date(local_moment(row["received_at"], location["time_zone"]).date()),
            letter_date=APPROVAL_DATE,
            requested_date=fmt_date(row.get("requested_date")),
        )
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                patient_id=row.get("patient_id"),
                title=f"Fax: physician order for referral {row['referral_id']}",
                recipient=(
                    f"{physician} (NPI {npi})"
                    if physician and npi
                    else f"Physician NPI {npi}"
                    if npi
                    else "Referring physician (find the fax number)"
                ),
                body=body,
                evidence=[jsonable(row, EVIDENCE)],
                checklist=[
                    ChecklistItem(
                        item="Physician NPI", detail=npi or "not on the referral or the patient", present=bool(npi)
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
    referral_of = {row["flag_id"]: row.get("referral_id") for row in rows}
    drafts = draft_faxes(rows, ctx.locations(), ctx.indexed("packet_intake_patients", "patient_id"))
    return ctx.with_recipients(drafts, "referral_physician_fax", lambda d: referral_of.get(d.flag_id))
