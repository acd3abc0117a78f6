"""CSV ingest: bad input is quarantined with a reason naming file and line; good rows still load;
the same file delivered twice changes nothing."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.contracts import Authorization
from dagster_project.ingest.csv_reader import FileRejected, read_contract_csv
from dagster_project.ingest.loader import load_source

HEADER = (
    "authorization_id,authorization_number,patient_id,coverage_id,payer_id,status,unit_type,"
    "approved_quantity,start_date,end_date,cpt_codes,diagnosis_codes,requested_at\n"
)
GOOD = "A1,N1,P1,C1,TXMCO1,approved,visits,24,2026-10-01,2026-12-31,97530|97110,F82,\n"
GOOD2 = "A2,N2,P2,C2,TXMCO2,approved,units,48,2026-09-01,2027-02-28,97530,F82|R27.8,2026-08-20T14:00:00Z\n"
BAD_DATE = "A3,N3,P3,C3,TXMCO1,approved,visits,24,2026-10-01,2026-13-01,97530,F82,\n"


def _inbox(tmp_path: Path, files: dict[str, bytes]) -> Path:
    inbox = tmp_path / "inbox"
    (inbox / "ehr").mkdir(parents=True)
    for name, data in files.items():
        (inbox / "ehr" / name).write_bytes(data)
    return inbox


def _load(tmp_path: Path, inbox: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_source(con, "ehr", inbox, tmp_path / "quarantine")
    return con, report


def test_malformed_row_is_quarantined_with_line_and_column_while_good_rows_load(tmp_path):
    inbox = _inbox(tmp_path, {"authorizations.csv": (HEADER + GOOD + BAD_DATE + GOOD2).encode()})
    con, report = _load(tmp_path, inbox)

    assert [f.status for f in report.files] == ["loaded_with_rejects"]
    ids = sorted(r[0] for r in con.execute("select authorization_id from raw_ehr.authorizations").fetchall())
    assert ids == ["A1", "A2"]
    (reason,) = con.execute("select reason from ingest.quarantine").fetchone()
    assert "authorizations.csv: line 3: end_date" in reason
    assert "2026-13-01" not in reason  # reasons never echo values (they can be PHI)
    rejected = next((tmp_path / "quarantine" / "ehr").glob("*.rejected.csv")).read_text()
    # The quarantined copy keeps the original cells, with the line number first.
    assert rejected.splitlines()[1].startswith("3,") and "2026-13-01" in rejected


def test_same_file_delivered_twice_changes_nothing(tmp_path):
    data = (HEADER + GOOD).encode()
    inbox = _inbox(tmp_path, {"authorizations.csv": data})
    con, first = _load(tmp_path, inbox)
    (inbox / "ehr" / "authorizations_resent.csv").write_bytes(data)
    second = load_source(con, "ehr", inbox, tmp_path / "quarantine")

    assert [f.status for f in first.files] == ["loaded"]
    assert sorted(f.status for f in second.files) == ["duplicate", "duplicate"]
    assert con.execute("select count(*) from raw_ehr.authorizations").fetchone()[0] == 1
    assert con.execute("select count(*) from ingest.file_ledger").fetchone()[0] == 1


def test_wrong_encoding_rejects_the_file_and_names_the_line(tmp_path):
    latin1 = HEADER + GOOD + "A9,N9,P9,C9,TXMCO1,approved,visits,24,2026-10-01,2026-12-31,97530,F82,\n"
    data = latin1.encode().replace(b"N9", b"N\xe99")  # a Latin-1 e-acute in line 3
    inbox = _inbox(tmp_path, {"authorizations.csv": data})
    con, report = _load(tmp_path, inbox)

    assert [f.status for f in report.files] == ["rejected"]
    (reason,) = con.execute("select reason from ingest.quarantine").fetchone()
    assert reason.startswith("authorizations.csv: line 3: not UTF-8")
    assert con.execute("select count(*) from raw_ehr.authorizations").fetchone()[0] == 0
    assert len(list((tmp_path / "quarantine" / "ehr").glob("*authorizations.csv.reason.txt"))) == 1


def test_byte_order_mark_is_accepted(tmp_path):
    inbox = _inbox(tmp_path, {"authorizations.csv": b"\xef\xbb\xbf" + (HEADER + GOOD).encode()})
    con, report = _load(tmp_path, inbox)
    assert [f.status for f in report.files] == ["loaded"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER.replace("payer_id,", ""), "missing required column(s) payer_id"),
        (HEADER.replace("requested_at", "requested_at,notes"), "unknown column(s) notes"),
        (HEADER.replace("status,", "status,status,"), "duplicated column(s) status"),
    ],
)
def test_header_that_breaks_the_contract_rejects_the_file(header, expected):
    with pytest.raises(FileRejected, match=r"line 1: header does not match the authorizations contract") as err:
        read_contract_csv((header + GOOD).encode(), "authorizations.csv", Authorization)
    assert expected in str(err.value)


def test_short_row_and_duplicate_key_are_rejected_individually():
    data = (HEADER + GOOD + "A5,N5\n" + GOOD).encode()
    result = read_contract_csv(data, "authorizations.csv", Authorization)
    assert result.frame["authorization_id"].to_list() == ["A1"]
    reasons = [reason for _, _, reason in result.rejected]
    assert reasons == [
        "authorizations.csv: line 3: expected 13 fields, found 2",
        "authorizations.csv: line 4: duplicate key authorization_id (first seen on line 2)",
    ]


def test_file_name_matching_no_entity_is_quarantined(tmp_path):
    inbox = _inbox(tmp_path, {"mystery_export.csv": (HEADER + GOOD).encode()})
    con, report = _load(tmp_path, inbox)
    assert [f.status for f in report.files] == ["rejected"]
    (reason,) = con.execute("select reason from ingest.quarantine").fetchone()
    assert "matches no ehr extract entity" in reason


def test_timestamps_with_offsets_are_stored_in_utc(tmp_path):
    row = GOOD2.replace("2026-08-20T14:00:00Z", "2026-08-20T09:00:00-05:00")
    inbox = _inbox(tmp_path, {"authorizations.csv": (HEADER + row).encode()})
    con, _ = _load(tmp_path, inbox)
    (stored,) = con.execute("select requested_at from raw_ehr.authorizations").fetchone()
    assert stored.isoformat() == "2026-08-20T14:00:00"


@pytest.mark.parametrize("quoted", [False, True], ids=["native-split", "csv-module-split"])
def test_loaded_rows_carry_their_file_hash_and_line(tmp_path, quoted):
    rows = GOOD + BAD_DATE + GOOD2
    if quoted:  # a quoted cell makes the reader take the csv module; the rows must load the same
        rows = rows.replace("N2,", '"N2",')
    data = (HEADER + rows).encode()
    inbox = _inbox(tmp_path, {"authorizations.csv": data})
    con, _ = _load(tmp_path, inbox)
    loaded = con.execute(
        "select authorization_id, authorization_number, _file_name, _file_sha256, _line_number, approved_quantity, "
        "requested_at, _loaded_at = (select received_at from ingest.file_ledger) "
        "from raw_ehr.authorizations order by _line_number"
    ).fetchall()
    sha = hashlib.sha256(data).hexdigest()
    assert loaded == [
        ("A1", "N1", "authorizations.csv", sha, 2, 24, None, True),
        ("A2", "N2", "authorizations.csv", sha, 4, 48, datetime(2026, 8, 20, 14, 0), True),
    ]
