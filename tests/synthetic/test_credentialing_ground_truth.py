"""The credentialing plants in the generated CSVs, read back with plain Python (not the generator's code)."""

import csv
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from dagster_project.npi import is_valid_npi
from dagster_project.synthetic.credentialing import add_months, next_mid_month


def _rows(config, source, entity):
    with (Path(config.out) / source / f"{entity}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _truth(config):
    return json.loads(Path(config.ground_truth).read_text())["credentialing"]


def test_only_planted_credentials_are_within_95_days(generated):
    """The reminders of the ground truth are the planted credentials: every other credential of a therapist
    on staff, the new hires' included, is kept clear of the 90-day tier."""
    config, _ = generated
    truth = _truth(config)
    planted = {
        (p["provider_id"], p["credential_type"])
        for p in truth["plants"] + truth["near_misses"]
        if "credential_type" in p
    }
    own = {p["provider_id"] for p in _rows(config, "ehr", "providers") if not p["termination_date"]}
    close = {
        (c["provider_id"], c["credential_type"])
        for c in _rows(config, "credentialing", "credentials")
        if c["provider_id"] in own and (date.fromisoformat(c["expiration_date"]) - config.anchor_date).days <= 95
    }
    assert close == planted
    reminders = {(r["provider_id"], r["credential_type"], r["reminder_tier"]) for r in truth["credential_reminders"]}
    assert reminders == {
        (p["provider_id"], p["credential_type"], p["reminder_tier"]) for p in truth["plants"] if "reminder_tier" in p
    }
    assert {(p["credential_type"], p["days_to_expiry"]) for p in truth["plants"] if "credential_type" in p} >= {
        ("caqh_attestation", 5),
        ("state_license", 60),
        ("hipaa_training", 20),
        ("cpr_bls", -10),
    }


def test_new_therapists_enrollments_and_unremitted_held_claims(generated):
    config, _ = generated
    truth = _truth(config)
    anchor = config.anchor_date
    enrollments = {(e["provider_id"], e["payer_id"]): e for e in _rows(config, "credentialing", "payer_enrollments")}
    held = {p["provider_id"]: p for p in truth["plants"] if p["kind"].startswith("claims_")}
    assert {p["kind"] for p in held.values()} == {"claims_held_until_enrollment", "claims_released_today"}
    for provider_id, plant in held.items():
        e = enrollments[(provider_id, "TXMCO1")]
        assert e["status"] == "enrolled" and e["effective_date"] == plant["effective_date"]
    assert held_effective_dates(held) == {next_mid_month(anchor).isoformat(), anchor.isoformat()}
    visits = [v for v in _rows(config, "ehr", "visits") if v["provider_id"] in held]
    assert visits and all(date.fromisoformat(v["date_of_service"]) >= anchor - timedelta(days=7) for v in visits)
    # Held claims were never remitted: no 835 names them in CLP01.
    remits = "".join(p.read_text() for p in (Path(config.out) / "clearinghouse").glob("*.835"))
    assert not any(f"CLP*{v['claim_id']}*" in remits for v in visits)
    claim_ids = {c for h in truth["claim_holds"] for c in h["claim_ids"]}
    assert claim_ids == {v["claim_id"] for v in visits if (v["provider_id"], "TXMCO1") in enrollments}


def held_effective_dates(held):
    return {p["effective_date"] for p in held.values()}


def test_cota_without_supervisor_and_payroll_plants_are_in_the_files(generated):
    config, _ = generated
    truth = _truth(config)
    providers = {p["provider_id"]: p for p in _rows(config, "ehr", "providers")}
    for plant in truth["plants"]:
        if plant["kind"] == "cota_without_supervising_otr":
            assert providers[plant["provider_id"]]["credential_type"] == "COTA"
            supervisor = providers[providers[plant["provider_id"]]["supervising_provider_id"]]
            assert (
                supervisor["credential_type"] == "OTR"
                and supervisor["termination_date"] < config.anchor_date.isoformat()
            )
    others = [
        p
        for p in providers.values()
        if p["credential_type"] == "COTA"
        and p["provider_id"] not in {x["provider_id"] for x in truth["supervision_gaps"]}
    ]
    assert all(providers[p["supervising_provider_id"]]["termination_date"] == "" for p in others)
    sheets = _rows(config, "payroll", "timesheets")
    clinical = {(t["provider_id"], t["work_date"]) for t in sheets if t["hours_type"] == "clinical"}
    kinds = {p["kind"]: p for p in truth["plants"]}
    dropped = kinds["sessions_without_hours"]
    assert (dropped["provider_id"], dropped["work_date"]) not in clinical
    added = kinds["hours_without_sessions"]
    assert (added["provider_id"], added["work_date"]) in clinical
    assert {(d["provider_id"], d["work_date"], d["discrepancy_type"]) for d in truth["payroll_discrepancies"]} >= {
        (dropped["provider_id"], dropped["work_date"], "sessions_without_hours"),
        (added["provider_id"], added["work_date"], "hours_without_sessions"),
    }


def test_every_generated_npi_is_valid_but_the_planted_one(generated):
    config, _ = generated
    truth = _truth(config)
    invalid = {p["provider_id"] for p in _rows(config, "ehr", "providers") if not is_valid_npi(p["npi"])}
    assert invalid == {r["provider_id"] for r in truth["invalid_npis"]}


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert next_mid_month(date(2026, 11, 26)) == date(2026, 12, 15)
    assert next_mid_month(date(2026, 11, 14)) == date(2026, 11, 15)
    assert next_mid_month(date(2026, 11, 15)) == date(2026, 12, 15)


def test_natural_enrollments_take_effect_before_every_visit(generated):
    """Natural data is clear of the hold rule by construction: only the planted new therapists have a kept
    visit before their enrollment's effective date."""
    config, _ = generated
    truth = _truth(config)
    payer_of = {c["coverage_id"]: c["payer_id"] for c in _rows(config, "ehr", "coverages")}
    first_visit: dict[tuple[str, str], str] = {}
    for v in _rows(config, "ehr", "visits"):
        key = (v["provider_id"], payer_of[v["coverage_id"]])
        first_visit[key] = min(first_visit.get(key, v["date_of_service"]), v["date_of_service"])
    early = {
        (e["provider_id"], e["payer_id"])
        for e in _rows(config, "credentialing", "payer_enrollments")
        if e["status"] == "enrolled"
        and (e["provider_id"], e["payer_id"]) in first_visit
        and e["effective_date"] > first_visit[(e["provider_id"], e["payer_id"])]
    }
    assert early == {(h["provider_id"], h["payer_id"]) for h in truth["claim_holds"]}
    assert early


def test_every_pending_enrollment_is_a_recorded_followup(generated):
    config, _ = generated
    truth = _truth(config)
    pending = {
        (e["provider_id"], e["payer_id"])
        for e in _rows(config, "credentialing", "payer_enrollments")
        if e["status"] == "pending"
    }
    followups = {(f["provider_id"], f["payer_id"]) for f in truth["enrollment_followups"]}
    assert pending == followups and pending
    assert all("enrollment_pending" in f["reasons"] for f in truth["enrollment_followups"])


def test_near_miss_hours_are_exactly_the_tolerance_over_the_sessions(generated):
    config, _ = generated
    truth = _truth(config)
    minutes = {a["appointment_id"]: int(a["duration_minutes"]) for a in _rows(config, "ehr", "appointments")}
    sheets = _rows(config, "payroll", "timesheets")
    visits = _rows(config, "ehr", "visits")
    misses = [m for m in truth["near_misses"] if m["kind"] == "hours_at_tolerance"]
    assert misses
    for miss in misses:
        key = (miss["provider_id"], miss["work_date"])
        paid = sum(
            Decimal(t["hours"])
            for t in sheets
            if (t["provider_id"], t["work_date"]) == key and t["hours_type"] == "clinical"
        )
        worked = sum(minutes[v["appointment_id"]] for v in visits if (v["provider_id"], v["date_of_service"]) == key)
        assert paid - Decimal(worked) / 60 == Decimal(miss["hours_difference"]) == Decimal("0.50")
