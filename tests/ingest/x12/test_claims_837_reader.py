"""837P reader (claims area): the layout oddities of real files (docs/domain-reference.md section 7) read the same rows;
damage is reported with the segment position and quarantines its transaction; the loader puts 837P rows into
raw_clearinghouse.claim_* and quarantines a broken file; pyx12 accepts the fixture."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from dagster_project.ingest.loader import load_source
from dagster_project.ingest.x12.claim_837 import parse_837
from dagster_project.ingest.x12.readers import READERS, parse_x12
from dagster_project.ingest.x12.validate import validate_with_pyx12

FIXTURE = Path(__file__).parent / "fixtures" / "claims_clean_5010.837"
CLEAN = FIXTURE.read_text(encoding="ascii")
SEGMENTS = [line.rstrip("~") for line in CLEAN.splitlines() if line.strip()]
IDS = {"claim_transaction_id", "claim_record_id", "claim_line_id", "_segment_position", "segment_position"}


def parse(text: str, name: str = "variant.837", encoding: str = "ascii"):
    return parse_837(text.encode(encoding), name)


def rows(result) -> dict:
    return {t: [{k: v for k, v in r.items() if k not in IDS} for r in rs] for t, rs in result.tables.items()}


def test_clean_file_reads_claims_lines_and_overrides_with_decimal_money():
    result = parse(CLEAN, "clean.837")
    assert result.issues == []
    headers, lines = result.tables["claim_headers"], result.tables["claim_lines"]
    assert [h["claim_id"] for h in headers] == ["CL0100001", "CL0100002"]
    first, second = headers
    assert first["total_charge_amount"] == Decimal("206.00") and isinstance(first["total_charge_amount"], Decimal)
    assert (first["place_of_service"], first["claim_frequency_code"], first["authorization_number"]) == (
        "11",
        "1",
        "AUTH-1",
    )
    assert first["diagnosis_codes"] == "F82|R278" and first["claim_filing_indicator"] == "MC"
    assert (first["rendering_npi"], first["referring_npi"]) == ("1558598797", "1912301953")
    assert (second["claim_frequency_code"], second["payer_claim_control_number"]) == ("7", "ICN-77")
    assert [
        (ln["claim_id"], ln["line_number"], ln["procedure_code"], ln["modifiers"], ln["units"]) for ln in lines
    ] == [
        ("CL0100001", 1, "97530", "GO", Decimal("2")),
        ("CL0100001", 2, "97110", "GO", Decimal("1")),
        ("CL0100002", 1, "97165", "GO|95", Decimal("1")),
    ]
    assert lines[0]["service_date"] == date(2026, 11, 2) and lines[0]["line_control_number"] == "VS-1-1"
    assert lines[0]["diagnosis_pointers"] == "1|2"
    # 2400 REF*G1 and 2420A NM1*82 belong to the line, not the claim.
    assert (lines[2]["authorization_number"], lines[2]["rendering_npi"]) == ("AUTH-LINE", "1122334455")
    assert second["authorization_number"] is None and second["rendering_npi"] == "1376607150"
    txn = result.tables["claim_transactions"][0]
    assert (txn["interchange_sender_id"], txn["billing_provider_npi"], txn["billing_provider_tin"]) == (
        "SUNNYSTEPSOT",
        "1234567893",
        "741234567",
    )


def test_layout_variants_read_the_same_rows():
    expected = rows(parse(CLEAN))
    bom = parse(CLEAN, encoding="utf-8-sig")
    crlf_indented = parse("\r\n".join("   " + s + "~" for s in SEGMENTS) + "\r\n")
    one_line = parse("".join(s + "~" for s in SEGMENTS))
    newline_terminated = parse("\n".join(SEGMENTS) + "\n")  # no "~": segments end at line breaks
    for variant in (bom, crlf_indented, one_line):
        assert variant.issues == [] and rows(variant) == expected
    assert not newline_terminated.is_rejected and rows(newline_terminated) == expected


def test_component_separator_other_than_isa16_is_read_with_a_warning():
    text = CLEAN.replace("SV1*HC:97530:GO*", "SV1*HC>97530>GO*")
    result = parse(text)
    assert not result.is_rejected

    # The rows match; the kept claim text shows the segment as sent (">" inside SV101).
    def without_text(r):
        return {t: [{k: v for k, v in row.items() if k != "claim_x12"} for row in rs] for t, rs in rows(r).items()}

    assert without_text(result) == without_text(parse(CLEAN))
    assert "SV1*HC>97530>GO*" in result.tables["claim_headers"][0]["claim_x12"]
    (warning,) = result.warnings
    assert warning.segment_id == "SV1" and "'>'" in warning.message


def test_several_interchanges_groups_and_transactions_in_one_file():
    body = SEGMENTS[2:-2]  # ST..SE
    second_st = [s.replace("ST*837*0001", "ST*837*0002").replace("SE*51*0001", "SE*51*0002") for s in body]
    two_st = SEGMENTS[:2] + body + second_st + ["GE*2*5", "IEA*1*000000005"]
    interchange_2 = [
        s.replace("000000005", "000000006").replace("*5*X*", "*6*X*").replace("GE*1*5", "GE*1*6") for s in SEGMENTS
    ]
    result = parse("~".join(two_st + interchange_2) + "~")
    assert result.issues == []
    assert len(result.tables["claim_transactions"]) == 3
    assert len(result.tables["claim_headers"]) == 6 and len(result.tables["claim_lines"]) == 9
    assert len({h["claim_record_id"] for h in result.tables["claim_headers"]}) == 6


def test_file_that_starts_at_st_loads_with_a_warning():
    result = parse("~".join(SEGMENTS[2:-2]) + "~")
    assert not result.is_rejected
    assert [i.message[:30] for i in result.warnings] == ["the file has no ISA/GS envelop"]
    assert len(result.tables["claim_lines"]) == 3


def test_truncated_last_segment_is_an_error_with_its_position():
    result = parse(CLEAN[: CLEAN.index("SV1*HC:97110") + 12])
    assert result.is_rejected
    assert any("looks truncated" in i.message and i.segment_position == 32 for i in result.errors)


def test_unknown_segment_id_quarantines_the_transaction_and_is_counted_in_se():
    text = CLEAN.replace("LX*2~", "ZZZ*1~\nLX*2~").replace("SE*51*0001", "SE*52*0001")
    result = parse(text)
    assert result.is_rejected
    assert [(e.segment_position, e.message) for e in result.errors] == [
        (31, "segment ID 'ZZZ' is not part of an 837P: the transaction cannot be read whole")
    ]
    assert result.warnings == []  # SE01 = 52 counts the unknown segment: no count warning


def test_wrong_se_count_loads_with_a_warning_naming_the_segment():
    result = parse(CLEAN.replace("SE*51*0001", "SE*50*0001"))
    assert not result.is_rejected and rows(result) == rows(parse(CLEAN))
    (warning,) = result.warnings
    assert (warning.segment_position, warning.segment_id) == (53, "SE")
    assert "SE01 says 50 segments but the transaction has 51" in warning.message


def test_4010_claims_read_icd9_qualifiers_too():
    text = (
        CLEAN.replace("005010X222A1", "004010X098A1")
        .replace("*00501*", "*00401*")
        .replace("*^*00401*", "*U*00401*")
        .replace("HI*ABK:F82*ABF:R278", "HI*BK:31400*BF:7817")
    )
    result = parse(text)
    assert not result.is_rejected
    assert result.tables["claim_headers"][0]["diagnosis_codes"] == "31400|7817"
    assert result.tables["claim_transactions"][0]["implementation_version"] == "004010X098A1"


def test_a_835_is_not_an_837():
    result = parse(CLEAN.replace("ST*837*0001", "ST*835*0001"))
    assert result.is_rejected
    assert result.errors[0].message == "transaction set 835 (remittance advice) is not read here (read here: 837)"


def test_registry_routes_837_files_to_this_reader():
    assert [t.transaction_set for t in parse_x12(CLEAN.encode(), "x.dat").transactions] == ["837"]
    assert READERS["837"].count_table == "claim_headers"


def test_fixture_passes_pyx12(tmp_path):
    assert validate_with_pyx12(FIXTURE) == []
    broken = tmp_path / "bad_pos.837"
    broken.write_text(CLEAN.replace("SBR*P*18*******MC", "SBR*Q*18*******MC"), encoding="ascii")
    assert validate_with_pyx12(broken) != []


def test_loader_puts_837p_rows_in_raw_tables_and_quarantines_a_broken_file(tmp_path):
    inbox = tmp_path / "inbox" / "clearinghouse"
    inbox.mkdir(parents=True)
    (inbox / "claims_a.837").write_text(CLEAN, encoding="ascii")
    (inbox / "claims_b.837").write_text(CLEAN.replace("CLM*CL0100002*", "CLM*CL0100002*CHARGE"), encoding="ascii")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_source(
        con, "clearinghouse", tmp_path / "inbox", tmp_path / "quarantine", validate_x12_with_pyx12=True
    )
    assert {f.file_name: (f.status, f.entity) for f in report.files} == {
        "claims_a.837": ("loaded", "claim_837p"),
        "claims_b.837": ("rejected", "claim_837p"),
    }
    assert con.execute("select count(*) from raw_clearinghouse.claim_headers").fetchone() == (2,)
    assert con.execute("select sum(charge_amount) from raw_clearinghouse.claim_lines").fetchone() == (
        Decimal("446.00"),
    )
    (reason,) = con.execute(
        "select reason from ingest.quarantine where file_name = 'claims_b.837' and severity = 'error'"
    ).fetchone()
    position = SEGMENTS.index(next(s for s in SEGMENTS if s.startswith("CLM*CL0100002"))) + 1
    assert reason.startswith(
        f"claims_b.837: transaction 837 0001, segment {position} (CLM): CLM02 (total claim charge)"
    )
