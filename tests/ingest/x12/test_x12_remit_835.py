"""parse_835 on the clean fixture: exact rows, Decimal money, ids and segment positions."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

from dagster_project.ingest.x12 import parse_835, parse_835_file
from dagster_project.ingest.x12_tables import REMIT_TABLES

FIXTURES = Path(__file__).parent / "fixtures"


def _clean():
    data = (FIXTURES / "clean_5010.835").read_bytes()
    return data, parse_835(data, "clean_5010.835")


def test_clean_file_has_no_issues_and_is_not_rejected():
    _, result = _clean()
    assert result.issues == []
    assert result.is_rejected is False


def test_every_row_has_exactly_the_table_columns_plus_segment_position():
    _, result = _clean()
    assert set(result.tables) == set(REMIT_TABLES)
    for table, rows in result.tables.items():
        assert rows, table
        for row in rows:
            assert set(row) == set(REMIT_TABLES[table]) | {"_segment_position"}


def test_transaction_row():
    data, result = _clean()
    [txn] = result.tables["remit_transactions"]
    txn_id = f"{hashlib.sha256(data).hexdigest()[:12]}-000000101-101-0001"
    assert txn == {
        "remit_transaction_id": txn_id,
        "interchange_sender_id": "CLEARHOUSE",
        "interchange_control_number": "000000101",
        "group_control_number": "101",
        "transaction_control_number": "0001",
        "implementation_version": "005010X221A1",  # from GS08: this ST has no ST03
        "handling_code": "C",
        "payment_amount": Decimal("245.00"),
        "credit_debit_flag": "C",
        "payment_method": "CHK",
        "payment_date": date(2026, 1, 10),
        "trace_number": "CHK100200",
        "payer_identifier": "1512345678",
        "production_date": date(2026, 1, 9),
        "payer_name": "ACME HEALTH PLAN",
        "payer_id": "ACME01",
        "payee_name": "KIDS OT GROUP",
        "payee_npi": "1234567893",
        "_segment_position": 3,
    }


def test_claim_rows():
    _, result = _clean()
    first, second = result.tables["remit_claims"]
    txn_id = result.tables["remit_transactions"][0]["remit_transaction_id"]
    assert first == {
        "remit_claim_id": f"{txn_id}-1",
        "remit_transaction_id": txn_id,
        "claim_id": "PCN1001",
        "claim_status_code": "1",
        "charge_amount": Decimal("300.00"),
        "paid_amount": Decimal("180.00"),
        "patient_responsibility_amount": Decimal("40.00"),
        "claim_filing_indicator": "12",
        "payer_claim_control_number": "ICN0001",
        "place_of_service": "11",
        "claim_frequency_code": "1",
        "patient_member_id": "MEMBER001",
        "rendering_npi": "1234567893",
        "statement_from_date": date(2025, 12, 1),
        "statement_to_date": date(2025, 12, 1),
        "remark_codes": None,
        "segment_position": 17,
        "_segment_position": 17,
    }
    assert second["remit_claim_id"] == f"{txn_id}-2"
    assert second["claim_id"] == "PCN1002"
    assert second["rendering_npi"] is None
    assert second["statement_from_date"] is None
    assert second["_segment_position"] == 35


def test_line_rows():
    _, result = _clean()
    lines = result.tables["remit_lines"]
    claim1, claim2 = (c["remit_claim_id"] for c in result.tables["remit_claims"])
    assert [line["remit_line_id"] for line in lines] == [f"{claim1}-1", f"{claim1}-2", f"{claim2}-1"]
    assert [line["line_number"] for line in lines] == [1, 2, 1]
    first = lines[0]
    assert first == {
        "remit_line_id": f"{claim1}-1",
        "remit_claim_id": claim1,
        "line_number": 1,
        "procedure_code": "97530",
        "modifiers": "GO",
        "charge_amount": Decimal("150.00"),
        "paid_amount": Decimal("90.00"),
        "revenue_code": None,
        "units_paid": Decimal("2"),
        "original_procedure_code": None,
        "original_units": None,
        "service_date": date(2025, 12, 1),
        "line_control_number": "LINE0001",
        "allowed_amount": Decimal("110.00"),
        "remark_codes": "N130",
        "_segment_position": 22,
    }
    assert lines[1]["modifiers"] == "GO|KX"
    assert lines[1]["remark_codes"] is None
    assert lines[2]["units_paid"] == Decimal("1")
    assert lines[2]["allowed_amount"] == Decimal("80.00")


def test_cas_is_unpivoted_one_row_per_triplet():
    _, result = _clean()
    adjustments = result.tables["remit_adjustments"]
    assert [(a["group_code"], a["reason_code"], a["amount"], a["quantity"]) for a in adjustments] == [
        ("CO", "45", Decimal("40.00"), None),
        ("PR", "2", Decimal("20.00"), None),
        ("CO", "45", Decimal("40.00"), None),
        ("PR", "2", Decimal("20.00"), None),
        ("CO", "45", Decimal("20.00"), Decimal("1")),
        ("CO", "253", Decimal("5.00"), None),
    ]
    assert all(a["adjustment_level"] == "line" for a in adjustments)
    line3 = result.tables["remit_lines"][2]["remit_line_id"]
    # <remit_line_id>-<CAS ordinal>-<triplet>: the two triplets of one CAS segment
    assert [a["remit_adjustment_id"] for a in adjustments[4:]] == [f"{line3}-1-1", f"{line3}-1-2"]
    assert [a["_segment_position"] for a in adjustments[4:]] == [39, 39]
    assert all(isinstance(a["amount"], Decimal) for a in adjustments)


def test_plb_row_and_decimal_sums_balance():
    _, result = _clean()
    [plb] = result.tables["remit_provider_adjustments"]
    txn = result.tables["remit_transactions"][0]
    assert plb == {
        "remit_provider_adjustment_id": f"{txn['remit_transaction_id']}-PLB1-1",
        "remit_transaction_id": txn["remit_transaction_id"],
        "provider_identifier": "1234567893",
        "fiscal_period_date": date(2026, 12, 31),
        "reason_code": "WO",
        "reference_identifier": "ICN0000",
        "amount": Decimal("10.00"),
        "_segment_position": 42,
    }
    paid = sum(c["paid_amount"] for c in result.tables["remit_claims"])
    assert paid == Decimal("255.00")
    assert paid - plb["amount"] == txn["payment_amount"]
    pr_total = sum(a["amount"] for a in result.tables["remit_adjustments"] if a["group_code"] == "PR")
    assert pr_total == Decimal("40.00") == result.tables["remit_claims"][0]["patient_responsibility_amount"]


def test_parse_835_file_uses_the_file_name(tmp_path):
    path = tmp_path / "era_20260110.835"
    path.write_bytes((FIXTURES / "clean_5010.835").read_bytes())
    result = parse_835_file(path)
    assert result.file_name == "era_20260110.835"
    assert len(result.tables["remit_claims"]) == 2


def test_reversal_claim_keeps_negative_amounts():
    result = parse_835_file(FIXTURES / "reversal_5010.835")
    assert result.issues == []
    reversal, corrected = result.tables["remit_claims"]
    assert (reversal["claim_status_code"], reversal["charge_amount"], reversal["paid_amount"]) == (
        "22",
        Decimal("-150.00"),
        Decimal("-90.00"),
    )
    assert reversal["patient_responsibility_amount"] == Decimal("-20.00")
    assert corrected["claim_id"] == reversal["claim_id"] == "PCN2001"
    reversal_line = result.tables["remit_lines"][0]
    assert reversal_line["units_paid"] == Decimal("-2")
    assert reversal_line["paid_amount"] == Decimal("-90.00")
    reversal_adjustments = [
        a["amount"] for a in result.tables["remit_adjustments"] if a["remit_claim_id"] == reversal["remit_claim_id"]
    ]
    assert reversal_adjustments == [Decimal("-40.00"), Decimal("-20.00")]
    # Net position over the reversal and its correction
    assert reversal["paid_amount"] + corrected["paid_amount"] == Decimal("10.00")
    assert result.tables["remit_transactions"][0]["payment_amount"] == Decimal("10.00")


def test_4010_file_with_cr_group_is_read_without_issues():
    result = parse_835_file(FIXTURES / "legacy_4010.835")
    assert result.issues == []
    [txn] = result.tables["remit_transactions"]
    assert txn["implementation_version"] == "004010X091A1"
    assert txn["payment_method"] == "ACH"
    assert txn["payment_date"] == date(2009, 1, 5)
    assert [a["group_code"] for a in result.tables["remit_adjustments"]] == ["CR", "CO"]
    [plb] = result.tables["remit_provider_adjustments"]
    assert (plb["reason_code"], plb["reference_identifier"], plb["amount"]) == ("L6", "PCN3001", Decimal("-50.00"))
    assert result.tables["remit_lines"][0]["modifiers"] is None


def test_st_only_file_is_read_with_a_warning():
    result = parse_835_file(FIXTURES / "st_only.835")
    assert not result.is_rejected
    assert [i.severity for i in result.issues] == ["warning"]
    assert "no ISA/GS envelope" in result.issues[0].message
    [txn] = result.tables["remit_transactions"]
    assert txn["interchange_control_number"] is None and txn["group_control_number"] is None
    assert txn["remit_transaction_id"].endswith("---0401")
    assert txn["handling_code"] == "H" and txn["payment_amount"] == Decimal("0")
    # the component separator '>' was detected from SVC01
    [line] = result.tables["remit_lines"]
    assert (line["procedure_code"], line["modifiers"]) == ("97530", "GO")
    assert line["remark_codes"] == "N54|M62"
    [adjustment] = result.tables["remit_adjustments"]
    assert (adjustment["group_code"], adjustment["reason_code"], adjustment["amount"]) == (
        "CO",
        "197",
        Decimal("120.00"),
    )


def _with_claim_remarks() -> bytes:
    """The clean file with an MOA on the first claim, an MIA on the second and an MOA misplaced after a line."""
    data = (FIXTURES / "clean_5010.835").read_bytes().decode("ascii")
    data = data.replace("DTM*233*20251201~\n", "DTM*233*20251201~\nMOA***MA130*M51~\n", 1)
    data = data.replace(
        "NM1*QC*1*TESTPATIENT*GAMMA****MI*MEMBER002~\n",
        "NM1*QC*1*TESTPATIENT*GAMMA****MI*MEMBER002~\nMIA*0***0*MA01***************N20*N30~\n",
        1,
    )
    data = data.replace("AMT*B6*80.00~\n", "AMT*B6*80.00~\nMOA***N4~\n", 1)
    return data.replace("SE*41*0001~", "SE*44*0001~").encode("ascii")


def test_claim_level_remark_codes_come_from_moa_and_mia_in_order():
    result = parse_835(_with_claim_remarks(), "claim_remarks.835")
    first, second = result.tables["remit_claims"]
    assert first["remark_codes"] == "MA130|M51"  # MOA03, MOA04
    assert second["remark_codes"] == "MA01|N20|N30"  # MIA05, MIA20, MIA21
    # claim remarks stay on the claim: the lines keep only their own LQ codes
    assert [line["remark_codes"] for line in result.tables["remit_lines"]] == ["N130", None, None]


def test_moa_after_a_service_line_is_reported_and_not_posted_to_the_claim():
    result = parse_835(_with_claim_remarks(), "claim_remarks.835")
    assert not result.is_rejected
    [issue] = result.issues
    assert issue.severity == "warning" and issue.segment_id == "MOA"
    assert "after a service line" in issue.message
    assert "N4" not in (result.tables["remit_claims"][1]["remark_codes"] or "")
