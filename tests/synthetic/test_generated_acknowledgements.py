"""Generated 999 and 277CA files: every 837P file answered, readable without issues, and the planted
rejections (ground truth ``acknowledgements``) are what the files say."""

import json
from pathlib import Path

from dagster_project.ingest.x12 import parse_x12
from dagster_project.ingest.x12.validate import validate_with_pyx12


def _truth(config) -> dict:
    return json.loads(Path(config.ground_truth).read_text())["acknowledgements"]


def _tables(config, pattern: str) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {}
    for path in sorted((config.out / "clearinghouse").glob(pattern)):
        result = parse_x12(path.read_bytes(), path.name)
        assert result.issues == [], path.name
        for table, rows in result.tables.items():
            tables.setdefault(table, []).extend(rows)
    return tables


def test_every_837p_file_gets_a_999_and_the_rejected_file_no_277ca(generated):
    config, summary = generated
    clearinghouse = config.out / "clearinghouse"
    claim_files = sorted(p.stem for p in clearinghouse.glob("claims_*.837"))
    truth = _truth(config)
    answered_999 = {p.stem.removeprefix("ack_") for p in clearinghouse.glob("*.999")}
    answered_277 = {p.stem.removeprefix("ack_") for p in clearinghouse.glob("*.277")}
    assert set(claim_files) <= answered_999
    assert set(claim_files) - answered_277 == {Path(truth["rejected_999_file"]).stem}
    assert summary["rows"]["clearinghouse_ack_files"] == len(answered_999) + len(answered_277)


def test_the_files_say_what_the_ground_truth_plants(generated):
    config, _ = generated
    truth = _truth(config)
    acks = _tables(config, "*.999")["implementation_acks"]
    assert sorted(a["transaction_status_code"] for a in acks if a["transaction_status_code"] != "A") == ["R"]
    statuses = _tables(config, "*.277")["claim_acks"]
    rejected_277 = {
        s["patient_control_number"]: ":".join([s["status_category_code"], s["status_code"], s["status_entity_code"]])
        for s in statuses
        if s["status_category_code"] != "A2"
    }
    [near_miss] = truth["rejected_then_accepted"]
    assert rejected_277.pop(near_miss).startswith("A7:")
    assert rejected_277 == {r["claim_id"]: r["code"] for r in truth["rejected_claims"] if r["source"] == "277CA"}
    assert sum(s["patient_control_number"] == near_miss and s["status_category_code"] == "A2" for s in statuses) == 1


def test_the_resubmitted_claim_is_a_pyx12_valid_837p_and_the_acknowledgements_validate(generated):
    config, _ = generated
    clearinghouse = config.out / "clearinghouse"
    [resubmitted] = sorted(clearinghouse.glob("claims_resubmitted_*"))
    assert validate_with_pyx12(resubmitted) == []
    rejected = Path(_truth(config)["rejected_999_file"]).stem
    with_rejections = [p for p in sorted(clearinghouse.glob("*.277")) if "*U*" in p.read_text()]
    for path in (
        clearinghouse / f"ack_{resubmitted.stem}.999",
        clearinghouse / f"ack_{resubmitted.stem}.277",
        clearinghouse / f"ack_{rejected}.999",
        *with_rejections,
    ):
        errors = [i for i in validate_with_pyx12(path) if i.is_error]
        assert errors == [], path.name
