"""Pre-submission audit fixes: rows of marts.flag_claim_audit_failures -> drafted DraftActions for billing.

Pure: the same flag rows and failure rows give the same drafts. One draft per claim, listing each
failing line with what is wrong and the fix. The draft names the claim and visit by id only: no
patient name, date of birth, member id or diagnosis, so it carries no PHI terms.
"""

from __future__ import annotations

from decimal import Decimal

from core.money import format_money
from core.templating import render_text

from .context import DraftContext
from .models import ChecklistItem, DraftAction
from .values import jsonable as _jsonable

ACTION_TYPE = "claim_audit_fix"
ASSIGNED_ROLE = "billing"
TEMPLATE_NAME = "claim_audit_fix.txt.j2"
EVIDENCE_COLUMNS = (
    "audit_failure_id",
    "rule_name",
    "rule_version",
    "claim_id",
    "line_number",
    "service_date",
    "procedure_code",
    "modifiers",
    "units",
    "charge_amount",
    "place_of_service",
    "failure_detail",
    "fix",
)


def draft_actions(
    flag_rows: list[dict], failures: dict[str, list[dict]], location_names: dict[str, str]
) -> list[DraftAction]:
    """One draft per flagged claim (ordered by flag_id); ``failures`` maps claim_id -> its failure rows."""
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        rows = sorted(failures.get(row["claim_id"], []), key=lambda f: (f["line_number"], f["rule_name"]))
        if not rows:
            raise ValueError(f"flag {row['flag_id']} has no failure rows")
        drafts.append(_draft_one(row, rows, location_names))
    return drafts


def _draft_one(row: dict, rows: list[dict], location_names: dict[str, str]) -> DraftAction:
    lines: dict[int, dict] = {}
    for f in rows:
        line = lines.setdefault(
            f["line_number"],
            {
                "line_number": f["line_number"],
                "procedure_code": f["procedure_code"],
                "modifiers": (f.get("modifiers") or "").replace("|", ", "),
                "units": f["units"],
                "failures": [],
            },
        )
        line["failures"].append({"rule_name": f["rule_name"], "failure_detail": f["failure_detail"], "fix": f["fix"]})
    location_name = location_names.get(row["location_id"], row["location_id"])
    body = render_text(
        TEMPLATE_NAME,
        claim_id=row["claim_id"],
        visit_id=row.get("visit_id") or "unknown",
        location_name=location_name,
        payer_name=row.get("payer_name") or row.get("payer_id") or "unknown payer",
        service_date=_jsonable(row["service_date"]),
        charge_amount=format_money(row["charge_amount"]),
        line_count=row["line_count"],
        dollars_at_risk=format_money(row["dollars_at_risk"]),
        due_date=_jsonable(row.get("due_date")) or "unknown",
        timely_filing_days=row.get("timely_filing_days"),
        failure_count=len(rows),
        lines=[lines[n] for n in sorted(lines)],
    )
    rules = sorted({f["rule_name"] for f in rows})
    checklist = [
        ChecklistItem(item=f"Line {f['line_number']}: {f['rule_name']}", detail=f["fix"], present=False) for f in rows
    ]
    return DraftAction(
        flag_id=row["flag_id"],
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=f"Fix claim {row['claim_id']} before submission: {', '.join(rules)} ({location_name})"[:200],
        recipient="Billing team (claim corrections)",
        body=body,
        checklist=checklist,
        evidence=[{k: _jsonable(f.get(k)) for k in EVIDENCE_COLUMNS} for f in rows],
        dollars_at_stake=Decimal(row["dollars_at_risk"] or 0).quantize(Decimal("0.01")),
        due_date=row.get("due_date"),
        assigned_role=ASSIGNED_ROLE,
        phi_terms=[],
    )


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: each claim's failed rules come from packet_claim_audit_failures."""
    return draft_actions(rows, ctx.grouped("packet_claim_audit_failures", "claim_id"), ctx.location_names())
