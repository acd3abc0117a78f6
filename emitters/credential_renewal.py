"""Credential renewal reminders and packets: rows of marts.flag_credential_renewals -> DraftActions.

One draft per provider, credential and tier (90 / 30 / 7 days, expired, missing): a reminder to the
therapist and the credentialing coordinator, with the renewal packet pre-filled from the credential record:
what is on file, what is missing, and the renewal link or form named in the credential_cycles seed. Dated on
approval and naming the expiry date, never the days left, so a waiting reminder reads the same every night;
a missing credential is due the day it is found (the ledger dates it). Pure and deterministic.
"""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE
from core.templating import text_environment

from .context import DraftContext
from .credentialing_common import (
    TIER_LABELS,
    as_date,
    evidence_row,
    fmt_date,
    label,
)
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "credential_renewal"
ASSIGNED_ROLE = "credentialing"
TEMPLATE_NAME = "credential_renewal.txt.j2"
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "provider_id",
    "location_id",
    "credential_type",
    "credential_id",
    "credential_number",
    "issuing_state",
    "issued_date",
    "expiration_date",
    "rule_expiry_date",
    "credential_status",
    "reminder_tier",
    "required_for_billing",
    "ce_hours",
    "renewal_link",
    "renewal_form",
    "due_date",
)


def build_checklist(row: dict) -> list[ChecklistItem]:
    on_file = row.get("credential_id") is not None
    items = [
        ChecklistItem(
            item="Current credential on file",
            present=on_file and row.get("reminder_tier") != "expired",
            detail=f"{row.get('credential_number') or 'no number'}, expires {fmt_date(row.get('rule_expiry_date'))}"
            if on_file
            else "nothing on file",
        ),
        ChecklistItem(
            item="Credential number",
            present=bool(row.get("credential_number")),
            detail=row.get("credential_number") or "not recorded",
        ),
        ChecklistItem(
            item="Renewal link or form",
            present=bool(row.get("renewal_link") or row.get("renewal_form")),
            detail=" / ".join(v for v in (row.get("renewal_form"), row.get("renewal_link")) if v)
            or "add it to the credential_cycles seed",
        ),
    ]
    if row.get("ce_hours"):
        items.append(
            ChecklistItem(
                item=f"Continuing-education hours ({int(row['ce_hours'])} h per cycle)",
                present=False,
                detail="certificates to collect from the therapist",
            )
        )
    if row.get("credential_type") == "state_license":
        items.append(
            ChecklistItem(
                item="Issuing state",
                present=bool(row.get("issuing_state")),
                detail=row.get("issuing_state") or "not recorded",
            )
        )
    return items


def draft_actions(flag_rows: list[dict], location_names: dict[str, str]) -> list[DraftAction]:
    template = text_environment().get_template(TEMPLATE_NAME)
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        location_name = location_names.get(row["location_id"], row["location_id"])
        tier = row["reminder_tier"]
        checklist = build_checklist(row)
        body = template.render(
            location_name=location_name,
            letter_date=APPROVAL_DATE,
            provider_name=row["provider_name"],
            credential_label=label(row["credential_type"]),
            tier=tier,
            tier_label=TIER_LABELS.get(tier, tier),
            expiry_date=fmt_date(row.get("rule_expiry_date")),
            blocks_billing=bool(row.get("required_for_billing")),
            on_file=[i for i in checklist if i.present],
            missing=[i for i in checklist if not i.present],
            renewal_form=row.get("renewal_form"),
            renewal_link=row.get("renewal_link"),
        )
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                title=f"Renewal ({TIER_LABELS.get(tier, tier)}): {label(row['credential_type'])} - "
                f"{row['provider_name']} ({location_name})",
                recipient=f"{row['provider_name']} and the credentialing coordinator",
                body=body,
                checklist=checklist,
                evidence=[evidence_row(row, EVIDENCE_COLUMNS)],
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_actions(rows, ctx.location_names())
