"""The 270 batch: one information source per payer, one receiver per location NPI, one subscriber per check
due with its trace number; envelope counts agree; bad input names the request and column, never a value."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from emitters.claim_837 import segments
from emitters.eligibility_270 import build_270, write_batch

CREATED = datetime(2026, 3, 2, 6, 30)


def _row(trace: str, payer: str = "TXMCO1", npi: str = "1234567893", **extra) -> dict:
    return {
        "flag_id": f"f-{trace}",
        "trace_number": trace,
        "x12_payer_id": payer,
        "payer_name": f"Payer {payer}",
        "facility_npi": npi,
        "location_name": "North Clinic",
        "member_id": f"M{trace}",
        "first_name": "Synth",
        "last_name": "Childe",
        "date_of_birth": date(2019, 4, 5),
        "service_date": date(2026, 3, 3),
        **extra,
    }


def test_batch_groups_by_payer_and_location_and_carries_each_trace():
    rows = [_row("AP2"), _row("AP1"), _row("AP3", payer="COMM1"), _row("AP4", npi="1558598797")]
    segs = segments(build_270(rows, 42, CREATED, "SUNNYSTEPSOT", "CLEARINGHOUSE", "741234567"))
    ids = [s[0] for s in segs]
    assert ids[:4] == ["ISA", "GS", "ST", "BHT"] and ids[-3:] == ["SE", "GE", "IEA"]
    st = ids.index("ST")
    se = segs[ids.index("SE")]
    assert int(se[1]) == ids.index("SE") - st + 1  # SE01 counts ST..SE
    assert segs[ids.index("ST")][3] == "005010X279A1" and segs[ids.index("GS")][1] == "HS"
    hls = [s for s in segs if s[0] == "HL"]
    # COMM1 first (sorted), then TXMCO1 with two NPIs.
    assert [(h[3], h[2]) for h in hls] == [
        ("20", ""),
        ("21", "1"),
        ("22", "2"),
        ("20", ""),
        ("21", "4"),
        ("22", "5"),
        ("22", "5"),
        ("21", "4"),
        ("22", "8"),
    ]
    traces = [s[2] for s in segs if s[0] == "TRN"]
    assert traces == ["AP3", "AP1", "AP2", "AP4"]
    assert all(s[1] == "1" and s[3] == "1741234567" for s in segs if s[0] == "TRN")
    assert [s[1] for s in segs if s[0] == "EQ"] == ["AD"] * 4
    assert {tuple(s) for s in segs if s[0] == "DTP"} == {("DTP", "291", "D8", "20260303")}
    assert segs[0][13] == "000000042" and segs[-1] == ["IEA", "1", "000000042"]


def test_missing_values_are_named_by_request_and_column_only():
    with pytest.raises(ValueError, match="eligibility request f-AP1: missing") as caught:
        build_270([_row("AP1", member_id=None)], 1, CREATED, "S", "R", "741234567")
    assert "f-AP1" in str(caught.value) and "member_id" in str(caught.value) and "Childe" not in str(caught.value)
    with pytest.raises(ValueError, match="no eligibility requests: a 270 batch needs at least one"):
        build_270([], 1, CREATED, "S", "R", "741234567")
    with pytest.raises(ValueError, match="originator_tin must be the group's 9-digit TIN"):
        build_270([_row("AP1")], 1, CREATED, "S", "R", "74-123")


def test_delimiters_in_values_never_break_the_file():
    segs = segments(build_270([_row("AP1", last_name="O*Brien~X")], 1, CREATED, "S", "R", "741234567"))
    name = next(s for s in segs if s[0] == "NM1" and s[1] == "IL")
    assert name[3] == "O Brien X"


def test_write_batch_is_atomic_and_never_overwrites(tmp_path):
    assert write_batch([], tmp_path, 7, CREATED, "S", "R", "741234567") is None
    path = write_batch([_row("AP1")], tmp_path, 7, CREATED, "S", "R", "741234567")
    assert path.name == "eligibility_270_000000007.x12" and path.read_text().startswith("ISA*")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    with pytest.raises(FileExistsError):
        write_batch([_row("AP1")], tmp_path, 7, CREATED, "S", "R", "741234567")
