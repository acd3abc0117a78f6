"""NCCI pairs billed without a distinct-service modifier, the payer's CO-236 denial of the column-2 code, and
what the visit note documents about the two codes.

One visit per documentation kind (the first that fits, across the data set) is billed with the pair
97140 (column 1) and 97530 (column 2) of dbt/seeds/claim_code_pair_edits.csv, whose modifier indicator 1
lets a distinct-service modifier bypass the edit: its first timed code other than 97530 becomes 97140, in
the EHR charge lines and the 837P alike. The payer pays 97140 and denies 97530 (CO-236, RARC M80). The visit note writes
the per-code facts the contract carries (``time_block_start``/``time_block_end``, ``separate_session``):

- ``separate_time_blocks``: every code of the visit in its own block, one after the other;
- ``separate_session``: 97530 marked as a session separate from the visit's other codes;
- ``overlapping_time_blocks``: every code in a block, but the 97140 block reaches into the 97530 block.

The ground truth records those facts (claim, line, documentation kind, the payer's distinct-service modifier
as the correction-rules seed gives it) and the pre-submission audit failure the pair is (97530 without
59/X{EPSU}); what the pipeline does with each kind is the end-to-end test's to say.

Only visits the note export covers (``front_office.NOTES_EXPORTED_DAYS``) and the note audit does not look at
(older than ``NOTE_AUDIT_LOOKBACK_DAYS``, so no note plant lands on them), on a payer that needs no
authorization (no authorization lists 97140), billed at the clinic, to a child with one coverage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from . import seed_values
from .front_office import NOTE_AUDIT_LOOKBACK_DAYS, NOTES_EXPORTED_DAYS
from .reference import TIMED_CODES

COLUMN_1_CODE, COLUMN_2_CODE = "97140", "97530"
if seed_values.code_pair_modifier_indicator(COLUMN_1_CODE, COLUMN_2_CODE) != "1":
    raise seed_values.SeedError(
        f"claim_code_pair_edits.csv: the NCCI plant needs the pair {COLUMN_1_CODE}/{COLUMN_2_CODE} with modifier "
        "indicator 1"
    )
NCCI_DENIAL = ("CO", "236", ("M80",))  # CARC 236: not compatible with another procedure on the day under NCCI
DOCUMENTATION_KINDS = ("separate_time_blocks", "separate_session", "overlapping_time_blocks")
AUDIT_RULE = "code_pair_without_modifier"  # fct_claim_audit_failures' name for a pair without 59/X{EPSU}


@dataclass
class _Plant:
    documentation: str
    claim_id: str
    visit_id: str
    location_id: str
    payer_id: str
    column_1_line: int
    column_2_line: int
    distinct_service_modifier: str
    note_rows: dict[str, dict]  # cpt -> the note's time-block / separate-session columns
    denied: bool | None = None  # None until the payer answers; False when a natural denial came first

    def truth(self) -> dict:
        return {
            "claim_id": self.claim_id,
            "visit_id": self.visit_id,
            "location_id": self.location_id,
            "payer_id": self.payer_id,
            "line_number": self.column_2_line,
            "cpt_code": COLUMN_2_CODE,
            "column_1_line_number": self.column_1_line,
            "column_1_code": COLUMN_1_CODE,
            "documentation": self.documentation,
            "note_rows": self.note_rows,
            "distinct_service_modifier": self.distinct_service_modifier,
            "carc": NCCI_DENIAL[1] if self.denied else None,
            "audit_failures": [{"line_number": self.column_2_line, "rule": AUDIT_RULE}],
        }


@dataclass
class NcciPlants:
    anchor: date
    plants: dict[str, _Plant] = field(default_factory=dict)  # claim_id -> plant

    def _next_kind(self) -> str | None:
        """The first documentation kind no plant has landed (or is waiting for the payer's answer) yet."""
        taken = {p.documentation for p in self.plants.values() if p.denied is not False}
        return next((k for k in DOCUMENTATION_KINDS if k not in taken), None)

    def consider(self, location_id: str, kid, appt, pos: str, remitted: bool) -> None:
        """Bill ``appt`` with the NCCI pair when the next documentation kind is still to plant and the visit fits:
        rewrites ``appt.lines`` before its charge lines and 837P claim are written."""
        kind = self._next_kind()
        if kind is None or not self._fits(kid, appt, pos, remitted):
            return
        codes = [cpt for cpt, _, _, _ in appt.lines]
        column_2 = codes.index(COLUMN_2_CODE)
        column_1 = next(i for i, cpt in enumerate(codes) if cpt in TIMED_CODES and cpt != COLUMN_2_CODE)
        _, modifiers, minutes, units = appt.lines[column_1]
        appt.lines[column_1] = (COLUMN_1_CODE, modifiers, minutes, units)
        self.plants[appt.claim_id] = _Plant(
            kind,
            appt.claim_id,
            appt.visit_id,
            location_id,
            kid.payer.payer_id,
            column_1 + 1,
            column_2 + 1,
            seed_values.correction_rule(kid.payer.payer_id)["distinct_service_modifier"],
            _note_rows(kind, appt, column_1, column_2),
        )

    def _fits(self, kid, appt, pos: str, remitted: bool) -> bool:
        codes = [cpt for cpt, _, _, _ in appt.lines or []]
        return (
            remitted
            and appt.kind == "treatment"
            and pos == "11"
            and not kid.payer.needs_authorization
            and kid.secondary is None
            and seed_values.correction_rule(kid.payer.payer_id)["correction_method"] != "reopening"  # an 837P
            and self.anchor - timedelta(days=NOTES_EXPORTED_DAYS)
            <= appt.day
            < self.anchor - timedelta(days=NOTE_AUDIT_LOOKBACK_DAYS)
            and COLUMN_2_CODE in codes
            and COLUMN_1_CODE not in codes
            and any(cpt in TIMED_CODES and cpt != COLUMN_2_CODE for cpt in codes)
        )

    def deny(self, claim, natural_denial: bool) -> bool:
        """Deny the column-2 line of a planted claim with CO-236 unless the payer already denied the claim;
        True when ``claim`` is one of the plants (the other remit plants leave it alone)."""
        plant = self.plants.get(claim.claim_id)
        if plant is None:
            return False
        plant.denied = not natural_denial
        if plant.denied:
            group, carc, remarks = NCCI_DENIAL
            line = claim.lines[plant.column_2_line - 1]
            line.adjustments = [(group, carc, line.charge)]
            line.paid = line.allowed = Decimal("0.00")
            line.remark_codes = list(remarks)
        return True

    def note_documentation(self) -> dict[tuple[str, str], dict]:
        """(visit_id, cpt) -> the time-block / separate-session columns the visit note writes for that code."""
        return {(p.visit_id, cpt): row for p in self.plants.values() for cpt, row in p.note_rows.items()}

    def truth(self) -> list[dict]:
        return sorted((p.truth() for p in self.plants.values()), key=lambda t: t["claim_id"])


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _note_rows(kind: str, appt, column_1: int, column_2: int) -> dict[str, dict]:
    """The note's per-code columns: blocks laid one after the other from the visit's local start, in line order
    (the 97140 block moved into the 97530 block when they overlap), or the 97530 session mark."""
    if kind == "separate_session":
        return {COLUMN_2_CODE: {"separate_session": True}}
    start = datetime(appt.day.year, appt.day.month, appt.day.day, appt.hour, appt.minute)
    blocks: dict[int, tuple[datetime, datetime]] = {}
    for index, (_, _, minutes, _) in enumerate(appt.lines):
        blocks[index] = (start, start + timedelta(minutes=minutes))
        start += timedelta(minutes=minutes)
    if kind == "overlapping_time_blocks":
        # the 97140 block, its length kept, reaches into the 97530 block by half the shorter of the two
        length = timedelta(minutes=appt.lines[column_1][2])
        overlap = timedelta(minutes=min(appt.lines[column_1][2], appt.lines[column_2][2]) // 2)
        column_2_start, column_2_end = blocks[column_2]
        begin = column_2_end - overlap if column_1 > column_2 else column_2_start + overlap - length
        blocks[column_1] = (begin, begin + length)
    return {
        appt.lines[i][0]: {"time_block_start": _hhmm(begin), "time_block_end": _hhmm(end)}
        for i, (begin, end) in blocks.items()
    }
