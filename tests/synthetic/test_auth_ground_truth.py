"""Planted authorization leaks, recomputed from the generated CSVs with plain Python.

This re-implements the dbt rule from its text (not the generator's code): used = arrived on or before
the as-of date in the window; scheduled = scheduled after the as-of date in the window; burn = used in
the last 28 days (as-of - 27 .. as-of) / 4; flags only for approved authorizations active on the
as-of date with no approved successor. Clinic hours keep every UTC start on its local date.
"""

import csv
import json
import math
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


def _has_successor(auth, auths):
    return any(
        o is not auth
        and o["status"] == "approved"
        and o["patient_id"] == auth["patient_id"]
        and o["payer_id"] == auth["payer_id"]
        and o["start"] > auth["start"]
        for o in auths
    )


def _evaluate(auth, auths, appts_by_patient, visit_of_appt, lines, as_of):
    """None when the rule does not evaluate this authorization, else its numbers and flags."""
    if auth["status"] != "approved" or not auth["start"] <= as_of <= auth["end"] or _has_successor(auth, auths):
        return None
    codes = set(auth["cpt_codes"].split("|"))
    appts = appts_by_patient[auth["patient_id"]]
    window = [a for a in appts if auth["start"] <= a["day"] <= auth["end"]]
    kept = [a for a in window if a["status"] == "arrived" and a["day"] <= as_of]
    upcoming = [a for a in window if a["status"] == "scheduled" and a["day"] > as_of]
    recent = [a for a in kept if a["day"] > as_of - timedelta(days=28)]

    def units(a):
        return sum(u for cpt, u in lines[visit_of_appt[a["appointment_id"]]] if cpt in codes)

    if auth["unit_type"] == "units":
        used, scheduled = sum(units(a) for a in kept), sum((int(a["duration_minutes"]) + 7) // 15 for a in upcoming)
        recent_used = sum(units(a) for a in recent)
        last_two = bool(kept) and auth["approved"] - used <= 2 * used / len(kept)
    else:
        used, scheduled, recent_used = len(kept), len(upcoming), len(recent)
        last_two = auth["approved"] - used <= 2
    remaining = auth["approved"] - used
    burn = recent_used / 4
    projected = as_of + timedelta(days=math.ceil(remaining / burn * 7)) if burn else None
    after_end = [a for a in appts if a["status"] == "scheduled" and a["day"] > auth["end"]]
    return {
        "approved": auth["approved"],
        "used": used,
        "scheduled": scheduled,
        "end_date": auth["end_date"],
        "flags": {
            "in_last_two_visits": last_two,
            "expiring_within_lead_time": (auth["end"] - as_of).days <= LEAD_DAYS[auth["payer_id"]],
            "projected_to_exhaust_before_end": projected is not None and projected < auth["end"],
            "scheduled_beyond_auth": used + scheduled > auth["approved"] or bool(after_end),
        },
    }


def test_ground_truth_is_well_formed(generated):
    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())
    assert truth["anchor_date"] == config.anchor_date.isoformat() and truth["seed"] == config.seed
    assert {leak["planted_reason"] for leak in truth["auth_leaks"]} == set(REASONS)
    for leak in truth["auth_leaks"]:
        assert {"authorization_id", "location_id", "planted_reason", "expected"} <= set(leak)
        assert {"approved", "used", "scheduled", "end_date"} <= set(leak["expected"])
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


def test_planted_leaks_trip_their_rule_and_nothing_else_is_flagged(generated):
    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())
    as_of = date.fromisoformat(truth["anchor_date"])
    auths, appts, visit_of_appt, lines = _load(config)
    results = {a["authorization_id"]: _evaluate(a, auths, appts, visit_of_appt, lines, as_of) for a in auths}
    flagged = {aid for aid, r in results.items() if r and any(r["flags"].values())}
    leaks = {leak["authorization_id"]: leak for leak in truth["auth_leaks"]}
    assert flagged == set(leaks)
    for aid, leak in leaks.items():
        got = results[aid]
        assert got["flags"][leak["planted_reason"]], (aid, leak["planted_reason"], got)
        assert got["flags"] == leak["expected"]["flags"], aid
        for key in ("approved", "used", "scheduled", "end_date"):
            assert got[key] == leak["expected"][key], (aid, key)


def test_near_misses_trip_nothing(generated):
    config, _ = generated
    truth = json.loads(config.ground_truth.read_text())
    as_of = date.fromisoformat(truth["anchor_date"])
    auths, appts, visit_of_appt, lines = _load(config)
    by_id = {a["authorization_id"]: a for a in auths}
    for miss in truth["auth_near_misses"]:
        auth = by_id[miss["authorization_id"]]
        result = _evaluate(auth, auths, appts, visit_of_appt, lines, as_of)
        assert result is None or not any(result["flags"].values()), (miss, result)
        lead = LEAD_DAYS[auth["payer_id"]]
        kind = miss["kind"]
        if kind == "ends_day_after_lead_time":
            assert (auth["end"] - as_of).days == lead + 1
        elif kind == "three_visits_remaining_low_burn":
            assert result["approved"] - result["used"] == 3 and auth["unit_type"] == "visits"
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
            assert not [a for a in appts[auth["patient_id"]] if a["day"] >= as_of]


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
