"""835 remittance advice: the body of one transaction set -> rows for the ``raw_clearinghouse.remit_*`` tables.

pyx12 (see ``validate.py``) validates a file against the implementation guide, but it does not give a
tolerant row extraction in our table shapes with Decimal money: it stops on structural damage and
hands back strings. So rows come from this hand-written reader, which keeps going after a problem and
reports every problem with its segment position; the envelope walk (``envelope.py``) hands it one
transaction set at a time.

Layout and money math: docs/domain-reference.md section 7 (5010 005010X221A1; 4010 004010X091A1 is read too).
A claim needs its charge and payment (CLP03, CLP04) and a line its charge and payment (SVC02, SVC03):
without them the transaction is quarantined. Balancing problems are warnings: an unbalanced remit is
flagged, not dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from dagster_project.ingest.x12.envelope import Segment
from dagster_project.ingest.x12.errors import X12Issue
from dagster_project.ingest.x12.reader_base import (
    MONEY_READER,
    QUANTITY_READER,
    BodyReader,
    DeliveryKey,
    X12Reader,
    known_money,
    known_quantity,
    read_transactions,
)
from dagster_project.ingest.x12.result import TransactionResult, X12ParseResult
from dagster_project.ingest.x12.values import known_d8
from dagster_project.ingest.x12_tables import REMIT_TABLES

# Every body segment the 835 (4010 and 5010) may carry; anything else quarantines the transaction.
KNOWN_835_SEGMENTS = frozenset(
    {
        "BPR",
        "TRN",
        "CUR",
        "REF",
        "DTM",
        "N1",
        "N2",
        "N3",
        "N4",
        "PER",
        "RDM",
        "LX",
        "TS3",
        "TS2",
        "CLP",
        "CAS",
        "NM1",
        "MIA",
        "MOA",
        "QTY",
        "AMT",
        "SVC",
        "LQ",
        "PLB",
    }
)
CAS_GROUPS_5010 = frozenset({"CO", "OA", "PI", "PR"})
CAS_GROUPS_4010 = CAS_GROUPS_5010 | {"CR"}  # CR (corrections and reversals) was dropped in 5010
CAS_TRIPLETS = 6  # CAS02-CAS19
PLB_PAIRS = 6  # PLB03/04 .. PLB13/14
# Claim-level remark codes: MOA03-MOA07 (outpatient) and MIA05, MIA20-MIA24 (inpatient) carry RARCs.
MOA_REMARK_ELEMENTS = (3, 4, 5, 6, 7)
MIA_REMARK_ELEMENTS = (5, 20, 21, 22, 23, 24)
VERSION_4010_PREFIX = "004010"
ZERO = Decimal(0)
SERVICE_DATE_LABELS = {qualifier: f"service date (DTM*{qualifier})" for qualifier in ("472", "150")}
ONE = Decimal(1)


@dataclass(slots=True)
class _Line:
    row: dict[str, Any]
    position: int
    cas_count: int = 0
    adjustment_total: Decimal = ZERO
    remarks: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Claim:
    row: dict[str, Any]
    position: int
    lines: list[_Line] = field(default_factory=list)
    cas_count: int = 0  # claim-level CAS segments
    claim_adjustment_total: Decimal = ZERO
    remarks: list[str] = field(default_factory=list)  # MOA/MIA remark codes


class Remit835Body(BodyReader):
    """One 835 transaction: header (BPR, TRN, payer, payee), claims (CLP) with lines (SVC), PLB."""

    tables = REMIT_TABLES
    count_table = "remit_claims"
    known_segments = KNOWN_835_SEGMENTS
    kind = "an 835"

    def start(self) -> None:
        txn = self.transaction
        row = self.new_row("remit_transactions", txn.start_position)
        row["remit_transaction_id"] = self.key
        self.txn = row
        version = txn.version or ""
        self.cas_groups = CAS_GROUPS_4010 if version.startswith(VERSION_4010_PREFIX) else CAS_GROUPS_5010
        self.loop = "header"  # header | payer | payee | other_party | header_number | claim | claim_closed | plb
        self.payer_n104: str | None = None
        self.claims: list[_Claim] = []
        self.claim: _Claim | None = None  # the open claim
        self.line: _Line | None = None  # the open line of the open claim
        self.plb_count = 0
        self.plb_total = ZERO

    # -- transaction header ----------------------------------------------------------------------
    def on_bpr(self, seg: Segment) -> None:
        e = seg.padded(17)
        self.txn["handling_code"] = e[1] or None
        self.txn["payment_amount"] = self.decimal(seg, 2, "total provider payment", MONEY_READER, required=True)
        self.txn["credit_debit_flag"] = e[3] or None
        self.txn["payment_method"] = e[4] or None
        self.txn["payment_date"] = self.date(seg, 16, "payment date")

    def on_trn(self, seg: Segment) -> None:
        if self.txn["trace_number"] is None:
            e = seg.padded(4)
            self.txn["trace_number"] = e[2] or None
            self.txn["payer_identifier"] = e[3] or None

    def on_n1(self, seg: Segment) -> None:
        self.end_claim()
        e = seg.padded(5)
        entity = e[1]
        if entity == "PR":
            self.loop = "payer"
            self.txn["payer_name"] = e[2] or None
            self.payer_n104 = e[4] or None
        elif entity == "PE":
            self.loop = "payee"
            self.txn["payee_name"] = e[2] or None
            if e[3] == "XX":
                self.txn["payee_npi"] = e[4] or None
        else:
            self.loop = "other_party"

    def on_lx(self, seg: Segment) -> None:
        self.end_claim()
        self.loop = "header_number"

    def on_ref(self, seg: Segment) -> None:
        e = seg.padded(3)
        qualifier = e[1]
        if self.line is not None:
            if qualifier == "6R":
                self.line.row["line_control_number"] = e[2] or None
        elif self.loop == "payer" and qualifier == "2U":
            self.txn["payer_id"] = e[2] or None

    def on_dtm(self, seg: Segment) -> None:
        e = seg[1]  # the most frequent 835 segment: indexed without padding
        qualifier = e[1] if len(e) > 1 else ""
        value = e[2] if len(e) > 2 else ""
        line, claim = self.line, self.claim
        if line is not None:
            if qualifier == "472" or (qualifier == "150" and line.row["service_date"] is None):
                line.row["service_date"] = known_d8(value) or self.date(seg, 2, SERVICE_DATE_LABELS[qualifier])
        elif claim is not None:
            if qualifier == "232":
                claim.row["statement_from_date"] = known_d8(value) or self.date(seg, 2, "statement from date")
            elif qualifier == "233":
                claim.row["statement_to_date"] = known_d8(value) or self.date(seg, 2, "statement to date")
        elif self.loop == "header" and qualifier == "405":
            self.txn["production_date"] = self.date(seg, 2, "production date")

    # -- claims and lines ------------------------------------------------------------------------
    def on_clp(self, seg: Segment) -> None:
        self.end_claim()
        e = seg.padded(10)
        row = self.new_row("remit_claims", seg.position)
        row["remit_claim_id"] = f"{self.key}-{len(self.claims) + 1}"
        row["remit_transaction_id"] = self.key
        row["claim_id"] = e[1] or None
        row["claim_status_code"] = e[2] or None
        row["charge_amount"] = known_money(e[3]) or self.decimal(
            seg, 3, "total claim charge", MONEY_READER, required=True
        )
        row["paid_amount"] = known_money(e[4]) or self.decimal(
            seg, 4, "claim payment amount", MONEY_READER, required=True
        )
        row["patient_responsibility_amount"] = known_money(e[5]) or self.decimal(
            seg, 5, "patient responsibility amount", MONEY_READER
        )
        row["claim_filing_indicator"] = e[6] or None
        row["payer_claim_control_number"] = e[7] or None
        row["place_of_service"] = e[8] or None
        row["claim_frequency_code"] = e[9] or None
        row["segment_position"] = seg.position
        if not row["claim_id"]:
            self.error(seg, "CLP01 (patient control number) is empty")
        claim = _Claim(row, seg.position)
        self.claims.append(claim)
        self.claim, self.line = claim, None
        self.loop = "claim"

    def on_nm1(self, seg: Segment) -> None:
        claim = self.claim
        if claim is None:
            return
        e = seg.padded(10)
        if e[1] == "QC":
            claim.row["patient_member_id"] = e[9] or None
        elif e[1] == "82":
            claim.row["rendering_npi"] = e[9] or None

    def on_svc(self, seg: Segment) -> None:
        claim = self.claim
        if claim is None:
            self.error(seg, "SVC service line outside a claim (no CLP before it)")
            return
        e = seg.padded(8)
        procedure = self.composite(seg, 1)
        original = self.composite(seg, 6) if e[6] else []
        ordinal = len(claim.lines) + 1
        claim_id = claim.row["remit_claim_id"]
        row = self.new_row("remit_lines", seg.position)
        row["remit_line_id"] = f"{claim_id}-{ordinal}"
        row["remit_claim_id"] = claim_id
        row["line_number"] = ordinal
        row["procedure_code"] = procedure[1] if len(procedure) > 1 and procedure[1] else None
        row["modifiers"] = "|".join(filter(None, procedure[2:6])) or None
        row["charge_amount"] = known_money(e[2]) or self.decimal(seg, 2, "line charge", MONEY_READER, required=True)
        row["paid_amount"] = known_money(e[3]) or self.decimal(seg, 3, "line payment", MONEY_READER, required=True)
        row["revenue_code"] = e[4] or None
        # SVC05 defaults to 1 unit when absent.
        row["units_paid"] = (
            (known_quantity(e[5]) or self.decimal(seg, 5, "units paid", QUANTITY_READER)) if e[5] else ONE
        )
        row["original_procedure_code"] = original[1] if len(original) > 1 and original[1] else None
        row["original_units"] = (
            (known_quantity(e[7]) or self.decimal(seg, 7, "original units", QUANTITY_READER)) if e[7] else None
        )
        if row["procedure_code"] is None:
            self.error(seg, "SVC01 has no procedure code (expected qualifier, component separator, code)")
        line = _Line(row, seg.position)
        claim.lines.append(line)
        self.line = line

    def on_amt(self, seg: Segment) -> None:
        e = seg.padded(3)
        qualifier = e[1]
        amount = known_money(e[2]) or self.decimal(seg, 2, f"amount (AMT*{qualifier})", MONEY_READER)
        if self.line is not None and qualifier == "B6":
            self.line.row["allowed_amount"] = amount

    def on_lq(self, seg: Segment) -> None:
        if self.line is not None and seg.element(1) == "HE" and seg.element(2):
            self.line.remarks.append(seg.element(2))

    def on_moa(self, seg: Segment) -> None:
        self.claim_remarks(seg, MOA_REMARK_ELEMENTS)

    def on_mia(self, seg: Segment) -> None:
        self.claim_remarks(seg, MIA_REMARK_ELEMENTS)

    def claim_remarks(self, seg: Segment, elements: tuple[int, ...]) -> None:
        """MOA/MIA belong to the claim (loop 2100): after a service line they are out of place."""
        claim = self.claim
        if claim is None or self.line is not None:
            where = "outside a claim" if claim is None else "after a service line (it belongs before the first SVC)"
            self.warning(seg, f"{seg.id} claim remark segment {where}; skipped")
            return
        padded = seg.padded(max(elements) + 1)
        claim.remarks += [padded[i] for i in elements if padded[i] and padded[i] not in claim.remarks]

    def on_cas(self, seg: Segment) -> None:
        claim, line = self.claim, self.line
        if claim is None:
            self.warning(seg, "CAS adjustment outside a claim; skipped")
            return
        e = seg.padded(20)
        group = e[1]
        if group not in self.cas_groups:
            detail = " (CR is a 4010 code, not valid in 5010)" if group == "CR" else ""
            self.warning(
                seg, f"CAS01 group code {group!r} is not one of {', '.join(sorted(self.cas_groups))}{detail}; row kept"
            )
        if line is not None:
            line.cas_count += 1
            parent_id, cas_ordinal, level = line.row["remit_line_id"], line.cas_count, "line"
            line_id = parent_id
        else:
            claim.cas_count += 1
            parent_id, cas_ordinal, level = claim.row["remit_claim_id"], claim.cas_count, "claim"
            line_id = None
        total = ZERO
        adjustments = self.rows["remit_adjustments"]
        # Triplets past the last element sent are empty: most CAS segments carry one.
        for triplet in range(1, min(CAS_TRIPLETS, len(seg[1]) // 3) + 1):
            reason_index = 3 * triplet - 1
            reason = e[reason_index]
            if not reason:
                if e[reason_index + 1]:
                    self.error(
                        seg, f"CAS{reason_index + 1:02d} has an amount but CAS{reason_index:02d} has no reason code"
                    )
                continue
            amount = known_money(e[reason_index + 1]) or self.decimal(
                seg, reason_index + 1, f"adjustment amount for reason {reason}", MONEY_READER, required=True
            )
            row = self.new_row("remit_adjustments", seg.position)
            row["remit_adjustment_id"] = f"{parent_id}-{cas_ordinal}-{triplet}"
            row["remit_claim_id"] = claim.row["remit_claim_id"]
            row["remit_line_id"] = line_id
            row["adjustment_level"] = level
            row["group_code"] = group or None
            row["reason_code"] = reason
            row["amount"] = amount
            quantity = e[reason_index + 2]
            row["quantity"] = (
                (
                    known_quantity(quantity)
                    or self.decimal(seg, reason_index + 2, f"adjustment quantity for reason {reason}", QUANTITY_READER)
                )
                if quantity
                else None
            )
            adjustments.append(row)
            if amount is not None:
                total += amount
        if line is not None:
            line.adjustment_total += total
        else:
            claim.claim_adjustment_total += total

    def on_plb(self, seg: Segment) -> None:
        self.end_claim()
        self.loop = "plb"
        self.plb_count += 1
        fiscal_date = self.date(seg, 2, "fiscal period date")
        for pair in range(1, PLB_PAIRS + 1):
            code_index = 1 + 2 * pair
            if not seg.element(code_index):
                continue
            parts = self.composite(seg, code_index)
            amount = self.decimal(
                seg, code_index + 1, f"provider adjustment amount for {parts[0]}", MONEY_READER, required=True
            )
            row = self.new_row("remit_provider_adjustments", seg.position)
            row["remit_provider_adjustment_id"] = f"{self.key}-PLB{self.plb_count}-{pair}"
            row["remit_transaction_id"] = self.key
            row["provider_identifier"] = seg.element(1) or None
            row["fiscal_period_date"] = fiscal_date
            row["reason_code"] = parts[0] or None
            row["reference_identifier"] = parts[1] if len(parts) > 1 and parts[1] else None
            row["amount"] = amount
            self.rows["remit_provider_adjustments"].append(row)
            if amount is not None:
                self.plb_total += amount

    # -- closing and balancing -------------------------------------------------------------------
    def end_claim(self) -> None:
        """Close the open claim (if any): emit its rows and check that it balances."""
        claim = self.claim
        if claim is None:
            return
        self.claim = self.line = None
        self.loop = "claim_closed"
        claim.row["remark_codes"] = "|".join(claim.remarks) or None
        self.rows["remit_claims"].append(claim.row)
        lines = self.rows["remit_lines"]
        for line in claim.lines:
            line.row["remark_codes"] = "|".join(line.remarks) or None
            lines.append(line.row)
            self.check_line_balance(claim, line)
        self.check_claim_balance(claim)

    def check_line_balance(self, claim: _Claim, line: _Line) -> None:
        charge, paid = line.row["charge_amount"], line.row["paid_amount"]
        if charge is None or paid is None:
            return
        if charge - line.adjustment_total != paid:
            self.warnings.append(
                X12Issue(
                    self.file_name,
                    line.position,
                    "SVC",
                    "warning",
                    (
                        f"claim {claim.row['claim_id']} line {line.row['line_number']} does not balance: SVC02 charge "
                        f"{charge} minus line adjustments {line.adjustment_total} is {charge - line.adjustment_total}, "
                        f"but SVC03 paid is {paid}"
                    ),
                )
            )

    def check_claim_balance(self, claim: _Claim) -> None:
        charge, paid = claim.row["charge_amount"], claim.row["paid_amount"]
        if charge is None or paid is None:
            return
        total = claim.claim_adjustment_total + sum((line.adjustment_total for line in claim.lines), ZERO)
        problems = []
        if charge - total != paid:
            problems.append(
                f"CLP03 charge {charge} minus all adjustments {total} is {charge - total}, but CLP04 paid is {paid}"
            )
        line_paid = [line.row["paid_amount"] for line in claim.lines]
        if claim.lines and claim.cas_count == 0 and None not in line_paid:
            line_total = sum(line_paid, ZERO)
            if line_total != paid:
                problems.append(f"the lines' SVC03 paid amounts add up to {line_total}, but CLP04 paid is {paid}")
        for problem in problems:
            self.warnings.append(
                X12Issue(
                    self.file_name,
                    claim.position,
                    "CLP",
                    "warning",
                    f"claim {claim.row['claim_id']} does not balance: {problem}",
                )
            )

    def finish(self) -> None:
        self.end_claim()
        txn = self.txn
        if txn["payer_id"] is None:
            txn["payer_id"] = self.payer_n104
        if txn["payment_amount"] is None and not any(i.segment_id == "BPR" for i in self.errors):
            self.error(
                None,
                f"transaction {self.transaction.control_number} has no BPR segment with its BPR02 payment amount",
                self.transaction.start_position,
            )
        self.rows["remit_transactions"].append(txn)
        self.check_transaction_balance()

    def check_transaction_balance(self) -> None:
        payment = self.txn["payment_amount"]
        claim_paid = [claim.row["paid_amount"] for claim in self.claims]
        if payment is None or None in claim_paid:
            return
        # BPR03 = D means the payer debits the provider: the payment counts against the remit.
        signed_payment = -payment if self.txn["credit_debit_flag"] == "D" else payment
        paid_total = sum(claim_paid, ZERO)
        expected = paid_total - self.plb_total
        if expected != signed_payment:
            self.warnings.append(
                X12Issue(
                    self.file_name,
                    self.transaction.start_position,
                    "ST",
                    "warning",
                    (
                        f"transaction {self.transaction.control_number} does not balance: claims paid {paid_total} "
                        f"minus provider adjustments {self.plb_total} is {expected}, "
                        f"but BPR02 payment is {signed_payment}"
                    ),
                )
            )


# -- the same payment re-sent in a new envelope ------------------------------------------------------


def remittance_key(result: TransactionResult) -> tuple | None:
    """Same payer, same TRN trace number, same amounts: the same payment, whatever its envelope says."""
    [txn] = result.rows.get("remit_transactions") or [None]
    if txn is None or txn["trace_number"] is None:
        return None
    claims = result.rows["remit_claims"]
    paid = sum((c["paid_amount"] for c in claims if c["paid_amount"] is not None), ZERO)
    return (
        txn["payer_identifier"] or "",
        txn["payer_id"] or "",
        txn["trace_number"],
        txn["payment_amount"],
        txn["credit_debit_flag"] or "",
        len(claims),
        paid,
    )


REMITTANCE_KEYS_SQL = """
select
    coalesce(t.payer_identifier, ''), coalesce(t.payer_id, ''), t.trace_number, t.payment_amount,
    coalesce(t.credit_debit_flag, ''), count(c.remit_claim_id), coalesce(sum(c.paid_amount), 0),
    t._file_name, t._file_sha256
from raw_clearinghouse.remit_transactions as t
left join raw_clearinghouse.remit_claims as c on c.remit_transaction_id = t.remit_transaction_id
where t.trace_number is not null
group by all
order by min(t._loaded_at), t._file_name
"""

READER = X12Reader("835", "remittance_835", "HP", Remit835Body, DeliveryKey(remittance_key, REMITTANCE_KEYS_SQL))


def parse_835(data: bytes, file_name: str) -> X12ParseResult:
    """Rows for the ``raw_clearinghouse.remit_*`` tables per transaction set, plus every issue found.

    Row dicts have exactly the table's columns (lineage columns excluded) plus ``_segment_position``,
    the 1-based ordinal of the row's anchor segment (ST, CLP, SVC, CAS or PLB) in the file. A
    transaction set other than 835 in the file is quarantined by name.
    """
    return read_transactions(data, file_name, {"835": READER})


def parse_835_file(path: Path) -> X12ParseResult:
    path = Path(path)
    return parse_835(path.read_bytes(), path.name)
