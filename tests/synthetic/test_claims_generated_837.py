"""Generated 837P claims (claims area): one claim per billed visit but the few held back, pyx12-valid,
readable without issues, and the planted pre-submission audit problems sit only in unanswered claims and only
in the 837P."""

import csv
import json
from pathlib import Path

from dagster_project.ingest.x12.claim_837 import parse_837_file
from dagster_project.ingest.x12.validate import validate_with_pyx12
from dagster_project.synthetic.claims import ASSISTANT_SHARE_PLANT, PLANT_KINDS


def _rows(config, source, entity):
    with (config.out / source / f"{entity}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _claims(config) -> tuple[dict, dict]:
    headers, lines = {}, {}
    for path in sorted((config.out / "clearinghouse").glob("*.837")):
        result = parse_837_file(path)
        assert result.issues == [], path.name
        for h in result.tables["claim_headers"]:
            headers[h["claim_id"]] = h
        for line in result.tables["claim_lines"]:
            lines.setdefault(line["claim_id"], []).append(line)
    return headers, lines


def _truth(config) -> list[dict]:
    return json.loads(Path(config.ground_truth).read_text())["claims"]["audit_plants"]


def test_every_billed_visit_has_one_837p_claim_with_its_charge_lines(generated):
    config, summary = generated
    headers, lines = _claims(config)
    visits = _rows(config, "ehr", "visits")
    assert summary["clearinghouse_837_files"] > 10
    held_back = {
        h["claim_id"] for h in json.loads(Path(config.ground_truth).read_text())["claims"]["unsubmitted_claims"]
    }
    assert len(held_back) >= 3 and held_back.isdisjoint(headers)
    assert sorted(headers) == sorted(v["claim_id"] for v in visits if v["claim_id"] not in held_back)
    planted = {p["claim_id"] for p in _truth(config)}
    charge_lines: dict[str, list[dict]] = {}
    for row in _rows(config, "ehr", "charge_lines"):
        charge_lines.setdefault(row["visit_id"], []).append(row)
    for visit in visits:
        if visit["claim_id"] in planted or visit["claim_id"] in held_back:
            continue
        billed = [(ln["procedure_code"], int(ln["units"]), str(ln["charge_amount"])) for ln in lines[visit["claim_id"]]]
        documented = [(c["cpt_code"], int(c["units"]), c["charge_amount"]) for c in charge_lines[visit["visit_id"]]]
        assert billed == documented, visit["claim_id"]
        assert headers[visit["claim_id"]]["rendering_npi"] == visit["rendering_npi"]


def test_generated_837p_files_pass_pyx12(generated):
    config, _ = generated
    files = sorted((config.out / "clearinghouse").glob("*.837"))
    # The planted files and the largest ones; all of them take a few seconds more and add nothing.
    planted = {p["claim_id"] for p in _truth(config)}
    chosen = {f for f in files if any(c in f.read_text() for c in planted)}
    chosen |= set(sorted(files, key=lambda p: -p.stat().st_size)[:3])
    for path in sorted(chosen):
        assert validate_with_pyx12(path) == [], path.name


def test_plants_cover_every_kind_sit_in_unanswered_claims_and_leave_the_ehr_alone(generated):
    config, _ = generated
    plants = _truth(config)
    assert {p["plant"] for p in plants} == {*PLANT_KINDS, ASSISTANT_SHARE_PLANT}
    assert len({p["claim_id"] for p in plants}) == len(plants)
    remitted = set()
    for path in (config.out / "clearinghouse").glob("*.835"):
        remitted |= {seg.split("*")[1] for seg in path.read_text().split("~") if seg.strip().startswith("CLP*")}
    assert not remitted & {p["claim_id"] for p in plants}
    headers, lines = _claims(config)
    visits = {v["claim_id"]: v for v in _rows(config, "ehr", "visits")}
    charge_lines = {(c["visit_id"], c["line_number"]): c for c in _rows(config, "ehr", "charge_lines")}
    charge_mods = {key: c["modifiers"] for key, c in charge_lines.items()}
    for plant in plants:
        claim, visit = headers[plant["claim_id"]], visits[plant["claim_id"]]
        first = lines[plant["claim_id"]][0]
        if plant["plant"] == "discipline_modifier_missing":
            assert "GO" not in (first["modifiers"] or "") and "GO" in charge_mods[(visit["visit_id"], "1")]
        elif plant["plant"] == "rendering_npi_invalid":
            assert claim["rendering_npi"] != visit["rendering_npi"]
        elif plant["plant"] == "authorization_missing":
            assert claim["authorization_number"] is None and visit["authorization_number"]
        elif plant["plant"] == "telehealth_modifier_missing":
            assert claim["place_of_service"] == "10" and visit["place_of_service"] == "11"
        elif plant["plant"] == ASSISTANT_SHARE_PLANT:
            # the one plant in the EHR: the charge line records the assistant's minutes, the 837P has no CO
            charge = charge_lines[(visit["visit_id"], "1")]
            assert int(charge["assistant_minutes"]) == plant["assistant_minutes"]
            assert int(charge["minutes"]) == plant["documented_minutes"] < 10 * plant["assistant_minutes"]
            assert plant["rendering_credential"] == "OTR" and "CO" not in (first["modifiers"] or "")


def test_claims_carry_the_segments_real_therapy_claims_do(generated):
    config, _ = generated
    path = max((config.out / "clearinghouse").glob("*.837"), key=lambda p: p.stat().st_size)
    segments = [s.strip() for s in path.read_text().split("~") if s.strip()]
    ids = {"*".join(s.split("*")[:2]) for s in segments}
    assert {"DTP*454", "DTP*304", "REF*G1", "NTE*ADD", "NM1*DN"} <= ids
    referring = [s.split("*") for s in segments if s.startswith("NM1*DN*")]
    assert referring
    assert all(r[3] not in ("REFERRING", "") and r[4] and r[8] == "XX" and len(r[9]) == 10 for r in referring)
    assert any(len(s.split("*")) > 3 for s in segments if s.startswith("HI*"))  # several diagnoses on some claims
    # 2300 order: the dates, then the authorization, then the note and the diagnoses
    g1 = segments.index(next(s for s in segments if s.startswith("REF*G1*")))
    around = ["*".join(s.split("*")[:2]) for s in segments[g1 - 3 : g1 + 3]]
    assert around[0].startswith("CLM*") and around[1:5] == ["DTP*454", "DTP*304", "REF*G1", "NTE*ADD"]
    assert around[5].startswith("HI*")


def _filing_limit(payer_id: str, payer_type: str) -> int:
    """The payer's filing limit read straight from the seeds: its payer_rules row, else its payer type's."""
    seeds = Path(__file__).resolve().parents[2] / "dbt" / "seeds"
    with (seeds / "payer_rules.csv").open(newline="") as f:
        own = {r["payer_id"]: r["timely_filing_days"] for r in csv.DictReader(f)}
    with (seeds / "payer_type_defaults.csv").open(newline="") as f:
        by_type = {r["payer_type"]: r["timely_filing_days"] for r in csv.DictReader(f)}
    return int(own.get(payer_id) or by_type[payer_type])


def test_unfiled_claims_record_the_filing_deadline_their_date_of_service_and_payer_set(generated):
    """Each claim held back from the 837P files and each claim answered CO-16/MA130 records, as planted, its
    first date of service plus the payer's seeded filing limit; the held-back ones are in no 837P file."""
    from datetime import date, timedelta

    config, _ = generated
    truth = json.loads(Path(config.ground_truth).read_text())["claims"]
    payer_types = {c["payer_id"]: c["payer_type"] for c in _rows(config, "ehr", "coverages")}
    visits = {v["claim_id"]: v["date_of_service"] for v in _rows(config, "ehr", "visits")}
    unfiled = truth["unsubmitted_claims"] + truth["unprocessable_claims"]
    assert truth["unsubmitted_claims"] and truth["unprocessable_claims"]
    for claim in unfiled:
        assert claim["service_date"] == visits[claim["claim_id"]]
        limit = _filing_limit(claim["payer_id"], payer_types[claim["payer_id"]])
        assert date.fromisoformat(claim["filing_deadline"]) == date.fromisoformat(claim["service_date"]) + timedelta(
            days=limit
        )
    headers, _ = _claims(config)
    assert not {c["claim_id"] for c in truth["unsubmitted_claims"]} & set(headers)
    rejected = {
        (d["claim_id"]) for d in truth["denials"] if d["carc"] == "16" and "MA130" in d["rarcs"] + d["claim_rarcs"]
    }
    assert rejected == {c["claim_id"] for c in truth["unprocessable_claims"]}
