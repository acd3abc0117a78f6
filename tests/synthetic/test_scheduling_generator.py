"""Scheduling parts of the generator: attendance rates near the cited pediatric figures (higher on Medicaid),
cancellations with lead times, the planted open slots, attendance problem and open-plan-no-future-visit child
as recorded (read back from the written files), templates and families clear by construction, and the
--waitlist-size knob."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dagster_project.synthetic.attendance_rates import (
    FAMILY_MISS_FACTORS,
    FOLLOW_UP,
    INITIAL,
    family_miss_factor,
    final_status,
)

from .conftest import ANCHOR, run


def _csv(config, name: str) -> list[dict]:
    with (config.out / "ehr" / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_family_factors_average_one_so_the_cited_rates_hold_overall():
    assert abs(sum(share * factor for share, factor in FAMILY_MISS_FACTORS) - 1.0) < 1e-9
    assert abs(sum(share for share, _ in FAMILY_MISS_FACTORS) - 1.0) < 1e-9
    factors = Counter(family_miss_factor(f"family-{n}") for n in range(20_000))
    assert abs(factors[3.0] / 20_000 - 0.2) < 0.02


def test_final_status_draws_once_and_follows_the_rates():
    for initial, table in ((True, INITIAL), (False, FOLLOW_UP)):
        for medicaid in (True, False):
            rng = random.Random(5)
            outcomes = Counter(final_status(rng, medicaid, initial) for _ in range(40_000))
            assert abs(outcomes["no_show"] / 40_000 - table[medicaid].no_show) < 0.01
            assert abs(outcomes["cancelled"] / 40_000 - table[medicaid].cancelled) < 0.01
    a, b = random.Random(1), random.Random(1)
    final_status(a, True, family_factor=3.0)
    b.random()
    assert a.random() == b.random()  # one draw per visit whatever the rates


def test_generated_no_shows_before_the_policy_window_are_near_fifteen_percent_and_higher_on_medicaid(generated):
    config, _ = generated
    medicaid = {
        r["patient_id"]: r["is_medicaid"].lower() == "true" for r in _csv(config, "coverages") if r["priority"] == "1"
    }
    # Before the attendance policy's 60 days: inside them the generator keeps natural families within the
    # policy (the attendance problems there are the planted ones), so the cited rates are measured before.
    policy_start = (ANCHOR - timedelta(days=59)).isoformat()
    past = [
        r
        for r in _csv(config, "appointments")
        if r["appointment_type"] == "treatment"
        and r["status"] != "scheduled"
        and r["scheduled_start_at"] < policy_start
    ]
    by_payer = {flag: [r for r in past if medicaid[r["patient_id"]] == flag] for flag in (True, False)}
    rate = {flag: sum(r["status"] == "no_show" for r in rows) / len(rows) for flag, rows in by_payer.items()}
    overall = sum(r["status"] == "no_show" for r in past) / len(past)
    assert 0.10 <= overall <= 0.19, overall
    assert rate[True] > rate[False]
    for r in past:
        if r["status"] in ("cancelled", "late_cancelled"):
            lead = (
                datetime.fromisoformat(r["scheduled_start_at"].replace("Z", "+00:00"))
                - datetime.fromisoformat(r["cancelled_at"].replace("Z", "+00:00"))
            ).total_seconds() / 3600
            assert (lead >= 24) == (r["status"] == "cancelled"), r["appointment_id"]


def test_one_child_per_location_has_an_open_plan_and_nothing_booked(generated):
    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())["scheduling"]["open_plan_no_future_visit"]
    planted = [t for t in truth if t["planted"]]
    assert sorted(t["location_id"] for t in planted) == ["L01", "L02"]
    appointments = _csv(config, "appointments")
    for t in planted:
        ahead = [
            a
            for a in appointments
            if a["patient_id"] == t["patient_id"] and a["scheduled_start_at"][:10] >= ANCHOR.isoformat()
        ]
        assert ahead and {a["status"] for a in ahead} == {"cancelled"}
        assert all(a["cancelled_at"] < ANCHOR.isoformat() + "T06" for a in ahead)  # before the extract
    plans = {p["patient_id"]: p for p in _csv(config, "plans_of_care") if p["status"] == "active"}
    assert all(t["patient_id"] in plans for t in truth)


def test_waitlist_size_tops_up_the_waitlist_and_leaves_the_rest_unchanged(tmp_path, generated):
    base_config, _ = generated
    config, _ = run(tmp_path, "wait", waitlist_size=120)
    waitlist = _csv(config, "waitlist")
    assert len(waitlist) == 120
    assert Counter(w["location_id"] for w in waitlist) == {"L01": 60, "L02": 60}
    assert _csv(config, "appointments") == _csv(base_config, "appointments")
    patients = {p["patient_id"] for p in _csv(config, "patients")}
    assert all(w["patient_id"] in patients for w in waitlist)
    truth = json.loads(config.ground_truth.read_text())["scheduling"]
    assert truth == json.loads(base_config.ground_truth.read_text())["scheduling"]


def _local_appointments(config) -> list[dict]:
    zones = {loc["location_id"]: ZoneInfo(loc["time_zone"]) for loc in _csv(config, "locations")}
    rows = _csv(config, "appointments")
    for r in rows:
        start = datetime.fromisoformat(r["scheduled_start_at"].replace("Z", "+00:00"))
        local = start.astimezone(zones[r["location_id"]])
        r["day"], r["hour"] = local.date(), local.hour
    return rows


def test_planted_open_slots_are_set_up_as_recorded(generated):
    """Each planted open slot is a cell the plant emptied: the moved child's visit now with the new hire, the
    cancelling family's visit, or a new-hire template hour nobody is booked in."""
    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())["scheduling"]
    appointments = _local_appointments(config)
    booked = {(a["provider_id"], a["day"], a["hour"]) for a in appointments if a["status"] in ("scheduled", "arrived")}
    at_cell = {}
    for a in appointments:
        at_cell.setdefault((a["location_id"], a["day"], a["hour"]), []).append(a)
    kinds = Counter(s["planted"] for s in truth["open_slots"])
    assert set(kinds) == {"moved_to_new_hire", "new_hire_unbooked", "cancelled_not_refilled"}
    dropped = {t["patient_id"] for t in truth["open_plan_no_future_visit"]}
    moved = {m["patient_id"] for m in truth["booking_mismatches"]}
    for s in truth["open_slots"]:
        day = datetime.fromisoformat(s["slot_date"]).date()
        assert (s["provider_id"], day, s["hour"]) not in booked, s
        here = at_cell.get((s["location_id"], day, s["hour"]), [])
        if s["planted"] == "cancelled_not_refilled":
            assert any(a["patient_id"] in dropped and a["status"] == "cancelled" for a in here), s
        elif s["planted"] == "moved_to_new_hire":
            assert any(a["patient_id"] in moved and a["provider_id"].endswith("-90") for a in here), s
        else:
            assert s["provider_id"].endswith("-90"), s
            slot = {k: v for k, v in s.items() if k != "planted"}
            assert {**slot, "reason": "no_credentialed_therapist_for_payer"} in truth["planted_no_matches"]
    assert len(truth["planted_matches"]) == kinds["moved_to_new_hire"]
    assert len(truth["planted_no_matches"]) == kinds["new_hire_unbooked"]


def test_template_hours_are_booked_every_week_of_the_window_but_the_planted_ones(generated):
    """Clear by construction: every template hour of the four-week window (on days the clinic is open) is
    booked, except the cells the plants opened."""
    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())["scheduling"]
    appointments = _local_appointments(config)
    booked = {(a["provider_id"], a["day"], a["hour"]) for a in appointments if a["status"] in ("scheduled", "arrived")}
    open_days = {(a["location_id"], a["day"]) for a in appointments}
    planted = {(s["provider_id"], s["slot_date"], s["hour"]) for s in truth["open_slots"]}
    weekdays = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    checked = 0
    for t in _csv(config, "schedule_templates"):
        for offset in range(1, 29):
            day = ANCHOR + timedelta(days=offset)
            if weekdays[day.weekday()] != t["weekday"] or (t["location_id"], day) not in open_days:
                continue
            if day < datetime.fromisoformat(t["effective_date"]).date():
                continue
            for hour in range(int(t["start_time"][:2]), int(t["end_time"][:2])):
                cell = (t["provider_id"], day, hour)
                assert (cell in booked) != ((t["provider_id"], day.isoformat(), hour) in planted), cell
                checked += 1
    assert checked > 100


def test_attendance_plants_hold_and_other_families_stay_well_inside_the_policy(generated):
    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())["scheduling"]["attendance_below_policy"]
    assert sorted(t["location_id"] for t in truth) == ["L01", "L02"]
    planted = {t["patient_id"]: t for t in truth}
    window = {ANCHOR - timedelta(days=n) for n in range(60)}
    by_patient: dict[str, list[dict]] = {}
    for a in _local_appointments(config):
        by_patient.setdefault(a["patient_id"], []).append(a)
    for patient_id, appts in by_patient.items():
        if not any(a["status"] == "scheduled" and a["day"] > ANCHOR for a in appts):
            assert patient_id not in planted
            continue
        counted = [a for a in appts if a["day"] in window and a["status"] in ("arrived", "no_show", "late_cancelled")]
        kept = sum(a["status"] == "arrived" for a in counted)
        if patient_id in planted:
            assert (kept, len(counted)) == (planted[patient_id]["kept"], planted[patient_id]["counted"])
            assert kept / len(counted) <= 0.75 and len(counted) >= 8
        else:
            assert not counted or kept >= 0.88 * len(counted), patient_id


def test_each_planted_match_names_a_fitting_family_and_an_excluded_one_without_authorization(generated):
    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())["scheduling"]["planted_matches"]
    waitlist = {w["waitlist_id"]: w for w in _csv(config, "waitlist")}
    authorized = {a["patient_id"] for a in _csv(config, "authorizations")}
    assert truth
    for planted in truth:
        fits = waitlist[planted["top_waitlist_id"]]
        assert fits["preferred_provider_id"] == planted["provider_id"] and fits["payer_id"] == "COMM1"
        for excluded in planted["excluded"]:
            entry = waitlist[excluded["waitlist_id"]]
            assert excluded["reason"] == "no_authorization" and entry["patient_id"] not in authorized
            assert entry["payer_id"].startswith("TXM") and entry["added_date"] < fits["added_date"]
            assert {k: entry[k] for k in ("preferred_days", "preferred_time", "preferred_provider_id")} == {
                k: fits[k] for k in ("preferred_days", "preferred_time", "preferred_provider_id")
            }
