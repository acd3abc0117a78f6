"""Denial follow-ups that are neither an appeal nor a corrected claim: retro-authorization request or
write-off recommendation (CO-197/198), re-bill the right payer (CO-22/109), fix the rendering provider's
enrollment (CO-185/B7). Pure: flag_denials_to_work rows -> DraftActions with the reason and the deadline.
No patient name, date of birth, member id or diagnosis: ids only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .context import DraftContext
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "denial_followup"
ASSIGNED_ROLE = "billing"
ROUTE_TITLES = {
    "retro_auth_or_write_off": "Retro-auth or write off",
    "rebill_other_payer": "Re-bill the right payer",
    "credentialing_fix": "Fix enrollment and re-bill",
}
ROUTE_STEPS = {
    "retro_auth_or_write_off": [
        ("Ask the payer's UM department for a retro-authorization covering the date of service", False),
        ("If the payer does not allow one, write the line off with this reason", False),
    ],
    "rebill_other_payer": [
        ("Confirm the patient's primary coverage (eligibility check)", False),
        ("Send the claim to that payer and update coordination of benefits", False),
    ],
    "credentialing_fix": [
        ("Check the rendering therapist's enrollment with the payer on the date of service", False),
        ("Re-bill under an enrolled provider, or after the enrollment is effective if the payer allows", False),
    ],
}


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def draft_actions(flag_rows: list[dict], denied_lines: dict[str, list[dict]], location_names: dict[str, str]
                  ) -> list[DraftAction]:
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        if row["route"] not in ROUTE_TITLES:
            continue
        lines = sorted(denied_lines.get(row["claim_id"], []), key=lambda d: d["line_number"])
        location_name = location_names.get(row["location_id"], row["location_id"])
        reasons = sorted({f"CARC {d['denial_carc']} ({d['denial_category']})" for d in lines})
        body = "\n".join([
            f"{ROUTE_TITLES[row['route']]}: claim {row['claim_id']} (payer claim {row.get('payer_claim_control_number')})",
            f"Payer: {row.get('payer_name') or row['payer_id']}",
            f"Date of service: {_iso(row['service_date'])}; denied {_iso(row['denial_date'])}",
            f"Reason: {', '.join(reasons)}",
            "Lines: " + ", ".join(f"{d['line_number']} {d['procedure_code']}" for d in lines),
            f"Dollars at stake: ${Decimal(row['dollars_at_risk'] or 0):,.2f}",
            f"Deadline: {_iso(row['due_date'])} ({row['days_left']} days left)",
            "",
            f"What to do: {row['action_note']}",
            "",
        ])
        drafts.append(DraftAction(
            flag_id=row["flag_id"], action_type=ACTION_TYPE, location_id=row["location_id"], payer_id=row.get("payer_id"),
            patient_id=row.get("patient_id"),
            title=f"{ROUTE_TITLES[row['route']]}: claim {row['claim_id']} (CARC {row['carcs']}) ({location_name})"[:200],
            recipient="Billing team", body=body,
            checklist=[ChecklistItem(item=step, present=done) for step, done in ROUTE_STEPS[row["route"]]],
            evidence=[{k: _iso(d.get(k)) for k in ("claim_id", "line_number", "procedure_code", "denial_carc",
                                                    "remark_codes", "denial_category", "denial_date", "deadline_date")}
                      for d in lines],
            dollars_at_stake=Decimal(row["dollars_at_risk"] or 0).quantize(Decimal("0.01")),
            due_date=row.get("due_date"), assigned_role=ASSIGNED_ROLE, phi_terms=[],
        ))
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: every flag of flag_denials_to_work; the routes this type drafts are picked here."""
    return draft_actions(rows, ctx.grouped("packet_denied_lines", "claim_id"), ctx.location_names())
