"""The authorization ground truth is what the generator planted, and it holds in the written CSVs.

These tests read the generated files back and check the planted facts (quantities, dates, visits kept and
booked) and the margins each design promises; they do not re-run the burn-down rule (the end-to-end test
checks the dbt marts against the truth). Natural authorizations are checked clear by construction.
"""

import csv
import json
from collections import defaultdict
from datetime import date, timedelta

LEAD_DAYS = {"TXMCO1": 30, "TXMCO2": 30, "TXMCO3": 30, "TXMFFS": 30, "TRICARE": 21, "COMM1": 14, "COMM2": 14}
REASONS = (
    "in_last_two_visits",
    "expiring_within_lead_time",
    "projected_to_exhaust_before_end",
    "scheduled_beyond_auth",
)


def _rows(config, entity):
    with (config.out / "ehr" / f"{entity}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _load(config):
    appts_by_patient = defaultdict(list)
    for a in _rows(config, "appointments"):
        a["day"] = date.fromisoformat(a["scheduled_start_at"][:10])
        appts_by_patient[a["patient_id"]].append(a)
    visit_of_appt = {v["appointment_id"]: v["visit_id"] for v in _rows(config, "visits")}
    lines = defaultdict(list)
    for line in _rows(config, "charge_lines"):
        lines[line["visit_id"]].append((line["cpt_code"], int(line["units"])))
    auths = _rows(config, "authorizations")
    for a in auths:
        a["start"], a["end"] = date.fromisoformat(a["start_date"]), date.fromisoformat(a["end_date"])
        a["approved"] = int(a["approved_quantity"])
    return auths, appts_by_patient, visit_of_appt, lines


def _truth(config):
    truth = json.loads(config.ground_truth.read_text())
    return truth, date.fromisoformat(truth["anchor_date"])


def _written_facts(auth, appts, visit_of_appt, lines, as_of):
    """The visits kept (billed with a code the authorization lists) and booked, read from the CSVs."""
    codes = set(auth["cpt_codes"].split("|"))
    kept_units = {}
    for a in appts[auth["patient_id"]]:
        if a["status"] == "arrived" and auth["start"] <= a["day"] < as_of:
            billed = [(cpt, units) for cpt, units in lines[visit_of_appt[a["appointment_id"]]] if cpt in codes]
            if billed:
                kept_units[a["appointment_id"]] = (a["day"], sum(units for _, units in billed))
    recent = {k: v for k, v in kept_units.items() if v[0] >= as_of - timedelta(days=27)}
    booked = [a["day"] for a in appts[auth["patient_id"]] if a["status"] == "scheduled" and a["day"] > as_of]
    facts = {
        "kept_visits": len(kept_units),
        "kept_last_four_weeks": len(recent),
        "booked_in_window": sum(1 for day in booked if day <= auth["end"]),
        "booked_after_end": sum(1 for day in booked if day > auth["end"]),
    }
    if auth["unit_type"] == "units":
        facts["units_billed"] = sum(units for _, units in kept_units.values())
        facts["units_billed_last_four_weeks"] = sum(units for _, units in recent.values())
    return facts


def test_ground_truth_is_well_formed(generated):
    config, _ = generated
    truth, _ = _truth(config)
    assert truth["anchor_date"] == config.anchor_date.isoformat() and truth["seed"] == config.seed
    assert {leak["planted_reason"] for leak in truth["auth_leaks"]} == set(REASONS)
    for leak in truth["auth_leaks"]:
        assert {"authorization_id", "location_id", "planted_reason", "planted", "meant_to_trip", "how_planted"} <= set(
            leak
        )
        assert leak["planted_reason"] in leak["meant_to_trip"] and set(leak["meant_to_trip"]) <= set(REASONS)
        assert {"approved", "kept_visits", "booked_in_window", "booked_after_end", "end_date"} <= set(leak["planted"])
    per_location = defaultdict(int)
    for leak in truth["auth_leaks"]:
        per_location[leak["location_id"]] += 1
    assert len(per_location) == config.locations and min(per_location.values()) >= 2
    assert {leak["unit_type"] for leak in truth["auth_leaks"]} == {"visits", "units"}
    kinds = {m["kind"] for m in truth["auth_near_misses"]}
    assert kinds == {
        "ends_day_after_lead_time",
        "three_visits_remaining_low_burn",
        "expiring_with_approved_successor",
        "pending_authorization",
        "denied_authorization",
        "ended_day_before_as_of",
    }
    assert all(m["why_not_flagged"] for m in truth["auth_near_misses"])


def test_planted_facts_hold_in_the_written_files(generated):
    config, _ = generated
    truth, as_of = _truth(config)
    auths, appts, visit_of_appt, lines = _load(config)
    by_id = {a["authorization_id"]: a for a in auths}
    for leak in truth["auth_leaks"]:
        auth, planted = by_id[leak["authorization_id"]], leak["planted"]
        assert auth["status"] == "approved" and auth["patient_id"] == leak["patient_id"]
        assert (auth["approved"], auth["start_date"], auth["end_date"]) == (
            planted["approved"],
            planted["start_date"],
            planted["end_date"],
        )
        written = _written_facts(auth, appts, visit_of_appt, lines, as_of)
        assert {k: planted[k] for k in written} == written, leak["authorization_id"]
        assert not [a for a in appts[auth["patient_id"]] if a["day"] == as_of]  # nothing on the as-of day
        successors = [
            o
            for o in auths
            if o["patient_id"] == auth["patient_id"] and o["status"] == "approved" and o["start"] > auth["start"]
        ]
        assert not successors


def _used(planted, unit_type):
    return planted["units_billed"] if unit_type == "units" else planted["kept_visits"]


def test_each_design_holds_with_its_margin(generated):
    """The planted numbers put each flag meant to trip well inside its rule, and the others well outside."""
    config, _ = generated
    truth, as_of = _truth(config)
    for leak in truth["auth_leaks"]:
        p, trips, unit_type = leak["planted"], set(leak["meant_to_trip"]), leak["unit_type"]
        remaining = p["approved"] - _used(p, unit_type)
        per_booked = p.get("units_per_booked_visit", 1)
        lead, days = p["reauth_lead_days"], p["days_to_expiry"]
        assert ("expiring_within_lead_time" in trips) == (days <= lead)
        assert days <= lead - 3 or days >= lead + 3
        over = remaining < p["booked_in_window"] * per_booked or p["booked_after_end"] > 0
        assert ("scheduled_beyond_auth" in trips) == over
        if "in_last_two_visits" in trips:
            assert remaining <= (2 if unit_type == "visits" else 1) and p["kept_last_four_weeks"] >= 2
        if "projected_to_exhaust_before_end" in trips and "in_last_two_visits" not in trips:
            assert unit_type == "visits" and remaining >= 3
            runs_out = as_of + timedelta(days=-(-remaining * 28 // p["kept_last_four_weeks"]))
            assert runs_out.isoformat() == p["exhausted_by"]
            assert runs_out + timedelta(days=14) <= date.fromisoformat(p["end_date"])


def test_natural_authorizations_in_force_are_clear_by_construction(generated):
    """Every approved authorization in force on the as-of date without an approved successor and not planted
    ends well past its lead time and after every booked visit, with a quantity covering every appointment of
    its window at the most a visit can take."""
    config, _ = generated
    truth, as_of = _truth(config)
    auths, appts, *_ = _load(config)
    planted = {r["authorization_id"] for r in truth["auth_leaks"] + truth["auth_near_misses"]}
    checked = 0
    for auth in auths:
        if (
            auth["authorization_id"] in planted
            or auth["status"] != "approved"
            or not auth["start"] <= as_of <= auth["end"]
        ):
            continue
        if any(
            o["patient_id"] == auth["patient_id"]
            and o["status"] == "approved"
            and auth["start"] < o["start"] <= auth["end"] + timedelta(days=1)
            for o in auths
        ):
            continue
        own = appts[auth["patient_id"]]
        assert (auth["end"] - as_of).days >= LEAD_DAYS[auth["payer_id"]] + 14, auth["authorization_id"]
        assert not [a for a in own if a["status"] == "scheduled" and a["day"] > auth["end"]]
        in_window = [a for a in own if auth["start"] <= a["day"] <= auth["end"]]
        most = 1 if auth["unit_type"] == "visits" else max((int(a["duration_minutes"]) + 7) // 15 for a in in_window)
        assert auth["approved"] >= most * (len(in_window) + 4), auth["authorization_id"]
        checked += 1
    assert checked >= 10


def test_near_misses_are_set_up_as_described(generated):
    config, _ = generated
    truth, as_of = _truth(config)
    auths, appts, visit_of_appt, lines = _load(config)
    by_id = {a["authorization_id"]: a for a in auths}
    for miss in truth["auth_near_misses"]:
        auth = by_id[miss["authorization_id"]]
        own = appts[auth["patient_id"]]
        lead = LEAD_DAYS[auth["payer_id"]]
        kind = miss["kind"]
        if kind == "ends_day_after_lead_time":
            assert (auth["end"] - as_of).days == lead + 1
            assert not [a for a in own if a["status"] == "scheduled" and a["day"] > auth["end"]]
        elif kind == "three_visits_remaining_low_burn":
            facts = _written_facts(auth, appts, visit_of_appt, lines, as_of)
            assert auth["unit_type"] == "visits" and auth["approved"] - facts["kept_visits"] == 3
            assert facts["booked_in_window"] == 2 and facts["booked_after_end"] == 0
            assert facts["kept_last_four_weeks"] <= 1 and (auth["end"] - as_of).days == lead + 10
        elif kind == "expiring_with_approved_successor":
            assert (auth["end"] - as_of).days <= lead
            assert any(
                o["status"] == "approved"
                and o["patient_id"] == auth["patient_id"]
                and o["start"] == auth["end"] + timedelta(days=1)
                for o in auths
            )
        elif kind in ("pending_authorization", "denied_authorization"):
            assert auth["status"] == kind.split("_")[0] and auth["start"] <= as_of <= auth["end"]
        elif kind == "ended_day_before_as_of":
            assert auth["end"] == as_of - timedelta(days=1)
            assert not [a for a in own if a["day"] >= as_of]


def test_commercial_ppo_children_have_no_authorizations(generated):
    config, _ = generated
    auths, *_ = _load(config)
    assert auths and not [a for a in auths if a["payer_id"] == "COMM1"]


def test_each_location_plants_one_unauthorized_visit_of_each_reason_as_written(generated):
    """The planted facts of the unauthorized visits hold in the written EHR files."""
    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())
    planted = truth["unauthorized_visits"]
    locations = {r["location_id"] for r in _rows(config, "locations")}
    assert {(p["location_id"], p["planted_reason"]) for p in planted} == {
        (loc, reason) for loc in locations for reason in ("authorization_ended", "wrong_service")
    }
    visits = {v["visit_id"]: v for v in _rows(config, "visits")}
    auths = {a["authorization_id"]: a for a in _rows(config, "authorizations")}
    lines = defaultdict(list)
    for line in _rows(config, "charge_lines"):
        lines[line["visit_id"]].append(line["cpt_code"])
    anchor = date.fromisoformat(truth["anchor_date"])
    for p in planted:
        visit, auth = visits[p["visit_id"]], auths[p["authorization_id"]]
        day = date.fromisoformat(visit["date_of_service"])
        assert visit["claim_id"] == p["claim_id"] and visit["patient_id"] == auth["patient_id"] == p["patient_id"]
        assert 20 <= (anchor - day).days <= 85
        assert p["claim_line_numbers"] == list(range(1, len(lines[p["visit_id"]]) + 1))
        if p["planted_reason"] == "authorization_ended":
            assert auth["end_date"] == p["authorization_end_date"] == (day - timedelta(days=1)).isoformat()
            own = [a for a in auths.values() if a["patient_id"] == p["patient_id"]]
            assert all(a["end_date"] < visit["date_of_service"] for a in own) and visit["authorization_number"] == ""
        else:
            assert auth["start_date"] <= visit["date_of_service"] <= auth["end_date"]
            assert lines[p["visit_id"]] == ["97150"] and "97150" not in auth["cpt_codes"].split("|")
            assert auth["cpt_codes"] == p["authorization_cpt_codes"]
