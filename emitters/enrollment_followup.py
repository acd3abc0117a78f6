"""Payer-enrollment follow-ups: rows of marts.flag_enrollment_followups -> DraftActions.

A letter to the payer's provider-enrollment department asking for the status (and effective date) of a
pending enrollment, and a note for the credentialing coordinator of the booked visits that cannot be
billed until it is in effect (or until a lapsed credential is renewed). Dated on approval; due before the first
of those visits, or, for a pending enrollment alone, 14 days after the day a run first drafts it (the ledger
gives that date). Pure and deterministic.
"""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE
from core.money import amount
from core.templating import text_environment

from .context import DraftContext
from .credentialing_common import as_date, evidence_row, fmt_date, label
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "enrollment_followup"
ASSIGNED_ROLE = "credentialing"
TEMPLATE_NAME = "enrollment_followup.txt.j2"
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "provider_id",
    "location_id",
    "payer_id",
    "payer_name",
    "enrollment_id",
    "enrollment_status",
    "enrollment_effective_date",
    "has_pending_enrollment",
    "has_unbillable_scheduled_visits",
    "unbillable_visit_count",
    "first_unbillable_date",
    "last_unbillable_date",
    "blocking_reason",
    "first_lapsing_credential_type",
    "billing_valid_through_date",
    "dollars_at_risk",
    "flag_reasons",
    "due_date",
)
BLOCKING_TEXT = {
    "no_enrollment": "no enrollment with this payer on file",
    "enrollment_pending": "the enrollment is still pending",
    "enrollment_not_effective": "the enrollment is not in effect yet on those dates",
    "enrollment_terminated": "the enrollment is terminated",
    "enrollment_denied": "the enrollment was denied",
    "credential_lapsed": "a credential billing needs lapses before those dates",
}


def draft_actions(flag_rows: list[dict], location_names: dict[str, str]) -> list[DraftAction]:
    template = text_environment().get_template(TEMPLATE_NAME)
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        location_name = location_names.get(row["location_id"], row["location_id"])
        payer_name = row.get("payer_name") or row["payer_id"]
        lapsing = row.get("first_lapsing_credential_type")
        blocking = row.get("blocking_reason")
        body = template.render(
            location_name=location_name,
            letter_date=APPROVAL_DATE,
            payer_name=payer_name,
            provider_name=row["provider_name"],
            provider_npi=row.get("provider_npi") or "not on file",
            pending=bool(row.get("has_pending_enrollment")),
            enrollment_id=row.get("enrollment_id") or "none on file",
            unbillable=bool(row.get("has_unbillable_scheduled_visits")),
            unbillable_count=int(row.get("unbillable_visit_count") or 0),
            first_date=fmt_date(row.get("first_unbillable_date")),
            last_date=fmt_date(row.get("last_unbillable_date")),
            blocking_text=BLOCKING_TEXT.get(blocking, blocking or ""),
            lapsing_label=label(lapsing) if blocking == "credential_lapsed" and lapsing else None,
            lapsing_date=fmt_date(row.get("billing_valid_through_date")),
            dollars=amount(row.get("dollars_at_risk")),
        )
        checklist = [
            ChecklistItem(
                item="Enrollment record",
                present=row.get("enrollment_id") is not None,
                detail=f"{row.get('enrollment_status') or 'none'}; effective "
                f"{fmt_date(row.get('enrollment_effective_date'))}",
            ),
            ChecklistItem(
                item="Provider NPI", present=bool(row.get("provider_npi")), detail=row.get("provider_npi") or ""
            ),
        ]
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row["payer_id"],
                title=f"Enrollment follow-up: {row['provider_name']} with {payer_name} ({location_name})",
                recipient=f"{payer_name} Provider Enrollment",
                body=body,
                checklist=checklist,
                evidence=[evidence_row(row, EVIDENCE_COLUMNS)],
                dollars_at_stake=amount(row.get("dollars_at_risk")),
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_actions(rows, ctx.location_names())
