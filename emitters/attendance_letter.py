"""Attendance-policy letters: rows of marts.flag_attendance_letters -> a letter to the family (counts and
the policy only; no child's name, diagnosis, member id or clinical detail), approved by the front desk
or the director. Dated on approval; the counts are the rolling window's as the flag row holds them, so a
waiting letter is drafted again only when a visit enters or leaves the window. Pure.
"""

from __future__ import annotations

from decimal import Decimal

from core.approval_date import APPROVAL_DATE

from .context import DraftContext
from .family_messages import assert_minimum_necessary, forbidden_terms
from .models import DraftAction
from .values import as_date, jsonable

ACTION_TYPE = "attendance_letter"
ASSIGNED_ROLE = "front_desk"


def draft_attendance_letters(rows: list[dict]) -> list[DraftAction]:
    return [_draft(row) for row in sorted(rows, key=lambda r: str(r["flag_id"]))]


def letter(row: dict) -> str:
    rate = float(row["attendance_rate"])
    policy = float(row["policy_min_rate"])
    missed = int(row["no_show_count"]) + int(row["late_cancelled_count"])
    return (
        "\n".join(
            [
                f"{row['location_name']}",
                APPROVAL_DATE,
                "",
                "Dear parent or guardian,",
                "",
                f"Regular visits matter. Over the last {int(row['policy_window_days'])} days, "
                f"{int(row['kept_count'])} of "
                f"{int(row['counted_visits'])} booked visits were kept ({rate:.0%}); {missed} were missed without "
                f"24 hours' notice. Our attendance policy asks families to keep at least {policy:.0%} "
                "of booked visits.",
                "",
                "Please call us if the current day or time no longer works for your family: we are glad to find one "
                "that does. If visits keep being missed, we may need to release your recurring time to a family on "
                "our waitlist.",
                "",
                "Thank you,",
                f"The front desk, {row['location_name']}",
            ]
        )
        + "\n"
    )


def _draft(row: dict) -> DraftAction:
    body = assert_minimum_necessary(letter(row), forbidden_terms(row))
    return DraftAction(
        flag_id=str(row["flag_id"]),
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=f"Attendance letter: {float(row['attendance_rate']):.0%} kept ({row['location_name']})",
        recipient="the family (mail or patient portal)",
        body=body,
        evidence=[
            {
                "source": "marts.flag_attendance_letters",
                **{
                    k: jsonable(row.get(k))
                    for k in (
                        "flag_id",
                        "rule_name",
                        "rule_version",
                        "location_id",
                        "kept_count",
                        "no_show_count",
                        "late_cancelled_count",
                        "counted_visits",
                        "attendance_rate",
                        "policy_min_rate",
                        "policy_window_days",
                        "next_visit_date",
                    )
                },
            }
        ],
        dollars_at_stake=Decimal("0.00"),
        due_date=as_date(row.get("due_date")),
        assigned_role=ASSIGNED_ROLE,
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_attendance_letters(rows)
