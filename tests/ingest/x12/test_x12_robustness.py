"""What real files look like (docs/domain-reference.md section 7): layout variants read the same rows; damage is
reported with its segment position and quarantines its transaction; envelope counts that disagree and
balancing problems only warn."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from dagster_project.ingest.x12 import parse_835

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="ascii")


def segments_of(text: str) -> list[str]:
    """The fixture's segments without terminators (fixtures are written one segment per line)."""
    return [line.rstrip("~") for line in text.splitlines() if line.strip()]


def rows_without_ids(tables: dict) -> dict:
    """Table rows minus the id and position columns, to compare files whose hash or layout differ."""
    skip = {
        "remit_transaction_id",
        "remit_claim_id",
        "remit_line_id",
        "remit_adjustment_id",
        "remit_provider_adjustment_id",
        "_segment_position",
        "segment_position",
    }
    return {t: [{k: v for k, v in row.items() if k not in skip} for row in rows] for t, rows in tables.items()}


CLEAN = fixture_text("clean_5010.835")
SEGMENTS = segments_of(CLEAN)


def parse_text(text: str, name: str = "variant.835"):
    return parse_835(text.encode("ascii"), name)


@pytest.fixture(scope="module")
def clean_rows():
    result = parse_text(CLEAN)
    assert result.issues == []
    return rows_without_ids(result.tables)


# -- layout variants ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param("~\r\n    ".join(SEGMENTS) + "~\r\n", id="crlf-and-indentation"),
        pytest.param("~".join(SEGMENTS) + "~", id="one-line"),
        pytest.param("\t" + "~\n\n".join(SEGMENTS) + "~\n\n", id="blank-lines"),
        pytest.param("\r\n".join(SEGMENTS[:1])[:-1] + ":\n" + "\n".join(SEGMENTS[1:]) + "\n", id="newline-terminator"),
    ],
)
def test_layout_variants_give_the_same_rows(variant, clean_rows):
    result = parse_text(variant)
    assert result.issues == []
    assert rows_without_ids(result.tables) == clean_rows


def test_segment_positions_do_not_depend_on_layout():
    one_line = parse_text("~".join(SEGMENTS) + "~")
    assert [c["_segment_position"] for c in one_line.tables["remit_claims"]] == [17, 35]


def test_utf8_bom_is_stripped(clean_rows):
    result = parse_835(b"\xef\xbb\xbf" + CLEAN.encode("ascii"), "bom.835")
    assert result.issues == []
    assert rows_without_ids(result.tables) == clean_rows


def test_component_separator_is_read_from_isa16(clean_rows):
    isa = SEGMENTS[0][:-1] + ">"
    rest = [segment.replace(":", ">") for segment in SEGMENTS[1:]]  # SVC01 and PLB03 composites
    assert sum(segment.count(">") for segment in rest) == 8
    text = "~\n".join([isa, *rest])
    result = parse_text(text + "~\n")
    assert result.issues == []
    assert rows_without_ids(result.tables) == clean_rows


def test_component_separator_other_than_isa16_is_read_with_a_warning(clean_rows):
    result = parse_text(CLEAN.replace("HC:97165:GO", "HC>97165>GO"))
    assert not result.is_rejected
    [warning] = result.issues
    assert warning.segment_position == 37 and "'>'" in warning.message and "ISA16" in warning.message
    assert rows_without_ids(result.tables) == clean_rows


def test_other_element_separator_and_terminator_are_read_from_isa(clean_rows):
    text = CLEAN.replace("*", "|").replace("~", "'")
    result = parse_text(text)
    assert result.issues == []
    assert rows_without_ids(result.tables) == clean_rows


def _transaction(control: str) -> list[str]:
    start = next(i for i, s in enumerate(SEGMENTS) if s.startswith("ST*"))
    end = next(i for i, s in enumerate(SEGMENTS) if s.startswith("SE*"))
    body = SEGMENTS[start : end + 1]
    return [f"ST*835*{control}", *body[1:-1], f"SE*{len(body)}*{control}"]


def _interchange(control: str, group: str, transactions: list[list[str]]) -> list[str]:
    isa = SEGMENTS[0].replace("000000101", control)
    gs = SEGMENTS[1].replace("*101*", f"*{group}*")
    return [isa, gs, *[s for t in transactions for s in t], f"GE*{len(transactions)}*{group}", f"IEA*1*{control}"]


def test_two_st_in_one_gs_and_two_isa_in_one_file():
    segments = _interchange("000000101", "101", [_transaction("0001"), _transaction("0002")]) + _interchange(
        "000000102", "102", [_transaction("0001")]
    )
    data = ("~\n".join(segments) + "~\n").encode("ascii")
    result = parse_835(data, "multi.835")
    assert result.issues == []
    txns = result.tables["remit_transactions"]
    suffixes = [t["remit_transaction_id"].split("-", 1)[1] for t in txns]
    assert suffixes == ["000000101-101-0001", "000000101-101-0002", "000000102-102-0001"]
    assert len({t["remit_transaction_id"] for t in txns}) == 3
    assert len(result.tables["remit_claims"]) == 6
    assert len({c["remit_claim_id"] for c in result.tables["remit_claims"]}) == 6
    assert sum(t["payment_amount"] for t in txns) == Decimal("735.00")
    # claims of the second transaction point at it
    second_txn_claims = [
        c for c in result.tables["remit_claims"] if c["remit_transaction_id"] == txns[1]["remit_transaction_id"]
    ]
    assert [c["claim_id"] for c in second_txn_claims] == ["PCN1001", "PCN1002"]


def test_st_only_file_with_pipe_and_newlines_is_detected():
    text = fixture_text("st_only.835").replace("*", "|").replace("~", "")
    result = parse_text(text, "st_only_pipes.835")
    assert not result.is_rejected
    assert "'|'" in result.issues[0].message and "'\\n'" in result.issues[0].message
    assert result.tables["remit_claims"][0]["claim_id"] == "PCN4001"
    assert result.tables["remit_lines"][0]["procedure_code"] == "97530"


# -- damage: the transaction is quarantined, envelope bookkeeping only warns ----------------------------


def test_truncated_file_quarantines_its_transaction_naming_the_last_segment():
    cut = CLEAN.index("CAS*CO*45*20.00*1*253") + len("CAS*CO*45*20")
    result = parse_text(CLEAN[:cut])
    assert result.is_rejected
    [transaction] = result.transactions
    assert transaction.status == "quarantined"
    truncated = [i for i in result.errors if "truncated" in i.message]
    assert [(i.segment_position, i.segment_id) for i in truncated] == [(38, None), (39, "CAS")]
    assert "has no SE trailer" in truncated[0].message
    warnings = " | ".join(i.message for i in result.warnings)
    assert "has no GE trailer" in warnings and "has no IEA trailer" in warnings
    # the cut CAS was not read as data, and the quarantined rows are kept for diagnosis only
    assert len(transaction.rows["remit_adjustments"]) == 4
    assert result.tables["remit_adjustments"] == []


def test_missing_iea_only_loads_with_a_warning(clean_rows):
    result = parse_text(CLEAN.replace("IEA*1*000000101~\n", ""))
    assert not result.is_rejected and rows_without_ids(result.tables) == clean_rows
    [warning] = result.warnings
    assert "no IEA trailer" in warning.message and warning.segment_position == 44


def test_wrong_se_count_loads_with_a_warning_giving_both_numbers(clean_rows):
    result = parse_text(CLEAN.replace("SE*41*0001", "SE*42*0001"))
    assert not result.is_rejected and rows_without_ids(result.tables) == clean_rows
    [warning] = result.issues
    assert warning.severity == "warning"
    assert warning.message == "SE01 says 42 segments but the transaction has 41"
    assert (warning.segment_position, warning.segment_id) == (43, "SE")


def test_se_count_one_short_warns_too():
    result = parse_text(CLEAN.replace("SE*41*0001", "SE*40*0001"))
    assert not result.is_rejected and "says 40" in result.warnings[0].message


def test_non_numeric_amount_quarantines_naming_position_and_element():
    result = parse_text(CLEAN.replace("CLP*PCN1002*1*100.00", "CLP*PCN1002*1*1OO.00"))
    assert result.is_rejected
    [error] = result.errors
    assert (error.segment_position, error.segment_id) == (35, "CLP")
    assert error.message.startswith("CLP03 (total claim charge) is '1OO.00'")


@pytest.mark.parametrize("amount", ["1,000.00", "1e3", "--5", "12.3.4", "$5"])
def test_malformed_numbers_are_errors(amount):
    result = parse_text(CLEAN.replace("AMT*B6*80.00", f"AMT*B6*{amount}"))
    assert result.is_rejected and result.errors[0].segment_id == "AMT"


@pytest.mark.parametrize("amount", ["-9", ".5", "5.", "0"])
def test_x12_number_forms_are_accepted(amount):
    result = parse_text(CLEAN.replace("AMT*B6*80.00", f"AMT*B6*{amount}"))
    assert not result.is_rejected
    assert result.tables["remit_lines"][2]["allowed_amount"] == Decimal(amount)


def test_invalid_date_is_an_error():
    result = parse_text(CLEAN.replace("DTM*472*20251203", "DTM*472*20251232"))
    assert result.is_rejected
    assert result.errors[0].segment_position == 38 and "CCYYMMDD" in result.errors[0].message


def test_not_an_835_is_quarantined_by_name():
    result = parse_text(CLEAN.replace("ST*835*0001", "ST*837*0001"))
    assert result.is_rejected
    assert [i.message for i in result.issues] == ["transaction set 837 (claim) is not read here (read here: 835)"]
    assert all(rows == [] for rows in result.tables.values())


def test_a_file_that_is_not_x12_is_rejected():
    result = parse_835(b"claim_id,amount\nC1,10.00\n", "claims.csv")
    assert result.is_rejected
    assert "not an X12 file" in result.issues[0].message


def test_cut_isa_is_rejected():
    result = parse_835(SEGMENTS[0][:60].encode("ascii"), "cut.835")
    assert result.is_rejected and result.issues[0].segment_id == "ISA"


# -- warnings: rows kept ------------------------------------------------------------------------------


def test_unknown_segment_quarantines_the_transaction_and_counts_in_se():
    text = CLEAN.replace("DTM*233*20251201~\n", "DTM*233*20251201~\nZZ9*SOMETHING~\n").replace("SE*41", "SE*42")
    result = parse_text(text)
    assert result.is_rejected
    [error] = result.issues  # SE01 = 42 counts ZZ9: no count warning
    assert (error.severity, error.segment_id, error.segment_position) == ("error", "ZZ9", 22)


def test_unbalanced_claim_is_a_warning_and_rows_are_kept():
    result = parse_text(CLEAN.replace("CLP*PCN1002*1*100.00*75.00", "CLP*PCN1002*1*100.00*75.01"))
    assert not result.is_rejected
    claim_warnings = [i for i in result.warnings if i.segment_id == "CLP"]
    assert {i.segment_position for i in claim_warnings} == {35}
    assert all("PCN1002" in i.message for i in claim_warnings)
    assert any("CLP04 paid is 75.01" in i.message and "is 75.00" in i.message for i in claim_warnings)
    # the transaction total no longer matches BPR02 either
    assert any(i.segment_id == "ST" and "BPR02" in i.message for i in result.warnings)
    assert result.tables["remit_claims"][1]["paid_amount"] == Decimal("75.01")
    assert len(result.tables["remit_lines"]) == 3


def test_unbalanced_line_is_a_warning_naming_claim_and_line():
    result = parse_text(CLEAN.replace("SVC*HC:97110:GO:KX*150.00*90.00", "SVC*HC:97110:GO:KX*150.00*89.99"))
    line_warnings = [i for i in result.warnings if i.segment_id == "SVC"]
    assert [(i.segment_position, i.message.split(":")[0]) for i in line_warnings] == [
        (29, "claim PCN1001 line 2 does not balance")
    ]
    assert not result.is_rejected


def test_claim_without_lines_balances_on_claim_level_cas():
    claim = "CLP*PCN9*4*50.00*0*0*12*ICN9*11*1~\nCAS*CO*197*50.00~\n"
    text = CLEAN.replace("PLB*", claim + "PLB*").replace("SE*41", "SE*43")
    result = parse_text(text)
    assert result.issues == []
    adjustment = result.tables["remit_adjustments"][-1]
    assert (adjustment["adjustment_level"], adjustment["remit_line_id"], adjustment["reason_code"]) == (
        "claim",
        None,
        "197",
    )
    assert adjustment["remit_adjustment_id"] == result.tables["remit_claims"][-1]["remit_claim_id"] + "-1-1"

    short = parse_text(text.replace("CAS*CO*197*50.00", "CAS*CO*197*49.99"))
    [warning] = short.warnings
    assert warning.segment_id == "CLP" and "PCN9" in warning.message


def test_transaction_out_of_balance_by_one_cent_warns():
    result = parse_text(CLEAN.replace("BPR*C*245.00", "BPR*C*245.01"))
    [warning] = result.issues
    assert warning.severity == "warning" and warning.segment_position == 3
    assert "is 245.00, but BPR02 payment is 245.01" in warning.message


def test_cr_group_in_a_5010_file_warns_but_keeps_the_row():
    result = parse_text(CLEAN.replace("CAS*CO*45*20.00*1*253", "CAS*CR*45*20.00*1*253"))
    [warning] = result.issues
    assert warning.severity == "warning" and "4010" in warning.message
    assert result.tables["remit_adjustments"][4]["group_code"] == "CR"


def test_cas_with_all_six_triplets_gives_six_rows_and_the_sixth_is_kept():
    six = "CAS*CO*45*1.00**253*1.00**59*1.00**97*1.00**94*1.00**A1*20.00*3"
    result = parse_text(CLEAN.replace("CAS*CO*45*20.00*1*253*5.00", six))
    assert result.issues == []
    rows = result.tables["remit_adjustments"][4:]
    assert [r["reason_code"] for r in rows] == ["45", "253", "59", "97", "94", "A1"]
    assert rows[-1]["remit_adjustment_id"].endswith("-1-6")
    assert (rows[-1]["amount"], rows[-1]["quantity"]) == (Decimal("20.00"), Decimal("3"))


def test_missing_se_before_the_next_st_quarantines_that_transaction_and_the_next_loads():
    first = _transaction("0001")[:-1]  # no SE
    segments = [SEGMENTS[0], SEGMENTS[1], *first, *_transaction("0002"), "GE*2*101", "IEA*1*000000101"]
    result = parse_text("~".join(segments) + "~")
    assert [(t.control_number, t.status) for t in result.transactions] == [("0001", "quarantined"), ("0002", "loaded")]
    [error] = result.errors
    assert "ST at segment 3" in error.message and "no SE trailer" in error.message
    assert error.segment_position == 2 + len(first)
    assert [t["transaction_control_number"] for t in result.tables["remit_transactions"]] == ["0002"]


def test_ge_count_mismatch_is_a_warning():
    result = parse_text(CLEAN.replace("GE*1*101", "GE*2*101"))
    assert not result.is_rejected
    assert [i.message for i in result.warnings] == ["GE01 says 2 transactions but the group has 1"]
