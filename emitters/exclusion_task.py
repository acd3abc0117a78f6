"""Urgent exclusion tasks to the compliance lead (marts.flag_exclusion_matches): a provider found on the OIG
exclusion list (LEIE) or the SAM.gov exclusions, every matching entry named, what to verify today and what
to stop until it is cleared. About staff, not patients: no patient value enters it. Due the day it is found: the
row has no due date, and the ledger dates the task with the day a run first drafts it (`due_days_after_raised`).
Dated on approval. Pure and deterministic.
"""

from __future__ import annotations

from core.approval_date import APPROVAL_DATE
from core.templating import text_environment

from .context import DraftContext
from .credentialing_common import evidence_row, fmt_date
from .models import DraftAction

ACTION_TYPE = "exclusion_task"
ASSIGNED_ROLE = "credentialing"
TEMPLATE_NAME = "exclusion_task.txt.j2"
LIST_NAMES = {"oig_leie": "the OIG exclusion list (LEIE)", "sam": "the SAM.gov exclusion list"}
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "rule_version",
    "provider_id",
    "location_id",
    "exclusion_lists",
    "matched_entries",
    "matched_entry_count",
    "flag_reasons",
    "first_exclusion_date",
    "is_confirmed_match",
    "urgency",
)


def _list_words(exclusion_lists: str) -> str:
    names = []
    for code in str(exclusion_lists).split("|"):
        if code not in LIST_NAMES:
            raise ValueError(f"unknown exclusion list {code!r}")
        names.append(LIST_NAMES[code])
    return " and ".join(names)


def draft_tasks(rows: list[dict], location_names: dict[str, str]) -> list[DraftAction]:
    template = text_environment().get_template(TEMPLATE_NAME)
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        location = location_names.get(row["location_id"], row["location_id"])
        lists = _list_words(row["exclusion_lists"])
        body = template.render(
            location_name=location,
            letter_date=APPROVAL_DATE,
            provider_name=row["provider_name"],
            provider_id=row["provider_id"],
            lists=lists,
            reasons=[reason.strip() for reason in str(row["flag_reasons"]).split(";") if reason.strip()],
            confirmed=bool(row.get("is_confirmed_match")),
            first_exclusion_date=fmt_date(row.get("first_exclusion_date")),
        )
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                title=f"URGENT exclusion match: {row['provider_name']} ({location})",
                recipient="Compliance lead",
                body=body,
                evidence=[evidence_row(row, EVIDENCE_COLUMNS)],
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_tasks(rows, ctx.location_names())
