"""Scheduling parts of the generator: attendance rates near the cited pediatric figures (higher on Medicaid),
cancellations with lead times, the open-plan-no-future-visit plant and the --waitlist-size knob."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from datetime import datetime

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


def test_generated_no_shows_are_near_fifteen_percent_and_higher_on_medicaid(generated):
    config, _ = generated
    medicaid = {
        r["patient_id"]: r["is_medicaid"].lower() == "true" for r in _csv(config, "coverages") if r["priority"] == "1"
    }
    past = [
        r for r in _csv(config, "appointments") if r["appointment_type"] == "treatment" and r["status"] != "scheduled"
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
