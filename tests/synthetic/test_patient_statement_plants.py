"""The patient-share plants: once per location a planted deductible, coinsurance and copay on a paid claim of a
child with no other coverage (a statement to the family) and on one of a child whose secondary is Medicaid
(never a statement), and a copay on a child whose primary is Medicaid (a write-off review), with the planted
facts in the ground truth and the 835 carrying them."""

import csv
import json
import re
from decimal import Decimal
from pathlib import Path


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
