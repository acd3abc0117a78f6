"""Appeal letters: flag_denials_to_work rows routed to appeal, one letter per denial reason -> the payer.

Medical necessity (CO-50, CO-151): the plan of care in force on the date of service (not the newest one),
its goals, the visit history, and for a Medicaid member under 21 the EPSDT "correct or ameliorate" standard.
Timely filing (CO-29): the letter cites the claim's first clearinghouse acceptance inside the payer's filing
limit (flag_denials_to_work.accepted_date, from the 999/277CA); a denial without that proof is routed to a
write-off review for the billing lead instead (denial_followup), never to an appeal. Medicare's first
level is a redetermination with the elements of form CMS-20027. Every letter names the billing NPI, TIN,
rendering NPI, the claim numbers and the date of service, and ends with a signature block; what the
coordinator must attach is in the checklist, never in the letter.

Pure. The letter carries the patient's name, date of birth and member id (the payer needs them), so they
are listed as phi_terms and never appear in the title or the evidence.
"""

from __future__ import annotations

from datetime import date

from core.templating import text_environment

from .claim_letters import chart_items, draft_letters, identity_items, letter_facts, phi_terms
from .claims_common import denial_draft, denial_title, denied_lines_of
from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .values import as_date, jsonable

ACTION_TYPE = "appeal_letter"
ASSIGNED_ROLE = "billing"
TEMPLATE = "appeal_letter.txt.j2"
TIMELY_FILING_CARC = "29"


def reason_of(lines: list[dict]) -> str:
    return "timely_filing" if any(d.get("denial_carc") == TIMELY_FILING_CARC for d in lines) else "medical_necessity"


def draft_actions(
    flag_rows: list[dict],
    denied_lines: dict[str, list[dict]],
    patients: dict[str, dict],
    plans: dict[str, dict],
    visits: dict[str, list[date]],
    claim_texts: dict[str, tuple[str, str]],
    locations: dict[str, dict],
) -> list[DraftAction]:
    """`plans`: flag_id -> the plan of care in force on the flag's date of service (packet_appeal_plans); `visits`:
    flag_id -> its patient's visit dates up to that date (packet_appeal_visits)."""
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        if row["claim_id"] not in claim_texts:
            continue
        lines = denied_lines_of(row["claim_id"], denied_lines)
        patient = patients.get(row["patient_id"] or "", {})
        reason = reason_of(lines)
        accepted = as_date(row.get("accepted_date"))
        if reason == "timely_filing" and accepted is None:
            raise ValueError(
                "a timely-filing appeal needs the claim's clearinghouse acceptance (accepted_date); "
                "without it the denial is a write-off review"
            )
        facts = letter_facts(
            row,
            lines,
            patient,
            plans.get(str(row["flag_id"])),
            visits.get(str(row["flag_id"]), []),
            claim_texts[row["claim_id"]],
            locations.get(row["location_id"], {}),
        )
        medicare = facts["medicare"]
        body = (
            text_environment()
            .get_template(TEMPLATE)
            .render(
                **facts,
                reason=reason,
                accepted_date=jsonable(accepted),
                epsdt=reason == "medical_necessity" and facts["medicaid_child"],
            )
        )
        checklist = identity_items(facts)
        if reason == "timely_filing":
            checklist.append(
                ChecklistItem(
                    item="Clearinghouse acceptance report (999/277CA) attached",
                    detail=f"the claim was accepted on {jsonable(accepted)}; the letter cites that date",
                    present=False,
                    required=True,
                )
            )
        else:
            checklist += chart_items(facts)
        if medicare:
            checklist.append(
                ChecklistItem(
                    item="Sent to the MAC's redetermination address or portal, or on form CMS-20027", present=False
                )
            )
        location_name = facts["location_name"]
        drafts.append(
            denial_draft(
                row,
                lines,
                action_type=ACTION_TYPE,
                assigned_role=ASSIGNED_ROLE,
                title=denial_title(
                    row, location_name, "Redetermination" if medicare else "Appeal", facts["payer_name"]
                ),
                recipient=f"{facts['payer_name']} {'Redetermination' if medicare else 'Appeals'}",
                body=body,
                checklist=checklist,
                phi_terms=phi_terms(facts, patient),
                public_terms=[location_name, row.get("payer_name") or ""],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the denials routed to an appeal; the patient, the plan of care in force on the date
    of service, the visit history and the claim's billing identifiers come from the declared packets."""
    return draft_letters([row for row in rows if row["route"] == "appeal"], ctx, draft_actions)
