"""835 remittance advice -> rows for the ``raw_clearinghouse.remit_*`` tables.

pyx12 (see ``validate.py``) validates a file against the implementation guide, but it does not give a
tolerant row extraction in our table shapes with Decimal money: it stops on structural damage and
hands back strings. So rows come from this hand-written reader, which keeps going after a problem,
reports every problem with its segment position, and lets the caller quarantine the file.

Layout and money math: domain-rules.md 7.1 (5010 005010X221A1; 4010 004010X091A1 is read too).
Balancing problems are warnings: an unbalanced remit is flagged, not dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from dagster_project.ingest.x12.envelope import Delimiters, Segment, split_composite, split_segments
from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.values import read_date, read_number
from dagster_project.ingest.x12_tables import REMIT_TABLES

SEGMENT_POSITION_KEY = "_segment_position"  # the caller maps it to the lineage column _line_number

# Every segment the 835 (4010 and 5010) may carry; anything else is reported and skipped.
KNOWN_835_SEGMENTS = frozenset({
    "ISA", "GS", "ST", "BPR", "TRN", "CUR", "REF", "DTM", "N1", "N2", "N3", "N4", "PER", "RDM", "LX",
    "TS3", "TS2", "CLP", "CAS", "NM1", "MIA", "MOA", "QTY", "AMT", "SVC", "LQ", "PLB", "SE", "GE", "IEA",
})
ENVELOPE_SEGMENTS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})
CAS_GROUPS_5010 = frozenset({"CO", "OA", "PI", "PR"})
CAS_GROUPS_4010 = CAS_GROUPS_5010 | {"CR"}  # CR (corrections and reversals) was dropped in 5010
CAS_TRIPLETS = 6  # CAS02-CAS19
PLB_PAIRS = 6  # PLB03/04 .. PLB13/14
VERSION_4010_PREFIX = "004010"


def _empty_row(table: str, position: int) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(REMIT_TABLES[table])
    row[SEGMENT_POSITION_KEY] = position
    return row


@dataclass
class RemitParseResult:
    file_name: str
    tables: dict[str, list[dict[str, Any]]]
    issues: list[X12Issue]

    @property
    def is_rejected(self) -> bool:
        """True when any error makes the file untrustworthy: quarantine the whole file, load nothing."""
        return any(issue.severity == "error" for issue in self.issues)

    @property
    def errors(self) -> list[X12Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[X12Issue]:
        return [issue for issue in self.issues if issue.severity == "warning"]


@dataclass
class _Line:
    row: dict[str, Any]
    position: int
    cas_count: int = 0
    adjustment_total: Decimal = Decimal(0)
    remarks: list[str] = field(default_factory=list)


@dataclass
class _Claim:
    row: dict[str, Any]
    position: int
    lines: list[_Line] = field(default_factory=list)
    cas_count: int = 0  # claim-level CAS segments
    claim_adjustment_total: Decimal = Decimal(0)


@dataclass
class _Transaction:
    control_number: str  # ST02
    position: int  # of the ST
    is_835: bool
    row: dict[str, Any] | None = None
    segment_count: int = 1  # ST itself
    loop: str = "header"  # header | payer | payee | other_party | header_number | claim | plb
    payer_n104: str | None = None
    claims: list[_Claim] = field(default_factory=list)
    plb_count: int = 0
    plb_total: Decimal = Decimal(0)

    @property
    def claim(self) -> _Claim | None:
        return self.claims[-1] if self.claims and self.loop == "claim" else None

    @property
    def line(self) -> _Line | None:
        claim = self.claim
        return claim.lines[-1] if claim and claim.lines else None


@dataclass
class _Envelope:
    control_number: str
    position: int
    children: int = 0  # GS groups in an ISA, ST transactions in a GS
    version: str = ""  # GS08
    sender: str = ""  # ISA06


class _Remit835Reader:
    """Walks the segments once, keeping the open ISA/GS/ST and the current claim and line."""

    def __init__(self, data: bytes, file_name: str):
        self.file_name = file_name
        self.file_hash = hashlib.sha256(data).hexdigest()[:12]
        self.tables: dict[str, list[dict[str, Any]]] = {table: [] for table in REMIT_TABLES}
        self.issues: list[X12Issue] = []
        self.data = data
        self.delimiters: Delimiters | None = None
        self.isa: _Envelope | None = None
        self.gs: _Envelope | None = None
        self.st: _Transaction | None = None
        self.has_envelope = True

    # -- reporting -------------------------------------------------------------------------------
    def error(self, seg: Segment | None, message: str, position: int | None = None) -> None:
        self._issue("error", seg, message, position)

    def warning(self, seg: Segment | None, message: str, position: int | None = None) -> None:
        self._issue("warning", seg, message, position)

    def _issue(self, severity, seg: Segment | None, message: str, position: int | None) -> None:
        pos = position if position is not None else (seg.position if seg else None)
        self.issues.append(X12Issue(self.file_name, pos, seg.id if seg else None, severity, message))

    def number(self, seg: Segment, index: int, what: str) -> Decimal | None:
        return read_number(seg, index, what, self.file_name, self.issues)

    def date(self, seg: Segment, index: int, what: str):
        return read_date(seg, index, what, self.file_name, self.issues)

    def composite(self, seg: Segment, index: int) -> list[str]:
        assert self.delimiters is not None
        value = seg.element(index)
        parts, used_fallback = split_composite(value, self.delimiters)
        if used_fallback:
            self.warning(seg, f"{seg.id}{index:02d} uses {value[2]!r} between its components, "
                              f"not the declared ISA16 {self.delimiters.component!r}")
        return [part.strip() for part in parts]

    # -- main loop -------------------------------------------------------------------------------
    def read(self) -> RemitParseResult:
        split = split_segments(self.data, self.file_name)
        self.issues.extend(split.issues)
        self.delimiters = split.delimiters
        self.has_envelope = split.has_envelope
        last: Segment | None = None
        for seg in split.segments:
            self.on_segment(seg)
            last = seg
        if split.delimiters is not None:
            self.close_at_end(last)
        return RemitParseResult(self.file_name, self.tables, self.issues)

    def on_segment(self, seg: Segment) -> None:
        if seg.id in ENVELOPE_SEGMENTS:
            getattr(self, f"on_{seg.id.lower()}")(seg)
            return
        if self.st is None:
            if seg.id in KNOWN_835_SEGMENTS:
                self.error(seg, f"segment {seg.id} is outside a transaction (there is no open ST before it)")
            else:
                self.warning(seg, f"segment ID {seg.id!r} is not part of an 835; skipped")
            return
        self.st.segment_count += 1
        if not self.st.is_835:
            return  # the transaction was already reported as not an 835
        if seg.id not in KNOWN_835_SEGMENTS:
            self.warning(seg, f"segment ID {seg.id!r} is not part of an 835; skipped")
            return
        body = getattr(self, f"on_{seg.id.lower()}", None)
        if body is not None:
            body(seg)
        # The remaining known segments (CUR, N2-N4, PER, RDM, TS3, TS2, MIA, MOA, QTY) carry nothing
        # our tables keep.

    # -- envelope --------------------------------------------------------------------------------
    def on_isa(self, seg: Segment) -> None:
        if self.isa is not None:
            self.close_missing("IEA", seg.position - 1)
        self.isa = _Envelope(seg.element(13), seg.position, sender=seg.element(6))

    def on_iea(self, seg: Segment) -> None:
        if self.gs is not None:
            self.close_missing("GE", seg.position - 1)
        if self.isa is None:
            self.error(seg, "IEA trailer without an ISA header before it")
            return
        declared = seg.element(1)
        if declared != str(self.isa.children):
            self.error(seg, f"IEA01 says {declared or 'nothing'} functional groups "
                            f"but the interchange has {self.isa.children}")
        if seg.element(2) != self.isa.control_number:
            self.error(seg, f"IEA02 control number {seg.element(2)!r} does not match ISA13 {self.isa.control_number!r}")
        self.isa = None

    def on_gs(self, seg: Segment) -> None:
        if self.gs is not None:
            self.close_missing("GE", seg.position - 1)
        if self.isa is None:
            self.error(seg, "GS header outside an interchange (no ISA before it)")
        else:
            self.isa.children += 1
        if seg.element(1) != "HP":
            self.warning(seg, f"GS01 is {seg.element(1)!r}; an 835 group is 'HP'")
        self.gs = _Envelope(seg.element(6), seg.position, version=seg.element(8))

    def on_ge(self, seg: Segment) -> None:
        if self.st is not None:
            self.close_missing("SE", seg.position - 1)
        if self.gs is None:
            self.error(seg, "GE trailer without a GS header before it")
            return
        declared = seg.element(1)
        if declared != str(self.gs.children):
            self.error(seg, f"GE01 says {declared or 'nothing'} transactions but the group has {self.gs.children}")
        if seg.element(2) != self.gs.control_number:
            self.error(seg, f"GE02 control number {seg.element(2)!r} does not match GS06 {self.gs.control_number!r}")
        self.gs = None

    def on_st(self, seg: Segment) -> None:
        if self.st is not None:
            self.close_missing("SE", seg.position - 1)
        if self.gs is not None:
            self.gs.children += 1
        elif self.has_envelope:
            self.error(seg, "ST header outside a functional group (no GS before it)")
        is_835 = seg.element(1) == "835"
        if not is_835:
            self.error(seg, f"not an 835 remittance: ST01 is {seg.element(1)!r}")
        self.st = _Transaction(seg.element(2), seg.position, is_835)
        if is_835:
            row = _empty_row("remit_transactions", seg.position)
            row["remit_transaction_id"] = "-".join([
                self.file_hash,
                self.isa.control_number if self.isa else "",
                self.gs.control_number if self.gs else "",
                seg.element(2),
            ])
            row["interchange_sender_id"] = (self.isa.sender or None) if self.isa else None
            row["interchange_control_number"] = self.isa.control_number if self.isa else None
            row["group_control_number"] = self.gs.control_number if self.gs else None
            row["transaction_control_number"] = seg.element(2)
            row["implementation_version"] = seg.element(3) or (self.gs.version if self.gs else "") or None
            self.st.row = row

    def on_se(self, seg: Segment) -> None:
        if self.st is None:
            self.error(seg, "SE trailer without an ST header before it")
            return
        st = self.st
        st.segment_count += 1
        declared = seg.element(1)
        if declared != str(st.segment_count):
            self.error(seg, f"SE01 says {declared or 'nothing'} segments but the transaction has {st.segment_count}")
        if seg.element(2) != st.control_number:
            self.error(seg, f"SE02 control number {seg.element(2)!r} does not match ST02 {st.control_number!r}")
        self.finish_transaction()

    def close_missing(self, trailer: str, last_position: int) -> None:
        """Report an envelope left open and close it (and what it contains)."""
        if trailer in ("GE", "IEA") and self.st is not None:
            self.close_missing("SE", last_position)
        if trailer == "IEA" and self.gs is not None:
            self.close_missing("GE", last_position)
        opened = {"SE": self.st, "GE": self.gs, "IEA": self.isa}[trailer]
        header = {"SE": "ST", "GE": "GS", "IEA": "ISA"}[trailer]
        if opened is None:
            return
        self.error(None, f"the {header} at segment {opened.position} (control number {opened.control_number!r}) "
                         f"has no {trailer} trailer; the last segment read is {last_position}", last_position)
        if trailer == "SE":
            self.finish_transaction()
        elif trailer == "GE":
            self.gs = None
        else:
            self.isa = None

    def close_at_end(self, last: Segment | None) -> None:
        last_position = last.position if last else 0
        if self.st is not None:
            self.close_missing("SE", last_position)
        if self.has_envelope:
            if self.gs is not None:
                self.close_missing("GE", last_position)
            if self.isa is not None:
                self.close_missing("IEA", last_position)
        if last is None:
            self.error(None, "the file holds no X12 segments")

    # -- transaction header ----------------------------------------------------------------------
    @property
    def txn(self) -> dict[str, Any]:
        assert self.st is not None and self.st.row is not None
        return self.st.row

    def on_bpr(self, seg: Segment) -> None:
        self.txn["handling_code"] = seg.element(1) or None
        self.txn["payment_amount"] = self.number(seg, 2, "total provider payment")
        self.txn["credit_debit_flag"] = seg.element(3) or None
        self.txn["payment_method"] = seg.element(4) or None
        self.txn["payment_date"] = self.date(seg, 16, "payment date")

    def on_trn(self, seg: Segment) -> None:
        if self.txn["trace_number"] is None:
            self.txn["trace_number"] = seg.element(2) or None
            self.txn["payer_identifier"] = seg.element(3) or None

    def on_n1(self, seg: Segment) -> None:
        assert self.st is not None
        self.end_claim()
        entity = seg.element(1)
        if entity == "PR":
            self.st.loop = "payer"
            self.txn["payer_name"] = seg.element(2) or None
            self.st.payer_n104 = seg.element(4) or None
        elif entity == "PE":
            self.st.loop = "payee"
            self.txn["payee_name"] = seg.element(2) or None
            if seg.element(3) == "XX":
                self.txn["payee_npi"] = seg.element(4) or None
        else:
            self.st.loop = "other_party"

    def on_lx(self, seg: Segment) -> None:
        assert self.st is not None
        self.end_claim()
        self.st.loop = "header_number"

    def on_ref(self, seg: Segment) -> None:
        assert self.st is not None
        qualifier = seg.element(1)
        line = self.st.line
        if self.st.loop == "payer" and qualifier == "2U":
            self.txn["payer_id"] = seg.element(2) or None
        elif line is not None and qualifier == "6R":
            line.row["line_control_number"] = seg.element(2) or None

    def on_dtm(self, seg: Segment) -> None:
        assert self.st is not None
        qualifier = seg.element(1)
        claim, line = self.st.claim, self.st.line
        if line is not None:
            if qualifier == "472" or (qualifier == "150" and line.row["service_date"] is None):
                line.row["service_date"] = self.date(seg, 2, f"service date (DTM*{qualifier})")
        elif claim is not None:
            if qualifier == "232":
                claim.row["statement_from_date"] = self.date(seg, 2, "statement from date")
            elif qualifier == "233":
                claim.row["statement_to_date"] = self.date(seg, 2, "statement to date")
        elif self.st.loop == "header" and qualifier == "405":
            self.txn["production_date"] = self.date(seg, 2, "production date")

    # -- claims and lines ------------------------------------------------------------------------
    def on_clp(self, seg: Segment) -> None:
        assert self.st is not None
        self.end_claim()
        row = _empty_row("remit_claims", seg.position)
        ordinal = len(self.st.claims) + 1
        row["remit_claim_id"] = f"{self.txn['remit_transaction_id']}-{ordinal}"
        row["remit_transaction_id"] = self.txn["remit_transaction_id"]
        row["claim_id"] = seg.element(1) or None
        row["claim_status_code"] = seg.element(2) or None
        row["charge_amount"] = self.number(seg, 3, "total claim charge")
        row["paid_amount"] = self.number(seg, 4, "claim payment amount")
        row["patient_responsibility_amount"] = self.number(seg, 5, "patient responsibility amount")
        row["claim_filing_indicator"] = seg.element(6) or None
        row["payer_claim_control_number"] = seg.element(7) or None
        row["place_of_service"] = seg.element(8) or None
        row["claim_frequency_code"] = seg.element(9) or None
        row["segment_position"] = seg.position
        if not row["claim_id"]:
            self.error(seg, "CLP01 (patient control number) is empty")
        self.st.claims.append(_Claim(row, seg.position))
        self.st.loop = "claim"

    def on_nm1(self, seg: Segment) -> None:
        assert self.st is not None
        claim = self.st.claim
        if claim is None:
            return
        entity = seg.element(1)
        if entity == "QC":
            claim.row["patient_member_id"] = seg.element(9) or None
        elif entity == "82":
            claim.row["rendering_npi"] = seg.element(9) or None

    def on_svc(self, seg: Segment) -> None:
        assert self.st is not None
        claim = self.st.claim
        if claim is None:
            self.error(seg, "SVC service line outside a claim (no CLP before it)")
            return
        procedure = self.composite(seg, 1)
        original = self.composite(seg, 6) if seg.element(6) else []
        ordinal = len(claim.lines) + 1
        row = _empty_row("remit_lines", seg.position)
        row["remit_line_id"] = f"{claim.row['remit_claim_id']}-{ordinal}"
        row["remit_claim_id"] = claim.row["remit_claim_id"]
        row["line_number"] = ordinal
        row["procedure_code"] = procedure[1] if len(procedure) > 1 and procedure[1] else None
        modifiers = [m for m in procedure[2:6] if m]
        row["modifiers"] = "|".join(modifiers) or None
        row["charge_amount"] = self.number(seg, 2, "line charge")
        row["paid_amount"] = self.number(seg, 3, "line payment")
        row["revenue_code"] = seg.element(4) or None
        units = self.number(seg, 5, "units paid")
        row["units_paid"] = units if units is not None else (Decimal(1) if seg.element(5) == "" else None)
        row["original_procedure_code"] = original[1] if len(original) > 1 and original[1] else None
        row["original_units"] = self.number(seg, 7, "original units")
        if row["procedure_code"] is None:
            self.error(seg, "SVC01 has no procedure code (expected qualifier, component separator, code)")
        claim.lines.append(_Line(row, seg.position))

    def on_amt(self, seg: Segment) -> None:
        assert self.st is not None
        amount = self.number(seg, 2, f"amount (AMT*{seg.element(1)})")
        line = self.st.line
        if line is not None and seg.element(1) == "B6":
            line.row["allowed_amount"] = amount

    def on_lq(self, seg: Segment) -> None:
        assert self.st is not None
        line = self.st.line
        if line is not None and seg.element(1) == "HE" and seg.element(2):
            line.remarks.append(seg.element(2))

    def on_cas(self, seg: Segment) -> None:
        assert self.st is not None
        claim, line = self.st.claim, self.st.line
        if claim is None:
            self.warning(seg, "CAS adjustment outside a claim; skipped")
            return
        group = seg.element(1)
        self.check_group_code(seg, group)
        if line is not None:
            line.cas_count += 1
            parent_id, cas_ordinal, level = line.row["remit_line_id"], line.cas_count, "line"
        else:
            claim.cas_count += 1
            parent_id, cas_ordinal, level = claim.row["remit_claim_id"], claim.cas_count, "claim"
        for triplet in range(1, CAS_TRIPLETS + 1):
            reason_index = 2 + (triplet - 1) * 3
            reason = seg.element(reason_index)
            if not reason:
                if seg.element(reason_index + 1):
                    self.error(seg, f"CAS{reason_index + 1:02d} has an amount "
                                    f"but CAS{reason_index:02d} has no reason code")
                continue
            amount = self.number(seg, reason_index + 1, f"adjustment amount for reason {reason}")
            if amount is None and seg.element(reason_index + 1) == "":
                self.error(seg, f"CAS{reason_index + 1:02d} (adjustment amount for reason {reason}) is empty")
            row = _empty_row("remit_adjustments", seg.position)
            row["remit_adjustment_id"] = f"{parent_id}-{cas_ordinal}-{triplet}"
            row["remit_claim_id"] = claim.row["remit_claim_id"]
            row["remit_line_id"] = line.row["remit_line_id"] if line is not None else None
            row["adjustment_level"] = level
            row["group_code"] = group or None
            row["reason_code"] = reason
            row["amount"] = amount
            row["quantity"] = self.number(seg, reason_index + 2, f"adjustment quantity for reason {reason}")
            self.tables["remit_adjustments"].append(row)
            if amount is not None:
                if line is not None:
                    line.adjustment_total += amount
                else:
                    claim.claim_adjustment_total += amount

    def check_group_code(self, seg: Segment, group: str) -> None:
        version = self.txn["implementation_version"] or ""
        allowed = CAS_GROUPS_4010 if version.startswith(VERSION_4010_PREFIX) else CAS_GROUPS_5010
        if group not in allowed:
            detail = " (CR is a 4010 code, not valid in 5010)" if group == "CR" else ""
            allowed_list = ", ".join(sorted(allowed))
            self.warning(seg, f"CAS01 group code {group!r} is not one of {allowed_list}{detail}; row kept")

    def on_plb(self, seg: Segment) -> None:
        assert self.st is not None
        self.end_claim()
        self.st.loop = "plb"
        self.st.plb_count += 1
        fiscal_date = self.date(seg, 2, "fiscal period date")
        for pair in range(1, PLB_PAIRS + 1):
            code_index = 3 + (pair - 1) * 2
            if not seg.element(code_index):
                continue
            parts = self.composite(seg, code_index)
            amount = self.number(seg, code_index + 1, f"provider adjustment amount for {parts[0]}")
            if amount is None and seg.element(code_index + 1) == "":
                self.error(seg, f"PLB{code_index + 1:02d} (provider adjustment amount) is empty")
            row = _empty_row("remit_provider_adjustments", seg.position)
            row["remit_provider_adjustment_id"] = f"{self.txn['remit_transaction_id']}-PLB{self.st.plb_count}-{pair}"
            row["remit_transaction_id"] = self.txn["remit_transaction_id"]
            row["provider_identifier"] = seg.element(1) or None
            row["fiscal_period_date"] = fiscal_date
            row["reason_code"] = parts[0] or None
            row["reference_identifier"] = parts[1] if len(parts) > 1 and parts[1] else None
            row["amount"] = amount
            self.tables["remit_provider_adjustments"].append(row)
            if amount is not None:
                self.st.plb_total += amount

    # -- closing and balancing -------------------------------------------------------------------
    def end_claim(self) -> None:
        """Close the open claim (if any): emit its rows and check that it balances."""
        assert self.st is not None
        claim = self.st.claim
        if claim is None:
            return
        self.st.loop = "claim_closed"
        self.tables["remit_claims"].append(claim.row)
        for line in claim.lines:
            line.row["remark_codes"] = "|".join(line.remarks) or None
            self.tables["remit_lines"].append(line.row)
            self.check_line_balance(claim, line)
        self.check_claim_balance(claim)

    def check_line_balance(self, claim: _Claim, line: _Line) -> None:
        charge, paid = line.row["charge_amount"], line.row["paid_amount"]
        if charge is None or paid is None:
            return
        if charge - line.adjustment_total != paid:
            self.issues.append(X12Issue(self.file_name, line.position, "SVC", "warning", (
                f"claim {claim.row['claim_id']} line {line.row['line_number']} does not balance: SVC02 charge "
                f"{charge} minus line adjustments {line.adjustment_total} is {charge - line.adjustment_total}, "
                f"but SVC03 paid is {paid}")))

    def check_claim_balance(self, claim: _Claim) -> None:
        charge, paid = claim.row["charge_amount"], claim.row["paid_amount"]
        if charge is None or paid is None:
            return
        total = claim.claim_adjustment_total + sum((line.adjustment_total for line in claim.lines), Decimal(0))
        problems = []
        if charge - total != paid:
            problems.append(f"CLP03 charge {charge} minus all adjustments {total} is {charge - total}, "
                            f"but CLP04 paid is {paid}")
        line_paid = [line.row["paid_amount"] for line in claim.lines]
        if claim.lines and claim.cas_count == 0 and None not in line_paid:
            line_total = sum(line_paid, Decimal(0))
            if line_total != paid:
                problems.append(f"the lines' SVC03 paid amounts add up to {line_total}, but CLP04 paid is {paid}")
        for problem in problems:
            self.issues.append(X12Issue(self.file_name, claim.position, "CLP", "warning",
                                        f"claim {claim.row['claim_id']} does not balance: {problem}"))

    def finish_transaction(self) -> None:
        st = self.st
        assert st is not None
        if st.row is not None:
            self.end_claim()
            if st.row["payer_id"] is None:
                st.row["payer_id"] = st.payer_n104
            if st.row["payment_amount"] is None and not any(
                i.segment_id == "BPR" and i.severity == "error" for i in self.issues
            ):
                self.error(None, f"transaction {st.control_number} has no BPR02 payment amount", st.position)
            self.tables["remit_transactions"].append(st.row)
            self.check_transaction_balance(st)
        self.st = None

    def check_transaction_balance(self, st: _Transaction) -> None:
        assert st.row is not None
        payment = st.row["payment_amount"]
        claim_paid = [claim.row["paid_amount"] for claim in st.claims]
        if payment is None or None in claim_paid:
            return
        # BPR03 = D means the payer debits the provider: the payment counts against the remit.
        signed_payment = -payment if st.row["credit_debit_flag"] == "D" else payment
        expected = sum(claim_paid, Decimal(0)) - st.plb_total
        if expected != signed_payment:
            self.issues.append(X12Issue(self.file_name, st.position, "ST", "warning", (
                f"transaction {st.control_number} does not balance: claims paid {sum(claim_paid, Decimal(0))} "
                f"minus provider adjustments {st.plb_total} is {expected}, but BPR02 payment is {signed_payment}")))


def parse_835(data: bytes, file_name: str) -> RemitParseResult:
    """Rows for the ``raw_clearinghouse.remit_*`` tables plus every issue found.

    Row dicts have exactly the table's columns (lineage columns excluded) plus ``_segment_position``,
    the 1-based ordinal of the row's anchor segment (ST, CLP, SVC, CAS or PLB) in the file.
    When ``is_rejected`` the rows are still returned, for diagnosis; the caller must not load them.
    """
    return _Remit835Reader(data, file_name).read()


def parse_835_file(path: Path) -> RemitParseResult:
    path = Path(path)
    return parse_835(path.read_bytes(), path.name)
