"""Visit reminders for the next 48 hours: rows of marts.flag_visit_reminders -> one text per booked visit
that knows the authorization (this is the last authorized visit; the authorization ends this week) yet
carries no child's name, diagnosis, member id or clinical detail (checked by the family_messages guard).
Staff approve each send. Pure.
"""

from __future__ import annotations

from decimal import Decimal

from .context import DraftContext
from .family_messages import assert_minimum_necessary, clock_time, forbidden_terms
from .models import DraftAction
from .values import as_date, fmt_date, jsonable

ACTION_TYPE = "visit_reminder"
ASSIGNED_ROLE = "front_desk"
# No as-of date: a visit stays in the flag model's 48 hours for two nights, and its reminder (text, due the day
# before the visit) must be the same draft on both, not redrafted for the date alone.
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "appointment_id",
    "location_id",
    "provider_id",
    "payer_id",
    "visit_date",
    "local_start_minute",
    "authorization_id",
    "approved_quantity",
    "remaining_after_visit",
    "authorization_end_date",
    "is_last_authorized_visit",
    "is_authorization_ending_this_week",
)


def draft_visit_reminders(rows: list[dict]) -> list[DraftAction]:
    """One reminder per appointment (a repeated flag row yields one draft); flag_visit_reminders holds only the
    visits of the 48 hours after the as-of date (its unit test has the window's first and last minutes)."""
    by_appointment: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        by_appointment.setdefault(str(row["appointment_id"]), row)
    return [_draft(row) for row in by_appointment.values()]


def reminder_text(row: dict) -> str:
    day = as_date(row["visit_date"])
    lines = [
        f"{row['location_name']}: a reminder of your child's visit on {day:%A, %B} {day.day} at "
        f"{clock_time(row['local_start_minute'])}.",
    ]
    if row.get("is_last_authorized_visit"):
        lines.append(
            "This is the last visit your insurance has approved so far. We have asked your plan to "
            "approve more visits and will call you if anything changes."
        )
    if row.get("is_authorization_ending_this_week"):
        end = as_date(row["authorization_end_date"])
        lines.append(
            f"Your insurance approval for visits ends on {end:%A, %B} {end.day}; we are working on renewing it."
        )
    lines.append("Reply YES to confirm, or call us if you need to change the time.")
    return "\n".join(lines) + "\n"


def _draft(row: dict) -> DraftAction:
    body = assert_minimum_necessary(reminder_text(row), forbidden_terms(row))
    day = as_date(row["visit_date"])
    notes = [
        label
        for flag, label in (
            ("is_last_authorized_visit", "last authorized visit"),
            ("is_authorization_ending_this_week", "authorization ends this week"),
        )
        if row.get(flag)
    ]
    title = f"Visit reminder: {fmt_date(day)} {clock_time(row['local_start_minute'])} ({row['location_name']})" + (
        f" · {', '.join(notes)}" if notes else ""
    )
    return DraftAction(
        flag_id=str(row["flag_id"]),
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=title[:200],
        recipient=f"family of visit {row['appointment_id']} (text {row.get('guardian_phone') or 'no phone on file'})",
        body=body,
        evidence=[{"source": "marts.flag_visit_reminders", **{k: jsonable(row.get(k)) for k in EVIDENCE_COLUMNS}}],
        dollars_at_stake=Decimal("0.00"),
        due_date=as_date(row.get("due_date")) or day,
        assigned_role=ASSIGNED_ROLE,
        phi_terms=[p for p in [row.get("guardian_phone")] if p],
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return ctx.with_recipients(draft_visit_reminders(rows), "guardian_mobile", lambda d: d.patient_id)
