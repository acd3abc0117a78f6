"""Call-back tasks for referrals nobody answered within the first-response target
(marts.flag_referral_responses_overdue). The task names when the response was due, never how long ago, so a
waiting task reads the same every night."""

from __future__ import annotations

from .context import DraftContext
from .front_office_text import as_date, jsonable
from .models import DraftAction
from .values import local_time_text

ACTION_TYPE = "referral_callback"
ASSIGNED_ROLE = "front_desk"
EVIDENCE = (
    "flag_id",
    "rule_name",
    "referral_id",
    "location_id",
    "channel",
    "status",
    "received_at",
    "first_response_due_at",
)
CHANNEL_WORDS = {
    "physician_fax": "a physician's fax",
    "parent_phone": "a parent's phone call",
    "online_form": "the online form",
    "school_district": "a school district request",
}


def draft_callbacks(rows: list[dict], location_names: dict[str, str], time_zones: dict[str, str]) -> list[DraftAction]:
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        location = location_names.get(row["location_id"], row["location_id"])
        zone = time_zones[row["location_id"]]
        body = (
            f"Referral {row['referral_id']} came in through {CHANNEL_WORDS.get(row['channel'], row['channel'])} on "
            f"{local_time_text(row['received_at'], zone)} and nobody has answered it; the first response was due "
            f"{local_time_text(row['first_response_due_at'], zone)}.\n"
            "Call the family (and the referrer for a fax or school request), record the first response, and "
            "send the intake packet list."
        )
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                patient_id=row.get("patient_id"),
                title=f"Call back: referral {row['referral_id']} ({location})",
                recipient="Front desk",
                body=body,
                evidence=[jsonable(row, EVIDENCE)],
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_callbacks(rows, ctx.location_names(), ctx.location_time_zones())
