"""Corrected and new claims: flag_denials_to_work rows routed to corrected_claim (an 837P replacement,
frequency 7) or new_claim (CO-16 with MA130: the payer never processed the claim, so it is sent again as a
new claim, frequency 1, with no appeal rights and no reference to the rejected one).

Pure: built from the claim as it was submitted (its loops 2000B-2400 and the billing header, kept by the
837P reader). A replacement carries REF*F8 = the payer's claim control number from the 835, placed where
the implementation guide puts it in loop 2300 (after the DTP segments and the referral / prior
authorization REFs, before NTE and HI). The correction the denial asks for is applied where the data
decides it: a missing discipline modifier (GO on OT codes, GN on the SLP-delivered 92526/92610) for CO-4.
Any other correction is a required checklist item, so nobody approves a replacement that only restates
the original. Medicare fee-for-service corrections of a processed claim are reopenings, not 837s
(medicare_reopening.py); an unprocessable Medicare claim (MA130) is still a new 837P.
The body is the 837P itself (005010X222A1), ready for the clearinghouse once a person approves it; the
tests validate it with pyx12.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from . import claim_837
from .context import DraftContext
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "corrected_claim"
ASSIGNED_ROLE = "billing"
ROUTE_FREQUENCY = {"corrected_claim": "7", "new_claim": "1"}
MEDICARE_FFS = "medicare"
# Loop 2300 segments that come after REF*F8 in the implementation guide: the REFs listed after it, then
# K3, NTE, CR1/CR2, CRC, HI, HCP, and the first segment of any later loop (2310x NM1, 2320 SBR, 2400 LX).
_REFS_AFTER_F8 = frozenset({"X4", "9A", "9C", "LX", "D9", "EA", "P4", "1J"})
_SEGMENTS_AFTER_F8 = frozenset({"K3", "NTE", "CR1", "CR2", "CRC", "HI", "HCP", "NM1", "SBR", "LX"})
# Codes a speech-language pathologist's plan of care covers: GN, not GO (CMS therapy modifiers).
SLP_CODES = frozenset({"92526", "92610"})
DISCIPLINE_MODIFIERS = frozenset({"GO", "GN", "GP"})


def discipline_modifier(procedure_code: str) -> str:
    return "GN" if procedure_code in SLP_CODES else "GO"


def build_claim(
    claim_x12: str,
    billing_x12: str,
    frequency: str,
    payer_claim_number: str | None,
    discipline_lines: set[int],
    control: int,
    created: date,
) -> tuple[str, list[str], set[int]]:
    """The whole 837P interchange sent again with CLM05-3 = ``frequency`` (7 with REF*F8, or 1 without it)
    and the discipline modifier added on ``discipline_lines``; the changes made, for the checklist; and the
    line numbers whose correction was applied."""
    if frequency == "7" and not payer_claim_number:
        raise ValueError("a replacement claim (frequency 7) needs the payer's claim control number for REF*F8")
    changes: list[str] = []
    corrected: set[int] = set()
    state = {"in_2300": False, "f8_pending": False, "line": 0}

    def f8_before(seg: list[str]) -> list[list[str]]:
        if state["f8_pending"] and (seg[0] in _SEGMENTS_AFTER_F8 or (seg[0] == "REF" and seg[1] in _REFS_AFTER_F8)):
            state["f8_pending"] = False
            return [["REF", "F8", payer_claim_number], seg]
        return [seg]

    def edit(seg: list[str]) -> list[list[str]]:
        if seg[0] == "CLM":
            facility = (seg[5].split(":") + ["", "", ""])[:3]
            facility[2] = frequency
            state["in_2300"], state["f8_pending"] = True, frequency == "7"
            if frequency == "7":
                changes.append("CLM05-3 frequency code 7 (replacement of prior claim)")
                changes.append(f"REF*F8 payer claim control number {payer_claim_number}")
            else:
                changes.append("CLM05-3 frequency code 1 (new claim: the rejected one was never processed)")
            return [[*seg[:5], ":".join(facility), *seg[6:]]]
        if seg[0] == "REF" and seg[1] == "F8":
            return []
        if seg[0] == "SV1":
            state["line"] += 1
            parts = seg[1].split(":")
            modifiers = parts[2:6]
            if state["line"] in discipline_lines and not set(modifiers) & DISCIPLINE_MODIFIERS:
                wanted = discipline_modifier(parts[1])
                if len(modifiers) >= 4:
                    changes.append(f"line {state['line']}: no room for {wanted} (four modifiers already)")
                else:
                    changes.append(f"line {state['line']}: discipline modifier {wanted} added")
                    corrected.add(state["line"])
                    seg = ["SV1", ":".join([*parts[:2], wanted, *modifiers]), *seg[2:]]
        return f8_before(seg)

    text = claim_837.rebuild(claim_x12, billing_x12, control, created, f"C{control:07d}", edit)
    return text, changes, corrected


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def is_drafted_here(row: dict) -> bool:
    """New claims go to every payer; a correction to Medicare fee-for-service is a reopening request instead."""
    return row["route"] == "new_claim" or (row["route"] == "corrected_claim" and row.get("payer_type") != MEDICARE_FFS)


def draft_actions(
    flag_rows: list[dict],
    denied_lines: dict[str, list[dict]],
    claim_texts: dict[str, tuple[str, str]],
    location_names: dict[str, str],
    created: date,
    control_numbers: dict[str, int],
) -> list[DraftAction]:
    """One draft per flag routed to a new claim, or to a corrected claim outside Medicare fee-for-service,
    whose submitted claim text is on file. `control_numbers`: each flag's interchange control number
    (Ledger.control_numbers)."""
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        if not is_drafted_here(row) or row["claim_id"] not in claim_texts:
            continue
        claim_x12, billing_x12 = claim_texts[row["claim_id"]]
        lines = sorted(denied_lines.get(row["claim_id"], []), key=lambda d: d["line_number"])
        frequency = ROUTE_FREQUENCY[row["route"]]
        discipline_lines = {d["line_number"] for d in lines if d.get("denial_carc") == "4"}
        text, changes, applied = build_claim(
            claim_x12,
            billing_x12,
            frequency,
            row.get("payer_claim_control_number"),
            discipline_lines,
            control_numbers[str(row["flag_id"])],
            created,
        )
        location_name = location_names.get(row["location_id"], row["location_id"])
        checklist = [ChecklistItem(item=c, present=True) for c in changes]
        unapplied = [d for d in lines if d["line_number"] not in applied]
        if unapplied:
            rarcs = sorted({r for d in unapplied for r in (d.get("remark_codes") or "").split("|") if r})
            checklist.append(
                ChecklistItem(
                    item="Make the correction the denial asks for in the claim text before approving",
                    detail=(
                        f"lines {', '.join(str(d['line_number']) for d in unapplied)}: CARC "
                        f"{', '.join(sorted({d['denial_carc'] for d in unapplied}))}"
                        + (f", remark codes {', '.join(rarcs)}" if rarcs else "")
                    ),
                    present=False,
                    required=True,
                )
            )
        kind = "New claim" if frequency == "1" else "Corrected claim"
        drafts.append(
            DraftAction(
                flag_id=row["flag_id"],
                action_type=ACTION_TYPE,
                location_id=row["location_id"],
                payer_id=row.get("payer_id"),
                patient_id=row.get("patient_id"),
                title=(
                    f"{kind} {row['claim_id']} (CARC {row['carcs']}) to "
                    f"{row.get('payer_name') or row.get('payer_id')} ({location_name})"
                )[:200],
                recipient=(
                    f"{row.get('payer_name') or row.get('payer_id')} via the clearinghouse "
                    f"(837P {'new claim' if frequency == '1' else 'replacement'})"
                ),
                body=text,
                checklist=checklist,
                evidence=[
                    {
                        k: _iso(d.get(k))
                        for k in (
                            "claim_id",
                            "line_number",
                            "procedure_code",
                            "modifiers",
                            "denial_carc",
                            "remark_codes",
                            "denial_date",
                            "deadline_date",
                        )
                    }
                    for d in lines
                ],
                dollars_at_stake=Decimal(row["dollars_at_risk"] or 0).quantize(Decimal("0.01")),
                due_date=row.get("due_date"),
                assigned_role=ASSIGNED_ROLE,
                phi_terms=claim_837.phi_terms(claim_x12),
                public_terms=[location_name, row.get("payer_name") or ""],
            )
        )
    return drafts


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the denials routed to a corrected or new claim; the claim text and denied lines come
    from packet_claim_x12 and packet_denied_lines, the interchange control numbers from the ledger's allocator."""
    flags = [row for row in rows if is_drafted_here(row)]
    texts = {r["claim_id"]: (r["claim_x12"], r["billing_x12"]) for r in ctx.packet("packet_claim_x12")}
    return draft_actions(
        flags,
        ctx.grouped("packet_denied_lines", "claim_id"),
        texts,
        ctx.location_names(),
        ctx.as_of,
        ctx.control_numbers(str(f["flag_id"]) for f in flags),
    )
