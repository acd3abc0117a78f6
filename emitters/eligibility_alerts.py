"""Front-desk eligibility work: check tasks (marts.flag_eligibility_checks_due) and coverage-change alerts
(marts.flag_coverage_changes). Internal tasks: they name the appointment and payer, never a diagnosis."""

from __future__ import annotations

from core.money import amount

from .context import DraftContext
from .front_office_text import as_date, jsonable
from .models import ChecklistItem, DraftAction
from .values import local_time_text

CHECK_ACTION_TYPE = "eligibility_check_task"
CHANGE_ACTION_TYPE = "coverage_change_alert"
ASSIGNED_ROLE = "front_desk"
CHECK_EVIDENCE = (
    "flag_id",
    "rule_name",
    "appointment_id",
    "location_id",
    "payer_id",
    "payer_name",
    "scheduled_start_at",
    "eligibility_window_hours",
    "window_opens_at",
    "last_attempt_id",
    "last_attempted_at",
    "last_attempt_status",
    "last_attempt_reject_code",
    "last_check_id",
    "last_checked_at",
    "check_due_reason",
    "check_due_reasons",
    "flag_reason",
)
CHANGE_EVIDENCE = (
    "flag_id",
    "rule_name",
    "patient_id",
    "location_id",
    "payer_id",
    "payer_name",
    "eligibility_check_id",
    "check_source",
    "checked_at",
    "coverage_status",
    "reported_plan_payer_id",
    "reported_plan_name",
    "other_payer_name",
    "ot_visits_remaining",
    "is_inactive",
    "is_plan_change",
    "is_other_payer_reported",
    "is_visit_limit_reached",
    "is_authorization_invalidated",
    "invalidated_authorization_ids",
    "invalidated_authorization_numbers",
    "next_visit_at",
    "upcoming_visit_count",
    "affected_appointment_ids",
    "flag_reasons",
    "dollars_at_risk",
)


def draft_check_tasks(
    rows: list[dict], location_names: dict[str, str], time_zones: dict[str, str]
) -> list[DraftAction]:
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        location = location_names.get(row["location_id"], row["location_id"])
        start = local_time_text(row["scheduled_start_at"], time_zones[row["location_id"]])
        body = (
            f"Run an eligibility check (270/271, service type AD occupational therapy) with {row['payer_name']} "
            f"before appointment {row['appointment_id']} on {start} at {location}.\n"
            f"Why: {row['flag_reason']}.\n"
            f"Payer window: the check must be at most {row['eligibility_window_hours']} hours old at the visit.\n"
            "If the answer shows inactive coverage, another plan or another payer, update the coverage and "
            "call the family before the visit."
        )
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=CHECK_ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row.get("payer_id"),
                patient_id=row.get("patient_id"),
                title=f"Eligibility check: {row['payer_name']} visit {row['appointment_id']} ({location})",
                recipient="Front desk",
                body=body,
                evidence=[jsonable(row, CHECK_EVIDENCE)],
                dollars_at_stake=amount(row.get("dollars_at_risk")),
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft_coverage_alerts(
    rows: list[dict], location_names: dict[str, str], time_zones: dict[str, str]
) -> list[DraftAction]:
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        location = location_names.get(row["location_id"], row["location_id"])
        zone = time_zones[row["location_id"]]
        steps = []
        if row.get("is_inactive"):
            steps.append("Coverage is inactive: ask the family for current insurance before the visit.")
        if row.get("is_plan_change"):
            steps.append(
                "The payer reports another plan "
                f"({row.get('reported_plan_name') or row.get('reported_plan_payer_id')}): "
                "update the coverage and bill the new plan."
            )
        if row.get("is_other_payer_reported"):
            steps.append(
                f"Another payer is reported ({row.get('other_payer_name')}): confirm coordination of benefits "
                "with the family and add the coverage."
            )
        if row.get("is_visit_limit_reached"):
            steps.append(
                "No OT visits remain this benefit period: tell the family before the visit and ask about "
                "an exception or self-pay."
            )
        if row.get("is_authorization_invalidated"):
            steps.append(
                f"Authorization(s) {row.get('invalidated_authorization_numbers')} belong to the old coverage: "
                "request a new authorization from the plan now in force."
            )
        body = (
            f"Coverage change for patient {row['patient_id']} at {location} (next visit "
            f"{local_time_text(row['next_visit_at'], zone)}; {row['upcoming_visit_count']} booked visit(s) "
            f"affected: {row.get('affected_appointment_ids') or ''}).\n"
            f"Eligibility answer of {local_time_text(row['checked_at'], zone)} from {row['payer_name']} on file:\n- "
            + "\n- ".join(steps)
        )
        checklist = [
            ChecklistItem(item=label, present=not bool(row.get(col)))
            for col, label in (
                ("is_inactive", "Coverage active"),
                ("is_plan_change", "Plan on file matches the payer"),
                ("is_other_payer_reported", "No unreported other payer"),
                ("is_visit_limit_reached", "OT visits remaining"),
                ("is_authorization_invalidated", "Authorization valid for the plan in force"),
            )
        ]
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=CHANGE_ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row.get("payer_id"),
                patient_id=row.get("patient_id"),
                title=f"Coverage change: {row['flag_reasons']} ({location})"[:200],
                recipient="Front desk",
                body=body,
                checklist=checklist,
                evidence=[jsonable(row, CHANGE_EVIDENCE)],
                dollars_at_stake=amount(row.get("dollars_at_risk")),
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft_checks(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point for eligibility_check_task."""
    return draft_check_tasks(rows, ctx.location_names(), ctx.location_time_zones())


def draft_changes(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point for coverage_change_alert."""
    return draft_coverage_alerts(rows, ctx.location_names(), ctx.location_time_zones())
