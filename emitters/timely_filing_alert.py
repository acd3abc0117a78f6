"""Timely-filing alerts: rows of marts.flag_timely_filing_alerts -> an alert per claim for billing.

Pure: the same flag rows give the same drafts. A claim not yet submitted (or rejected and not resubmitted)
whose filing deadline is inside the lead window gets one alert with the deadline (a date, never the days left,
so a waiting alert reads the same every night) and what to do. Ids and
codes only: no patient name, date of birth or member id, so there are no PHI terms.
"""

from __future__ import annotations

from datetime import date

from core.money import format_money
from core.templating import render_text

from .claims_common import cents
from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .values import fmt_date, jsonable

ACTION_TYPE = "timely_filing_alert"
ASSIGNED_ROLE = "billing"
TEMPLATE_NAME = "timely_filing_alert.txt.j2"
REASON_TITLES = {"not_submitted": "not submitted", "rejected_not_resubmitted": "rejected, not resubmitted"}
EVIDENCE_COLUMNS = (
    "claim_id",
    "visit_id",
    "alert_reason",
    "carcs",
    "service_date",
    "timely_filing_days",
    "lead_days",
    "due_date",
    "dollars_at_risk",
)


def draft_actions(flag_rows: list[dict], location_names: dict[str, str]) -> list[DraftAction]:
    """One alert per flagged claim (ordered by flag_id)."""
    return [_draft_one(row, location_names) for row in sorted(flag_rows, key=lambda r: str(r["flag_id"]))]


def _draft_one(row: dict, location_names: dict[str, str]) -> DraftAction:
    location_name = location_names.get(row["location_id"], row["location_id"])
    payer_name = row.get("payer_name") or row.get("payer_id") or "unknown payer"
    body = render_text(
        TEMPLATE_NAME,
        alert_reason=row["alert_reason"],
        visit_id=row.get("visit_id") or "unknown",
        claim_id=row.get("claim_id") or "not assigned",
        carcs=(row.get("carcs") or "").replace("|", ", "),
        location_name=location_name,
        payer_name=payer_name,
        service_date=fmt_date(row["service_date"]),
        timely_filing_days=row["timely_filing_days"],
        due_date=fmt_date(row["due_date"]),
        lead_days=row["lead_days"],
        dollars_at_risk=format_money(row.get("dollars_at_risk")),
    )
    due: date = row["due_date"]
    return DraftAction(
        flag_id=row["flag_id"],
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=(
            f"File by {fmt_date(due)}: claim {row.get('claim_id') or row.get('visit_id')} "
            f"{REASON_TITLES.get(row['alert_reason'], row['alert_reason'])} ({payer_name}, {location_name})"
        )[:200],
        recipient="Billing team (claim submission)",
        body=body,
        checklist=[
            ChecklistItem(
                item="Claim accepted by the clearinghouse before the deadline",
                detail=f"deadline {fmt_date(due)}",
                present=False,
            )
        ],
        evidence=[{k: jsonable(row.get(k)) for k in EVIDENCE_COLUMNS}],
        dollars_at_stake=cents(row.get("dollars_at_risk")),
        due_date=due,
        assigned_role=ASSIGNED_ROLE,
        phi_terms=[],
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_actions(rows, ctx.location_names())
