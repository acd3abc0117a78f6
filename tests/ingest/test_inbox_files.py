"""A night's ingest reads only the inbox files that are new or changed since a run hashed them: an unchanged file
(same name, size and modification time) is not read again, and any change sends it through the hash."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.inbox_files import InboxFiles
from dagster_project.ingest.loader import load_source

X12_FIXTURES = Path(__file__).parent / "x12" / "fixtures"
HEADER = (
    "authorization_id,authorization_number,patient_id,coverage_id,payer_id,status,unit_type,"
    "approved_quantity,start_date,end_date,cpt_codes,diagnosis_codes,requested_at\n"
)
ROW_1 = "A1,N1,P1,C1,TXMCO1,approved,visits,24,2026-10-01,2026-12-31,97530|97110,F82,\n"
ROW_2 = "A2,N2,P2,C2,TXMCO2,approved,units,48,2026-09-01,2027-02-28,97530,F82|R27.8,2026-08-20T14:00:00Z\n"


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the files the loaders read, in order."""
    names: list[str] = []
    real_read = InboxFiles.read

    def counted(self, path):
        names.append(path.name)
        return real_read(self, path)

    monkeypatch.setattr(InboxFiles, "read", counted)
    return names


def _write(folder: Path, name: str, data: bytes, modified_ns: int | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    if modified_ns is not None:
        os.utime(path, ns=(modified_ns, modified_ns))
    return path


def _statuses(report) -> dict[str, str]:
    return {f.file_name: f.status for f in report.files}


def test_an_unchanged_csv_is_not_read_again_and_still_counts_as_delivered(tmp_path, reads):
    ehr = tmp_path / "inbox" / "ehr"
    _write(ehr, "authorizations.csv", (HEADER + ROW_1).encode())
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert _statuses(load_source(con, "ehr", tmp_path / "inbox", tmp_path / "q")) == {"authorizations.csv": "loaded"}
    assert reads == ["authorizations.csv"]

    again = load_source(con, "ehr", tmp_path / "inbox", tmp_path / "q")
    assert _statuses(again) == {"authorizations.csv": "duplicate"}
    assert reads == ["authorizations.csv"]  # the second night read nothing
    assert con.execute("select count(*) from raw_ehr.authorizations").fetchone() == (1,)


def test_a_file_rewritten_with_the_same_size_is_read_when_its_time_changed(tmp_path, reads):
    ehr = tmp_path / "inbox" / "ehr"
    path = _write(ehr, "authorizations.csv", (HEADER + ROW_1).encode(), modified_ns=1_700_000_000_000_000_000)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_source(con, "ehr", tmp_path / "inbox", tmp_path / "q")

    rewritten = (HEADER + ROW_1.replace("N1,P1", "N9,P9")).encode()
    assert len(rewritten) == path.stat().st_size
    _write(ehr, "authorizations.csv", rewritten, modified_ns=1_700_000_000_000_000_001)  # one nanosecond later
    report = load_source(con, "ehr", tmp_path / "inbox", tmp_path / "q")
    assert reads == ["authorizations.csv", "authorizations.csv"]
    assert _statuses(report) == {"authorizations.csv": "loaded"}
    numbers = {r[0] for r in con.execute("select authorization_number from raw_ehr.authorizations").fetchall()}
    assert numbers == {"N1", "N9"}


def test_a_copy_under_another_name_is_read_and_found_to_be_a_redelivery(tmp_path, reads):
    ehr = tmp_path / "inbox" / "ehr"
    data = (HEADER + ROW_1 + ROW_2).encode()
    _write(ehr, "authorizations.csv", data)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_source(con, "ehr", tmp_path / "inbox", tmp_path / "q")

    _write(ehr, "authorizations_resent.csv", data)
    report = load_source(con, "ehr", tmp_path / "inbox", tmp_path / "q")
    assert _statuses(report) == {"authorizations.csv": "duplicate", "authorizations_resent.csv": "duplicate"}
    assert reads == ["authorizations.csv", "authorizations_resent.csv"]
    load_source(con, "ehr", tmp_path / "inbox", tmp_path / "q")
    assert len(reads) == 2  # the copy, hashed once, is not read on the third night either
    assert con.execute("select count(*) from raw_ehr.authorizations").fetchone() == (2,)


def test_a_remembered_hash_the_ledger_does_not_hold_never_skips_the_file(tmp_path, reads):
    ehr = tmp_path / "inbox" / "ehr"
    path = _write(ehr, "authorizations.csv", (HEADER + ROW_1).encode())
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_source(con, "ehr", tmp_path / "inbox", tmp_path / "q")
    # A run that stopped between the two writes, or a ledger restored from an older backup.
    con.execute("delete from ingest.file_ledger")
    con.execute("delete from raw_ehr.authorizations")

    report = load_source(con, "ehr", tmp_path / "inbox", tmp_path / "q")
    assert _statuses(report) == {path.name: "loaded"}
    assert reads == [path.name, path.name]
    assert con.execute("select count(*) from raw_ehr.authorizations").fetchone() == (1,)


def test_a_clearinghouse_night_reads_only_the_new_files(tmp_path, reads):
    remit = (X12_FIXTURES / "clean_5010.835").read_bytes()
    acks = (X12_FIXTURES / "acks_5010.999").read_bytes()
    mailbox = tmp_path / "inbox" / "clearinghouse"
    _write(mailbox, "era_20261125.835", remit)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = load_source(con, "clearinghouse", tmp_path / "inbox", tmp_path / "q")
    assert _statuses(first) == {"era_20261125.835": "loaded"}

    _write(mailbox, "acks_20261126.999", acks)
    second = load_source(con, "clearinghouse", tmp_path / "inbox", tmp_path / "q")
    assert _statuses(second) == {"era_20261125.835": "duplicate", "acks_20261126.999": "loaded"}
    assert reads == ["era_20261125.835", "acks_20261126.999"]
    stored = con.execute("select file_name from ingest.inbox_file_stats order by file_name").fetchall()
    assert stored == [("acks_20261126.999",), ("era_20261125.835",)]
