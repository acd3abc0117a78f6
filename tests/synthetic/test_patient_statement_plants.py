"""The patient-share plants: once per location a planted deductible, coinsurance and copay on a paid claim of a
child with no other coverage (a statement to the family) and on one of a child whose secondary is Medicaid
(never a statement), and a copay on a child whose primary is Medicaid (a write-off review), with the planted
facts in the ground truth and the 835 carrying them."""

import csv
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from dagster_project.ingest.x12 import parse_x12
from dagster_project.synthetic import seed_values
from dagster_project.synthetic.claims_remits import SECONDARY_SHARE_MARGIN_DAYS


def _rows(config, source, entity):
    with (config.out / source / f"{entity}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _truth(config) -> dict:
    return json.loads(Path(config.ground_truth).read_text())["claims"]


def _coverages_of(config, claim_id):
    visit = next(v for v in _rows(config, "ehr", "visits") if v["claim_id"] == claim_id)
    return [c for c in _rows(config, "ehr", "coverages") if c["patient_id"] == visit["patient_id"]]


def _remit_claim(config, claim_id) -> str:
    remits = "".join(p.read_text(encoding="ascii") for p in (config.out / "clearinghouse").glob("*.835"))
    found = re.search(rf"CLP\*{claim_id}\*1\*[^~]*~(.*?)(?=CLP\*|SE\*)", remits, re.S)
    assert found, claim_id
    return found.group(1)


def _patient_share_reasons(claim_text: str) -> dict[str, Decimal]:
    """CARC -> amount of every CAS*PR segment (up to six reason/amount/quantity triplets each)."""
    found: dict[str, Decimal] = {}
    for segment in re.findall(r"CAS\*PR\*([^~]*)~", claim_text):
        parts = segment.split("*")
        for i in range(0, len(parts), 3):
            found[parts[i]] = found.get(parts[i], Decimal("0")) + Decimal(parts[i + 1])
    return found


def test_one_statement_plant_per_location_on_a_child_with_no_other_coverage(generated):
    config, _ = generated
    plants = _truth(config)["patient_statements"]
    assert sorted(p["location_id"] for p in plants) == [f"L{n:02d}" for n in range(1, config.locations + 1)]
    for plant in plants:
        held = _coverages_of(config, plant["claim_id"])
        assert [c["priority"] for c in held] == ["1"] and held[0]["is_medicaid"] == "false"
        parts = Decimal(plant["deductible"]) + Decimal(plant["coinsurance"]) + Decimal(plant["copay"])
        assert parts == Decimal(plant["patient_responsibility"]) and plant["family_paid"] == "0.00"
        shares = _patient_share_reasons(_remit_claim(config, plant["claim_id"]))
        assert shares == {
            "1": Decimal(plant["deductible"]),
            "2": Decimal(plant["coinsurance"]),
            "3": Decimal(plant["copay"]),
        }


def test_one_medicaid_secondary_share_per_location_never_a_statement(generated):
    config, _ = generated
    truth = _truth(config)
    plants = truth["patient_shares_medicaid_secondary"]
    assert sorted(p["location_id"] for p in plants) == [f"L{n:02d}" for n in range(1, config.locations + 1)]
    statement_claims = {p["claim_id"] for p in truth["patient_statements"]}
    for plant in plants:
        assert plant["claim_id"] not in statement_claims
        by_rank = {c["priority"]: c for c in _coverages_of(config, plant["claim_id"])}
        assert by_rank["2"]["is_medicaid"] == "true" and by_rank["2"]["payer_id"] == plant["secondary_payer_id"]
        assert _patient_share_reasons(_remit_claim(config, plant["claim_id"]))["2"] == Decimal(plant["coinsurance"])
    # the share is the secondary claim's to bill (Medicaid, the payer of last resort)
    secondary = {d["claim_id"] for d in truth["secondary_claims_due"]}
    assert {p["claim_id"] for p in plants} <= secondary


def test_one_medicaid_primary_copay_per_location_with_the_835_carrying_it(generated):
    config, _ = generated
    truth = _truth(config)
    plants = truth["patient_shares_medicaid_primary"]
    assert sorted(p["location_id"] for p in plants) == [f"L{n:02d}" for n in range(1, config.locations + 1)]
    others = {p["claim_id"] for key in ("patient_statements", "patient_shares_medicaid_secondary") for p in truth[key]}
    for plant in plants:
        assert plant["claim_id"] not in others
        by_rank = {c["priority"]: c for c in _coverages_of(config, plant["claim_id"])}
        assert by_rank["1"]["is_medicaid"] == "true" and by_rank["1"]["payer_id"] == plant["payer_id"]
        # the copay is the claim's only patient share
        assert Decimal(plant["copay"]) == Decimal(plant["patient_responsibility"])
        assert _patient_share_reasons(_remit_claim(config, plant["claim_id"])) == {"3": Decimal(plant["copay"])}


def test_secondary_claims_due_are_exactly_the_answers_leaving_a_share_to_a_child_with_secondary_coverage(generated):
    """Every 835 answer with a patient share on a child with secondary coverage is in the truth (and nothing
    else), each paid with the construction margin to spare inside the secondary's window; older answers on
    such a child leave no share."""
    config, _ = generated
    secondary_of = {c["patient_id"]: c["payer_type"] for c in _rows(config, "ehr", "coverages") if c["priority"] == "2"}
    patient_of = {v["claim_id"]: v["patient_id"] for v in _rows(config, "ehr", "visits")}
    latest: dict[str, tuple[date, Decimal]] = {}  # claim -> (payment date, patient share) of its latest answer
    for path in sorted((config.out / "clearinghouse").glob("*.835")):
        tables = parse_x12(path.read_bytes(), path.name).tables
        paid_on = {t["remit_transaction_id"]: t["payment_date"] for t in tables["remit_transactions"]}
        for claim in tables.get("remit_claims", []):
            if claim["claim_status_code"] == "22":
                continue  # the reversal of an answer; its correction is the latest answer
            when = paid_on[claim["remit_transaction_id"]]
            if claim["claim_id"] not in latest or when >= latest[claim["claim_id"]][0]:
                latest[claim["claim_id"]] = (when, claim["patient_responsibility_amount"] or Decimal("0"))
    with_share = {}
    for claim_id, (when, share) in latest.items():
        payer_type = secondary_of.get(patient_of[claim_id])
        if payer_type is None or share <= 0:
            continue
        with_share[claim_id] = (when.isoformat(), str(share))
        window = seed_values.secondary_filing_days(payer_type)
        assert (config.anchor_date - when).days <= window - SECONDARY_SHARE_MARGIN_DAYS, claim_id
    due = _truth(config)["secondary_claims_due"]
    assert due
    assert with_share == {d["claim_id"]: (d["primary_payment_date"], d["patient_responsibility"]) for d in due}
