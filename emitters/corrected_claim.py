"""Corrected and new claims: flag_denials_to_work rows routed to corrected_claim or new_claim, drafted as the
837P the payer takes (005010X222A1), ready for the clearinghouse once a person approves it.

How the payer takes a correction is its seed row (claim_payer_correction_rules, column correction_method):
- replacement: one claim, frequency 7, REF*F8 = the payer's claim control number from the 835;
- void_and_new: for a payer that rejects replacements, the processed claim voided (frequency 8 with REF*F8,
  as it was sent) and the corrected claim sent again as new (frequency 1), in one interchange;
- reopening: Medicare fee-for-service corrects a processed claim through a reopening request
  (medicare_reopening.py), never an 837P.
CO-16 with MA130 (route new_claim) was never processed: a new claim, frequency 1, with no REF*F8.

The corrected claim applies the correction it was drafted for where the data decides it
(claim_corrections.py): the missing GO/GN, the units the documented minutes support (with the line charge
and the claim total rescaled), the authorization in force on the date of service in REF*G1, the payer's
distinct-service modifier on a bundled code the note documents as a separate service. What the data
cannot decide is a required checklist item, so nobody approves a claim that only restates the original.
Segments stay in implementation-guide order: in loop 2300 REF*G1 and REF*F8 come after the DTP segments
and REF*9F, before the other REFs, NTE and HI; in loop 2400 REF*G1 comes before REF*6R.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from . import claim_837
from .claim_corrections import DISCIPLINE_MODIFIERS, Correction, correction_of
from .claims_common import cents, denial_draft, denied_lines_of
from .context import DraftContext
from .models import ChecklistItem, DraftAction

ACTION_TYPE = "corrected_claim"
ASSIGNED_ROLE = "billing"
REPLACEMENT, VOID_AND_NEW, REOPENING = "replacement", "void_and_new", "reopening"
# Loop 2300 REFs that come after REF*G1 / REF*F8 in the implementation guide, and the segments after them:
# K3, NTE, CR1/CR2, CRC, HI, HCP, and the first segment of any later loop (2310x NM1, 2320 SBR, 2400 LX).
_REFS_AFTER_G1 = frozenset({"F8", "X4", "9A", "9C", "LX", "D9", "EA", "P4", "1J"})
_REFS_AFTER_F8 = _REFS_AFTER_G1 - {"F8"}
_CLAIM_SEGMENTS_AFTER_REFS = frozenset({"K3", "NTE", "CR1", "CR2", "CRC", "HI", "HCP", "NM1", "SBR", "LX", "HL"})
# Loop 2400 REFs before the prior authorization (repriced line item references); anything else after it.
_LINE_REFS_BEFORE_G1 = frozenset({"9B", "9D"})
_LINE_SEGMENTS_BEFORE_REFS = frozenset({"SV1", "SV5", "PWK", "CR1", "CR3", "CRC", "DTP", "QTY", "MEA", "CN1"})


def _frequency_changes(frequency: str, payer_claim_number: str | None) -> list[str]:
    if frequency == "7":
        return [
            "CLM05-3 frequency code 7 (replacement of prior claim)",
            f"REF*F8 payer claim control number {payer_claim_number}",
        ]
    if frequency == "8":
        return [f"First claim: void of the processed claim (CLM05-3 frequency code 8, REF*F8 {payer_claim_number})"]
    return ["CLM05-3 frequency code 1 (sent as a new claim)"]


class _ClaimEditor:
    """Edits one claim's segments (loops 2000B-2400) as ``claim_837.rebuild`` passes them: the frequency,
    REF*F8, and the corrections. ``changes`` lists what it changed; ``applied`` the lines it corrected."""

    def __init__(self, segs, frequency: str, payer_claim_number: str | None, corrections: dict[int, Correction]):
        self.frequency, self.payer_claim_number, self.corrections = frequency, payer_claim_number, corrections
        self.changes: list[str] = []
        self.applied: set[int] = set()
        self.charges = self._line_charges(segs)
        self.claim_auth = self._claim_authorization(sum(1 for s in segs if s[0] == "SV1"))
        self.claim_refs: list[list[str]] = []  # 2300 REFs waiting for their place
        self.line_ref: list[str] | None = None  # a 2400 REF*G1 waiting for its place
        self.line = 0

    def _line_charges(self, segs) -> dict[int, tuple[Decimal, Decimal]]:
        """Line number -> (old, new) charge of the lines whose units change: the charge per unit is kept."""
        charges, line = {}, 0
        for seg in segs:
            if seg[0] != "SV1":
                continue
            line += 1
            wanted = self.corrections.get(line)
            if wanted is None or wanted.units is None:
                continue
            old_charge, old_units = Decimal(seg[2]), Decimal(seg[4] or "0")
            if old_units <= 0:
                raise ValueError(f"claim line {line} bills no units (SV104), so its charge per unit is unknown")
            charges[line] = (old_charge, cents(old_charge / old_units * wanted.units))
        return charges

    def _claim_authorization(self, line_count: int) -> str | None:
        """The one authorization every line is corrected to: then it goes in the claim's REF*G1."""
        wanted = {n: c.authorization_number for n, c in self.corrections.items() if c.authorization_number}
        numbers = set(wanted.values())
        return numbers.pop() if len(numbers) == 1 and len(wanted) == line_count else None

    def edit(self, seg: list[str]) -> list[list[str]]:
        out = self._flush_claim_refs(seg) + self._flush_line_ref(seg)
        tag = seg[0]
        if tag == "HL":
            self.line = 0
        elif tag == "CLM":
            return out + [self._clm(seg)]
        elif tag == "REF" and seg[1] == "F8":
            return out  # set again from the 835, where the frequency needs it
        elif tag == "REF" and seg[1] == "G1":
            return out + self._authorization(seg)
        elif tag == "SV1":
            self.line += 1
            return out + [self._sv1(seg)]
        return out + [seg]

    def finish(self) -> list[list[str]]:
        rest = [*self.claim_refs, *([self.line_ref] if self.line_ref else [])]
        if self.line_ref:
            self._line_ref_inserted(self.line_ref)
        self.claim_refs, self.line_ref = [], None
        return rest

    def _clm(self, seg: list[str]) -> list[str]:
        facility = (seg[5].split(":") + ["", "", ""])[:3]
        facility[2] = self.frequency
        total = Decimal(seg[2]) + sum((new - old for old, new in self.charges.values()), Decimal(0))
        self.changes += _frequency_changes(self.frequency, self.payer_claim_number)
        if self.charges:
            self.changes.append(f"CLM02 total charge {cents(total)} (was {seg[2]})")
        if self.claim_auth:
            self.claim_refs.append(["REF", "G1", self.claim_auth])
        if self.frequency in ("7", "8"):
            self.claim_refs.append(["REF", "F8", self.payer_claim_number])
        return ["CLM", seg[1], str(cents(total)), *seg[3:5], ":".join(facility), *seg[6:]]

    def _flush_claim_refs(self, seg: list[str]) -> list[list[str]]:
        """The waiting 2300 REFs that belong before ``seg`` (G1 before F8), in order."""
        out = []
        while self.claim_refs:
            after = _REFS_AFTER_G1 if self.claim_refs[0][1] == "G1" else _REFS_AFTER_F8
            if not (seg[0] in _CLAIM_SEGMENTS_AFTER_REFS or (seg[0] == "REF" and seg[1] in after)):
                break
            ref = self.claim_refs.pop(0)
            if ref[1] == "G1":
                self._claim_auth_applied(None)
            out.append(ref)
        return out

    def _flush_line_ref(self, seg: list[str]) -> list[list[str]]:
        if self.line_ref is None or seg[0] in _LINE_SEGMENTS_BEFORE_REFS:
            return []
        if seg[0] == "REF" and seg[1] in _LINE_REFS_BEFORE_G1 | {"G1"}:
            return []  # a REF*G1 of the line is replaced where it stands
        ref, self.line_ref = self.line_ref, None
        self._line_ref_inserted(ref)
        return [ref]

    def _line_ref_inserted(self, ref: list[str]) -> None:
        self.changes.append(f"line {self.line}: REF*G1 prior authorization {ref[2]}")
        self.applied.add(self.line)

    def _claim_auth_applied(self, was: str | None) -> None:
        self.changes.append(f"REF*G1 prior authorization {self.claim_auth}" + (f" (was {was})" if was else ""))
        self.applied.update(n for n, c in self.corrections.items() if c.authorization_number)

    def _authorization(self, seg: list[str]) -> list[list[str]]:
        """A REF*G1 the claim carries: in 2300 (line 0) or in a line's 2400 loop."""
        if self.line == 0:
            if not self.claim_auth:
                return [seg]
            self.claim_refs = [r for r in self.claim_refs if r[1] != "G1"]
            if seg[2] == self.claim_auth:
                return [seg]  # already the number in force: nothing corrected
            self._claim_auth_applied(seg[2])
            return [["REF", "G1", self.claim_auth]]
        if self.claim_auth:  # the claim's REF*G1 names the authorization of every line now
            if seg[2] != self.claim_auth:
                self.changes.append(f"line {self.line}: REF*G1 {seg[2]} removed (the claim's names {self.claim_auth})")
                self.applied.add(self.line)
            return []
        if self.line_ref is None:
            return [seg]
        ref, self.line_ref = self.line_ref, None
        if ref[2] != seg[2]:
            self.changes.append(f"line {self.line}: REF*G1 prior authorization {ref[2]} (was {seg[2]})")
            self.applied.add(self.line)
        return [ref]

    def _sv1(self, seg: list[str]) -> list[str]:
        wanted = self.corrections.get(self.line)
        if wanted is None:
            return seg
        parts = seg[1].split(":")
        if wanted.add_modifier in DISCIPLINE_MODIFIERS:  # the plan-of-care modifier leads, the others follow
            parts = [*parts[:2], wanted.add_modifier, *parts[2:6]]
        elif wanted.add_modifier:
            parts = [*parts[:6], wanted.add_modifier]
        if wanted.add_modifier:
            self.changes.append(f"line {self.line}: modifier {wanted.add_modifier} added")
            self.applied.add(self.line)
        seg = ["SV1", ":".join(parts), *seg[2:]]
        if wanted.units is not None:
            old, new = self.charges[self.line]
            self.changes.append(f"line {self.line}: {wanted.units} units at {new} (was {seg[4]} at {old})")
            self.applied.add(self.line)
            seg = [*seg[:2], str(new), seg[3], str(wanted.units), *seg[5:]]
        if wanted.authorization_number and not self.claim_auth:
            self.line_ref = ["REF", "G1", wanted.authorization_number]
        return seg


def build_claim(
    claim_x12: str,
    billing_x12: str,
    method: str,
    payer_claim_number: str | None,
    corrections: dict[int, Correction],
    control: int,
    created: date,
) -> tuple[str, list[str], set[int]]:
    """The 837P interchange for ``method`` (replacement, void_and_new, or new for a claim never processed)
    with ``corrections`` (line number -> Correction) applied; the changes made, for the checklist; the lines
    whose correction was applied."""
    if method in (REPLACEMENT, VOID_AND_NEW) and not payer_claim_number:
        raise ValueError(f"a {method.replace('_', ' ')} correction needs the payer's claim control number for REF*F8")
    segs = claim_837.segments(claim_x12)
    if method == REPLACEMENT:
        editors = [_ClaimEditor(segs, "7", payer_claim_number, corrections)]
    elif method == VOID_AND_NEW:
        editors = [_ClaimEditor(segs, "8", payer_claim_number, {}), _ClaimEditor(segs, "1", None, corrections)]
    else:
        editors = [_ClaimEditor(segs, "1", None, corrections)]
    position = {"n": 0}

    def edit(seg: list[str]) -> list[list[str]]:
        """Each editor gets its own copy of the claim; the previous one flushes where the next one starts."""
        index, offset = divmod(position["n"], len(segs))
        position["n"] += 1
        flushed = editors[index - 1].finish() if index and offset == 0 else []
        return flushed + editors[index].edit(seg)

    claims = "~".join([claim_x12] * len(editors))
    text = claim_837.rebuild(claims, billing_x12, control, created, f"C{control:07d}", edit, editors[-1].finish)
    changes = [c for e in editors for c in e.changes]
    return text, changes, editors[-1].applied


def is_drafted_here(row: dict) -> bool:
    """New claims go to every payer; a correction goes here unless the payer takes it as a reopening."""
    return row["route"] == "new_claim" or (
        row["route"] == "corrected_claim" and (row.get("correction_method") or REPLACEMENT) != REOPENING
    )


def _already_carried(correction: Correction) -> Correction:
    """A correction the claim already carries does not answer the denial: a person checks with the payer."""
    said = "; ".join(correction.describe())
    return Correction(
        correction.line_number,
        correction.procedure_code,
        undecided=f"the claim already carries {said}: check with the payer what the denial asks for",
    )


def _open_item(undecided: list[Correction]) -> ChecklistItem:
    return ChecklistItem(
        item="Make the correction the denial asks for in the claim text before approving",
        detail="; ".join(f"line {c.line_number}: {c.undecided}" for c in undecided),
        present=False,
        required=True,
    )


def draft_actions(
    flag_rows: list[dict],
    denied_lines: dict[str, list[dict]],
    claim_texts: dict[str, tuple[str, str]],
    location_names: dict[str, str],
    control_numbers: dict[str, int],
) -> list[DraftAction]:
    """One draft per flag routed to a new claim, or to a corrected claim the payer takes as an 837P, whose
    submitted claim text is on file. `control_numbers`: each flag's interchange control number
    (Ledger.control_numbers)."""
    drafts = []
    for row in sorted(flag_rows, key=lambda r: str(r["flag_id"])):
        if not is_drafted_here(row) or row["claim_id"] not in claim_texts:
            continue
        claim_x12, billing_x12 = claim_texts[row["claim_id"]]
        lines = denied_lines_of(row["claim_id"], denied_lines)
        corrections = {c.line_number: c for c in map(correction_of, lines)}
        method = "new" if row["route"] == "new_claim" else (row.get("correction_method") or REPLACEMENT)
        text, changes, applied = build_claim(
            claim_x12,
            billing_x12,
            method,
            row.get("payer_claim_control_number"),
            {n: c for n, c in corrections.items() if c.is_decided},
            control_numbers[str(row["flag_id"])],
            claim_837.drafted_envelope_date(row),
        )
        location_name = location_names.get(row["location_id"], row["location_id"])
        checklist = [ChecklistItem(item=c, present=True) for c in changes]
        undecided = [
            c if not c.is_decided else _already_carried(c) for n, c in sorted(corrections.items()) if n not in applied
        ]
        if undecided:
            checklist.append(_open_item(undecided))
        kind = {"new": "New claim", VOID_AND_NEW: "Void and new claim"}.get(method, "Corrected claim")
        payer = row.get("payer_name") or row.get("payer_id")
        drafts.append(
            denial_draft(
                row,
                lines,
                action_type=ACTION_TYPE,
                assigned_role=ASSIGNED_ROLE,
                title=f"{kind} {row['claim_id']} (CARC {row['carcs']}) to {payer} ({location_name})"[:200],
                recipient=f"{payer} via the clearinghouse (837P {kind.lower()})",
                body=text,
                checklist=checklist,
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
        ctx.control_numbers(str(f["flag_id"]) for f in flags),
    )
