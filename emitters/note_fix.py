"""Note-fix tasks to the treating therapist (marts.flag_note_audit_failures): what the nightly audit found
in the visit's note and what to correct. A claim not sent yet stays on hold until the note passes; one already
sent is a corrected-claim risk, and the task says so. A signing failure names the payer's window and its
deadline in the location's local time."""

from __future__ import annotations

from core.money import amount

from .context import DraftContext
from .front_office_text import as_date, jsonable
from .models import DraftAction
from .values import local_time_text

ACTION_TYPE = "note_fix_task"
ASSIGNED_ROLE = "billing"  # holds the claim; the task itself goes to the therapist named as recipient
EVIDENCE = (
    "flag_id",
    "rule_name",
    "visit_id",
    "claim_id",
    "location_id",
    "provider_id",
    "payer_id",
    "unit_method",
    "date_of_service",
    "visit_ended_at",
    "signed_at",
    "signing_window_hours",
    "signing_deadline_at",
    "hours_to_sign",
    "billed_timed_units",
    "documented_timed_minutes",
    "cms_total_supported_units",
    "per_code_mismatches",
    "undocumented_cpt_codes",
    "failure_reasons",
    "is_claim_submitted",
    "dollars_at_risk",
)
FIXES = (
    ("is_unsigned_past_window", "Sign the note (the signing window has passed)."),
    ("is_signed_late", "The note was signed after the signing window: add a late-entry attestation if policy asks."),
    ("is_timed_minutes_missing", "Document the direct minutes for every timed code billed."),
    (
        "is_units_inconsistent",
        "Billed units are not supported by the documented minutes under this payer's unit "
        "method ({unit_method}): correct the minutes or ask billing to correct the units.",
    ),
    ("is_cpt_not_documented", "Document the billed code(s) {undocumented_cpt_codes}, or ask billing to remove them."),
    ("is_no_goals_addressed", "Record which plan-of-care goals the visit addressed."),
)


def _signing_window(row: dict, time_zone: str) -> str:
    """The payer's window and its deadline as the therapist reads it (local time at the visit's location)."""
    window = (
        f"The signing window for this payer is {row['signing_window_hours']} hours: the note was due by "
        f"{local_time_text(row['signing_deadline_at'], time_zone)}"
    )
    if row.get("is_signed_late"):
        window += f"; it was signed {local_time_text(row['signed_at'], time_zone)}"
    return window + "."


def draft_note_fixes(rows: list[dict], location_names: dict[str, str], time_zones: dict[str, str]) -> list[DraftAction]:
    drafts = []
    for row in sorted(rows, key=lambda r: str(r["flag_id"])):
        location = location_names.get(row["location_id"], row["location_id"])
        steps = [
            text.format(unit_method=row.get("unit_method"), undocumented_cpt_codes=row.get("undocumented_cpt_codes"))
            for column, text in FIXES
            if row.get(column)
        ]
        if row.get("is_signed_late") or row.get("is_unsigned_past_window"):
            steps.insert(0, _signing_window(row, time_zones[row["location_id"]]))
        if row.get("is_claim_submitted"):
            claim = (
                f"claim {row['claim_id']} has already gone out: it cannot be held. Fix the note now; if the fix "
                "changes a billed code or units, billing must send a corrected claim"
            )
        else:
            claim = f"claim {row['claim_id']} is on hold until the note passes"
        body = (
            f"Note audit for visit {row['visit_id']} on {as_date(row['date_of_service']):%m/%d/%Y} at {location} "
            f"({claim}):\n- " + "\n- ".join(steps)
        )
        drafts.append(
            DraftAction(
                flag_id=str(row["flag_id"]),
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row.get("payer_id"),
                patient_id=row.get("patient_id"),
                title=f"Note fix: visit {row['visit_id']} ({location})",
                recipient=f"{row.get('provider_name') or row['provider_id']} (treating therapist)",
                body=body,
                evidence=[jsonable(row, EVIDENCE)],
                dollars_at_stake=amount(row.get("dollars_at_risk")),
                due_date=as_date(row.get("due_date")),
                assigned_role=ASSIGNED_ROLE,
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point."""
    return draft_note_fixes(rows, ctx.location_names(), ctx.location_time_zones())
