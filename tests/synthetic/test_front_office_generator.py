"""The front-office part of the generator: deterministic, its 271s read cleanly, its plants avoid the
authorization module's children, and the referral truth matches the written packets."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dagster_project.ingest.x12.eligibility_271 import parse_271_file
from dagster_project.synthetic import seed_values
from dagster_project.synthetic.front_office import add_business_days
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


def test_add_business_days_skips_weekends():
    assert add_business_days(datetime(2026, 2, 26, 10), 1) == datetime(2026, 2, 27, 10)  # Thu -> Fri
    assert add_business_days(datetime(2026, 2, 27, 10), 1) == datetime(2026, 3, 2, 10)  # Fri -> Mon
    assert add_business_days(datetime(2026, 2, 28, 9), 1) == datetime(2026, 3, 3, 0)  # Sat -> Tue 00:00
    assert add_business_days(datetime(2026, 2, 27, 10), 6) == datetime(2026, 3, 9, 10)


def test_add_business_days_skips_the_groups_holidays():
    assert add_business_days(datetime(2026, 5, 22, 10), 1) == datetime(2026, 5, 26, 10)  # Fri -> Tue (Memorial Day)
    assert add_business_days(datetime(2026, 5, 25, 9), 1) == datetime(2026, 5, 27, 0)  # on the holiday -> Wed 00:00


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
