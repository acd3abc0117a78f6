"""The payer-of-last-resort plant: once per location a child on a commercial plan with Texas Medicaid as
secondary coverage, whose commercial plan denies one claim as not covered (CO-96) in a valid 835, with the
facts in the ground truth and the secondary's filing window taken from its own payer type."""

import csv
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from dagster_project.synthetic import seed_values
from dagster_project.synthetic.claims_remits import SECONDARY_SHARE_MARGIN_DAYS, RemitMix
from dagster_project.synthetic.x12_835 import RemitClaim, RemitLine, RemitPayee, RemitPayer


def _rows(config, source, entity):
    with (config.out / source / f"{entity}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _truth(config) -> dict:
    return json.loads(Path(config.ground_truth).read_text())["claims"]


def test_one_plant_per_location_on_a_commercial_primary_with_medicaid_secondary(generated):
    config, _ = generated
    plants = _truth(config)["payer_of_last_resort"]
    assert sorted(p["location_id"] for p in plants) == [f"L{n:02d}" for n in range(1, config.locations + 1)]
    visits = {v["claim_id"]: v for v in _rows(config, "ehr", "visits")}
    coverages = _rows(config, "ehr", "coverages")
    for plant in plants:
        visit = visits[plant["claim_id"]]
        held = {c["priority"]: c for c in coverages if c["patient_id"] == visit["patient_id"]}
        assert set(held) == {"1", "2"}
        assert held["1"]["payer_id"] == plant["primary_payer_id"] and held["1"]["payer_type"] == "commercial"
        assert held["2"]["payer_id"] == plant["secondary_payer_id"] and held["2"]["is_medicaid"] == "true"
        assert held["2"]["effective_date"] <= visit["date_of_service"] and not held["2"]["termination_date"]
        assert re.fullmatch(r"\d{9}", held["2"]["member_id"])  # a Medicaid member id, not a commercial one
        assert plant["carc"] == "96"


def test_the_primary_denies_every_line_of_the_planted_claim_as_not_covered(generated):
    config, _ = generated
    truth = _truth(config)
    plants = {p["claim_id"]: p for p in truth["payer_of_last_resort"]}
    denied = [d for d in truth["denials"] if d["claim_id"] in plants]
    assert {d["claim_id"] for d in denied} == set(plants)
    assert all(d["carc"] == "96" and d["group_code"] == "CO" and d["planted"] for d in denied)
    for claim_id, plant in plants.items():
        lines = [d for d in denied if d["claim_id"] == claim_id]
        assert f"{sum(float(d['amount']) for d in lines):.2f}" == plant["denied_amount"]
    remits = "".join(p.read_text(encoding="ascii") for p in (config.out / "clearinghouse").glob("*.835"))
    for claim_id in plants:
        clp = re.search(rf"CLP\*{claim_id}\*4\*[^~]*~(.*?)(?=CLP\*|SE\*)", remits, re.S)
        assert clp, claim_id
        assert "CAS*CO*96*" in clp.group(1) and "LQ*HE*N130~" in clp.group(1)


PAYER = RemitPayer("ACME", "ACME1", "1 Main St", "Austin", "TX", "78701", "5125550100")
PAYEE = RemitPayee("Clinic", "1234567893", "123456789")
FEES = {"97530": Decimal("50.00")}


def _claim(claim_id: str, service_date: date) -> RemitClaim:
    line = RemitLine(
        "97530",
        ["GO"],
        Decimal("120.00"),
        Decimal("80.00"),
        2,
        service_date,
        f"{claim_id}-1",
        Decimal("100.00"),
        [("CO", "45", Decimal("20.00")), ("PR", "3", Decimal("20.00"))],
    )
    return RemitClaim(
        claim_id, "1", "CI", "P1", "11", "M1", "DOE", "JO", "1234567893", "SMITH", "AL", service_date, [line]
    )


def test_a_share_for_the_secondary_is_left_only_with_days_to_spare_inside_the_secondarys_window():
    """Paid by the primary 88 days before the anchor: Medicaid as secondary (95 days) still has days to spare,
    so the copay stays for it to bill; a commercial secondary (90 days) has fewer than the margin, so the primary
    pays the whole allowed amount and nothing is due. The truth is the answers left with a share."""
    anchor = date(2026, 11, 26)
    assert seed_values.secondary_filing_days("medicaid_ffs") == 95
    assert seed_values.secondary_filing_days("commercial") == 90
    assert SECONDARY_SHARE_MARGIN_DAYS == 5
    mix = RemitMix(seed=1, anchor=anchor)
    paid_on = anchor - timedelta(days=88)
    medicaid, commercial = _claim("CLMEDICAID", paid_on), _claim("CLCOMMERCIAL", paid_on)
    mix.answer("L01", medicaid, PAYER, PAYEE, "COMM1", paid_on, FEES, "TXMFFS")
    mix.answer("L01", commercial, PAYER, PAYEE, "COMM1", paid_on, FEES, "COMM2")
    assert (medicaid.patient_responsibility, medicaid.paid) == (Decimal("20.00"), Decimal("80.00"))
    assert (commercial.patient_responsibility, commercial.paid) == (Decimal("0.00"), Decimal("100.00"))
    assert commercial.lines[0].adjustments == [("CO", "45", Decimal("20.00"))]
    due = mix.truth()["secondary_claims_due"]
    assert [(d["claim_id"], d["patient_responsibility"], d["primary_paid"]) for d in due] == [
        ("CLMEDICAID", "20.00", "80.00")
    ]
    assert mix.truth()["payer_of_last_resort"] == []  # answered outside the recent window: no plant


def test_an_answer_for_a_child_without_secondary_keeps_its_share_at_any_age():
    anchor = date(2026, 11, 26)
    mix = RemitMix(seed=1, anchor=anchor)
    paid_on = anchor - timedelta(days=200)
    claim = _claim("CLONLY", paid_on)
    mix.answer("L01", claim, PAYER, PAYEE, "COMM1", paid_on, FEES)
    assert claim.patient_responsibility == Decimal("20.00")
    assert mix.truth()["secondary_claims_due"] == []


def test_the_not_covered_denial_falls_once_per_location_and_only_with_medicaid_as_secondary():
    anchor = date(2026, 11, 26)
    paid_on = anchor - timedelta(days=20)
    mix = RemitMix(seed=1, anchor=anchor)
    commercial = _claim("CLCOMM", paid_on)
    mix.answer("L01", commercial, PAYER, PAYEE, "COMM1", paid_on, FEES, "COMM2")
    planted, later = _claim("CLFIRST", paid_on), _claim("CLSECOND", paid_on)
    mix.answer("L01", planted, PAYER, PAYEE, "COMM1", paid_on, FEES, "TXMFFS")
    mix.answer("L01", later, PAYER, PAYEE, "COMM1", paid_on, FEES, "TXMFFS")
    assert commercial.paid > 0 and later.paid > 0  # answered as usual
    assert planted.status_code == "4" and planted.paid == 0
    assert planted.lines[0].adjustments == [("CO", "96", Decimal("120.00"))]
    assert mix.truth()["payer_of_last_resort"] == [
        {
            "claim_id": "CLFIRST",
            "location_id": "L01",
            "primary_payer_id": "COMM1",
            "secondary_payer_id": "TXMFFS",
            "carc": "96",
            "denied_amount": "120.00",
            "primary_payment_date": paid_on.isoformat(),
        }
    ]
