"""271 eligibility responses (005010X279A1) -> rows for ``raw_clearinghouse.eligibility_*``.

One row per subscriber or dependent answered (loop 2000C/2000D) and one row per benefit (EB) and
service type: EB03 repeats with the ISA11 repetition separator (``EB*1**30^AD^AE``), and each repeat
becomes its own row so "is occupational therapy (AD) covered" is a plain filter. A benefit in loop
2110C/D may be followed by LS/LE loop 2120C/D naming a related entity (the managed-care organization,
the other payer for ``EB01=R``, a PCP): its NM1 goes onto the benefit rows it belongs to.

AAA segments (request rejected: invalid member id, subscriber not found, ...) are data, not file errors:
the response row records the reject reason so the front desk sees that the check did not go through.
Envelope damage (missing trailers, wrong counts, a truncated file) is an error: the file is quarantined.
Layout: domain-rules.md 7.3. Messages never carry names, member ids or dates of birth.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dagster_project.ingest.x12.envelope import Segment, split_segments
from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.values import read_date, read_number

SEGMENT_POSITION_KEY = "_segment_position"

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
        "monetary_amount": "DECIMAL(12, 2)",  # EB07
        "quantity_qualifier": "VARCHAR",  # EB09 (VS visits)
        "quantity": "DECIMAL(9, 2)",  # EB10
        "in_plan_network": "VARCHAR",  # EB12 (Y/N/W)
        "related_entity_code": "VARCHAR",  # 2120 NM101 (PRP primary payer, P5 plan sponsor, Y2 MCO, ...)
        "related_entity_name": "VARCHAR",  # 2120 NM103
        "related_entity_identifier": "VARCHAR",  # 2120 NM109
    },
}

KNOWN_271_SEGMENTS = frozenset({
    "ISA", "GS", "ST", "BHT", "HL", "AAA", "NM1", "REF", "N3", "N4", "PER", "PRV", "DMG", "INS", "HI", "DTP",
    "MPI", "TRN", "EB", "HSD", "MSG", "III", "LS", "LE", "SE", "GE", "IEA",
})
ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})


def _row(table: str, position: int) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ELIGIBILITY_TABLES[table])
    row[SEGMENT_POSITION_KEY] = position
    return row


@dataclass
class EligibilityParseResult:
    file_name: str
    tables: dict[str, list[dict[str, Any]]]
    issues: list[X12Issue]

    @property
    def is_rejected(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)


@dataclass
class _Txn:
    control_number: str
    position: int
    is_271: bool
    version: str
    segment_count: int = 1
    responded_at: datetime | None = None
    payer_name: str | None = None
    payer_identifier: str | None = None
    provider_npi: str | None = None
    level: str = ""  # the HL level code of the open loop: 20 | 21 | 22 | 23
    response: dict[str, Any] | None = None
    benefits: list[list[dict[str, Any]]] = field(default_factory=list)  # rows per EB segment
    in_2120: bool = False
    source_reject: tuple[str, str] | None = None  # AAA at 2100A/B: applies to every subscriber after it


class _Reader:
    def __init__(self, data: bytes, file_name: str):
        self.data = data
        self.file_name = file_name
        self.file_hash = hashlib.sha256(data).hexdigest()[:12]
        self.tables: dict[str, list[dict[str, Any]]] = {t: [] for t in ELIGIBILITY_TABLES}
        self.issues: list[X12Issue] = []
        self.repetition: str | None = None
        self.isa: tuple[str, int] | None = None  # (control number, position)
        self.isa_groups = 0
        self.gs: tuple[str, int, str] | None = None  # (control number, position, version)
        self.gs_transactions = 0
        self.st: _Txn | None = None
        self.has_envelope = True

    def issue(self, severity: str, seg: Segment | None, message: str, position: int | None = None) -> None:
        pos = position if position is not None else (seg.position if seg else None)
        self.issues.append(X12Issue(self.file_name, pos, seg.id if seg else None, severity, message))

    def read(self) -> EligibilityParseResult:
        split = split_segments(self.data, self.file_name)
        self.issues.extend(split.issues)
        self.has_envelope = split.has_envelope
        if split.delimiters is None:
            return EligibilityParseResult(self.file_name, self.tables, self.issues)
        self.repetition = split.delimiters.repetition
        last = None
        for seg in split.segments:
            self.on_segment(seg)
            last = seg
        last_position = last.position if last else 0
        if self.st is not None:
            self.issue("error", None, f"the ST at segment {self.st.position} has no SE trailer", last_position)
            self.finish_transaction()
        if self.has_envelope and self.gs is not None:
            self.issue("error", None, f"the GS at segment {self.gs[1]} has no GE trailer", last_position)
        if self.has_envelope and self.isa is not None:
            self.issue("error", None, f"the ISA at segment {self.isa[1]} has no IEA trailer", last_position)
        if last is None:
            self.issue("error", None, "the file holds no X12 segments")
        return EligibilityParseResult(self.file_name, self.tables, self.issues)

    # -- dispatch --------------------------------------------------------------------------------
    def on_segment(self, seg: Segment) -> None:
        if seg.id in ENVELOPE:
            getattr(self, f"on_{seg.id.lower()}")(seg)
            return
        if self.st is None:
            self.issue("error" if seg.id in KNOWN_271_SEGMENTS else "warning", seg,
                       f"segment {seg.id} is outside a transaction (there is no open ST before it)")
            return
        self.st.segment_count += 1
        if not self.st.is_271:
            return
        if seg.id not in KNOWN_271_SEGMENTS:
            self.issue("warning", seg, f"segment ID {seg.id!r} is not part of a 271; skipped")
            return
        handler = getattr(self, f"on_{seg.id.lower()}", None)
        if handler is not None:
            handler(seg)

    # -- envelope --------------------------------------------------------------------------------
    def on_isa(self, seg: Segment) -> None:
        self.isa, self.isa_groups = (seg.element(13), seg.position), 0

    def on_iea(self, seg: Segment) -> None:
        if self.isa is None:
            self.issue("error", seg, "IEA trailer without an ISA header before it")
            return
        if seg.element(1) != str(self.isa_groups):
            self.issue("error", seg, f"IEA01 says {seg.element(1) or 'nothing'} functional groups "
                                     f"but the interchange has {self.isa_groups}")
        if seg.element(2) != self.isa[0]:
            self.issue("error", seg, f"IEA02 control number {seg.element(2)!r} does not match ISA13 {self.isa[0]!r}")
        self.isa = None

    def on_gs(self, seg: Segment) -> None:
        if self.isa is None:
            self.issue("error", seg, "GS header outside an interchange (no ISA before it)")
        self.isa_groups += 1
        if seg.element(1) != "HB":
            self.issue("warning", seg, f"GS01 is {seg.element(1)!r}; a 271 group is 'HB'")
        self.gs, self.gs_transactions = (seg.element(6), seg.position, seg.element(8)), 0

    def on_ge(self, seg: Segment) -> None:
        if self.gs is None:
            self.issue("error", seg, "GE trailer without a GS header before it")
            return
        if seg.element(1) != str(self.gs_transactions):
            self.issue("error", seg, f"GE01 says {seg.element(1) or 'nothing'} transactions "
                                     f"but the group has {self.gs_transactions}")
        if seg.element(2) != self.gs[0]:
            self.issue("error", seg, f"GE02 control number {seg.element(2)!r} does not match GS06 {self.gs[0]!r}")
        self.gs = None

    def on_st(self, seg: Segment) -> None:
        if self.st is not None:
            self.issue("error", None, f"the ST at segment {self.st.position} has no SE trailer", seg.position - 1)
            self.finish_transaction()
        if self.gs is not None:
            self.gs_transactions += 1
        elif self.has_envelope:
            self.issue("error", seg, "ST header outside a functional group (no GS before it)")
        is_271 = seg.element(1) == "271"
        if not is_271:
            self.issue("error", seg, f"not a 271 eligibility response: ST01 is {seg.element(1)!r}")
        version = seg.element(3) or (self.gs[2] if self.gs else "")
        self.st = _Txn(seg.element(2), seg.position, is_271, version)

    def on_se(self, seg: Segment) -> None:
        if self.st is None:
            self.issue("error", seg, "SE trailer without an ST header before it")
            return
        self.st.segment_count += 1
        if seg.element(1) != str(self.st.segment_count):
            self.issue("error", seg, f"SE01 says {seg.element(1) or 'nothing'} segments "
                                     f"but the transaction has {self.st.segment_count}")
        if seg.element(2) != self.st.control_number:
            self.issue("error", seg, f"SE02 control number {seg.element(2)!r} does not match ST02 "
                                     f"{self.st.control_number!r}")
        self.finish_transaction()

    # -- body ------------------------------------------------------------------------------------
    def on_bht(self, seg: Segment) -> None:
        assert self.st is not None
        day = read_date(seg, 4, "response date", self.file_name, self.issues)
        clock = seg.element(5)
        if day is not None:
            hour = minute = 0
            if clock:
                if len(clock) >= 4 and clock[:4].isdigit() and int(clock[:2]) < 24 and int(clock[2:4]) < 60:
                    hour, minute = int(clock[:2]), int(clock[2:4])
                else:
                    self.issue("error", seg, f"BHT05 (response time) is {clock[:8]!r}, which is not HHMM")
            self.st.responded_at = datetime(day.year, day.month, day.day, hour, minute)

    def on_hl(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        self.finish_response()
        st.level = seg.element(3)
        st.in_2120 = False
        if st.level in ("22", "23"):
            row = _row("eligibility_responses", seg.position)
            row["eligibility_response_id"] = "-".join([
                self.file_hash, self.isa[0] if self.isa else "", self.gs[0] if self.gs else "",
                st.control_number, seg.element(1),
            ])
            row["interchange_control_number"] = self.isa[0] if self.isa else None
            row["transaction_control_number"] = st.control_number
            row["implementation_version"] = st.version or None
            row["responded_at"] = st.responded_at
            row["payer_name"] = st.payer_name
            row["payer_identifier"] = st.payer_identifier
            row["provider_npi"] = st.provider_npi
            row["hierarchical_level"] = st.level
            row["segment_position"] = seg.position
            if st.source_reject:
                row["reject_reason_code"], row["reject_follow_up_code"] = st.source_reject
            st.response = row
            st.benefits = []
        elif st.level not in ("20", "21"):
            self.issue("warning", seg, f"HL03 level code {st.level!r} is not 20, 21, 22 or 23")

    def on_nm1(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        entity = seg.element(1)
        if st.in_2120 and st.benefits:
            for row in st.benefits[-1]:
                row["related_entity_code"] = entity or None
                row["related_entity_name"] = seg.element(3) or None
                row["related_entity_identifier"] = seg.element(9) or None
            return
        if st.level == "20" and entity == "PR":
            st.payer_name, st.payer_identifier = seg.element(3) or None, seg.element(9) or None
        elif st.level == "21":
            st.provider_npi = seg.element(9) if seg.element(8) == "XX" else st.provider_npi
        elif st.response is not None and entity in ("IL", "03"):
            if entity == "IL" or not st.response["member_id"]:
                st.response["member_id"] = seg.element(9) or st.response["member_id"]

    def on_trn(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        if st.response is not None and st.response["trace_number"] is None:
            st.response["trace_number"] = seg.element(2) or None

    def on_ref(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        if st.response is not None and not st.in_2120 and seg.element(1) == "EJ":
            st.response["patient_account_number"] = seg.element(2) or None

    def on_dtp(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        if st.response is None or st.in_2120 or st.benefits:
            return  # benefit-level dates (2110C DTP) are not kept
        column = {"346": "plan_begin_date", "347": "plan_end_date", "307": "eligibility_date",
                  "291": "eligibility_date"}.get(seg.element(1))
        if column is None:
            return
        if seg.element(2) == "RD8":
            first, _, second = seg.element(3).partition("-")
            value = first if column != "plan_end_date" else (second or first)
            fake = Segment(seg.position, (seg.id, seg.element(1), "D8", value))
            st.response[column] = read_date(fake, 3, f"DTP*{seg.element(1)} date", self.file_name, self.issues)
        else:
            st.response[column] = read_date(seg, 3, f"DTP*{seg.element(1)} date", self.file_name, self.issues)

    def on_aaa(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        reject = (seg.element(3) or None, seg.element(4) or None)
        if st.response is not None:
            if st.response["reject_reason_code"] is None:
                st.response["reject_reason_code"], st.response["reject_follow_up_code"] = reject
        elif st.level in ("20", "21") and st.source_reject is None:
            st.source_reject = reject

    def on_eb(self, seg: Segment) -> None:
        st = self.st
        assert st is not None
        st.in_2120 = False
        if st.response is None:
            self.issue("error", seg, "EB benefit outside a subscriber or dependent loop (no HL*22/23 before it)")
            return
        ordinal = len(st.benefits) + 1
        raw_types = seg.element(3)
        if raw_types and self.repetition:
            types = [t.strip() for t in raw_types.split(self.repetition) if t.strip()]
        else:
            types = [raw_types] if raw_types else [None]
        if not seg.element(1):
            self.issue("error", seg, "EB01 (eligibility or benefit code) is empty")
        rows = []
        for repeat, service_type in enumerate(types, start=1):
            row = _row("eligibility_benefits", seg.position)
            row["eligibility_benefit_id"] = f"{st.response['eligibility_response_id']}-{ordinal}-{repeat}"
            row["eligibility_response_id"] = st.response["eligibility_response_id"]
            row["benefit_ordinal"] = ordinal
            row["eligibility_code"] = seg.element(1) or None
            row["coverage_level"] = seg.element(2) or None
            row["service_type_code"] = service_type
            row["insurance_type"] = seg.element(4) or None
            row["plan_description"] = seg.element(5) or None
            row["time_period_qualifier"] = seg.element(6) or None
            row["monetary_amount"] = read_number(seg, 7, "benefit amount", self.file_name, self.issues)
            row["quantity_qualifier"] = seg.element(9) or None
            row["quantity"] = read_number(seg, 10, "benefit quantity", self.file_name, self.issues)
            row["in_plan_network"] = seg.element(12) or None
            rows.append(row)
        st.benefits.append(rows)

    def on_ls(self, seg: Segment) -> None:
        assert self.st is not None
        if not self.st.benefits:
            self.issue("warning", seg, "LS loop start without an EB before it; skipped")
            return
        self.st.in_2120 = True

    def on_le(self, seg: Segment) -> None:
        assert self.st is not None
        self.st.in_2120 = False

    # -- closing ---------------------------------------------------------------------------------
    def finish_response(self) -> None:
        st = self.st
        if st is None or st.response is None:
            return
        st.response["benefit_count"] = len(st.benefits)
        self.tables["eligibility_responses"].append(st.response)
        for rows in st.benefits:
            self.tables["eligibility_benefits"].extend(rows)
        st.response, st.benefits = None, []

    def finish_transaction(self) -> None:
        self.finish_response()
        self.st = None


def parse_271(data: bytes, file_name: str) -> EligibilityParseResult:
    """Rows for ``raw_clearinghouse.eligibility_responses`` / ``eligibility_benefits`` and every issue.

    Rows carry exactly the table's columns plus ``_segment_position`` (HL for a response, EB for a
    benefit). When ``is_rejected`` the caller must not load them.
    """
    return _Reader(data, file_name).read()


def parse_271_file(path: Path) -> EligibilityParseResult:
    path = Path(path)
    return parse_271(path.read_bytes(), path.name)
