"""837P professional claims (005010X222A1; 4010 004010X098A1 read too) -> ``raw_clearinghouse.claim_*`` rows.

Same division of labour as the 835 (``remit_835.py``): this reader is tolerant and returns our table
shapes with Decimal money, reporting every problem with its segment position (delimiters from the ISA,
BOM, CR/LF, one-line files, several ISA/GS/ST, a component separator that differs from ISA16, no
envelope, truncation, unknown segments, wrong SE counts: the shared ``envelope`` handles the bytes);
``validate.validate_with_pyx12`` checks the implementation guide when asked to.

Rows: one per transaction (ST), claim (CLM) and service line (SV1). The loops are tracked just enough
to know which NM1/REF/DTP belongs to what: subscriber and payer (2000B), claim (2300), rendering
provider (2310B, or 2420A on the line), line (2400).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from dagster_project.ingest.x12.envelope import Delimiters, Segment, split_composite, split_segments
from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.values import read_date, read_number

SEGMENT_POSITION_KEY = "_segment_position"

CLAIM_TABLES: dict[str, dict[str, str]] = {
    "claim_transactions": {
        "claim_transaction_id": "VARCHAR",  # <file sha256 prefix>-<ISA13>-<GS06>-<ST02>
        "interchange_sender_id": "VARCHAR",  # ISA06
        "interchange_control_number": "VARCHAR",  # ISA13
        "group_control_number": "VARCHAR",  # GS06
        "transaction_control_number": "VARCHAR",  # ST02
        "implementation_version": "VARCHAR",  # ST03 / GS08
        "batch_id": "VARCHAR",  # BHT03
        "created_date": "DATE",  # BHT04
        "transaction_type_code": "VARCHAR",  # BHT06 (CH chargeable, RP reporting)
        "billing_provider_name": "VARCHAR",  # 2010AA NM1*85
        "billing_provider_npi": "VARCHAR",  # 2010AA NM109 (XX)
        "billing_provider_tin": "VARCHAR",  # 2010AA REF*EI
        "billing_x12": "VARCHAR",  # BHT through loop 2010AA as sent, normalised to * : ~ (for corrected claims)
    },
    "claim_headers": {
        "claim_record_id": "VARCHAR",  # <claim_transaction_id>-<CLM ordinal>
        "claim_transaction_id": "VARCHAR",
        "claim_id": "VARCHAR",  # CLM01 (= 835 CLP01)
        "total_charge_amount": "DECIMAL(12, 2)",  # CLM02
        "place_of_service": "VARCHAR",  # CLM05-1
        "claim_frequency_code": "VARCHAR",  # CLM05-3 (1 original, 7 replacement, 8 void)
        "payer_sequence": "VARCHAR",  # SBR01 (P, S, T)
        "claim_filing_indicator": "VARCHAR",  # SBR09
        "payer_name": "VARCHAR",  # 2010BB NM1*PR NM103
        "payer_identifier": "VARCHAR",  # 2010BB NM109 (x12 payer id)
        "subscriber_member_id": "VARCHAR",  # 2010BA NM109 (PHI)
        "patient_date_of_birth": "DATE",  # DMG02 of the patient (PHI)
        "authorization_number": "VARCHAR",  # 2300 REF*G1
        "referral_number": "VARCHAR",  # 2300 REF*9F
        "payer_claim_control_number": "VARCHAR",  # 2300 REF*F8 (original claim of a replacement)
        "diagnosis_codes": "VARCHAR",  # HI ABK/ABF (BK/BF in 4010), pipe-separated, in order, without dots
        "referring_npi": "VARCHAR",  # 2310A NM1*DN
        "rendering_npi": "VARCHAR",  # 2310B NM1*82
        "segment_position": "INTEGER",
        "claim_x12": "VARCHAR",  # loops 2000B-2400 of this claim as sent, normalised to * : ~ (PHI; corrected claims)
    },
    "claim_lines": {
        "claim_line_id": "VARCHAR",  # <claim_record_id>-<LX ordinal>
        "claim_record_id": "VARCHAR",
        "claim_id": "VARCHAR",
        "line_number": "INTEGER",  # SV1 ordinal within the claim, from 1
        "procedure_code": "VARCHAR",  # SV101-2
        "modifiers": "VARCHAR",  # SV101-3..6, pipe-separated
        "charge_amount": "DECIMAL(12, 2)",  # SV102
        "unit_basis": "VARCHAR",  # SV103 (UN units, MJ minutes)
        "units": "DECIMAL(9, 2)",  # SV104
        "place_of_service": "VARCHAR",  # SV105 (overrides CLM05-1), null when absent
        "diagnosis_pointers": "VARCHAR",  # SV107, pipe-separated
        "service_date": "DATE",  # DTP*472 (from date of an RD8 range)
        "line_control_number": "VARCHAR",  # REF*6R
        "authorization_number": "VARCHAR",  # 2400 REF*G1 (overrides the claim's for this line)
        "rendering_npi": "VARCHAR",  # 2420A NM1*82 (overrides 2310B for this line)
    },
}

KNOWN_837_SEGMENTS = frozenset({
    "ISA", "GS", "ST", "BHT", "REF", "NM1", "N2", "N3", "N4", "PER", "HL", "PRV", "CUR", "SBR", "PAT", "DMG",
    "CLM", "DTP", "PWK", "CN1", "AMT", "K3", "NTE", "CR1", "CR2", "CRC", "HI", "HCP", "OI", "MOA", "CAS", "LX",
    "SV1", "SV5", "CR3", "QTY", "MEA", "PS1", "LIN", "CTP", "SVD", "LQ", "FRM", "SE", "GE", "IEA",
})
ENVELOPE_SEGMENTS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})
DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})


@dataclass
class ClaimParseResult:
    file_name: str
    tables: dict[str, list[dict[str, Any]]]
    issues: list[X12Issue]

    @property
    def is_rejected(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)

    @property
    def errors(self) -> list[X12Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[X12Issue]:
        return [issue for issue in self.issues if issue.severity == "warning"]


def _row(table: str, position: int) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(CLAIM_TABLES[table])
    row[SEGMENT_POSITION_KEY] = position
    return row


class _Claim837Reader:
    def __init__(self, data: bytes, file_name: str):
        self.data, self.file_name = data, file_name
        self.file_hash = hashlib.sha256(data).hexdigest()[:12]
        self.tables: dict[str, list[dict[str, Any]]] = {t: [] for t in CLAIM_TABLES}
        self.issues: list[X12Issue] = []
        self.delimiters: Delimiters | None = None
        self.has_envelope = True
        # open envelopes: (control number, position, children count)
        self.isa: list | None = None
        self.gs: list | None = None
        self.st: dict[str, Any] | None = None  # control, position, count, row, is_837
        self.loop = "header"  # header | billing | subscriber | payer | patient | claim | referring | rendering | line
        self.subscriber: dict[str, Any] = {}
        self.claim: dict[str, Any] | None = None
        self.line: dict[str, Any] | None = None
        self.claim_count = 0
        self.seen_subscriber = False
        self.pending: list[str] = []  # subscriber/patient loop segments before the next CLM

    # -- reporting -------------------------------------------------------------------------------
    def issue(self, severity: str, seg: Segment | None, message: str, position: int | None = None) -> None:
        pos = position if position is not None else (seg.position if seg else None)
        self.issues.append(X12Issue(self.file_name, pos, seg.id if seg else None, severity, message))

    def number(self, seg: Segment, index: int, what: str) -> Decimal | None:
        return read_number(seg, index, what, self.file_name, self.issues)

    def composite(self, seg: Segment, index: int) -> list[str]:
        assert self.delimiters is not None
        value = seg.element(index)
        parts, fallback = split_composite(value, self.delimiters)
        if fallback:
            self.issue("warning", seg, f"{seg.id}{index:02d} uses {value[2]!r} between its components, "
                                       f"not the declared ISA16 {self.delimiters.component!r}")
        return [p.strip() for p in parts]

    # -- main loop -------------------------------------------------------------------------------
    def read(self) -> ClaimParseResult:
        split = split_segments(self.data, self.file_name)
        self.issues.extend(split.issues)
        self.delimiters, self.has_envelope = split.delimiters, split.has_envelope
        last = None
        for seg in split.segments:
            self.on_segment(seg)
            last = seg
        if split.delimiters is not None:
            last_position = last.position if last else 0
            if self.st is not None:
                self.close_missing("SE", last_position)
            if self.has_envelope:
                if self.gs is not None:
                    self.close_missing("GE", last_position)
                if self.isa is not None:
                    self.close_missing("IEA", last_position)
            if last is None:
                self.issue("error", None, "the file holds no X12 segments")
        return ClaimParseResult(self.file_name, self.tables, self.issues)

    def on_segment(self, seg: Segment) -> None:
        if seg.id in ENVELOPE_SEGMENTS:
            getattr(self, f"on_{seg.id.lower()}")(seg)
            return
        if self.st is None:
            if seg.id in KNOWN_837_SEGMENTS:
                self.issue("error", seg, f"segment {seg.id} is outside a transaction (there is no open ST before it)")
            else:
                self.issue("warning", seg, f"segment ID {seg.id!r} is not part of an 837P; skipped")
            return
        self.st["count"] += 1
        if not self.st["is_837"]:
            return
        if seg.id not in KNOWN_837_SEGMENTS:
            self.issue("warning", seg, f"segment ID {seg.id!r} is not part of an 837P; skipped")
            return
        handler = getattr(self, f"on_{seg.id.lower()}", None)
        if handler is not None:
            handler(seg)
        self.record(seg)

    def record(self, seg: Segment) -> None:
        """Keep the segment's text (normalised delimiters) with the billing header or the open claim."""
        assert self.delimiters is not None
        component = self.delimiters.component
        text = "*".join(e.replace(component, ":") if component != ":" else e for e in seg.elements)
        if self.claim is not None:
            self.claim["_x12"].append(text)
        elif self.seen_subscriber:
            self.pending.append(text)
        else:
            self.st["billing"].append(text)

    # -- envelope --------------------------------------------------------------------------------
    def on_isa(self, seg: Segment) -> None:
        if self.isa is not None:
            self.close_missing("IEA", seg.position - 1)
        self.isa = [seg.element(13), seg.position, 0, seg.element(6)]

    def on_iea(self, seg: Segment) -> None:
        if self.gs is not None:
            self.close_missing("GE", seg.position - 1)
        if self.isa is None:
            self.issue("error", seg, "IEA trailer without an ISA header before it")
            return
        if seg.element(1) != str(self.isa[2]):
            self.issue("error", seg, f"IEA01 says {seg.element(1) or 'nothing'} functional groups "
                                     f"but the interchange has {self.isa[2]}")
        if seg.element(2) != self.isa[0]:
            self.issue("error", seg, f"IEA02 control number {seg.element(2)!r} does not match ISA13 {self.isa[0]!r}")
        self.isa = None

    def on_gs(self, seg: Segment) -> None:
        if self.gs is not None:
            self.close_missing("GE", seg.position - 1)
        if self.isa is None:
            self.issue("error", seg, "GS header outside an interchange (no ISA before it)")
        else:
            self.isa[2] += 1
        if seg.element(1) != "HC":
            self.issue("warning", seg, f"GS01 is {seg.element(1)!r}; an 837 claim group is 'HC'")
        self.gs = [seg.element(6), seg.position, 0, seg.element(8)]

    def on_ge(self, seg: Segment) -> None:
        if self.st is not None:
            self.close_missing("SE", seg.position - 1)
        if self.gs is None:
            self.issue("error", seg, "GE trailer without a GS header before it")
            return
        if seg.element(1) != str(self.gs[2]):
            self.issue("error", seg, f"GE01 says {seg.element(1) or 'nothing'} transactions but the group has {self.gs[2]}")
        if seg.element(2) != self.gs[0]:
            self.issue("error", seg, f"GE02 control number {seg.element(2)!r} does not match GS06 {self.gs[0]!r}")
        self.gs = None

    def on_st(self, seg: Segment) -> None:
        if self.st is not None:
            self.close_missing("SE", seg.position - 1)
        if self.gs is not None:
            self.gs[2] += 1
        elif self.has_envelope:
            self.issue("error", seg, "ST header outside a functional group (no GS before it)")
        is_837 = seg.element(1) == "837"
        if not is_837:
            self.issue("error", seg, f"not an 837 claim: ST01 is {seg.element(1)!r}")
        row = _row("claim_transactions", seg.position)
        row["claim_transaction_id"] = "-".join([self.file_hash, self.isa[0] if self.isa else "",
                                                self.gs[0] if self.gs else "", seg.element(2)])
        row["interchange_sender_id"] = (self.isa[3] or None) if self.isa else None
        row["interchange_control_number"] = self.isa[0] if self.isa else None
        row["group_control_number"] = self.gs[0] if self.gs else None
        row["transaction_control_number"] = seg.element(2)
        row["implementation_version"] = seg.element(3) or (self.gs[3] if self.gs else "") or None
        self.st = {"control": seg.element(2), "position": seg.position, "count": 1, "row": row, "is_837": is_837,
                   "billing": []}
        self.seen_subscriber, self.pending = False, []
        self.loop, self.subscriber, self.claim, self.line, self.claim_count = "header", {}, None, None, 0

    def on_se(self, seg: Segment) -> None:
        if self.st is None:
            self.issue("error", seg, "SE trailer without an ST header before it")
            return
        self.st["count"] += 1
        if seg.element(1) != str(self.st["count"]):
            self.issue("error", seg, f"SE01 says {seg.element(1) or 'nothing'} segments "
                                     f"but the transaction has {self.st['count']}")
        if seg.element(2) != self.st["control"]:
            self.issue("error", seg, f"SE02 control number {seg.element(2)!r} does not match ST02 {self.st['control']!r}")
        self.finish_transaction()

    def close_missing(self, trailer: str, last_position: int) -> None:
        if trailer in ("GE", "IEA") and self.st is not None:
            self.close_missing("SE", last_position)
        if trailer == "IEA" and self.gs is not None:
            self.close_missing("GE", last_position)
        opened = {"SE": self.st, "GE": self.gs, "IEA": self.isa}[trailer]
        if opened is None:
            return
        header = {"SE": "ST", "GE": "GS", "IEA": "ISA"}[trailer]
        control, position = (opened["control"], opened["position"]) if trailer == "SE" else (opened[0], opened[1])
        self.issue("error", None, f"the {header} at segment {position} (control number {control!r}) has no "
                                  f"{trailer} trailer; the last segment read is {last_position}", last_position)
        if trailer == "SE":
            self.finish_transaction()
        elif trailer == "GE":
            self.gs = None
        else:
            self.isa = None

    def finish_transaction(self) -> None:
        assert self.st is not None
        self.end_claim()
        if self.st["is_837"]:
            self.st["row"]["billing_x12"] = "~".join(self.st["billing"]) + "~" if self.st["billing"] else None
            self.tables["claim_transactions"].append(self.st["row"])
        self.st = None

    # -- header and hierarchy --------------------------------------------------------------------
    def on_bht(self, seg: Segment) -> None:
        row = self.st["row"]
        row["batch_id"] = seg.element(3) or None
        row["created_date"] = read_date(seg, 4, "creation date", self.file_name, self.issues)
        row["transaction_type_code"] = seg.element(6) or None

    def on_hl(self, seg: Segment) -> None:
        self.end_claim()
        level = seg.element(3)
        if level == "20":
            self.loop = "billing"
        elif level == "22":
            self.loop, self.subscriber = "subscriber", {}
            self.seen_subscriber, self.pending = True, []
        elif level == "23":
            self.loop = "patient"
        else:
            self.issue("warning", seg, f"HL03 level code {level!r} is not 20, 22 or 23; read as is")

    def on_sbr(self, seg: Segment) -> None:
        self.subscriber["payer_sequence"] = seg.element(1) or None
        self.subscriber["claim_filing_indicator"] = seg.element(9) or None

    def on_dmg(self, seg: Segment) -> None:
        if self.loop in ("subscriber", "patient"):
            dob = read_date(seg, 2, "date of birth", self.file_name, self.issues) if seg.element(1) == "D8" else None
            # The patient's DMG (2010CA) wins over the subscriber's when both are present.
            self.subscriber["patient_date_of_birth"] = dob

    def on_nm1(self, seg: Segment) -> None:
        entity, npi = seg.element(1), seg.element(9) or None
        if entity == "85":
            self.loop = "billing"
            self.st["row"]["billing_provider_name"] = seg.element(3) or None
            self.st["row"]["billing_provider_npi"] = npi
        elif entity == "IL":
            self.subscriber["subscriber_member_id"] = npi
        elif entity == "PR" and self.claim is None:
            self.loop = "payer"
            self.subscriber["payer_name"] = seg.element(3) or None
            self.subscriber["payer_identifier"] = npi
        elif entity == "DN" and self.claim is not None and self.line is None:
            self.claim["referring_npi"] = npi
        elif entity == "82" and self.line is not None:
            self.line["rendering_npi"] = npi
        elif entity == "82" and self.claim is not None:
            self.claim["rendering_npi"] = npi
        if self.claim is not None and entity not in ("82", "DN"):
            self.loop = "claim_other"  # 2310C/D, 2330x: their REFs are not the claim's

    def on_ref(self, seg: Segment) -> None:
        qualifier, value = seg.element(1), seg.element(2) or None
        if self.loop == "billing" and qualifier == "EI" and self.claim is None:
            self.st["row"]["billing_provider_tin"] = value
        elif self.line is not None:
            if qualifier == "6R":
                self.line["line_control_number"] = value
            elif qualifier == "G1":
                self.line["authorization_number"] = value
        elif self.claim is not None and self.loop == "claim":
            column = {"G1": "authorization_number", "9F": "referral_number", "F8": "payer_claim_control_number"}
            if qualifier in column:
                self.claim[column[qualifier]] = value

    # -- claims and lines ------------------------------------------------------------------------
    def on_clm(self, seg: Segment) -> None:
        self.end_claim()
        self.claim_count += 1
        row = _row("claim_headers", seg.position)
        row.update({k: v for k, v in self.subscriber.items() if k in row})
        row["claim_record_id"] = f"{self.st['row']['claim_transaction_id']}-{self.claim_count}"
        row["claim_transaction_id"] = self.st["row"]["claim_transaction_id"]
        row["claim_id"] = seg.element(1) or None
        row["total_charge_amount"] = self.number(seg, 2, "total claim charge")
        facility = self.composite(seg, 5) if seg.element(5) else []
        row["place_of_service"] = facility[0] if facility and facility[0] else None
        row["claim_frequency_code"] = facility[2] if len(facility) > 2 and facility[2] else None
        row["segment_position"] = seg.position
        if not row["claim_id"]:
            self.issue("error", seg, "CLM01 (patient control number) is empty")
        self.claim, self.line, self.loop = row, None, "claim"
        self.claim["_lines"] = []
        self.claim["_x12"] = list(self.pending)
        self.claim["_diagnoses"] = []

    def on_hi(self, seg: Segment) -> None:
        if self.claim is None:
            return
        for index in range(1, 13):
            if not seg.element(index):
                continue
            parts = self.composite(seg, index)
            if parts[0] in DIAGNOSIS_QUALIFIERS and len(parts) > 1 and parts[1]:
                self.claim["_diagnoses"].append(parts[1].replace(".", ""))

    def on_lx(self, seg: Segment) -> None:
        if self.claim is None:
            self.issue("error", seg, "LX service line outside a claim (no CLM before it)")
            return
        self.line = None
        self.loop = "line"

    def on_sv1(self, seg: Segment) -> None:
        if self.claim is None:
            self.issue("error", seg, "SV1 service line outside a claim (no CLM before it)")
            return
        procedure = self.composite(seg, 1)
        ordinal = len(self.claim["_lines"]) + 1
        row = _row("claim_lines", seg.position)
        row["claim_line_id"] = f"{self.claim['claim_record_id']}-{ordinal}"
        row["claim_record_id"] = self.claim["claim_record_id"]
        row["claim_id"] = self.claim["claim_id"]
        row["line_number"] = ordinal
        row["procedure_code"] = procedure[1] if len(procedure) > 1 and procedure[1] else None
        row["modifiers"] = "|".join(m for m in procedure[2:6] if m) or None
        row["charge_amount"] = self.number(seg, 2, "line charge")
        row["unit_basis"] = seg.element(3) or None
        row["units"] = self.number(seg, 4, "units")
        row["place_of_service"] = seg.element(5) or None
        pointers = self.composite(seg, 7) if seg.element(7) else []
        row["diagnosis_pointers"] = "|".join(p for p in pointers if p) or None
        if row["procedure_code"] is None:
            self.issue("error", seg, "SV101 has no procedure code (expected qualifier, component separator, code)")
        self.claim["_lines"].append(row)
        self.line, self.loop = row, "line"

    def on_dtp(self, seg: Segment) -> None:
        if self.line is not None and seg.element(1) == "472":
            value = seg.element(3)
            if seg.element(2) == "RD8" and "-" in value:
                value = value.split("-", 1)[0]
            probe = Segment(seg.position, (seg.id, seg.element(1), seg.element(2), value))
            self.line["service_date"] = read_date(probe, 3, "service date (DTP*472)", self.file_name, self.issues)

    def end_claim(self) -> None:
        claim = self.claim
        if claim is None:
            return
        lines = claim.pop("_lines")
        claim["claim_x12"] = "~".join(claim.pop("_x12")) + "~"
        claim["diagnosis_codes"] = "|".join(claim.pop("_diagnoses")) or None
        self.tables["claim_headers"].append(claim)
        self.tables["claim_lines"].extend(lines)
        if not lines:
            self.issue("warning", None, f"claim {claim['claim_id']} has no SV1 service lines", claim[SEGMENT_POSITION_KEY])
        charges = [line["charge_amount"] for line in lines]
        total = claim["total_charge_amount"]
        if lines and total is not None and None not in charges and sum(charges, Decimal(0)) != total:
            self.issue("warning", None, f"claim {claim['claim_id']} does not balance: the SV102 line charges add up "
                                        f"to {sum(charges, Decimal(0))}, but CLM02 is {total}",
                       claim[SEGMENT_POSITION_KEY])
        self.claim, self.line = None, None


def parse_837(data: bytes, file_name: str) -> ClaimParseResult:
    """Rows for ``raw_clearinghouse.claim_*`` plus every issue found (see ``parse_835`` for the contract)."""
    return _Claim837Reader(data, file_name).read()


def parse_837_file(path: Path) -> ClaimParseResult:
    path = Path(path)
    return parse_837(path.read_bytes(), path.name)
