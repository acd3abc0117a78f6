"""The 270 batch: one information source per payer, the group as information receiver under it, one
subscriber per check due with its trace number; envelope counts agree; bad input names the request and
column, never a value. pyx12 has no 270 (X279) map here, so the structure is checked by hand below."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from core.settings import Eligibility270Settings
from emitters.claim_837 import segments
from emitters.eligibility_270 import build_270, check_key, write_batch

CREATED = datetime(2026, 3, 2, 6, 30)


def _sender(tmp_path: Path | None = None, **extra) -> Eligibility270Settings:
    values = {
        "submitter_name": "Sunny Steps OT",
        "submitter_id": "SUNNYSTEPSOT",
        "receiver_id": "CLEARINGHOUSE",
        "group_tin": "74-1234567",
        "group_npi": "1234567893",
        "upload_dir": tmp_path or Path("unused"),
        **extra,
    }
    return Eligibility270Settings(**values)


def _row(trace: str, payer: str = "TXMCO1", **extra) -> dict:
    return {
        "flag_id": f"f-{trace}",
        "trace_number": trace,
        "x12_payer_id": payer,
        "payer_name": f"Payer {payer}",
        "member_id": f"M{trace}",
        "first_name": "Synth",
        "last_name": "Childe",
        "date_of_birth": date(2019, 4, 5),
        "service_date": date(2026, 3, 3),
        **extra,
    }


def assert_well_formed_270(segs: list[list[str]]) -> None:
    """Envelope and hierarchy rules of a 005010X279A1 interchange with one group and one transaction set."""
    ids = [s[0] for s in segs]
    assert ids[:4] == ["ISA", "GS", "ST", "BHT"] and ids[-3:] == ["SE", "GE", "IEA"]
    isa, gs, st, se, ge, iea = (segs[ids.index(name)] for name in ("ISA", "GS", "ST", "SE", "GE", "IEA"))
    assert len(isa) == 17 and len(isa[6]) == len(isa[8]) == 15 and isa[12] == "00501"
    assert int(se[1]) == ids.index("SE") - ids.index("ST") + 1  # SE01 counts ST..SE
    assert se[2] == st[2] and 4 <= len(st[2]) <= 9
    assert (gs[1], st[1], st[3], gs[8]) == ("HS", "270", "005010X279A1", "005010X279A1")
    assert ge == ["GE", "1", gs[6]] and iea == ["IEA", "1", isa[13]] and int(isa[13]) == int(gs[6])
    hls = [s for s in segs if s[0] == "HL"]
    assert [int(h[1]) for h in hls] == list(range(1, len(hls) + 1))  # HL01 numbered 1..n in order
    levels = {h[1]: h[3] for h in hls}
    for h in hls:
        parent = {"20": None, "21": "20", "22": "21"}[h[3]]
        assert (levels.get(h[2]) if h[2] else None) == parent  # HL02 points at the level above
        assert h[4] == ("0" if h[3] == "22" else "1")  # HL04: children below sources and receivers only


def test_batch_groups_by_payer_under_the_group_and_carries_each_trace():
    rows = [_row("AP2"), _row("AP1"), _row("AP3", payer="COMM1"), _row("AP4")]
    segs = segments(build_270(rows, 42, CREATED, _sender()))
    assert_well_formed_270(segs)
    hls = [s for s in segs if s[0] == "HL"]
    # COMM1 first (sorted), then TXMCO1 with its three checks; the group is the receiver under each payer.
    assert [(h[3], h[2]) for h in hls] == [
        ("20", ""),
        ("21", "1"),
        ("22", "2"),
        ("20", ""),
        ("21", "4"),
        ("22", "5"),
        ("22", "5"),
        ("22", "5"),
    ]
    receivers = [s for s in segs if s[0] == "NM1" and s[1] == "1P"]
    assert {tuple(r[3:]) for r in receivers} == {("Sunny Steps OT", "", "", "", "", "XX", "1234567893")}
    assert [s for s in segs if s[0] == "REF"] == [["REF", "TJ", "741234567"]] * 2
    assert [s[2] for s in segs if s[0] == "TRN"] == ["AP3", "AP1", "AP2", "AP4"]
    assert all(s[1] == "1" and s[3] == "1741234567" for s in segs if s[0] == "TRN")
    assert [s[1] for s in segs if s[0] == "EQ"] == ["AD"] * 4
    assert {tuple(s) for s in segs if s[0] == "DTP"} == {("DTP", "291", "D8", "20260303")}
    assert segs[0][13] == "000000042" and segs[0][6] == "SUNNYSTEPSOT   " and segs[0][15] == "P"
    assert segs[1][6] == "42" and segs[2][2] == "0042"


def test_control_numbers_fill_the_envelope_up_to_nine_digits():
    segs = segments(build_270([_row("AP1")], 123_456_789, CREATED, _sender(usage="T")))
    assert_well_formed_270(segs)
    assert (segs[0][13], segs[0][15], segs[1][6], segs[2][2]) == ("123456789", "T", "123456789", "123456789")
    with pytest.raises(ValueError, match="the interchange control number must be 1..999999999"):
        build_270([_row("AP1")], 1_000_000_000, CREATED, _sender())


def test_missing_values_are_named_by_request_and_column_only():
    with pytest.raises(ValueError, match="eligibility request f-AP1: missing") as caught:
        build_270([_row("AP1", member_id=None)], 1, CREATED, _sender())
    assert "member_id" in str(caught.value) and "Childe" not in str(caught.value)
    with pytest.raises(ValueError, match="no eligibility requests: a 270 batch needs at least one"):
        build_270([], 1, CREATED, _sender())


def test_delimiters_in_values_never_break_the_file():
    segs = segments(build_270([_row("AP1", last_name="O*Brien~X")], 1, CREATED, _sender()))
    name = next(s for s in segs if s[0] == "NM1" and s[1] == "IL")
    assert name[3] == "O Brien X"
    assert_well_formed_270(segs)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("group_tin", "74-12345", "9-digit tax id"),
        ("group_npi", "1234567890", "valid check digit"),
        ("submitter_id", "SUNNY*STEPS", "letters, digits"),
        ("receiver_id", "A" * 16, "at most 15"),
        ("usage", "X", "'P' or 'T'"),
    ],
)
def test_settings_refuse_what_would_break_the_envelope(field, value, message):
    with pytest.raises(ValueError, match=message):
        _sender(**{field: value})


def test_a_check_is_keyed_by_its_as_of_date():
    assert check_key(date(2026, 3, 2), "abc") == "270:2026-03-02:abc"
    assert len(check_key(date(2026, 3, 2), "0" * 32)) <= 64  # the ledger's key column


def test_write_batch_is_atomic_and_never_overwrites(tmp_path):
    sender = _sender(tmp_path)
    assert write_batch([], tmp_path, 7, CREATED, sender) is None
    path = write_batch([_row("AP1")], tmp_path, 7, CREATED, sender)
    assert path.name == "eligibility_270_000000007.x12" and path.read_text().startswith("ISA*")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    with pytest.raises(FileExistsError):
        write_batch([_row("AP1")], tmp_path, 7, CREATED, sender)
