"""The NCCI plant: a visit billed with the pair 97140/97530 (claim_code_pair_edits) and no distinct-service
modifier, alike in the EHR charge lines and the 837P, the payer's CO-236 on the column-2 line, and the note's
time blocks or separate-session marker per documentation kind, recorded in the ground truth."""

import csv
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from dagster_project.ingest.x12.claim_837 import parse_837_file
from dagster_project.synthetic import seed_values
from dagster_project.synthetic.claims_ncci import DOCUMENTATION_KINDS, NcciPlants
from dagster_project.synthetic.front_office import NOTE_AUDIT_LOOKBACK_DAYS
from dagster_project.synthetic.reference import PAYERS_BY_ID
from dagster_project.synthetic.x12_835 import RemitClaim, RemitLine

ANCHOR = date(2026, 11, 26)
DISTINCT_MODIFIERS = {"59", "XE", "XP", "XS", "XU"}


def _rows(config, source, entity):
    with (config.out / source / f"{entity}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _plants(config) -> dict[str, dict]:
    truth = json.loads(Path(config.ground_truth).read_text())["claims"]["ncci_distinct_service"]
    return {p["documentation"]: p for p in truth}


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return 60 * int(hours) + int(minutes)


def _overlap(a: dict, b: dict) -> bool:
    return _minutes(a["time_block_start"]) < _minutes(b["time_block_end"]) and _minutes(
        b["time_block_start"]
    ) < _minutes(a["time_block_end"])


def test_each_documentation_kind_is_planted_once_on_a_pair_billed_alike_in_the_ehr_and_the_837p(generated):
    config, _ = generated
    plants = _plants(config)
    assert sorted(plants) == sorted(DOCUMENTATION_KINDS)
    charge_lines: dict[str, dict[int, dict]] = {}
    for line in _rows(config, "ehr", "charge_lines"):
        charge_lines.setdefault(line["visit_id"], {})[int(line["line_number"])] = line
    billed: dict[str, dict[int, dict]] = {}
    for path in (config.out / "clearinghouse").glob("*.837"):
        for line in parse_837_file(path).tables["claim_lines"]:
            billed.setdefault(line["claim_id"], {})[line["line_number"]] = line
    for p in plants.values():
        assert p["carc"] == "236" and p["audit_failures"] == [
            {"line_number": p["line_number"], "rule": "code_pair_without_modifier"}
        ]
        assert not PAYERS_BY_ID[p["payer_id"]].needs_authorization  # no authorization lists 97140
        assert p["distinct_service_modifier"] == seed_values.correction_rule(p["payer_id"])["distinct_service_modifier"]
        ehr, sent = charge_lines[p["visit_id"]], billed[p["claim_id"]]
        for number, code in ((p["line_number"], "97530"), (p["column_1_line_number"], "97140")):
            assert ehr[number]["cpt_code"] == sent[number]["procedure_code"] == code
            assert not set((sent[number]["modifiers"] or "").split("|")) & DISTINCT_MODIFIERS
        # outside the note audit's window, so no note plant lands on the visit
        visit = next(v for v in _rows(config, "ehr", "visits") if v["visit_id"] == p["visit_id"])
        assert date.fromisoformat(visit["date_of_service"]) < ANCHOR - timedelta(days=NOTE_AUDIT_LOOKBACK_DAYS)


def test_the_visit_note_writes_the_planted_time_blocks_or_separate_session(generated):
    config, _ = generated
    plants = _plants(config)
    notes: dict[str, dict[str, dict]] = {}
    for row in _rows(config, "ehr", "visit_notes"):
        notes.setdefault(row["visit_id"], {})[row["cpt_code"]] = row
    # every planted visit, a plant displaced by a whole-claim denial included (its note keeps what was planted)
    truth = json.loads(Path(config.ground_truth).read_text())["claims"]["ncci_distinct_service"]
    planted_visits = {p["visit_id"] for p in truth}
    for visit_id, rows in notes.items():
        if visit_id not in planted_visits:  # only the planted visits carry blocks or a marker
            assert all(not (r["time_block_start"] or r["separate_session"]) for r in rows.values()), visit_id
    for kind, p in plants.items():
        rows = notes[p["visit_id"]]
        written = {
            cpt: {k: v for k, v in r.items() if k in ("time_block_start", "time_block_end", "separate_session") and v}
            for cpt, r in rows.items()
        }
        expected = {cpt: {k: "true" if v is True else v for k, v in row.items()} for cpt, row in p["note_rows"].items()}
        assert {cpt: cols for cpt, cols in written.items() if cols} == expected, kind
    session = notes[plants["separate_session"]["visit_id"]]
    assert session["97530"]["separate_session"] == "true" and not session["97140"]["time_block_start"]
    separate = notes[plants["separate_time_blocks"]["visit_id"]]
    assert all(r["time_block_start"] for r in separate.values())
    assert not any(_overlap(a, b) for x, a in separate.items() for y, b in separate.items() if x < y)
    for cpt, r in separate.items():  # each block is the code's documented minutes
        assert _minutes(r["time_block_end"]) - _minutes(r["time_block_start"]) == int(r["documented_minutes"]), cpt
    overlapping = notes[plants["overlapping_time_blocks"]["visit_id"]]
    assert all(r["time_block_start"] for r in overlapping.values())
    assert _overlap(overlapping["97140"], overlapping["97530"])


def test_the_payer_denies_the_column_2_line_with_co_236_and_pays_the_column_1_line(generated):
    config, _ = generated
    plants = _plants(config)
    truth = json.loads(Path(config.ground_truth).read_text())["claims"]["denials"]
    remits = "".join(p.read_text(encoding="ascii") for p in (config.out / "clearinghouse").glob("*.835"))
    for p in plants.values():
        denied = [
            (d["line_number"], d["carc"], d["rarcs"], d["planted"]) for d in truth if d["claim_id"] == p["claim_id"]
        ]
        assert denied == [(p["line_number"], "236", ["M80"], True)]
        clp = re.search(rf"CLP\*{p['claim_id']}\*1\*[^~]*~(.*?)(?=CLP\*|SE\*)", remits, re.S)
        assert clp, p["claim_id"]
        body = clp.group(1).replace("\n", "")
        assert re.search(r"SVC\*HC:97530[^~]*\*0\.00\*[^~]*~DTM\*472\*\d{8}~CAS\*CO\*236\*[^~]*~", body)
        assert "LQ*HE*M80~" in body
        assert re.search(r"SVC\*HC:97140[^~]*\*[1-9]\d*\.\d\d\*", body)  # paid


# -- the plant's choices, on hand-made visits ------------------------------------------------------------


def _kid(payer_id: str, secondary=None):
    return SimpleNamespace(payer=PAYERS_BY_ID[payer_id], secondary=secondary)


def _appt(claim_id: str, day: date, lines=None, kind: str = "treatment"):
    lines = lines or [("97530", [], 38, 3), ("97110", [], 22, 1)]
    return SimpleNamespace(
        day=day, hour=9, minute=0, kind=kind, lines=list(lines), claim_id=claim_id, visit_id=f"V-{claim_id}"
    )


def _remit(claim_id: str, day: date, adjustments=None, codes=("97530", "97140")) -> RemitClaim:
    lines = [
        RemitLine(cpt, [], Decimal("70.00"), Decimal("40.00"), 1, day, f"V-{claim_id}-{n}", Decimal("40.00"), [])
        for n, cpt in enumerate(codes, start=1)
    ]
    if adjustments:
        lines[0].adjustments, lines[0].paid = adjustments, Decimal("0.00")
    return RemitClaim(claim_id, "1", "12", "M1", "11", "M1", "DOE", "JO", "1234567893", "SMITH", "AL", day, lines)


DAY = ANCHOR - timedelta(days=20)


@pytest.mark.parametrize(
    ("kid", "appt", "pos"),
    [
        (_kid("COMM2"), _appt("C1", DAY), "11"),  # the payer needs authorizations, which never list 97140
        (_kid("COMM1", PAYERS_BY_ID["TXMFFS"]), _appt("C1", DAY), "11"),  # a second coverage
        (_kid("COMM1"), _appt("C1", DAY), "10"),  # telehealth
        (_kid("COMM1"), _appt("C1", ANCHOR - timedelta(days=31)), "11"),  # the note is not exported
        (_kid("COMM1"), _appt("C1", ANCHOR - timedelta(days=NOTE_AUDIT_LOOKBACK_DAYS)), "11"),  # note audit window
        (_kid("COMM1"), _appt("C1", DAY, [("97533", [], 38, 3), ("97110", [], 22, 1)]), "11"),  # no 97530
        (_kid("COMM1"), _appt("C1", DAY, [("97530", [], 53, 4)]), "11"),  # no second timed code
    ],
)
def test_a_visit_that_does_not_fit_is_billed_as_it_was(kid, appt, pos):
    before = list(appt.lines)
    plants = NcciPlants(ANCHOR)
    plants.consider("L01", kid, appt, pos, remitted=True)
    assert plants.plants == {} and appt.lines == before


def test_a_natural_denial_leaves_the_kind_to_the_next_visit_and_no_other_plant_takes_the_claim():
    plants = NcciPlants(ANCHOR)
    first = _appt("C1", DAY)
    plants.consider("L01", _kid("COMM1"), first, "11", remitted=True)
    assert [line[0] for line in first.lines] == ["97530", "97140"]
    denied = [("CO", "50", Decimal("70.00"))]
    assert plants.deny(_remit("C1", DAY, denied), natural_denial=True)
    second = _appt("C2", DAY)
    plants.consider("L01", _kid("COMM1"), second, "11", remitted=True)
    remit = _remit("C2", DAY)
    assert plants.deny(remit, natural_denial=False) and not plants.deny(_remit("C9", DAY), natural_denial=False)
    assert remit.lines[0].adjustments == [("CO", "236", Decimal("70.00"))] and remit.lines[0].remark_codes == ["M80"]
    assert remit.lines[0].paid == 0 and remit.lines[1].paid > 0
    truth = {t["claim_id"]: (t["documentation"], t["carc"]) for t in plants.truth()}
    assert truth == {"C1": ("separate_time_blocks", None), "C2": ("separate_time_blocks", "236")}
    third = _appt("C3", DAY)
    plants.consider("L01", _kid("COMM1"), third, "11", remitted=True)
    assert plants.truth()[-1]["documentation"] == "separate_session"


@pytest.mark.parametrize(
    ("lines", "column_1_minutes"),
    [
        ([("97530", [], 38, 3), ("97110", [], 22, 1)], 22),  # 97140 after 97530
        ([("97533", [], 30, 2), ("97112", [], 9, 1), ("97530", [], 22, 1)], 30),  # 97140 first, a code between
    ],
)
def test_overlapping_blocks_overlap_whichever_code_comes_first(lines, column_1_minutes):
    plants = NcciPlants(ANCHOR)
    for n in range(len(DOCUMENTATION_KINDS)):
        appt = _appt(f"C{n}", DAY, lines)
        plants.consider("L01", _kid("COMM1"), appt, "11", remitted=True)
        plants.deny(_remit(f"C{n}", DAY, codes=[cpt for cpt, *_ in appt.lines]), natural_denial=False)
    (overlapping,) = [t for t in plants.truth() if t["documentation"] == "overlapping_time_blocks"]
    blocks = overlapping["note_rows"]
    assert _overlap(blocks["97140"], blocks["97530"]), blocks
    column_1 = blocks["97140"]
    assert _minutes(column_1["time_block_end"]) - _minutes(column_1["time_block_start"]) == column_1_minutes
    assert all(_minutes(b["time_block_start"]) >= 9 * 60 for b in blocks.values())  # not before the visit


def test_the_payers_own_correction_row_wins_over_its_payer_types():
    assert seed_values.correction_rule("COMM1")["distinct_service_modifier"] == "59"  # its own row
    assert seed_values.correction_rule("COMM2")["distinct_service_modifier"] == "XU"  # the commercial row
    assert seed_values.code_pair_modifier_indicator("97140", "97530") == "1"
    assert seed_values.code_pair_modifier_indicator("97530", "97140") is None
