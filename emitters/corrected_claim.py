"""Corrected claims: flag_denials_to_work rows routed to corrected_claim -> an 837P replacement claim.

Pure: built from the claim as it was submitted (its loops 2000B-2400 and the billing header, kept by the
837P reader) with frequency code 7 in CLM05-3, REF*F8 = the payer's claim control number from the 835,
and, for a bundling denial (CARC 97), modifier XU on the denied column-2 line when the documented
minutes show a separate billable block. The body is the 837P itself (005010X222A1), ready for the
clearinghouse once a person approves it; the tests validate it with pyx12.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from . import claim_837
from .context import DraftContext
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "corrected_claim"
ASSIGNED_ROLE = "billing"
DISTINCT_MODIFIERS = ("59", "XE", "XS", "XP", "XU")
MIN_SEPARATE_BLOCK_MINUTES = 8  # a block shorter than 8 minutes earns no unit of its own


def build_replacement(claim_x12: str, billing_x12: str, payer_claim_number: str, xu_lines: set[int],
                      control: int, created: date) -> tuple[str, list[str]]:
    """The whole 837P interchange of the replacement claim, and the changes made (for the checklist)."""
    changes: list[str] = []
    sv1_count = [0]

    def edit(seg: list[str]) -> list[list[str]]:
        if seg[0] == "CLM":
            facility = (seg[5].split(":") + ["", "", ""])[:3]
            facility[2] = "7"
            changes.append("CLM05-3 frequency code 7 (replacement of prior claim)")
            changes.append(f"REF*F8 payer claim control number {payer_claim_number}")
            return [[*seg[:5], ":".join(facility), *seg[6:]], ["REF", "F8", payer_claim_number]]
        if seg[0] == "REF" and seg[1] == "F8":
            return []
        if seg[0] == "SV1":
            sv1_count[0] += 1
            number = sv1_count[0]
            parts = seg[1].split(":")
            modifiers = parts[2:6]
            if number in xu_lines and not set(modifiers) & set(DISTINCT_MODIFIERS):
                if len(modifiers) >= 4:
                    changes.append(f"line {number}: no room for XU (four modifiers already)")
                else:
                    changes.append(f"line {number}: modifier XU (separate, non-overlapping time block)")
                    return [["SV1", ":".join([*parts, "XU"]), *seg[2:]]]
        return [seg]

    text = claim_837.rebuild(claim_x12, billing_x12, control, created, f"C{control:07d}", edit)
    return text, changes


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def draft_actions(flag_rows: list[dict], denied_lines: dict[str, list[dict]], claim_texts: dict[str, tuple[str, str]],
                  location_names: dict[str, str], created: date, control_numbers: dict[str, int]) -> list[DraftAction]:
    """One corrected-claim draft per flag (route corrected_claim) whose submitted claim text is on file.
    `control_numbers`: each flag's interchange control number (Ledger.control_numbers)."""
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        if row["claim_id"] not in claim_texts:
            continue
        claim_x12, billing_x12 = claim_texts[row["claim_id"]]
        lines = sorted(denied_lines.get(row["claim_id"], []), key=lambda d: d["line_number"])
        xu_lines = {d["line_number"] for d in lines if d.get("denial_carc") == "97"
                    and (d.get("documented_minutes") or 0) >= MIN_SEPARATE_BLOCK_MINUTES}
        control = control_numbers[str(row["flag_id"])]
        text, changes = build_replacement(claim_x12, billing_x12, row["payer_claim_control_number"], xu_lines,
                                          control, created)
        location_name = location_names.get(row["location_id"], row["location_id"])
        checklist = [ChecklistItem(item=c, present=True) for c in changes]
        rarcs = sorted({r for d in lines for r in (d.get("remark_codes") or "").split("|") if r})
        if any(d.get("denial_carc") == "97" for d in lines):
            checklist.append(ChecklistItem(item="The note shows the services in separate time blocks",
                                           detail="XU is only correct for distinct, non-overlapping blocks", present=False))
        if any(d.get("denial_carc") != "97" for d in lines):
            checklist.append(ChecklistItem(item="Make the correction the remark codes ask for",
                                           detail=", ".join(rarcs) or "read the CARC", present=False))
        drafts.append(DraftAction(
            flag_id=row["flag_id"], action_type=ACTION_TYPE, location_id=row["location_id"], payer_id=row.get("payer_id"),
            patient_id=row.get("patient_id"),
            title=f"Corrected claim {row['claim_id']} (CARC {row['carcs']}) to {row.get('payer_name') or row.get('payer_id')} ({location_name})"[:200],
            recipient=f"{row.get('payer_name') or row.get('payer_id')} via the clearinghouse (837P replacement)",
            body=text, checklist=checklist,
            evidence=[{k: _iso(d.get(k)) for k in ("claim_id", "line_number", "procedure_code", "modifiers",
                                                    "denial_carc", "remark_codes", "denial_date", "deadline_date")}
                      for d in lines],
            dollars_at_stake=Decimal(row["dollars_at_risk"] or 0).quantize(Decimal("0.01")),
            due_date=row.get("due_date"), assigned_role=ASSIGNED_ROLE, phi_terms=claim_837.phi_terms(claim_x12),
            public_terms=[location_name, row.get("payer_name") or ""],
        ))
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the denials routed to a corrected claim; the claim text and denied lines come from
    packet_claim_x12 and packet_denied_lines, the interchange control numbers from the ledger's allocator."""
    flags = [row for row in rows if row["route"] == "corrected_claim"]
    texts = {r["claim_id"]: (r["claim_x12"], r["billing_x12"]) for r in ctx.packet("packet_claim_x12")}
    return draft_actions(flags, ctx.grouped("packet_denied_lines", "claim_id"), texts, ctx.location_names(),
                         ctx.as_of, ctx.control_numbers(str(f["flag_id"]) for f in flags))
