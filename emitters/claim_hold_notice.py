"""Hold and release notices to billing: rows of marts.flag_claims_on_enrollment_holds -> DraftActions.

'hold': claims of a newly enrolled therapist whose enrollment has no effective date yet, or whose date of
service is before the effective date: they stay held (a date before the effective date is never released by
that date coming; only a retroactive effective date from the payer covers it). 'release': the enrollment took
effect on or before the dates of service of claims held while it was pending: submit them now (listed for the
payer's release window after the effective date, the seed value the hold mart used). The same rule as the claim
audit's rendering_not_enrolled. Dated on approval; due by the effective date, or, while the enrollment is
pending, the day a run first drafts it (the ledger gives that date). Pure and deterministic.
"""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE
from core.money import amount
from core.templating import text_environment

from .context import DraftContext
from .credentialing_common import as_date, evidence_row, fmt_date
from .models import DraftAction

ACTION_TYPE = "claim_hold_notice"
ASSIGNED_ROLE = "billing"
TEMPLATE_NAME = "claim_hold_notice.txt.j2"
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "provider_id",
    "location_id",
    "payer_id",
    "payer_name",
    "hold_status",
    "enrollment_id",
    "enrollment_status",
    "release_date",
    "enrollment_release_window_days",
    "held_claim_count",
    "before_effective_count",
    "first_date_of_service",
    "last_date_of_service",
    "dollars_at_risk",
    "due_date",
)
CLAIM_COLUMNS = ("claim_id", "visit_id", "date_of_service", "contracted_amount")


def draft_actions(
    flag_rows: list[dict], claims: dict[str, list[dict]], location_names: dict[str, str]
) -> list[DraftAction]:
    """claims: flag_id -> the held claims (claim_id, visit_id, date_of_service, contracted_amount)."""
    template = text_environment().get_template(TEMPLATE_NAME)
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        location_name = location_names.get(row["location_id"], row["location_id"])
        payer_name = row.get("payer_name") or row["payer_id"]
        held = sorted(claims.get(str(row["flag_id"]), []), key=lambda c: (str(c["date_of_service"]), c["claim_id"]))
        status = row["hold_status"]
        body = template.render(
            location_name=location_name,
            letter_date=APPROVAL_DATE,
            status=status,
            provider_name=row["provider_name"],
            provider_npi=row.get("provider_npi") or "not on file",
            payer_name=payer_name,
            release_date=fmt_date(row.get("release_date")) if row.get("release_date") is not None else None,
            claim_count=int(row["held_claim_count"]),
            release_window_days=row.get("enrollment_release_window_days"),
            claims=[
                {
                    "claim_id": c["claim_id"],
                    "dos": fmt_date(c["date_of_service"]),
                    "amount": amount(c.get("contracted_amount")),
                }
                for c in held
            ],
            dollars=amount(row.get("dollars_at_risk")),
        )
        verb = "Hold" if status == "hold" else "Release"
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row["payer_id"],
                title=f"{verb} claims: {row['provider_name']} with {payer_name} ({location_name})",
                recipient="Billing team",
                body=body,
                evidence=[evidence_row(row, EVIDENCE_COLUMNS)] + [evidence_row(c, CLAIM_COLUMNS) for c in held],
                dollars_at_stake=amount(row.get("dollars_at_risk")),
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: each flag's held claims come from packet_held_claims."""
    return draft_actions(rows, ctx.grouped("packet_held_claims", "flag_id"), ctx.location_names())
