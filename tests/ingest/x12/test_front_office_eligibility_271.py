"""parse_271 on hand-written 271s: EB03 repeats split on the ISA11 repetition separator, several
subscribers and a dependent in one transaction, an AAA rejection, 2120C related entities, and the
envelope damage that loads with a warning or quarantines the transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from dagster_project.ingest.x12.eligibility_271 import ELIGIBILITY_TABLES, Eligibility271Body, parse_271
from dagster_project.ingest.x12.readers import READERS, parse_x12

FIXTURES = Path(__file__).parent / "fixtures"
MULTI = "front_office_multi_5010.271"


def _multi():
    data = (FIXTURES / MULTI).read_bytes()
    return data, parse_271(data, MULTI)


def test_clean_file_loads_without_issues_and_rows_have_exactly_the_table_columns():
    _, result = _multi()
    assert result.issues == []
    assert not result.is_rejected
    for table, rows in result.tables.items():
        assert rows
        for row in rows:
            assert set(row) == set(ELIGIBILITY_TABLES[table]) | {"_segment_position"}


def test_one_response_per_subscriber_and_dependent():
    _, result = _multi()
    responses = result.tables["eligibility_responses"]
    assert [r["trace_number"] for r in responses] == ["ELG-P0001", "ELG-P0002", "ELG-P0003", "ELG-P0004"]
    assert [r["hierarchical_level"] for r in responses] == ["22", "22", "22", "23"]
    first = responses[0]
    assert first["patient_account_number"] == "P0001"
    assert first["member_id"] == "MBR0001"
    assert first["payer_identifier"] == "TXMCD" and first["payer_name"] == "TEXAS MEDICAID"
    assert first["provider_npi"] == "1234567893"
    assert first["responded_at"] == datetime(2026, 11, 25, 5, 30)
    assert first["plan_begin_date"] == date(2026, 1, 1)
    assert first["benefit_count"] == 3
    assert first["_segment_position"] == 9
    # The dependent inherits nothing from the subscriber loop before it but the header.
    dependent = responses[3]
    assert dependent["patient_account_number"] == "P0004"
    assert dependent["eligibility_date"] == date(2026, 1, 1)  # RD8 range: its first day
    assert dependent["member_id"] is None


def test_eb03_repeats_split_on_the_isa11_repetition_separator():
    _, result = _multi()
    active = [b for b in result.tables["eligibility_benefits"] if b["eligibility_code"] == "1"]
    assert [b["service_type_code"] for b in active] == ["30", "AD", "AE"]
    assert {b["benefit_ordinal"] for b in active} == {1}
    assert [b["eligibility_benefit_id"].rsplit("-", 2)[1:] for b in active] == [["1", "1"], ["1", "2"], ["1", "3"]]
    assert all(b["plan_description"] == "STAR KIDS" and b["insurance_type"] == "MC" for b in active)
    # The 2120C loop after the EB names the managed-care organization on every repeat of that EB.
    assert {(b["related_entity_code"], b["related_entity_identifier"]) for b in active} == {("Y2", "BBCC1")}


def test_visit_limit_and_other_payer_benefits():
    _, result = _multi()
    benefits = {b["eligibility_code"]: b for b in result.tables["eligibility_benefits"]}
    limit = benefits["F"]
    assert (limit["service_type_code"], limit["time_period_qualifier"], limit["quantity_qualifier"]) == (
        "AD",
        "29",
        "VS",
    )
    assert limit["quantity"] == Decimal("0")
    assert limit["related_entity_identifier"] is None  # LE closed the MCO loop before it
    other = benefits["R"]
    assert other["insurance_type"] == "12"
    assert (other["related_entity_code"], other["related_entity_name"]) == ("PRP", "ACME COMMERCIAL PPO")
    assert benefits["6"]["service_type_code"] == "30"


def test_aaa_rejection_is_data_on_the_response_not_a_file_error():
    _, result = _multi()
    rejected = result.tables["eligibility_responses"][1]
    assert (rejected["reject_reason_code"], rejected["reject_follow_up_code"]) == ("72", "C")
    assert rejected["benefit_count"] == 0
    assert not result.is_rejected


def test_source_level_aaa_applies_to_every_subscriber_after_it():
    text = (
        (FIXTURES / MULTI)
        .read_text()
        .replace("NM1*PR*2*TEXAS MEDICAID*****PI*TXMCD~", "NM1*PR*2*TEXAS MEDICAID*****PI*TXMCD~\nAAA*Y**42*R~")
    )
    text = text.replace("SE*36*0001", "SE*37*0001")
    result = parse_271(text.encode(), "down.271")
    assert result.issues == []
    assert {r["reject_reason_code"] for r in result.tables["eligibility_responses"]} == {"42"}


def test_a_different_repetition_separator_is_read_from_isa11():
    text = (FIXTURES / MULTI).read_text().replace("*^*00501*", "*{*00501*").replace("30^AD^AE", "30{AD{AE")
    result = parse_271(text.encode(), "brace.271")
    assert result.issues == []
    active = [b["service_type_code"] for b in result.tables["eligibility_benefits"] if b["eligibility_code"] == "1"]
    assert active == ["30", "AD", "AE"]


def test_registered_under_271_and_routed_by_st01_whatever_the_file_is_called():
    data, _ = _multi()
    for name in ("elig.271", "elig.dat", "elig.txt"):
        assert [t.transaction_set for t in parse_x12(data, name).transactions] == ["271"]
    assert READERS["271"].body is Eligibility271Body
    assert set(READERS["271"].tables) == set(ELIGIBILITY_TABLES)


def test_wrong_segment_count_warns_and_truncation_quarantines():
    text = (FIXTURES / MULTI).read_text()
    wrong_count = parse_271(text.replace("SE*36*0001", "SE*30*0001").encode(), "count.271")
    assert not wrong_count.is_rejected and len(wrong_count.tables["eligibility_responses"]) == 4
    assert [i.message for i in wrong_count.warnings] == ["SE01 says 30 segments but the transaction has 36"]
    truncated = parse_271(text[: text.index("EB*6") + 6].encode(), "cut.271")
    assert truncated.is_rejected
    assert any("truncated" in i.message for i in truncated.errors)


def test_an_835_is_not_read_as_a_271():
    data = (FIXTURES / "clean_5010.835").read_bytes()
    result = parse_271(data, "clean.835")
    assert result.is_rejected
    assert [i.message for i in result.errors] == [
        "transaction set 835 (remittance advice) is not read here (read here: 271)"
    ]
    assert result.tables == {}
