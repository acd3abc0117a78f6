"""Accept what is readable, per transaction: each oddity of real clearinghouse files, fed through the
loader, and what loaded, warned and was quarantined for every transaction set.

The files are built from the clean 835 fixture: three transaction sets (ST02 0001-0003, each its own
payment: trace numbers CHK1, CHK2, CHK3) in one interchange, with one thing wrong at a time.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.loader import load_source
from dagster_project.ingest.x12 import parse_x12

FIXTURES = Path(__file__).parent / "fixtures"
CLEAN = (FIXTURES / "clean_5010.835").read_text(encoding="ascii")
SEGMENTS = [line.rstrip("~") for line in CLEAN.splitlines() if line.strip()]
BODY = SEGMENTS[3:-3]  # BPR .. PLB of the fixture's one transaction
PATIENT_VALUES = ("TESTPATIENT", "ALPHA", "GAMMA", "MEMBER001", "MEMBER002")


def transaction(control: str, *, trace: str, replace: list[tuple[str, str]] = (), extra: int = 0) -> list[str]:
    body = [segment.replace("TRN*1*CHK100200", f"TRN*1*{trace}") for segment in BODY]
    for old, new in replace:
        body = [segment.replace(old, new) for segment in body]
    return [f"ST*835*{control}", *body, f"SE*{len(body) + 2 + extra}*{control}"]


def interchange(
    transactions: list[list[str]],
    *,
    isa13: str = "000000101",
    gs06: str = "101",
    ge01: int | None = None,
    ge02: str | None = None,
    iea02: str | None = None,
) -> str:
    isa = SEGMENTS[0].replace("000000101", isa13)
    gs = SEGMENTS[1].replace("*101*", f"*{gs06}*")
    trailer = [f"GE*{len(transactions) if ge01 is None else ge01}*{ge02 or gs06}", f"IEA*1*{iea02 or isa13}"]
    return "~\n".join([isa, gs, *[s for t in transactions for s in t], *trailer]) + "~\n"


def three(**changes) -> list[list[str]]:
    """Transactions 0001-0003; ``changes`` maps a control number to the keyword arguments of its change."""
    return [
        transaction(control, trace=f"CHK{n}", **changes.get(control, {}))
        for n, control in enumerate(["0001", "0002", "0003"], start=1)
    ]


@pytest.fixture
def load(tmp_path):
    """Load {file name: text or bytes} through the clearinghouse loader; return the connection."""

    def run(files: dict[str, str | bytes], *, pyx12: bool = False):
        inbox = tmp_path / "inbox" / "clearinghouse"
        inbox.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (inbox / name).write_bytes(content.encode("ascii") if isinstance(content, str) else content)
        con = duckdb.connect(str(tmp_path / "w.duckdb"))
        load_source(con, "clearinghouse", tmp_path / "inbox", tmp_path / "quarantine", validate_x12_with_pyx12=pyx12)
        return con

    return run


def ledger(con, file_name: str) -> dict:
    columns = [
        "status",
        "rows_loaded",
        "rows_quarantined",
        "transactions_loaded",
        "transactions_quarantined",
        "transactions_duplicate",
        "duplicate_of",
        "summary",
        "entity",
    ]
    row = con.execute(
        f"select {', '.join(columns)} from ingest.file_ledger where file_name = ?", [file_name]
    ).fetchone()
    return dict(zip(columns, row, strict=False))


def quarantine(con, file_name: str, severity: str) -> list[tuple]:
    return con.execute(
        "select transaction_control_number, line_number, reason from ingest.quarantine "
        "where file_name = ? and severity = ? order by line_number",
        [file_name, severity],
    ).fetchall()


def loaded_transactions(con) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select transaction_control_number from raw_clearinghouse.remit_transactions order by 1"
        ).fetchall()
    ]


def segment_of(text: str, start: str, occurrence: int = 1) -> int:
    """1-based position of the ``occurrence``-th segment starting with ``start``."""
    positions = [i for i, s in enumerate(text.replace("~\n", "~").split("~"), start=1) if s.startswith(start)]
    return positions[occurrence - 1]


def assert_no_patient_values(con) -> None:
    texts = [r[0] for r in con.execute("select reason from ingest.quarantine").fetchall()]
    texts += [r[0] or "" for r in con.execute("select summary from ingest.file_ledger").fetchall()]
    assert not [t for t in texts if any(v in t for v in PATIENT_VALUES)]


# -- envelope bookkeeping that disagrees: everything loads, with a warning ---------------------------


def test_se_count_wrong_but_readable_loads_with_a_warning(load):
    text = interchange(three(**{"0002": {"extra": 3}}))
    con = load({"se.835": text})
    assert loaded_transactions(con) == ["0001", "0002", "0003"]
    row = ledger(con, "se.835")
    assert (row["status"], row["rows_loaded"], row["transactions_loaded"]) == ("loaded", 6, 3)
    assert "SE01 says 44 segments but the transaction has 41" in row["summary"]
    [(control, position, reason)] = quarantine(con, "se.835", "warning")
    assert (control, position) == ("0002", segment_of(text, "SE*44"))
    assert reason.startswith(f"warning: se.835: transaction 835 0002, segment {position} (SE): SE01 says 44")
    assert quarantine(con, "se.835", "error") == []


def test_ge_and_iea_control_numbers_that_disagree_load_with_warnings(load):
    text = interchange(three(), ge01=2, ge02="999", iea02="000000777")
    con = load({"envelope.835": text})
    assert loaded_transactions(con) == ["0001", "0002", "0003"]
    row = ledger(con, "envelope.835")
    assert row["status"] == "loaded" and row["transactions_quarantined"] == 0
    warnings = [r[2] for r in quarantine(con, "envelope.835", "warning")]
    assert [w.split(": ", 3)[-1] for w in warnings] == [
        "GE01 says 2 transactions but the group has 3",
        "GE02 control number '999' does not match GS06 '101'",
        "IEA02 control number '000000777' does not match ISA13 '000000101'",
    ]
    assert row["summary"].startswith("3 of 3 transaction sets loaded (6 rows); 3 warnings: ")


# -- damage inside one transaction: that transaction is quarantined, the others load -----------------


def test_truncated_file_keeps_the_complete_transactions(load, tmp_path):
    text = interchange(three())
    cut = text.index("CLP*PCN1002", text.index("ST*835*0003"))
    con = load({"cut.835": text[:cut]})
    assert loaded_transactions(con) == ["0001", "0002"]
    row = ledger(con, "cut.835")
    assert (row["status"], row["transactions_loaded"], row["transactions_quarantined"]) == ("loaded_with_rejects", 2, 1)
    assert (row["rows_loaded"], row["rows_quarantined"]) == (4, 1)
    errors = quarantine(con, "cut.835", "error")
    assert {control for control, _, _ in errors} == {"0003"}
    assert any("truncated" in reason for _, _, reason in errors)
    copies = list((tmp_path / "quarantine" / "clearinghouse").glob("*cut.835"))
    assert len(copies) == 1 and copies[0].read_text() == text[:cut]


def test_claim_without_its_charge_quarantines_its_transaction_only(load):
    # 0002 also pays one cent more than its claims add up to: a balance warning, kept with it.
    text = interchange(
        three(**{"0002": {"replace": [("CLP*PCN1002*1*100.00*", "CLP*PCN1002*1**"), ("BPR*C*245.00", "BPR*C*245.01")]}})
    )
    con = load({"no_charge.835": text})
    assert loaded_transactions(con) == ["0001", "0003"]
    [(control, position, reason)] = quarantine(con, "no_charge.835", "error")
    assert (control, position) == ("0002", segment_of(text, "CLP*PCN1002", 2))
    assert reason == (
        f"no_charge.835: transaction 835 0002, segment {position} (CLP): CLP03 (total claim charge) is empty"
    )
    # The balance warning of the quarantined transaction is kept with it.
    [(control, _, kept)] = quarantine(con, "no_charge.835", "warning")
    assert control == "0002" and "transaction 0002 does not balance" in kept
    assert ledger(con, "no_charge.835")["status"] == "loaded_with_rejects"
    assert_no_patient_values(con)


def test_impossible_date_quarantines_its_transaction_without_repeating_the_date(load):
    text = interchange(three(**{"0001": {"replace": [("DTM*232*20251201", "DTM*232*20260231")]}}))
    con = load({"date.835": text})
    assert loaded_transactions(con) == ["0002", "0003"]
    [(control, position, reason)] = quarantine(con, "date.835", "error")
    assert (control, position) == ("0001", segment_of(text, "DTM*232"))
    assert "DTM02 (statement from date) is not a real calendar date" in reason
    assert "20260231" not in reason


def test_unknown_segment_id_mid_transaction_quarantines_it_and_counts_in_se(load):
    body = transaction("0002", trace="CHK2")
    body.insert(body.index("LX*1") + 1, "ZZ9*SOMETHING")
    body[-1] = f"SE*{len(body)}*0002"  # the sender counted ZZ9
    text = interchange([transaction("0001", trace="CHK1"), body, transaction("0003", trace="CHK3")])
    con = load({"unknown.835": text})
    assert loaded_transactions(con) == ["0001", "0003"]
    [(control, position, reason)] = quarantine(con, "unknown.835", "error")
    assert (control, position) == ("0002", segment_of(text, "ZZ9"))
    assert "segment ID 'ZZ9' is not part of an 835" in reason
    assert not [r for r in quarantine(con, "unknown.835", "warning") if "SE01" in r[2]]


def test_amount_with_three_decimals_is_never_rounded(load):
    text = interchange(
        three(
            **{
                "0001": {"replace": [("CLP*PCN1002*1*100.00*75.00", "CLP*PCN1002*1*100.005*75.00")]},
                "0002": {"replace": [("AMT*B6*80.00", "AMT*B6*80.500")]},
            }
        )
    )
    con = load({"decimals.835": text})
    assert loaded_transactions(con) == ["0002", "0003"]
    [(control, _, reason)] = quarantine(con, "decimals.835", "error")
    assert control == "0001"
    assert "CLP03 (total claim charge) is '100.005', which has 3 decimal places" in reason
    # 80.500 is 80.50 exactly: trailing zeros are not precision.
    assert con.execute(
        "select allowed_amount from raw_clearinghouse.remit_lines l join raw_clearinghouse.remit_claims c "
        "using (remit_claim_id) join raw_clearinghouse.remit_transactions t using (remit_transaction_id) "
        "where t.transaction_control_number = '0002' and l.procedure_code = '97165'"
    ).fetchone() == (Decimal("80.50"),)


# -- reading what any file name holds -----------------------------------------------------------------


def test_byte_order_mark_loads_with_and_without_pyx12(load):
    con = load({"bom.835": b"\xef\xbb\xbf" + CLEAN.encode("ascii")}, pyx12=True)
    assert ledger(con, "bom.835")["status"] == "loaded"
    assert con.execute("select count(*) from raw_clearinghouse.remit_claims").fetchone() == (2,)
    assert quarantine(con, "bom.835", "error") == []


def test_files_route_by_content_not_extension(load):
    eligibility = (FIXTURES / "front_office_multi_5010.271").read_bytes()
    premium = CLEAN.replace("ST*835*0001", "ST*820*0001")
    con = load(
        {"remit.dat": CLEAN, "answers.271": eligibility, "premium.820": premium, "notes.txt": "claim_id,amount\n"}
    )
    assert ledger(con, "remit.dat")["entity"] == "remittance_835"
    assert ledger(con, "answers.271")["entity"] == "eligibility_271"
    assert con.execute("select count(*) from raw_clearinghouse.remit_claims").fetchone() == (2,)
    assert con.execute("select count(*) from raw_clearinghouse.eligibility_responses").fetchone() == (4,)
    assert ledger(con, "premium.820")["status"] == "rejected"
    [(_, _, reason)] = quarantine(con, "premium.820", "error")
    assert "transaction set 820 (premium payment) is not read here" in reason
    [(_, _, reason)] = quarantine(con, "notes.txt", "error")
    assert "this is not an X12 file" in reason


def test_a_file_with_several_transaction_sets_routes_each_to_its_reader():
    claims = (FIXTURES / "claims_clean_5010.837").read_text(encoding="ascii")
    mixed = CLEAN.strip() + "\n" + claims
    result = parse_x12(mixed.encode("ascii"), "mixed.edi")
    assert [(t.transaction_set, t.status) for t in result.transactions] == [("835", "loaded"), ("837", "loaded")]
    assert len(result.tables["remit_claims"]) == 2 and len(result.tables["claim_headers"]) == 2


# -- the same remittance in a new envelope ------------------------------------------------------------


def test_remittance_resent_in_a_new_envelope_is_not_posted_twice(load):
    first = interchange(three())
    resent = interchange(three(), isa13="000000555", gs06="555")
    con = load({"era_a.835": first, "era_b.835": resent})
    assert con.execute("select count(*) from raw_clearinghouse.remit_transactions").fetchone() == (3,)
    assert con.execute("select count(*) from raw_clearinghouse.remit_claims").fetchone() == (6,)
    first_sha = con.execute("select file_sha256 from ingest.file_ledger where file_name = 'era_a.835'").fetchone()[0]
    row = ledger(con, "era_b.835")
    assert (row["status"], row["transactions_duplicate"], row["duplicate_of"]) == ("duplicate", 3, first_sha)
    assert row["rows_loaded"] == 0
    assert "re-sent remittance" in row["summary"]


def test_resent_remittance_is_recognised_in_a_later_run_and_a_new_payment_is_not(load):
    con = load({"era_a.835": interchange(three())})
    con.close()
    other_amounts = three(**{"0003": {"replace": [("BPR*C*245.00", "BPR*C*246.00")]}})
    con = load({"era_b.835": interchange(other_amounts, isa13="000000556", gs06="556")})
    row = ledger(con, "era_b.835")
    # 0001 and 0002 re-send payments already posted; 0003 carries another amount: a payment of its own.
    assert (row["status"], row["transactions_duplicate"], row["transactions_loaded"]) == ("loaded", 2, 1)
    assert con.execute("select count(*) from raw_clearinghouse.remit_transactions").fetchone() == (4,)


# -- pyx12 validation never stops ingest --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param(
            "claims_a2.837",
            (FIXTURES / "claims_clean_5010.837").read_text().replace("005010X222A1", "005010X222A2"),
            id="837P-X222A2-no-map",
        ),
        pytest.param("answers.271", (FIXTURES / "front_office_multi_5010.271").read_text(), id="271-X279A1-no-map"),
        pytest.param("st_only.835", (FIXTURES / "st_only.835").read_text(), id="no-envelope"),
    ],
)
def test_pyx12_reports_what_it_could_not_validate_and_ingest_goes_on(load, name, content):
    con = load({name: content}, pyx12=True)
    row = ledger(con, name)
    assert row["status"] == "loaded" and row["transactions_loaded"] == 1
    warnings = [r[2] for r in quarantine(con, name, "warning")]
    assert any("pyx12 did not validate the file" in w for w in warnings), warnings
    assert "pyx12 did not validate the file" in row["summary"]


def test_a_piece_that_is_not_a_segment_quarantines_its_transaction_and_stray_data_is_reported():
    body = transaction("0002", trace="CHK2")
    body.insert(body.index("LX*1") + 1, "12 GARBAGE")
    body[-1] = f"SE*{len(body)}*0002"
    text = interchange([transaction("0001", trace="CHK1"), body])
    text = text.replace("GE*2*101", "CLP*STRAY*1*1.00*1.00~\nGE*2*101")
    result = parse_x12(text.encode("ascii"), "garbage.835")
    assert [(t.control_number, t.status) for t in result.transactions] == [("0001", "loaded"), ("0002", "quarantined")]
    [error] = result.transactions[1].errors
    assert error.message.endswith("does not start with a segment ID (2-3 capital letters or digits)")
    [stray] = result.file_issues
    assert stray.is_error and "outside any transaction" in stray.message and "(CLP)" in stray.message
