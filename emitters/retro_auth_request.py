"""Retro-authorization requests: flag_denials_to_work rows routed to retro_auth_request (CARC 197/15: no
authorization on file; CARC 198: more units than the authorization approved), for payers that grant one
(claim_payer_correction_rules.allows_retro_authorization; where a payer does not, the denial is a write-off
review for the billing lead, drafted by denial_followup) -> a letter to the payer's utilization management.

The letter asks for the authorization (or, for CARC 198 under an authorization in force on the date of
service, its extension) with the chart facts in force on that date: the diagnoses the claim carried, the
services and units, the plan of care in force, its goals, the visit history, and for a Medicaid member under
21 the EPSDT "correct or ameliorate" standard. It is a request, not an appeal: a document of its own type,
sent by fax like the appeal letter.

Pure. The letter carries the patient's name, date of birth, member id and diagnoses (the payer needs them):
they are phi_terms, never in the title or the evidence.
"""

from __future__ import annotations

from datetime import date

from core.templating import text_environment

from . import claim_837
from .claim_letters import chart_items, draft_letters, identity_items, letter_facts, phi_terms
from .claims_common import denial_draft, denial_title, denied_lines_of
from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .values import jsonable

ACTION_TYPE = "retro_auth_request"
ASSIGNED_ROLE = "billing"
TEMPLATE = "retro_auth_request.txt.j2"
ROUTE = "retro_auth_request"
EXTENSION_CARC = "198"  # authorization exceeded: ask to extend the one in force


def diagnosis_codes(claim_x12: str) -> list[str]:
    """The ICD-10-CM codes of the claim's HI segment (principal first), dotted as a reader writes them (X12
    carries them without the dot: R6339 is R63.39)."""
    codes = []
    for seg in claim_837.segments(claim_x12):
        if seg[0] == "HI":
            codes += [element.split(":")[1] for element in seg[1:] if ":" in element]
    return [f"{c[:3]}.{c[3:]}" if len(c) > 3 else c for c in codes]


def _authorization_to_extend(lines: list[dict]) -> dict | None:
    """For CARC 198: the authorization in force on the date of service the units went over, if one is."""
    for line in lines:
        if line.get("denial_carc") == EXTENSION_CARC and line.get("service_authorization_number"):
            return {
                "number": line["service_authorization_number"],
                "start_date": jsonable(line.get("service_authorization_start_date")),
                "end_date": jsonable(line.get("service_authorization_end_date")),
            }
    return None


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
        if row["route"] != ROUTE or row["claim_id"] not in claim_texts:
            continue
        lines = denied_lines_of(row["claim_id"], denied_lines)
        patient = patients.get(row["patient_id"] or "", {})
        facts = letter_facts(
            row,
            lines,
            patient,
            plans.get(str(row["flag_id"])),
            visits.get(str(row["flag_id"]), []),
            claim_texts[row["claim_id"]],
            locations.get(row["location_id"], {}),
        )
        diagnoses = diagnosis_codes(claim_texts[row["claim_id"]][0])
        if not diagnoses:
            raise ValueError("the submitted claim carries no diagnosis (HI segment), which the request must name")
        authorization = _authorization_to_extend(lines)
        body = (
            text_environment()
            .get_template(TEMPLATE)
            .render(
                **facts,
                diagnoses=", ".join(diagnoses),
                extension=authorization is not None,
                authorization=authorization,
                epsdt=facts["medicaid_child"],
            )
        )
        checklist = [
            *identity_items(facts),
            *chart_items(facts),
            ChecklistItem(
                item="Sent to the payer's utilization management fax or portal, per its retro-authorization policy",
                present=False,
            ),
        ]
        kind = "Authorization extension" if authorization else "Retro-authorization request"
        location_name = facts["location_name"]
        drafts.append(
            denial_draft(
                row,
                lines,
                action_type=ACTION_TYPE,
                assigned_role=ASSIGNED_ROLE,
                title=denial_title(row, location_name, f"{kind}:", facts["payer_name"]),
                recipient=f"{facts['payer_name']} Utilization Management",
                body=body,
                checklist=checklist,
                phi_terms=[*phi_terms(facts, patient), *diagnoses],
                public_terms=[location_name, row.get("payer_name") or ""],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the denials routed to a retro-authorization request; the patient, the plan of care
    in force on the date of service, the visit history and the claim come from the declared packets."""
    return draft_letters([row for row in rows if row["route"] == ROUTE], ctx, draft_actions)
