"""The 999 and 277CA readers on hand-built acknowledgments of our 837P files.

``acks_5010.999``: one 999 answering our group 5 (transaction 0001 accepted, 0002 rejected with two
segment errors and one element error, 0003 accepted with errors; AK9 P = partially accepted) and one
answering group 6 with an IK501 code outside the X12 list. ``claims_5010.277``: a clearinghouse 277CA
with one accepted claim, one rejected claim (two claim statuses and a line status) and one with a
status category code no code list has.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from dagster_project.ingest.loader import load_source
from dagster_project.ingest.x12 import parse_x12

FIXTURES = Path(__file__).parent / "fixtures"
ACK_999 = (FIXTURES / "acks_5010.999").read_text(encoding="ascii")
ACK_277 = (FIXTURES / "claims_5010.277").read_text(encoding="ascii")


def parse(text: str, name: str):
    return parse_x12(text.encode("ascii"), name)


def by(rows: list[dict], key: str) -> dict:
    return {row[key]: row for row in rows}


# -- 999 ----------------------------------------------------------------------------------------------


def test_999_gives_one_row_per_acknowledged_transaction_with_its_group_outcome():
    result = parse(ACK_999, "acks.999")
    assert [t.status for t in result.transactions] == ["loaded", "loaded"]
    acks = result.tables["implementation_acks"]
    assert [
        (
            a["acknowledged_group_control_number"],
            a["acknowledged_transaction_control_number"],
            a["transaction_status_code"],
            a["group_status_code"],
        )
        for a in acks
    ] == [("5", "0001", "A", "P"), ("5", "0002", "R", "P"), ("5", "0003", "E", "P"), ("6", "0001", "Q", "A")]
    rejected = acks[1]
    assert rejected["transaction_syntax_error_codes"] == "5"
    assert (rejected["group_transactions_included"], rejected["group_transactions_accepted"]) == (3, 2)
    assert rejected["acknowledged_at_date"] == date(2026, 11, 21)
    assert rejected["error_count"] == 3


def test_999_errors_keep_the_segment_an_element_error_belongs_to_and_never_the_bad_value():
    errors = parse(ACK_999, "acks.999").tables["implementation_ack_errors"]
    rejected = [e for e in errors if e["implementation_ack_id"].endswith("-0001-2")]
    assert [
        (e["error_level"], e["segment_id"], e["loop_id"], e["element_position"], e["error_code"]) for e in rejected
    ] == [
        ("segment", "NM1", "2010BA", None, "8"),
        ("element", "NM1", "2010BA", 9, "7"),
        ("segment", "REF", "2300", None, "I6"),
    ]
    composite = [e for e in errors if e["implementation_ack_id"].endswith("-0001-3") and e["error_level"] == "element"]
    assert [(e["element_position"], e["component_position"], e["data_element_reference"]) for e in composite] == [
        (3, 1, "1251")
    ]
    assert "SYN000002" not in repr(errors)  # IK404, the copy of the bad value, is not kept


def test_999_unknown_status_code_loads_for_review_with_a_warning_naming_the_segment():
    result = parse(ACK_999, "acks.999")
    [warning] = result.warnings
    assert (warning.segment_position, warning.segment_id) == (21, "IK5")
    assert "IK501 'Q'" in warning.message and "review" in warning.message
    assert result.errors == []


def test_999_transaction_without_ik5_is_quarantined_alone():
    broken = ACK_999.replace("IK5*E~\n", "").replace("SE*15*0001", "SE*14*0001")
    result = parse(broken, "acks.999")
    assert [t.status for t in result.transactions] == ["quarantined", "loaded"]
    [error] = result.errors
    assert error.segment_position == 12 and "no IK5" in error.message


# -- 277CA --------------------------------------------------------------------------------------------


def test_277ca_gives_one_row_per_claim_with_identifiers_dates_and_first_status():
    result = parse(ACK_277, "acks.277")
    assert result.issues == []
    claims = by(result.tables["claim_acks"], "patient_control_number")
    accepted, rejected, odd = claims["CLM-0001"], claims["CLM-0002"], claims["CLM-0003"]
    status = (accepted["status_category_code"], accepted["status_code"], accepted["status_entity_code"])
    assert status == ("A2", "20", "PR")
    assert accepted["payer_claim_control_number"] == "PAYERICN0001"
    assert (accepted["received_date"], accepted["process_date"]) == (date(2026, 11, 21), date(2026, 11, 22))
    assert (accepted["service_from_date"], accepted["service_to_date"]) == (date(2026, 11, 10), date(2026, 11, 10))
    assert accepted["information_source_entity_code"] == "AY" and accepted["billing_provider_npi"] == "1234567893"
    assert (rejected["status_category_code"], rejected["status_code"], rejected["action_code"]) == ("A7", "562", "U")
    assert rejected["total_charge_amount"] == Decimal("120.00") and rejected["payer_claim_control_number"] is None
    assert odd["status_category_code"] == "ZZ"  # kept as delivered: staging gives it the outcome review


def test_277ca_keeps_every_status_composite_of_the_claim_and_its_lines():
    statuses = [s for s in parse(ACK_277, "acks.277").tables["claim_ack_statuses"] if s["claim_ack_id"].endswith("-5")]
    assert [
        (
            s["status_level"],
            s["composite_position"],
            s["status_category_code"],
            s["status_code"],
            s["status_entity_code"],
            s["procedure_code"],
            s["line_item_control_number"],
        )
        for s in statuses
    ] == [
        ("claim", 1, "A7", "562", "85", None, None),
        ("claim", 10, "A7", "145", "QC", None, None),
        ("line", 1, "A7", "454", None, "97530", "V0002-1"),
    ]


def test_277ca_claim_without_a_patient_control_number_quarantines_its_transaction():
    broken = ACK_277.replace("TRN*2*CLM-0002~\n", "").replace("SE*43*0001", "SE*42*0001")
    result = parse(broken, "acks.277")
    [transaction] = result.transactions
    assert transaction.status == "quarantined"
    [error] = result.errors
    assert error.segment_position == 29 and "no TRN*2 patient control number" in error.message
    assert "SYN" not in error.message and "CHILD" not in error.message


def test_277_of_another_guide_is_read_with_a_warning():
    result = parse(ACK_277.replace("005010X214", "005010X212"), "status.277")
    assert any("not the 277CA guide" in w.message for w in result.warnings)
    assert result.transactions[0].status == "loaded"


# -- through the loader -------------------------------------------------------------------------------


def test_acknowledgments_load_into_their_raw_tables(tmp_path):
    inbox = tmp_path / "inbox" / "clearinghouse"
    inbox.mkdir(parents=True)
    (inbox / "ack_901.999").write_text(ACK_999, encoding="ascii")
    (inbox / "ack_902.277").write_text(ACK_277, encoding="ascii")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_source(con, "clearinghouse", tmp_path / "inbox", tmp_path / "quarantine")
    counts = {
        table: con.execute(f"select count(*) from raw_clearinghouse.{table}").fetchone()[0]
        for table in ("implementation_acks", "implementation_ack_errors", "claim_acks", "claim_ack_statuses")
    }
    assert counts == {
        "implementation_acks": 4,
        "implementation_ack_errors": 5,
        "claim_acks": 3,
        "claim_ack_statuses": 5,
    }
    entities = dict(con.execute("select file_name, entity from ingest.file_ledger").fetchall())
    assert entities == {"ack_901.999": "implementation_ack_999", "ack_902.277": "claim_ack_277ca"}
