"""Review tasks for kept visits no authorization covers (marts.flag_unauthorized_visits), to the front-desk
lead: what went wrong in words, where the claim stands (not sent: hold it; already sent: the payer will deny
it for authorization), the retro-authorization request that fits the reason, and the write-off when the payer
refuses. An unauthorized visit of a contracted payer is the clinic's loss, never a bill to the family.
Pure and deterministic; the title carries the visit id and location only.
"""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE
from core.money import amount
from core.templating import text_environment

from .context import DraftContext
from .credentialing_common import as_date, evidence_row, fmt_date
from .models import DraftAction

ACTION_TYPE = "unauthorized_visit_review"
ASSIGNED_ROLE = "front_desk"
TEMPLATE_NAME = "unauthorized_visit_review.txt.j2"
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "visit_id",
    "appointment_id",
    "location_id",
    "payer_id",
    "payer_name",
    "date_of_service",
    "unauthorized_reason",
    "unauthorized_reason_text",
    "last_ended_date",
    "next_start_date",
    "claim_id",
    "is_claim_submitted",
    "dollars_at_risk",
    "due_date",
)


def _reason_words(row: dict) -> str:
    """Why no authorization covers the visit, with the dates written as the front desk reads them."""
    reason = row["unauthorized_reason"]
    if reason == "authorization_ended":
        return f"the last authorization ended {fmt_date(row['last_ended_date'])}, before the visit"
    if reason == "authorization_not_started":
        return f"the next authorization starts {fmt_date(row['next_start_date'])}, after the visit"
    if reason == "wrong_service":
        return "the authorization in force covers another service than the one billed"
    if reason == "no_authorization":
        return "no approved authorization is on file for this payer"
    raise ValueError(f"unknown unauthorized_reason {reason!r}")


def _request_step(row: dict, payer: str) -> str:
    """The retro-authorization request that fits why the visit is not covered."""
    reason = row["unauthorized_reason"]
    dos = fmt_date(row["date_of_service"])
    if reason == "authorization_ended":
        return (
            f"Ask {payer} to extend the authorization that ended {fmt_date(row['last_ended_date'])} (or issue a "
            f"retro-authorization) so it covers {dos}; send the visit note and the plan of care with the request."
        )
    if reason == "authorization_not_started":
        return (
            f"Ask {payer} to move the start of the authorization that starts {fmt_date(row['next_start_date'])} "
            f"back to {dos}; send the visit note with the request."
        )
    if reason == "wrong_service":
        return (
            f"Check the visit was booked and billed as the right service. If it was, ask {payer} to add this "
            f"service to the authorization in force (or authorize it separately) from {dos}."
        )
    if reason == "no_authorization":
        return (
            f"Ask {payer} for a retro-authorization covering {dos}, with the evaluation, the plan of care and the "
            "visit note; then request the authorization for the visits still to come."
        )
    raise ValueError(f"unknown unauthorized_reason {reason!r}")


def _claim_status(row: dict) -> tuple[str, str]:
    """(where the claim stands, what to do about it)."""
    claim_id = row.get("claim_id")
    if row.get("is_claim_submitted"):
        return (
            f"claim {claim_id} has already gone out to the payer.",
            "The claim cannot be held: expect an authorization denial. Give billing the retro-authorization "
            "number as soon as you have it so they can work the denial.",
        )
    if claim_id:
        return (
            f"claim {claim_id} has not been sent.",
            f"Hold claim {claim_id}: do not send it until the payer has answered the request.",
        )
    return (
        "no claim has been created for this visit yet.",
        "Tell billing not to create or send a claim for this visit until the payer has answered the request.",
    )


def draft_reviews(rows: list[dict], location_names: dict[str, str]) -> list[DraftAction]:
    template = text_environment().get_template(TEMPLATE_NAME)
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        location = location_names.get(row["location_id"], row["location_id"])
        payer = row.get("payer_name") or row["payer_id"]
        claim_status, claim_step = _claim_status(row)
        steps = [
            claim_step,
            _request_step(row, payer),
            f"If {payer} refuses, write the visit off as an authorization write-off: a contracted payer's "
            "missing authorization is the clinic's loss, so do not bill the family.",
        ]
        body = template.render(
            location_name=location,
            letter_date=APPROVAL_DATE,
            visit_id=row["visit_id"],
            date_of_service=fmt_date(row["date_of_service"]),
            payer_name=payer,
            reason_text=_reason_words(row),
            dollars=amount(row.get("dollars_at_risk")),
            claim_status=claim_status,
            steps=steps,
        )
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row.get("payer_id"),
                patient_id=row.get("patient_id"),
                title=f"Unauthorized visit {row['visit_id']}: retro-authorization or write-off ({location})",
                recipient="Front-desk lead",
                body=body,
                evidence=[evidence_row(row, EVIDENCE_COLUMNS)],
                dollars_at_stake=amount(row.get("dollars_at_risk")),
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
                public_terms=[location, payer],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_reviews(rows, ctx.location_names())
