"""Booking-mismatch alerts: rows of marts.flag_booking_mismatches -> one alert per visit to the front desk,
with the fix (move it to an enrolled therapist who is free, or get a re-authorization first). Internal
(staff) documents: they name the visit, therapist and payer, never the child's name or member id. Pure.
"""

from __future__ import annotations

from core.money import amount, format_money

from .context import DraftContext
from .family_messages import clock_time
from .models import DraftAction
from .values import as_date, fmt_date, jsonable

ACTION_TYPE = "booking_alert"
ASSIGNED_ROLE = "front_desk"
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "appointment_id",
    "location_id",
    "payer_id",
    "payer_name",
    "provider_id",
    "visit_date",
    "credential_check",
    "authorization_check",
    "authorization_id",
    "last_authorization_end_date",
    "alternative_provider_id",
    "mismatch_reasons",
    "suggested_fix",
    "dollars_at_risk",
)


def draft_booking_alerts(rows: list[dict]) -> list[DraftAction]:
    return [_draft(row) for row in sorted(rows, key=lambda r: str(r["flag_id"]))]


def _draft(row: dict) -> DraftAction:
    day = as_date(row["visit_date"])
    when = f"{fmt_date(day)} {clock_time(row['local_start_minute'])}"
    body = (
        "\n".join(
            [
                f"Booking check failed for visit {row['appointment_id']} on {when} with {row['provider_name']}"
                f" ({row.get('payer_name') or row.get('payer_id') or 'no payer on file'}).",
                "",
                "What is wrong:",
                f"  {row['mismatch_reasons']}",
                "",
                "Fix before the visit:",
                f"  {row['suggested_fix']}",
                "",
                f"Dollars at risk if the visit happens as booked: {format_money(row.get('dollars_at_risk'))}",
            ]
        )
        + "\n"
    )
    return DraftAction(
        flag_id=str(row["flag_id"]),
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=f"Booking mismatch: visit {row['appointment_id']} on {fmt_date(day)} ({row['location_id']})",
        recipient="front desk",
        body=body,
        evidence=[{"source": "marts.flag_booking_mismatches", **{c: jsonable(row.get(c)) for c in EVIDENCE_COLUMNS}}],
        dollars_at_stake=amount(row.get("dollars_at_risk")),
        due_date=day,
        assigned_role=ASSIGNED_ROLE,
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_booking_alerts(rows)
