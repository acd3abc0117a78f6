"""835 ingest through the loader: good remits load, a truncated file is quarantined with the segment
named, and optional pyx12 validation quarantines what the implementation guide does not allow."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.loader import load_source

FIXTURES = Path(__file__).parent / "x12" / "fixtures"


def _inbox(tmp_path: Path, files: dict[str, bytes]) -> Path:
    target = tmp_path / "inbox" / "clearinghouse"
    target.mkdir(parents=True)
    for name, data in files.items():
        (target / name).write_bytes(data)
    return tmp_path / "inbox"


def test_clean_remit_loads_and_a_truncated_one_is_quarantined(tmp_path):
    clean = (FIXTURES / "clean_5010.835").read_bytes()
    inbox = _inbox(tmp_path, {"clean.835": clean, "truncated.835": clean[: len(clean) * 2 // 3]})
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_source(con, "clearinghouse", inbox, tmp_path / "quarantine")

    assert {f.file_name: f.status for f in report.files} == {"clean.835": "loaded", "truncated.835": "rejected"}
    assert con.execute("select count(distinct _file_name) from raw_clearinghouse.remit_claims").fetchone() == (1,)
    reasons = [
        r[0]
        for r in con.execute(
            "select reason from ingest.quarantine where file_name = 'truncated.835' and severity = 'error'"
        ).fetchall()
    ]
    assert reasons and all(r.startswith("truncated.835: transaction 835 0001, segment ") for r in reasons)
    assert (tmp_path / "quarantine" / "clearinghouse").is_dir()
    copies = list((tmp_path / "quarantine" / "clearinghouse").glob("*truncated.835"))
    assert len(copies) == 1 and copies[0].read_bytes() == clean[: len(clean) * 2 // 3]


def test_same_era_delivered_twice_is_not_loaded_twice(tmp_path):
    clean = (FIXTURES / "clean_5010.835").read_bytes()
    inbox = _inbox(tmp_path, {"era_a.835": clean, "era_b.835": clean})
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_source(con, "clearinghouse", inbox, tmp_path / "quarantine")
    assert sorted(f.status for f in report.files) == ["duplicate", "loaded"]
    claims = con.execute("select count(*) from raw_clearinghouse.remit_claims").fetchone()[0]
    assert claims == con.execute("select count(distinct claim_id) from raw_clearinghouse.remit_claims").fetchone()[0]


def test_pyx12_validation_when_turned_on_rejects_what_only_the_implementation_guide_forbids(tmp_path):
    clean = (FIXTURES / "clean_5010.835").read_bytes()
    bad_code = clean.replace(b"BPR*C*", b"BPR*Q*")  # structurally fine, but Q is no BPR01 handling code
    bad_code = bad_code.replace(b"TRN*1*CHK100200", b"TRN*1*CHK100201")  # another payment, not a re-send
    assert bad_code != clean

    def run(with_pyx12: bool, where: Path) -> dict:
        inbox = _inbox(where, {"bad_code.835": bad_code, "clean.835": clean})
        con = duckdb.connect(str(where / "w.duckdb"))
        report = load_source(con, "clearinghouse", inbox, where / "quarantine", validate_x12_with_pyx12=with_pyx12)
        return {f.file_name: f.status for f in report.files}

    assert run(False, tmp_path / "off") == {"bad_code.835": "loaded", "clean.835": "loaded"}
    assert run(True, tmp_path / "on") == {"bad_code.835": "rejected", "clean.835": "loaded"}


def test_a_transaction_set_with_no_reader_is_quarantined_with_its_name(tmp_path):
    clean = (FIXTURES / "clean_5010.835").read_bytes()
    status_request = clean.replace(b"ST*835*", b"ST*276*")
    inbox = _inbox(tmp_path, {"status.x12": status_request})
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_source(con, "clearinghouse", inbox, tmp_path / "quarantine")
    assert [f.status for f in report.files] == ["rejected"]
    (reason,) = con.execute("select reason from ingest.quarantine").fetchone()
    assert reason == (
        "status.x12: transaction 276 0001, segment 3 (ST): transaction set 276 (claim status "
        "request) is not read here (read here: 271, 277, 835, 837, 999)"
    )
