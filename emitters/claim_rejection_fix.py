"""Claims the clearinghouse rejected: rows of marts.flag_claims_rejected_at_clearinghouse -> DraftActions for billing.

Pure: the same flag rows and reason rows give the same drafts. One draft per rejected claim, naming the
claim, each rejection reason in words (seed clearinghouse_ack_codes, through packet_claim_rejection_reasons)
and what to correct. It names the claim by id only: no patient name, date of birth, member id or diagnosis.
"""

from __future__ import annotations

from decimal import Decimal

from core.templating import text_environment

from .context import DraftContext
from .models import DraftAction
from .values import as_date, jsonable

ACTION_TYPE = "claim_rejection_fix"
ASSIGNED_ROLE = "billing"
TEMPLATE_NAME = "claim_rejection_fix.txt.j2"
REASONS_PACKET = "packet_claim_rejection_reasons"
SOURCE_WORDS = {
    "999": "clearinghouse (999: the file could not be read as sent)",
    "277CA": "clearinghouse or payer (277CA claim acknowledgement)",
}
EVIDENCE_COLUMNS = (
    "flag_id",
    "rule_name",
    "claim_id",
    "location_id",
    "payer_id",
    "rejection_id",
    "rejection_source",
    "rejected_date",
    "rejection_count",
    "submission_count",
    "due_date",
)
UNKNOWN_CODE_FIX = "Look the code up in the clearinghouse's rejection report and correct what it names"


def describe(reason: dict) -> dict[str, str]:
    """One reason in words: what was wrong and what to correct."""
    code = reason.get("code") or "(no code)"
    meaning = reason.get("description")
    if reason["code_list"] == "277_status":
        category = reason.get("status_category_description") or f"status category {reason.get('status_category_code')}"
        detail = meaning or f"status code {code} (not in the code list)"
        what = f"{category}: {detail}"
        if reason.get("entity_description") or reason.get("entity_code"):
            what += f" (about the {reason.get('entity_description') or 'entity ' + str(reason['entity_code'])})"
        if reason.get("procedure_code"):
            what = f"Line {reason['procedure_code']}: {what}"
        fix = reason.get("fix") or reason.get("status_category_fix") or UNKNOWN_CODE_FIX
    else:
        where = ""
        if reason.get("segment_id"):
            where = f"{reason['segment_id']}"
            if reason.get("element_position") is not None:
                where += f"{int(reason['element_position']):02d}"
            if reason.get("loop_id"):
                where += f" in loop {reason['loop_id']}"
            where += ": "
        what = where + (meaning or f"code {code} (not in the code list)")
        fix = reason.get("fix") or UNKNOWN_CODE_FIX
    return {"what": what, "fix": fix}


def draft_actions(
    flag_rows: list[dict], reasons: dict[str, list[dict]], location_names: dict[str, str]
) -> list[DraftAction]:
    """One draft per flagged claim (ordered by flag_id); ``reasons`` maps flag_id -> its reason rows."""
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        rows = sorted(reasons.get(row["flag_id"], []), key=lambda r: str(r["reason_id"]))
        if not rows:
            raise ValueError(f"flag {row['flag_id']} has no rejection reasons in {REASONS_PACKET}")
        if row.get("rejection_source") not in SOURCE_WORDS:
            raise ValueError(f"flag {row['flag_id']}: rejection_source must be 999 or 277CA")
        drafts.append(_draft_one(row, rows, location_names))
    return drafts


def _draft_one(row: dict, rows: list[dict], location_names: dict[str, str]) -> DraftAction:
    location_name = location_names.get(row["location_id"], row["location_id"])
    payer = row.get("payer_name") or row.get("payer_id") or "unknown payer"
    described = [describe(r) for r in rows]
    body = (
        text_environment()
        .get_template(TEMPLATE_NAME)
        .render(
            claim_id=row["claim_id"],
            location_name=location_name,
            payer_name=payer,
            service_date=jsonable(row.get("service_date")) or "unknown",
            rejected_date=jsonable(row.get("rejected_date")) or "unknown",
            rejection_source_words=SOURCE_WORDS[row["rejection_source"]],
            submission_count=row.get("submission_count") or 1,
            dollars_at_risk=row.get("dollars_at_risk"),
            due_date=jsonable(row.get("due_date")) or "unknown",
            reasons=described,
        )
    )
    return DraftAction(
        flag_id=row["flag_id"],
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=f"Rejected claim {row['claim_id']}: correct and resubmit ({location_name})"[:200],
        recipient="Billing team (claim corrections)",
        body=body,
        evidence=[
            {column: jsonable(row.get(column)) for column in EVIDENCE_COLUMNS},
            *({"code_list": r["code_list"], "code": r.get("code")} for r in rows),
        ],
        dollars_at_stake=Decimal(row.get("dollars_at_risk") or 0).quantize(Decimal("0.01")),
        due_date=as_date(row.get("due_date")),
        assigned_role=ASSIGNED_ROLE,
        phi_terms=[],
        public_terms=[location_name, payer],
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: each rejection's reasons come from packet_claim_rejection_reasons."""
    return draft_actions(rows, ctx.grouped(REASONS_PACKET, "flag_id"), ctx.location_names())
