"""Medicare reopening requests: flag_denials_to_work rows routed to a corrected claim whose payer takes
corrections as reopenings (claim_payer_correction_rules: Medicare fee-for-service). A Part B correction of a
processed claim is a clerical reopening requested through the MAC portal within one year of the initial
determination, not an 837P replacement, so this drafts the request with every identifier the MAC asks for
and the correction for each denied line.

Pure. The correction is stated where the data decides it (claim_corrections.py: the missing GO/GN, the
units the documented minutes support, the authorization in force on the date of service); any other line
carries a placeholder and a required checklist item, so the request cannot be approved before a person
writes the correction. The beneficiary's name and Medicare identifier are phi_terms: never in the title or
the evidence.
"""

from __future__ import annotations

from core.templating import text_environment

from . import claim_837
from .claim_corrections import correction_of
from .claims_common import denial_draft, denial_title, denied_lines_of
from .context import DraftContext
from .corrected_claim import REOPENING
from .models import ChecklistItem, DraftAction
from .values import jsonable

ACTION_TYPE = "medicare_reopening"
ASSIGNED_ROLE = "billing"
TEMPLATE = "medicare_reopening.txt.j2"
PLACEHOLDER = "[write the corrected value]"


def correction(line: dict) -> str:
    """The correction a denied line needs, in words, or the placeholder a person replaces."""
    decided = correction_of(line)
    return "; ".join(decided.describe()) if decided.is_decided else PLACEHOLDER


def is_drafted_here(row: dict) -> bool:
    return row["route"] == "corrected_claim" and row.get("correction_method") == REOPENING


def draft_actions(
    flag_rows: list[dict],
    denied_lines: dict[str, list[dict]],
    claim_texts: dict[str, tuple[str, str]],
    patients: dict[str, dict],
    location_names: dict[str, str],
) -> list[DraftAction]:
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        if not is_drafted_here(row) or row["claim_id"] not in claim_texts:
            continue
        claim_x12, billing_x12 = claim_texts[row["claim_id"]]
        lines = [{**d, "correction": correction(d)} for d in denied_lines_of(row["claim_id"], denied_lines)]
        patient = patients.get(row.get("patient_id") or "", {})
        name = f"{patient.get('first_name', '')} {patient.get('last_name', '')}".strip()
        member = patient.get("member_id") or ""
        location_name = location_names.get(row["location_id"], row["location_id"])
        body = (
            text_environment()
            .get_template(TEMPLATE)
            .render(
                **claim_837.billing_identifiers(billing_x12, claim_x12),
                patient_name=name or PLACEHOLDER,
                member_id=member or PLACEHOLDER,
                payer_claim_number=row.get("payer_claim_control_number") or PLACEHOLDER,
                claim_id=row["claim_id"],
                service_date=jsonable(row["service_date"]),
                denial_date=jsonable(row["denial_date"]),
                lines=lines,
                contact=f"Billing office, {location_name}",
            )
        )
        open_lines = [str(d["line_number"]) for d in lines if d["correction"] == PLACEHOLDER]
        checklist = [
            ChecklistItem(
                item="Beneficiary name and Medicare identifier on file", present=bool(name and member), required=True
            )
        ]
        if open_lines:
            checklist.append(
                ChecklistItem(
                    item="Write the correction for each line marked in the request",
                    detail=f"lines {', '.join(open_lines)}: CARC {row['carcs']}",
                    present=False,
                    required=True,
                )
            )
        drafts.append(
            denial_draft(
                row,
                lines,
                action_type=ACTION_TYPE,
                assigned_role=ASSIGNED_ROLE,
                title=denial_title(row, location_name, "Medicare reopening:"),
                recipient=f"{row.get('payer_name') or row.get('payer_id')} provider portal (reopening)",
                body=body,
                checklist=checklist,
                phi_terms=sorted(
                    {
                        *claim_837.phi_terms(claim_x12),
                        *(t for t in (patient.get("first_name"), patient.get("last_name"), member) if t),
                    }
                ),
                public_terms=[location_name, row.get("payer_name") or ""],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: denials routed to a correction the payer takes as a reopening; the claim text, denied
    lines and the beneficiary come from packet_claim_x12, packet_denied_lines and packet_appeal_patients."""
    texts = {r["claim_id"]: (r["claim_x12"], r["billing_x12"]) for r in ctx.packet("packet_claim_x12")}
    return draft_actions(
        rows,
        ctx.grouped("packet_denied_lines", "claim_id"),
        texts,
        ctx.indexed("packet_appeal_patients", "patient_id"),
        ctx.location_names(),
    )
