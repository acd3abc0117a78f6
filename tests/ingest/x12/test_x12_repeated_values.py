"""The readers share what repeats within and across files (identical segments split once, amounts and dates
read once): a repeated bad value is still reported every time it appears, a zero amount still loads, blank
pieces between terminators are not counted as segments, and the 837 claim text still shows every segment
with its delimiters normalised."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from dagster_project.ingest.x12 import values
from dagster_project.ingest.x12.claim_837 import parse_837
from dagster_project.ingest.x12.remit_835 import parse_835
from dagster_project.ingest.x12.values import DecimalReader
from dagster_project.ingest.x12_tables import MONEY

FIXTURES = Path(__file__).parent / "fixtures"
REMIT = (FIXTURES / "clean_5010.835").read_text(encoding="ascii")
CLAIMS = (FIXTURES / "claims_clean_5010.837").read_text(encoding="ascii")


def _positions(result) -> dict[str, list[int]]:
    return {table: [row["_segment_position"] for row in rows] for table, rows in result.tables.items()}


def _values(result) -> dict[str, list[dict]]:
    """Rows without their ids, which start with the file's hash."""
    return {
        table: [{k: v for k, v in row.items() if not k.endswith("_id")} for row in rows]
        for table, rows in result.tables.items()
    }


def test_a_repeated_bad_amount_is_an_error_at_each_segment():
    # Both SVC lines of the first claim carry the same unreadable payment (three decimal places).
    text = REMIT.replace("SVC*HC:97530:GO*150.00*90.00**2~", "SVC*HC:97530:GO*150.00*90.005**2~").replace(
        "SVC*HC:97110:GO:KX*150.00*90.00**2~", "SVC*HC:97110:GO:KX*150.00*90.005**2~"
    )
    result = parse_835(text.encode(), "bad_amounts.835")
    errors = [issue for issue in result.errors if issue.segment_id == "SVC"]
    assert [issue.segment_position for issue in errors] == [22, 29]
    assert all("SVC03 (line payment)" in issue.message and "3 decimal places" in issue.message for issue in errors)


def test_a_repeated_bad_date_is_an_error_at_each_segment_and_good_dates_still_read():
    text = REMIT.replace("DTM*472*20251201~", "DTM*472*20251341~")  # both lines of the first claim
    result = parse_835(text.encode(), "bad_dates.835")
    errors = [issue for issue in result.errors if issue.segment_id == "DTM"]
    assert [issue.segment_position for issue in errors] == [23, 30]
    assert all("not a real calendar date" in issue.message for issue in errors)
    clean = parse_835(REMIT.encode(), "clean.835")
    assert [line["service_date"] for line in clean.tables["remit_lines"]][:2] == [date(2025, 12, 1)] * 2


def test_a_zero_amount_loads_as_zero():
    result = parse_835(REMIT.encode(), "clean.835")
    second_claim = result.tables["remit_claims"][1]
    assert second_claim["patient_responsibility_amount"] == Decimal("0")  # CLP05 "0"
    assert not result.errors


def test_blank_pieces_between_terminators_are_not_segments():
    spaced = CLAIMS.replace("~", "~~ \n~", 5)  # empty and whitespace-only pieces
    expected, result = parse_837(CLAIMS.encode(), "clean.837"), parse_837(spaced.encode(), "spaced.837")
    assert result.issues == expected.issues == []
    assert _positions(result) == _positions(expected)
    assert _values(result) == _values(expected)


def test_claim_text_is_normalised_when_isa16_is_not_a_colon():
    declared = CLAIMS.replace(":", ">")  # ISA16 and every composite use ">"
    expected, result = parse_837(CLAIMS.encode(), "clean.837"), parse_837(declared.encode(), "declared.837")
    assert result.issues == []
    assert [h["claim_x12"] for h in result.tables["claim_headers"]] == [
        h["claim_x12"] for h in expected.tables["claim_headers"]
    ]
    assert (
        result.tables["claim_transactions"][0]["billing_x12"] == expected.tables["claim_transactions"][0]["billing_x12"]
    )
    assert "SV1*HC:97530:GO*" in result.tables["claim_headers"][0]["claim_x12"]


def test_full_value_caches_start_over_and_keep_reading_right(monkeypatch):
    amounts = DecimalReader(MONEY)
    amounts.CACHE_LIMIT = 2
    assert [amounts(v) for v in ("1.00", "2.50", "3", "2.50")] == [
        Decimal(1),
        Decimal("2.5"),
        Decimal(3),
        Decimal("2.5"),
    ]
    assert len(amounts.cache) <= 2 and "2.50" in amounts.cache  # the latest values are remembered

    monkeypatch.setattr(values, "D8_CACHE_LIMIT", 2)
    values._d8_dates.clear()
    read = [values.parse_d8(v) for v in ("20250101", "20250102", "20250103")]
    assert read == [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)]
    assert len(values._d8_dates) <= 2 and values.known_d8("20250103") == date(2025, 1, 3)
