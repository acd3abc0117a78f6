"""Schedule-this-patient tasks: rows of marts.flag_patients_to_schedule (a child with an open plan of care
and no visit booked ahead) -> a front-desk task with a text and a call script to book the next visits.
The family-facing parts carry no child's name, diagnosis, member id or clinical detail. Due the day it is found
(the ledger dates it: `due_days_after_raised`). Pure.
"""

from __future__ import annotations

from decimal import Decimal

from .context import DraftContext
from .family_messages import assert_minimum_necessary, forbidden_terms
from .models import DraftAction
from .values import fmt_date, jsonable

ACTION_TYPE = "schedule_patient_outreach"
ASSIGNED_ROLE = "front_desk"
EVIDENCE_FIELDS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "location_id",
    "plan_of_care_id",
    "plan_end_date",
    "frequency_per_week",
    "last_kept_visit_date",
    "last_provider_id",
    "weeks_at_risk",
    "dollars_at_risk",
)


def draft_schedule_patient_tasks(rows: list[dict]) -> list[DraftAction]:
    return [_draft(row) for row in sorted(rows, key=lambda r: str(r["flag_id"]))]


def text_message(row: dict) -> str:
    with_whom = f" with {row['last_provider_first_name']}" if row.get("last_provider_first_name") else ""
    return (
        f"{row['location_name']}: we don't have your child's next visits{with_whom} on the calendar yet. "
        "Reply or call us to pick days and times that work for your family. Reply STOP to opt out of texts."
    )


def call_script(row: dict) -> str:
    with_whom = f" with {row['last_provider_first_name']}" if row.get("last_provider_first_name") else ""
    return "\n".join(
        [
            f"Hello, this is the front desk at {row['location_name']}. May I speak with the parent or guardian?",
            f"We noticed there are no upcoming visits{with_whom} on the calendar, and we would like to keep "
            "your child's weekly times going.",
            f"Could we book {int(row['frequency_per_week'] or 1)} visit(s) a week again? "
            "Which days and times work best?",
            "  If yes: book the recurring times now and confirm them back to the family.",
            "  If the family has stopped or moved: note it so the therapist can close out the episode.",
            "Do not discuss the child's care, codes or insurance details on this call.",
        ]
    )


def _draft(row: dict) -> DraftAction:
    forbidden = forbidden_terms(row)
    text = assert_minimum_necessary(text_message(row), forbidden)
    script = assert_minimum_necessary(call_script(row), forbidden)
    body = "TEXT MESSAGE\n" + text + "\n\nCALL SCRIPT\n" + script + "\n"  # the facts for staff are in the evidence
    return DraftAction(
        flag_id=str(row["flag_id"]),
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=f"Schedule this patient: nothing booked, plan open to {fmt_date(row['plan_end_date'])} "
        f"({row['location_name']})"[:200],
        recipient=f"the family (text {row.get('guardian_phone') or 'no phone on file'})",
        body=body,
        evidence=[{"source": "marts.flag_patients_to_schedule", **{k: jsonable(row.get(k)) for k in EVIDENCE_FIELDS}}],
        dollars_at_stake=Decimal(str(row.get("dollars_at_risk") or "0")).quantize(Decimal("0.01")),
        assigned_role=ASSIGNED_ROLE,
        phi_terms=[p for p in [row.get("guardian_phone")] if p],
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_schedule_patient_tasks(rows)
