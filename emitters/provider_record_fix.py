"""Provider record fixes: rows of marts.flag_provider_record_fixes -> DraftActions for the credentialing
coordinator: an NPI that fails the check digit (claims with it are rejected) and a COTA without a
supervising OTR on record. Due the day found (the ledger dates it: `due_days_after_raised`), dated on approval.
Pure and deterministic.
"""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE
from core.templating import text_environment

from .context import DraftContext
from .credentialing_common import evidence_row, fmt_date
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "provider_record_fix"
ASSIGNED_ROLE = "credentialing"
TEMPLATE_NAME = "provider_record_fix.txt.j2"
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "provider_id",
    "location_id",
    "issue",
    "npi",
    "taxonomy_code",
    "supervising_provider_id",
    "affected_visit_count",
    "first_affected_date",
    "flag_reasons",
)
ISSUE_TITLES = {
    "invalid_npi": "NPI fails the check digit",
    "cota_without_supervising_otr": "COTA without supervising OTR",
}


def draft_actions(flag_rows: list[dict], location_names: dict[str, str]) -> list[DraftAction]:
    template = text_environment().get_template(TEMPLATE_NAME)
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        location_name = location_names.get(row["location_id"], row["location_id"])
        issue = row["issue"]
        body = template.render(
            location_name=location_name,
            letter_date=APPROVAL_DATE,
            issue=issue,
            provider_name=row["provider_name"],
            npi=row.get("npi") or "not on file",
            visit_count=int(row.get("affected_visit_count") or 0),
            first_date=fmt_date(row.get("first_affected_date")),
        )
        if issue == "invalid_npi":
            checklist = [
                ChecklistItem(
                    item="NPI matching the NPPES registry",
                    present=False,
                    detail=f"{row.get('npi')} fails the Luhn check (80840 prefix)",
                )
            ]
        else:
            checklist = [
                ChecklistItem(
                    item="Supervising OTR on record", present=False, detail=row.get("supervising_provider_id") or "none"
                )
            ]
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                title=f"Provider record: {ISSUE_TITLES.get(issue, issue)} - {row['provider_name']} ({location_name})",
                recipient="Credentialing coordinator",
                body=body,
                checklist=checklist,
                evidence=[evidence_row(row, EVIDENCE_COLUMNS)],
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_actions(rows, ctx.location_names())
