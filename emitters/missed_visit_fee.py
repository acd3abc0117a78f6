"""No-show and late-cancel fee drafts: rows of marts.flag_missed_visit_fees -> one fee notice per missed visit,
only where allowed. Never for a Medicaid patient (Medicaid programs bar billing beneficiaries for missed
appointments; the mart leaves them out and this module refuses them again). Off unless the group's policy
setting turns it on (RCM_SCHEDULING_NO_SHOW_FEE_POLICY: off | no_show | no_show_and_late_cancel; amount in
RCM_SCHEDULING_NO_SHOW_FEE_AMOUNT). The notice carries no child's name, diagnosis, member id or clinical
detail. Billing approves each one; the notice is dated on approval and due a week after the visit. Pure.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from core.approval_date import APPROVAL_DATE
from core.money import format_money

from .context import DraftContext
from .family_messages import assert_minimum_necessary, clock_time, forbidden_terms
from .models import DraftAction
from .values import as_date, fmt_date, jsonable

ACTION_TYPE = "missed_visit_fee"
ASSIGNED_ROLE = "billing"
# Policy -> the miss types a fee may be drafted for.
POLICIES: dict[str, frozenset[str]] = {
    "off": frozenset(),
    "no_show": frozenset({"no_show"}),
    "no_show_and_late_cancel": frozenset({"no_show", "late_cancel"}),
}
MISS_LABELS = {"no_show": "missed without notice", "late_cancel": "cancelled less than 24 hours ahead"}
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "appointment_id",
    "location_id",
    "payer_id",
    "is_medicaid",
    "miss_type",
    "visit_date",
    "local_hour",
    "cancel_lead_hours",
)


def fee_amount(setting: str) -> Decimal:
    try:
        amount = Decimal(str(setting)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValueError("RCM_SCHEDULING_NO_SHOW_FEE_AMOUNT is not an amount") from exc
    if amount <= 0:
        raise ValueError("RCM_SCHEDULING_NO_SHOW_FEE_AMOUNT must be above zero")
    return amount


def draft_missed_visit_fees(rows: list[dict], policy: str, amount: str) -> list[DraftAction]:
    """One fee draft per missed visit the policy allows; none at all when the policy is off."""
    key = str(policy).strip().lower()
    if key not in POLICIES:
        raise ValueError(f"unknown no-show fee policy {policy!r}; use one of {', '.join(POLICIES)}")
    allowed = POLICIES[key]
    if not allowed:
        return []
    fee = fee_amount(amount)
    drafts: dict[str, DraftAction] = {}
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        if row.get("is_medicaid") is None or bool(row["is_medicaid"]) or row["miss_type"] not in allowed:
            continue  # never a Medicaid patient, nor one whose coverage is unknown
        drafts.setdefault(str(row["appointment_id"]), _draft(row, fee))
    return list(drafts.values())


def notice(row: dict, fee: Decimal) -> str:
    day = as_date(row["visit_date"])
    when = f"{day:%A, %B} {day.day}" + (
        f" at {clock_time(int(row['local_hour']) * 60)}" if row.get("local_hour") is not None else ""
    )
    return (
        "\n".join(
            [
                f"{row['location_name']}",
                APPROVAL_DATE,
                "",
                "Dear parent or guardian,",
                "",
                f"Your child's visit on {when} was {MISS_LABELS[row['miss_type']]}. As our missed-visit policy "
                f"explains, a fee of {format_money(fee)} applies; it will appear on your next statement.",
                "",
                "If something kept you from giving notice, please call us: we can review the fee with you.",
                "",
                "Thank you,",
                f"The front office, {row['location_name']}",
            ]
        )
        + "\n"
    )


def _draft(row: dict, fee: Decimal) -> DraftAction:
    body = assert_minimum_necessary(notice(row, fee), forbidden_terms(row))
    day = as_date(row["visit_date"])
    label = "No-show" if row["miss_type"] == "no_show" else "Late cancel"
    return DraftAction(
        flag_id=str(row["flag_id"]),
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=(
            f"{label} fee {format_money(fee)}: visit {row['appointment_id']} on {fmt_date(day)} "
            f"({row['location_name']})"
        ),
        recipient="the family (statement or patient portal)",
        body=body,
        evidence=[
            {
                "source": "marts.flag_missed_visit_fees",
                "fee_amount": str(fee),
                **{k: jsonable(row.get(k)) for k in EVIDENCE_COLUMNS},
            }
        ],
        dollars_at_stake=fee,
        due_date=as_date(row.get("due_date")),
        assigned_role=ASSIGNED_ROLE,
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the fee policy and amount are settings."""
    return draft_missed_visit_fees(
        rows, ctx.settings.scheduling_no_show_fee_policy, ctx.settings.scheduling_no_show_fee_amount
    )
