"""837P professional claims (005010X222A1; 4010 004010X098A1 read too) -> ``raw_clearinghouse.claim_*`` rows.

Same division of labour as the 835 (``remit_835.py``): the shared envelope walk handles the bytes
(delimiters from the ISA, BOM, CR/LF, one-line files, several ISA/GS/ST, no envelope, truncation, SE
counts) and hands this reader one transaction set at a time; it returns our table shapes with Decimal
money and reports every problem with its segment position. A claim without CLM02 or a line without
SV102 quarantines its transaction. ``validate.validate_with_pyx12`` checks the implementation guide when
asked to.

Rows: one per transaction (ST), claim (CLM) and service line (SV1). The loops are tracked just enough
to know which NM1/REF/DTP belongs to what: subscriber and payer (2000B), claim (2300), rendering
provider (2310B, or 2420A on the line), line (2400).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from dagster_project.ingest.x12.envelope import Segment
from dagster_project.ingest.x12.reader_base import (
    MONEY_READER,
    QUANTITY_READER,
    SEGMENT_POSITION_KEY,
    BodyReader,
    X12Reader,
    read_transactions,
)
from dagster_project.ingest.x12.result import X12ParseResult
from dagster_project.ingest.x12.values import known_d8
from dagster_project.ingest.x12_tables import ENVELOPE_COLUMNS, MONEY, QUANTITY

CLAIM_TABLES: dict[str, dict[str, str]] = {
    "claim_transactions": {
        "claim_transaction_id": "VARCHAR",  # <file sha256 prefix>-<ISA13>-<GS06>-<ST02>
        **ENVELOPE_COLUMNS,
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
        "total_charge_amount": MONEY,  # CLM02
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
        "charge_amount": MONEY,  # SV102
        "unit_basis": "VARCHAR",  # SV103 (UN units, MJ minutes)
        "units": QUANTITY,  # SV104
        "place_of_service": "VARCHAR",  # SV105 (overrides CLM05-1), null when absent
        "diagnosis_pointers": "VARCHAR",  # SV107, pipe-separated
        "service_date": "DATE",  # DTP*472 (from date of an RD8 range)
        "line_control_number": "VARCHAR",  # REF*6R
        "authorization_number": "VARCHAR",  # 2400 REF*G1 (overrides the claim's for this line)
        "rendering_npi": "VARCHAR",  # 2420A NM1*82 (overrides 2310B for this line)
    },
}

KNOWN_837_SEGMENTS = frozenset(
    {
        "BHT",
        "REF",
        "NM1",
        "N2",
        "N3",
        "N4",
        "PER",
        "HL",
        "PRV",
        "CUR",
        "SBR",
        "PAT",
        "DMG",
        "CLM",
        "DTP",
        "PWK",
        "CN1",
        "AMT",
        "K3",
        "NTE",
        "CR1",
        "CR2",
        "CRC",
        "HI",
        "HCP",
        "OI",
        "MOA",
        "CAS",
        "LX",
        "SV1",
        "SV5",
        "CR3",
        "QTY",
        "MEA",
        "PS1",
        "LIN",
        "CTP",
        "SVD",
        "LQ",
        "FRM",
    }
)
DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})
CLAIM_REF_COLUMNS = {"G1": "authorization_number", "9F": "referral_number", "F8": "payer_claim_control_number"}


def x12_text(segments: list[list[str]], component: str) -> str:
    """Segments (their elements) as sent, with the delimiters normalised to ``*``, ``:`` and ``~``."""
    if component == ":":
        return "~".join(map("*".join, segments)) + "~"
    return "~".join("*".join([e.replace(component, ":") for e in elements]) for elements in segments) + "~"


class Claim837Body(BodyReader):
    """One 837P transaction: billing provider, then subscribers/patients with their claims and lines."""

    tables = CLAIM_TABLES
    count_table = "claim_headers"
    known_segments = KNOWN_837_SEGMENTS
    kind = "an 837P"
    keeps_text = True

    def start(self) -> None:
        txn = self.transaction
        row = self.new_row("claim_transactions", txn.start_position)
        row["claim_transaction_id"] = self.key
        self.txn = row
        self.billing: list[list[str]] = []  # BHT through 2010AA as sent
        self.loop = "header"  # header | billing | subscriber | payer | patient | claim | claim_other | line
        self.subscriber: dict[str, Any] = {}
        self.claim: dict[str, Any] | None = None
        self.line: dict[str, Any] | None = None
        self.claim_count = 0
        self.seen_subscriber = False
        self.pending: list[list[str]] = []  # subscriber/patient loop segments before the next CLM
        # Where the text of the segments goes: the billing header, then each subscriber's pending
        # segments, then the open claim (``end_claim``, ``on_hl`` and ``on_clm`` move it).
        self.kept = self.billing

    def finish(self) -> None:
        self.end_claim()
        self.txn["billing_x12"] = x12_text(self.billing, self.delimiters.component) if self.billing else None
        self.rows["claim_transactions"].append(self.txn)

    # -- header and hierarchy --------------------------------------------------------------------
    def on_bht(self, seg: Segment) -> None:
        e = seg.padded(7)
        row = self.txn
        row["batch_id"] = e[3] or None
        row["created_date"] = self.date(seg, 4, "creation date")
        row["transaction_type_code"] = e[6] or None

    def on_hl(self, seg: Segment) -> None:
        self.end_claim()
        level = seg.element(3)
        if level == "20":
            self.loop = "billing"
        elif level == "22":
            self.loop, self.subscriber = "subscriber", {}
            self.seen_subscriber, self.pending = True, []
            self.kept = self.pending
        elif level == "23":
            self.loop = "patient"
        else:
            self.warning(seg, f"HL03 level code {level!r} is not 20, 22 or 23; read as is")

    def on_sbr(self, seg: Segment) -> None:
        e = seg.padded(10)
        self.subscriber["payer_sequence"] = e[1] or None
        self.subscriber["claim_filing_indicator"] = e[9] or None

    def on_dmg(self, seg: Segment) -> None:
        if self.loop in ("subscriber", "patient"):
            e = seg[1]
            dob = self.date(seg, 2, "date of birth") if len(e) > 1 and e[1] == "D8" else None
            # The patient's DMG (2010CA) wins over the subscriber's when both are present.
            self.subscriber["patient_date_of_birth"] = dob

    def on_nm1(self, seg: Segment) -> None:
        e = seg.padded(10)
        entity, npi = e[1], e[9] or None
        claim = self.claim
        if entity == "85":
            self.loop = "billing"
            self.txn["billing_provider_name"] = e[3] or None
            self.txn["billing_provider_npi"] = npi
        elif entity == "IL":
            self.subscriber["subscriber_member_id"] = npi
        elif entity == "PR" and claim is None:
            self.loop = "payer"
            self.subscriber["payer_name"] = e[3] or None
            self.subscriber["payer_identifier"] = npi
        elif entity == "DN" and claim is not None and self.line is None:
            claim["referring_npi"] = npi
        elif entity == "82" and self.line is not None:
            self.line["rendering_npi"] = npi
        elif entity == "82" and claim is not None:
            claim["rendering_npi"] = npi
        if claim is not None and entity not in ("82", "DN"):
            self.loop = "claim_other"  # 2310C/D, 2330x: their REFs are not the claim's

    def on_ref(self, seg: Segment) -> None:
        e = seg.padded(3)
        qualifier, value = e[1], e[2] or None
        if self.loop == "billing" and qualifier == "EI" and self.claim is None:
            self.txn["billing_provider_tin"] = value
        elif self.line is not None:
            if qualifier == "6R":
                self.line["line_control_number"] = value
            elif qualifier == "G1":
                self.line["authorization_number"] = value
        elif self.claim is not None and self.loop == "claim":
            column = CLAIM_REF_COLUMNS.get(qualifier)
            if column is not None:
                self.claim[column] = value

    # -- claims and lines ------------------------------------------------------------------------
    def on_clm(self, seg: Segment) -> None:
        self.end_claim()
        self.claim_count += 1
        e = seg.padded(6)
        row = self.new_row("claim_headers", seg.position)
        row.update(self.subscriber)  # its keys are all claim_headers columns
        row["claim_record_id"] = f"{self.key}-{self.claim_count}"
        row["claim_transaction_id"] = self.key
        row["claim_id"] = e[1] or None
        row["total_charge_amount"] = self.decimal(seg, 2, "total claim charge", MONEY_READER, required=True)
        facility = self.composite(seg, 5) if e[5] else []
        row["place_of_service"] = facility[0] if facility and facility[0] else None
        row["claim_frequency_code"] = facility[2] if len(facility) > 2 and facility[2] else None
        row["segment_position"] = seg.position
        if not row["claim_id"]:
            self.error(seg, "CLM01 (patient control number) is empty")
        self.claim, self.line, self.loop = row, None, "claim"
        self.claim["_lines"] = []
        self.claim["_x12"] = self.kept = list(self.pending)
        self.claim["_diagnoses"] = []

    def on_hi(self, seg: Segment) -> None:
        if self.claim is None:
            return
        diagnoses = self.claim["_diagnoses"]
        for index, value in enumerate(seg[1][1:13], 1):
            if not value:
                continue
            parts = self.composite(seg, index)
            if parts[0] in DIAGNOSIS_QUALIFIERS and len(parts) > 1 and parts[1]:
                diagnoses.append(parts[1].replace(".", ""))

    def on_lx(self, seg: Segment) -> None:
        if self.claim is None:
            self.error(seg, "LX service line outside a claim (no CLM before it)")
            return
        self.line = None
        self.loop = "line"

    def on_sv1(self, seg: Segment) -> None:
        if self.claim is None:
            self.error(seg, "SV1 service line outside a claim (no CLM before it)")
            return
        claim = self.claim
        e = seg.padded(8)
        procedure = self.composite(seg, 1)
        lines = claim["_lines"]
        ordinal = len(lines) + 1
        row = self.new_row("claim_lines", seg.position)
        row["claim_line_id"] = f"{claim['claim_record_id']}-{ordinal}"
        row["claim_record_id"] = claim["claim_record_id"]
        row["claim_id"] = claim["claim_id"]
        row["line_number"] = ordinal
        row["procedure_code"] = procedure[1] if len(procedure) > 1 and procedure[1] else None
        row["modifiers"] = "|".join(filter(None, procedure[2:6])) or None
        row["charge_amount"] = self.decimal(seg, 2, "line charge", MONEY_READER, required=True)
        row["unit_basis"] = e[3] or None
        row["units"] = self.decimal(seg, 4, "units", QUANTITY_READER)
        row["place_of_service"] = e[5] or None
        pointers = self.composite(seg, 7) if e[7] else []
        row["diagnosis_pointers"] = "|".join(filter(None, pointers)) or None
        if row["procedure_code"] is None:
            self.error(seg, "SV101 has no procedure code (expected qualifier, component separator, code)")
        lines.append(row)
        self.line, self.loop = row, "line"

    def on_dtp(self, seg: Segment) -> None:
        if self.line is None:
            return
        e = seg.padded(4)
        if e[1] == "472":
            value = e[3]
            if e[2] == "RD8" and "-" in value:
                value = value.split("-", 1)[0]
            self.line["service_date"] = known_d8(value) or self.date(seg, 3, "service date (DTP*472)", value)

    def end_claim(self) -> None:
        claim = self.claim
        if claim is None:
            return
        lines = claim.pop("_lines")
        claim["claim_x12"] = x12_text(claim.pop("_x12"), self.delimiters.component)
        claim["diagnosis_codes"] = "|".join(claim.pop("_diagnoses")) or None
        self.rows["claim_headers"].append(claim)
        self.rows["claim_lines"].extend(lines)
        if not lines:
            self.warning(None, f"claim {claim['claim_id']} has no SV1 service lines", claim[SEGMENT_POSITION_KEY])
        charges = [line["charge_amount"] for line in lines]
        total = claim["total_charge_amount"]
        if lines and total is not None and None not in charges and sum(charges, Decimal(0)) != total:
            self.warning(
                None,
                f"claim {claim['claim_id']} does not balance: the SV102 line charges add up "
                f"to {sum(charges, Decimal(0))}, but CLM02 is {total}",
                claim[SEGMENT_POSITION_KEY],
            )
        self.claim, self.line = None, None
        self.kept = self.pending if self.seen_subscriber else self.billing


READER = X12Reader("837", "claim_837p", "HC", Claim837Body)


def parse_837(data: bytes, file_name: str) -> X12ParseResult:
    """Rows for ``raw_clearinghouse.claim_*`` per transaction set plus every issue found (see ``parse_835``)."""
    return read_transactions(data, file_name, {"837": READER})


def parse_837_file(path: Path) -> X12ParseResult:
    path = Path(path)
    return parse_837(path.read_bytes(), path.name)
