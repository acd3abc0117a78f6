"""Payroll discrepancy reports to the office manager: rows of marts.flag_payroll_discrepancies, with the
flagged days of fct_payroll_reconciliation, -> DraftActions, due before payroll runs. Pure and deterministic.
"""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE
from core.templating import text_environment

from .context import DraftContext
from .credentialing_common import as_date, evidence_row, fmt_date
from .models import DraftAction

ACTION_TYPE = "payroll_discrepancy_report"
ASSIGNED_ROLE = "admin"  # the office manager
TEMPLATE_NAME = "payroll_discrepancy.txt.j2"
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "provider_id",
    "location_id",
    "pay_period_start",
    "pay_period_end",
    "payroll_run_date",
    "discrepancy_day_count",
    "sessions_without_hours_days",
    "hours_without_sessions_days",
    "hours_over_tolerance_days",
    "session_hours",
    "clinical_hours",
    "net_hours_difference",
    "due_date",
)
DAY_COLUMNS = ("work_date", "discrepancy_type", "session_count", "session_hours", "clinical_hours", "hours_difference")
KIND_TEXT = {
    "sessions_without_hours": "sessions but no clinical hours on the timesheet",
    "hours_without_sessions": "clinical hours but no completed sessions",
    "hours_over_tolerance": "clinical hours differ from session hours by more than the tolerance",
}


def draft_actions(
    flag_rows: list[dict], days: dict[str, list[dict]], location_names: dict[str, str]
) -> list[DraftAction]:
    """days: flag_id -> the flagged days of that provider and pay period."""
    template = text_environment().get_template(TEMPLATE_NAME)
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        location_name = location_names.get(row["location_id"], row["location_id"])
        flagged = sorted(days.get(str(row["flag_id"]), []), key=lambda d: str(d["work_date"]))
        body = template.render(
            location_name=location_name,
            letter_date=APPROVAL_DATE,
            provider_name=row["provider_name"],
            period_start=fmt_date(row["pay_period_start"]),
            period_end=fmt_date(row["pay_period_end"]),
            run_date=fmt_date(row["payroll_run_date"]),
            days=[
                {
                    "date": fmt_date(d["work_date"]),
                    "what": KIND_TEXT.get(d["discrepancy_type"], d["discrepancy_type"]),
                    "sessions": d.get("session_hours"),
                    "paid": d.get("clinical_hours"),
                }
                for d in flagged
            ],
        )
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                title=(
                    f"Payroll check: {row['provider_name']}, "
                    f"period from {fmt_date(row['pay_period_start'])} ({location_name})"
                ),
                recipient="Office manager",
                body=body,
                evidence=[evidence_row(row, EVIDENCE_COLUMNS)] + [evidence_row(d, DAY_COLUMNS) for d in flagged],
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: each flag's days come from packet_payroll_discrepancy_days."""
    return draft_actions(rows, ctx.grouped("packet_payroll_discrepancy_days", "flag_id"), ctx.location_names())
