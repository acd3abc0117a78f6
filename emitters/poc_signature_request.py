"""Plan-of-care documents to the physician (marts.flag_plan_of_care_followups): the signature request as
soon as the plan is established, a follow-up every week or so until it is signed (each its own fax, due on the
payer's certification deadline, and saying so once it has passed), the plan sent for the record where a signed
order on file replaces the signature, and a recertification due by days. A progress report is never sent for
a physician's signature: a row with another reason is an error, not a fax. A document ready to fax, dated on
approval and naming dates, never days, so a waiting fax reads the same every night; the front desk or billing
approves every send."""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE

from .context import DraftContext
from .front_office_text import as_date, fmt_date, jsonable, templates
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "poc_signature_request"
ASSIGNED_ROLE = "front_desk"
EVIDENCE = (
    "flag_id",
    "rule_name",
    "plan_of_care_id",
    "followup_reason",
    "location_id",
    "payer_id",
    "plan_status",
    "evaluation_date",
    "plan_start_date",
    "plan_end_date",
    "physician_npi",
    "physician_signed_date",
    "is_sent_to_pcp",
    "visits_since_progress_point",
    "progress_report_every_visits",
    "recert_every_days",
    "signature_chase_after_days",
    "signature_follow_up_number",
    "signature_chase_every_days",
    "is_signature_waived_by_order",
    "certification_deadline_date",
    "is_certification_late",
    "due_date",
)
SUBJECTS = {
    "signature_request": ("Signature request", "Plan of care for your signature"),
    "plan_notice": ("Plan of care for the record", "Plan of care for your records (no signature needed)"),
    "recert_due": ("Recertification", "Plan of care recertification for your signature"),
    "signature_overdue": ("Signature follow-up", "Plan of care awaiting your signature"),
}


def draft_signature_requests(
    rows: list[dict], locations: dict[str, dict], patients: dict[str, dict]
) -> list[DraftAction]:
    template = templates().get_template("poc_signature_request.txt.j2")
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        reason = row["followup_reason"]
        if reason not in SUBJECTS:
            raise ValueError(
                f"plan-of-care follow-up {row['flag_id']}: {reason!r} is not sent to a physician for signature"
            )
        short, subject = SUBJECTS[reason]
        location = locations.get(row["location_id"], {"location_name": row["location_id"]})
        patient = patients.get(row.get("patient_id"), {})
        name = f"{patient.get('first_name', '')} {patient.get('last_name', '')}".strip() or "see chart"
        dob = fmt_date(patient.get("date_of_birth"))
        npi = row.get("physician_npi")
        addressee = "Primary care physician" if row.get("is_sent_to_pcp") else "Prescribing physician"
        follow_up = row.get("signature_follow_up_number") if reason == "signature_overdue" else None
        body = template.render(
            location=location,
            addressee=addressee,
            physician_npi=npi or "not on file",
            subject=subject,
            follow_up_number=follow_up,
            patient_name=name,
            patient_dob=dob,
            plan_of_care_id=row["plan_of_care_id"],
            evaluation_date=fmt_date(row.get("evaluation_date")),
            plan_start_date=fmt_date(row.get("plan_start_date")),
            plan_end_date=fmt_date(row.get("plan_end_date")),
            letter_date=APPROVAL_DATE,
            reason=reason,
            due_date=fmt_date(row.get("due_date")),
            certification_deadline=fmt_date(row["certification_deadline_date"])
            if row.get("certification_deadline_date") is not None and reason != "plan_notice"
            else None,
            certification_late=bool(row.get("is_certification_late")),
        )
        title = f"{short}: plan of care {row['plan_of_care_id']}"
        if follow_up:
            title += f" (follow-up {follow_up})"
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row.get("payer_id"),
                patient_id=row.get("patient_id"),
                title=title,
                recipient=f"{addressee} NPI {npi}" if npi else f"{addressee} (find the fax number)",
                body=body,
                evidence=[jsonable(row, EVIDENCE)],
                checklist=[
                    ChecklistItem(item="Physician NPI", detail=npi or "not on the plan of care", present=bool(npi)),
                    ChecklistItem(
                        item="Physician signature",
                        detail="not needed: signed order on file"
                        if reason == "plan_notice"
                        else fmt_date(row.get("physician_signed_date")),
                        present=reason == "plan_notice" or row.get("physician_signed_date") is not None,
                    ),
                ],
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
                phi_terms=[t for t in (patient.get("first_name"), patient.get("last_name"), dob) if t],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the child's identifiers come from packet_plan_of_care_patients."""
    plan_of = {row["flag_id"]: row.get("plan_of_care_id") for row in rows}
    drafts = draft_signature_requests(rows, ctx.locations(), ctx.indexed("packet_plan_of_care_patients", "patient_id"))
    return ctx.with_recipients(drafts, "plan_physician_fax", lambda d: plan_of.get(d.flag_id))
