"""The front-office part of the generator: deterministic, its 271s read cleanly, its plants avoid the
authorization module's children, and the referral truth records what was written (each plant as planted)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dagster_project.ingest.x12.eligibility_271 import parse_271_file
from dagster_project.synthetic import seed_values
from dagster_project.synthetic.generator import GeneratorConfig, generate


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    runs = []
    for name in ("a", "b"):
        root = tmp_path_factory.mktemp(f"fo_{name}")
        generate(
            GeneratorConfig(
                seed=5,
                anchor_date=date(2026, 3, 3),
                locations=3,
                months=4,
                future_weeks=2,
                out=root / "inbox",
                ground_truth=root / "truth.json",
            )
        )
        runs.append(root)
    return runs


def test_same_arguments_same_front_office_truth_and_files(generated):
    a, b = generated
    truth_a = json.loads((a / "truth.json").read_text())["front_office"]
    truth_b = json.loads((b / "truth.json").read_text())["front_office"]
    assert truth_a == truth_b
    files_a = sorted((a / "inbox" / "clearinghouse").glob("eligibility_*.x12"))
    assert files_a
    for path in files_a:
        assert path.read_bytes() == (b / "inbox" / "clearinghouse" / path.name).read_bytes()
    assert (a / "inbox/ehr/eligibility_checks.csv").read_bytes() == (
        b / "inbox/ehr/eligibility_checks.csv"
    ).read_bytes()


def test_generated_271s_parse_without_issues(generated):
    responses = 0
    for path in sorted((generated[0] / "inbox" / "clearinghouse").glob("eligibility_*.x12")):
        result = parse_271_file(path)
        assert result.issues == [], path.name
        responses += len(result.tables["eligibility_responses"])
    assert responses > 0


def test_plants_avoid_children_with_planted_authorization_leaks(generated):
    truth = json.loads((generated[0] / "truth.json").read_text())
    planted_auth_patients = {leak["patient_id"] for leak in truth["auth_leaks"]}
    assert truth["front_office"]["eligibility"]["planted"]
    assert not planted_auth_patients & set(truth["front_office"]["eligibility"]["planted"])


def test_generated_clinics_close_on_the_days_of_the_holidays_seed():
    import csv
    from pathlib import Path

    from dagster_project.synthetic.reference import clinic_holidays

    seed = Path(__file__).resolve().parents[2] / "dbt" / "seeds" / "group_holidays.csv"
    with seed.open(newline="", encoding="utf-8") as f:
        seeded = {row["holiday_date"] for row in csv.DictReader(f)}
    years = {int(day[:4]) for day in seeded}
    assert seeded == {d.isoformat() for y in years for d in clinic_holidays(y)}


def _csv(root, source: str, entity: str) -> list[dict]:
    with (root / "inbox" / source / f"{entity}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_signing_plants_sit_an_hour_either_side_of_the_payers_window_on_the_location_clock(generated):
    """Read back with plain Python: each signing plant's note is signed the planted wall-clock hours after the
    visit's end at its location, on a payer whose window (the seed's payer row, else its default row) is the
    one the plant records; every location has the 72-hour payer's near miss and its late note."""
    root = generated[0]
    plants = json.loads((root / "truth.json").read_text())["front_office"]["notes"]["signing_plants"]
    with (Path(seed_values.SEEDS_DIR) / "front_office_note_signing_windows.csv").open(newline="") as f:
        seed = {row["payer_id"]: int(row["signing_window_hours"]) for row in csv.DictReader(f)}
    zones = {loc["location_id"]: ZoneInfo(loc["time_zone"]) for loc in _csv(root, "ehr", "locations")}
    visits = {v["visit_id"]: v for v in _csv(root, "ehr", "visits")}
    appointments = {a["appointment_id"]: a for a in _csv(root, "ehr", "appointments")}
    signed = {n["visit_id"]: n["signed_at"] for n in _csv(root, "ehr", "visit_notes")}
    for plant in plants:
        visit = visits[plant["visit_id"]]
        appt = appointments[visit["appointment_id"]]
        zone = zones[visit["location_id"]]
        end = (_utc(appt["scheduled_start_at"]) + timedelta(minutes=int(appt["duration_minutes"]))).astimezone(zone)
        local_signed = _utc(signed[plant["visit_id"]]).astimezone(zone)
        wall_hours = (local_signed.replace(tzinfo=None) - end.replace(tzinfo=None)) / timedelta(hours=1)
        assert wall_hours == plant["hours_after_visit_end"]
        assert seed.get(plant["payer_id"], seed[""]) == plant["signing_window_hours"]
        assert plant["is_signed_late"] == (wall_hours > plant["signing_window_hours"])
    for location_id in zones:
        kinds = {p["kind"] for p in plants if p["visit_id"].startswith(f"VS-{location_id}-")}
        assert {"signed_49h_72h_payer", "signed_73h_72h_payer", "signed_49h", "signed_47h"} <= kinds, location_id


def test_referral_truth_records_the_planted_response_gaps_and_every_answered_referral_is_answered(generated):
    """Read back: each location's ``unanswered`` referral is new, never answered and a week or more old; its
    near miss arrived at 16:00 local on the clinic day before the extract; every other referral has a response."""
    root = generated[0]
    truth = json.loads((root / "truth.json").read_text())["front_office"]["referrals"]
    zones = {loc["location_id"]: ZoneInfo(loc["time_zone"]) for loc in _csv(root, "ehr", "locations")}
    referrals = {r["referral_id"]: r for r in _csv(root, "ehr", "referrals")}
    plants = {p["referral_id"]: p["kind"] for p in truth["response_plants"]}
    anchor = date(2026, 3, 3)  # a Tuesday: the clinic day before is Monday 2 March
    for location_id in zones:
        kinds = sorted(kind for rid, kind in plants.items() if referrals[rid]["location_id"] == location_id)
        assert kinds == ["unanswered", "unanswered_within_target"], location_id
    for referral_id, referral in referrals.items():
        kind = plants.get(referral_id)
        if kind is None:
            assert referral["status"] != "new" and referral["first_response_at"], referral_id
            continue
        assert referral["status"] == "new" and not referral["first_response_at"]
        received = _utc(referral["received_at"]).astimezone(zones[referral["location_id"]])
        if kind == "unanswered":
            assert received.date() <= anchor - timedelta(days=7)
        else:
            assert (received.date(), received.hour) == (date(2026, 3, 2), 16)
    assert truth["responses_overdue"] == sorted(rid for rid, kind in plants.items() if kind == "unanswered")


def test_referral_truth_records_every_missing_item_of_an_open_referral_once(generated):
    """Every item written requested or missing on an open referral is in the truth exactly once: chased, or (a
    records item without the signed release) waiting for the release; closed referrals' items never are."""
    root = generated[0]
    truth = json.loads((root / "truth.json").read_text())["front_office"]["referrals"]
    status = {r["referral_id"]: r["status"] for r in _csv(root, "ehr", "referrals")}
    written = sorted(
        (d["referral_id"], d["document_type"])
        for d in _csv(root, "ehr", "intake_documents")
        if d["status"] in ("requested", "missing") and status[d["referral_id"]] != "closed"
    )
    chased = [(m["referral_id"], m["document_type"]) for m in truth["packet_items_missing"]]
    waiting = [(m["referral_id"], m["document_type"]) for m in truth["records_waiting_for_release"]]
    assert sorted(chased + waiting) == written
    assert {m["channel"] for m in truth["packet_items_missing"]} <= {"physician_fax", "family_nudge", "records_request"}
    assert {d for _, d in waiting} <= {"prior_therapy_records", "school_iep"}


def test_signature_requests_are_the_plans_the_clinic_left_unsigned_each_of_a_covered_child(generated):
    root = generated[0]
    anchor = date(2026, 3, 3)
    truth = json.loads((root / "truth.json").read_text())
    assert "plans_awaiting_signature" not in truth  # folded into the plan-of-care truth
    followups = truth["front_office"]["plans_of_care"]["followups"]
    requested = {f["plan_of_care_id"] for f in followups if f["followup_reason"] == "signature_request"}
    overdue = {f["plan_of_care_id"] for f in followups if f["followup_reason"] == "signature_overdue"}
    assert requested and overdue and not requested & overdue
    with (root / "inbox/ehr/plans_of_care.csv").open(newline="") as f:
        plans = {p["plan_of_care_id"]: p for p in csv.DictReader(f)}
    unsigned = {pid for pid, p in plans.items() if not p["physician_signed_date"]}
    evaluated = {pid for pid in unsigned if date.fromisoformat(plans[pid]["evaluation_date"]) <= anchor}
    assert evaluated == requested | overdue  # nothing evaluated is left unsigned outside the truth
    assert all(date.fromisoformat(plans[pid]["evaluation_date"]) > anchor for pid in unsigned - evaluated)
    with (root / "inbox/ehr/coverages.csv").open(newline="") as f:
        primaries = [c for c in csv.DictReader(f) if c["priority"] == "1"]
    for pid in requested:  # covered by construction: primary coverage from before the evaluation, never ended
        child = plans[pid]["patient_id"]
        cover = [c for c in primaries if c["patient_id"] == child]
        assert cover and all(not c["termination_date"] for c in cover)
        assert all(c["effective_date"] <= plans[pid]["evaluation_date"] for c in cover)
