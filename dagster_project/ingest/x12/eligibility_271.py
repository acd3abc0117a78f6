"""271 eligibility responses (005010X279A1) -> rows for ``raw_clearinghouse.eligibility_*``.

One row per subscriber or dependent answered (loop 2000C/2000D) and one row per benefit (EB) and
service type: EB03 repeats with the ISA11 repetition separator (``EB*1**30^AD^AE``), and each repeat
becomes its own row so "is occupational therapy (AD) covered" is a plain filter. A benefit in loop
2110C/D may be followed by LS/LE loop 2120C/D naming a related entity (the managed-care organization,
the other payer for ``EB01=R``, a PCP): its NM1 goes onto the benefit rows it belongs to.

AAA segments (request rejected: invalid member id, subscriber not found, ...) are data, not errors: the
response row records the reject reason so the front desk sees that the check did not go through.
A transaction that is cut short or carries an unreadable segment is quarantined on its own.
Layout: docs/domain-reference.md section 7 (271) and section 6 (what counts as a coverage change).
Messages never carry names, member ids or dates of birth.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from dagster_project.ingest.x12.envelope import Segment
from dagster_project.ingest.x12.reader_base import (
    MONEY_READER,
    QUANTITY_READER,
    BodyReader,
    X12Reader,
    read_transactions,
)
from dagster_project.ingest.x12.result import X12ParseResult
from dagster_project.ingest.x12_tables import MONEY, QUANTITY

ELIGIBILITY_TABLES: dict[str, dict[str, str]] = {
    "eligibility_responses": {
        "eligibility_response_id": "VARCHAR",  # <file sha256 prefix>-<ISA13>-<GS06>-<ST02>-<HL01>
        "interchange_control_number": "VARCHAR",  # ISA13
        "transaction_control_number": "VARCHAR",  # ST02
        "implementation_version": "VARCHAR",  # ST03 / GS08
        "responded_at": "TIMESTAMP",  # BHT04 + BHT05 (taken as UTC)
        "payer_name": "VARCHAR",  # 2100A NM1*PR NM103
        "payer_identifier": "VARCHAR",  # 2100A NM1*PR NM109
        "provider_npi": "VARCHAR",  # 2100B NM1*1P NM109 (XX)
        "hierarchical_level": "VARCHAR",  # '22' subscriber | '23' dependent
        "trace_number": "VARCHAR",  # TRN*2 TRN02 (the 270's trace, echoed)
        "patient_account_number": "VARCHAR",  # REF*EJ: the clinic's patient id
        "member_id": "VARCHAR",  # 2100C NM1*IL NM109 (PHI)
        "plan_begin_date": "DATE",  # DTP*346
        "plan_end_date": "DATE",  # DTP*347
        "eligibility_date": "DATE",  # DTP*307 (or 291)
        "reject_reason_code": "VARCHAR",  # AAA03 of the first AAA in the loop (any level)
        "reject_follow_up_code": "VARCHAR",  # AAA04
        "benefit_count": "INTEGER",  # EB segments in the loop
        "segment_position": "INTEGER",  # HL segment ordinal in the file
    },
    "eligibility_benefits": {
        "eligibility_benefit_id": "VARCHAR",  # <eligibility_response_id>-<EB ordinal>-<EB03 repeat>
        "eligibility_response_id": "VARCHAR",
        "benefit_ordinal": "INTEGER",  # EB ordinal within the response, from 1
        "eligibility_code": "VARCHAR",  # EB01: 1 active, 6 inactive, F limitation, R other payer, ...
        "coverage_level": "VARCHAR",  # EB02
        "service_type_code": "VARCHAR",  # one EB03 repeat (30 plan coverage, AD occupational therapy)
        "insurance_type": "VARCHAR",  # EB04 (MC Medicaid, HM HMO, ...)
        "plan_description": "VARCHAR",  # EB05
        "time_period_qualifier": "VARCHAR",  # EB06 (23 calendar year, 29 remaining, ...)
        "monetary_amount": MONEY,  # EB07
        "quantity_qualifier": "VARCHAR",  # EB09 (VS visits)
        "quantity": QUANTITY,  # EB10
        "in_plan_network": "VARCHAR",  # EB12 (Y/N/W)
        "related_entity_code": "VARCHAR",  # 2120 NM101 (PRP primary payer, P5 plan sponsor, Y2 MCO, ...)
        "related_entity_name": "VARCHAR",  # 2120 NM103
        "related_entity_identifier": "VARCHAR",  # 2120 NM109
    },
}

KNOWN_271_SEGMENTS = frozenset(
    {
        "BHT",
        "HL",
        "AAA",
        "NM1",
        "REF",
        "N3",
        "N4",
        "PER",
        "PRV",
        "DMG",
        "INS",
        "HI",
        "DTP",
        "MPI",
        "TRN",
        "EB",
        "HSD",
        "MSG",
        "III",
        "LS",
        "LE",
    }
)


class Eligibility271Body(BodyReader):
    """One 271 transaction: information source (HL 20), receiver (HL 21), subscribers and dependents."""

    tables = ELIGIBILITY_TABLES
    count_table = "eligibility_responses"
    known_segments = KNOWN_271_SEGMENTS
    kind = "a 271"

    def start(self) -> None:
        self.repetition = self.delimiters.repetition
        self.responded_at: datetime | None = None
        self.payer_name: str | None = None
        self.payer_identifier: str | None = None
        self.provider_npi: str | None = None
        self.level = ""  # the HL level code of the open loop: 20 | 21 | 22 | 23
        self.response: dict[str, Any] | None = None
        self.benefits: list[list[dict[str, Any]]] = []  # rows per EB segment
        self.in_2120 = False
        self.source_reject: tuple[str | None, str | None] | None = None  # AAA at 2100A/B: every subscriber after it

    # -- body ------------------------------------------------------------------------------------
    def on_bht(self, seg: Segment) -> None:
        day = self.date(seg, 4, "response date")
        clock = seg.element(5)
        if day is not None:
            hour = minute = 0
            if clock:
                if len(clock) >= 4 and clock[:4].isdigit() and int(clock[:2]) < 24 and int(clock[2:4]) < 60:
                    hour, minute = int(clock[:2]), int(clock[2:4])
                else:
                    self.error(seg, f"BHT05 (response time) is {clock[:8]!r}, which is not HHMM")
            self.responded_at = datetime(day.year, day.month, day.day, hour, minute)

    def on_hl(self, seg: Segment) -> None:
        self.finish_response()
        self.level = seg.element(3)
        self.in_2120 = False
        if self.level in ("22", "23"):
            row = self.new_row("eligibility_responses", seg.position)
            row["eligibility_response_id"] = f"{self.key}-{seg.element(1)}"
            row["responded_at"] = self.responded_at
            row["payer_name"] = self.payer_name
            row["payer_identifier"] = self.payer_identifier
            row["provider_npi"] = self.provider_npi
            row["hierarchical_level"] = self.level
            row["segment_position"] = seg.position
            if self.source_reject:
                row["reject_reason_code"], row["reject_follow_up_code"] = self.source_reject
            self.response = row
            self.benefits = []
        elif self.level not in ("20", "21"):
            self.warning(seg, f"HL03 level code {self.level!r} is not 20, 21, 22 or 23")

    def on_nm1(self, seg: Segment) -> None:
        entity = seg.element(1)
        if self.in_2120 and self.benefits:
            for row in self.benefits[-1]:
                row["related_entity_code"] = entity or None
                row["related_entity_name"] = seg.element(3) or None
                row["related_entity_identifier"] = seg.element(9) or None
            return
        response = self.response
        if self.level == "20" and entity == "PR":
            self.payer_name, self.payer_identifier = seg.element(3) or None, seg.element(9) or None
        elif self.level == "21":
            self.provider_npi = seg.element(9) if seg.element(8) == "XX" else self.provider_npi
        elif response is not None and entity in ("IL", "03") and (entity == "IL" or not response["member_id"]):
            response["member_id"] = seg.element(9) or response["member_id"]

    def on_trn(self, seg: Segment) -> None:
        if self.response is not None and self.response["trace_number"] is None:
            self.response["trace_number"] = seg.element(2) or None

    def on_ref(self, seg: Segment) -> None:
        if self.response is not None and not self.in_2120 and seg.element(1) == "EJ":
            self.response["patient_account_number"] = seg.element(2) or None

    def on_dtp(self, seg: Segment) -> None:
        if self.response is None or self.in_2120 or self.benefits:
            return  # benefit-level dates (2110C DTP) are not kept
        qualifier = seg.element(1)
        column = {
            "346": "plan_begin_date",
            "347": "plan_end_date",
            "307": "eligibility_date",
            "291": "eligibility_date",
        }.get(qualifier)
        if column is None:
            return
        value = seg.element(3)
        if seg.element(2) == "RD8":
            first, _, second = value.partition("-")
            value = first if column != "plan_end_date" else (second or first)
        self.response[column] = self.date(seg, 3, f"DTP*{qualifier} date", value)

    def on_aaa(self, seg: Segment) -> None:
        reject = (seg.element(3) or None, seg.element(4) or None)
        if self.response is not None:
            if self.response["reject_reason_code"] is None:
                self.response["reject_reason_code"], self.response["reject_follow_up_code"] = reject
        elif self.level in ("20", "21") and self.source_reject is None:
            self.source_reject = reject

    def on_eb(self, seg: Segment) -> None:
        self.in_2120 = False
        response = self.response
        if response is None:
            self.error(seg, "EB benefit outside a subscriber or dependent loop (no HL*22/23 before it)")
            return
        ordinal = len(self.benefits) + 1
        raw_types = seg.element(3)
        if raw_types and self.repetition:
            types = [t.strip() for t in raw_types.split(self.repetition) if t.strip()]
        else:
            types = [raw_types] if raw_types else [None]
        if not seg.element(1):
            self.error(seg, "EB01 (eligibility or benefit code) is empty")
        amount = self.decimal(seg, 7, "benefit amount", MONEY_READER)
        quantity = self.decimal(seg, 10, "benefit quantity", QUANTITY_READER)
        rows = []
        for repeat, service_type in enumerate(types, start=1):
            row = self.new_row("eligibility_benefits", seg.position)
            row["eligibility_benefit_id"] = f"{response['eligibility_response_id']}-{ordinal}-{repeat}"
            row["eligibility_response_id"] = response["eligibility_response_id"]
            row["benefit_ordinal"] = ordinal
            row["eligibility_code"] = seg.element(1) or None
            row["coverage_level"] = seg.element(2) or None
            row["service_type_code"] = service_type
            row["insurance_type"] = seg.element(4) or None
            row["plan_description"] = seg.element(5) or None
            row["time_period_qualifier"] = seg.element(6) or None
            row["monetary_amount"] = amount
            row["quantity_qualifier"] = seg.element(9) or None
            row["quantity"] = quantity
            row["in_plan_network"] = seg.element(12) or None
            rows.append(row)
        self.benefits.append(rows)

    def on_ls(self, seg: Segment) -> None:
        if not self.benefits:
            self.warning(seg, "LS loop start without an EB before it; skipped")
            return
        self.in_2120 = True

    def on_le(self, seg: Segment) -> None:
        self.in_2120 = False

    # -- closing ---------------------------------------------------------------------------------
    def finish_response(self) -> None:
        if self.response is None:
            return
        self.response["benefit_count"] = len(self.benefits)
        self.rows["eligibility_responses"].append(self.response)
        for rows in self.benefits:
            self.rows["eligibility_benefits"].extend(rows)
        self.response, self.benefits = None, []

    def finish(self) -> None:
        self.finish_response()


READER = X12Reader("271", "eligibility_271", "HB", Eligibility271Body)


def parse_271(data: bytes, file_name: str) -> X12ParseResult:
    """Rows for ``raw_clearinghouse.eligibility_responses`` / ``eligibility_benefits`` per transaction set
    and every issue (see ``parse_835``). Rows carry exactly the table's columns plus
    ``_segment_position`` (HL for a response, EB for a benefit)."""
    return read_transactions(data, file_name, {"271": READER})


def parse_271_file(path: Path) -> X12ParseResult:
    path = Path(path)
    return parse_271(path.read_bytes(), path.name)
