"""The generator reads its rule values from the dbt seeds (dagster_project/synthetic/seed_values.py)."""

from __future__ import annotations

import shutil

import pytest

from dagster_project.synthetic import seed_values
from dagster_project.synthetic.reference import PAYERS_BY_ID


def _clear_caches():
    for name in dir(seed_values):
        reader = getattr(seed_values, name)
        if hasattr(reader, "cache_clear"):
            reader.cache_clear()


@pytest.fixture
def seeds_copy(tmp_path, monkeypatch):
    copy = tmp_path / "seeds"
    shutil.copytree(seed_values.SEEDS_DIR, copy)
    monkeypatch.setattr(seed_values, "SEEDS_DIR", copy)
    _clear_caches()
    yield copy
    _clear_caches()


def test_values_are_the_seed_values():
    assert seed_values.per_code_payers() == {"TXMCO3", "COMM1"}
    assert {"medicaid_mco", "medicaid_ffs"} <= seed_values.telehealth_95_payer_types()
    assert "medicare" not in seed_values.telehealth_95_payer_types()  # its current row has no modifier
    assert seed_values.credentialing_rules()["payroll_tolerance_hours"] == "0.50"
    by_type, by_payer = seed_values.eligibility_window_hours()
    assert (by_type["medicaid_mco"], by_payer["COMM2"]) == (24, 168)
    assert seed_values.secondary_filing_days("commercial") == 90
    # a published fee-for-service fee schedule is not disputed; a contract's rate is
    assert not seed_values.fee_schedule_disputable("TXMFFS")
    assert seed_values.fee_schedule_disputable("TXMCO1") and seed_values.fee_schedule_disputable("COMM2")


def test_the_synthetic_payers_take_their_rules_from_payer_rules():
    assert PAYERS_BY_ID["TRICARE"].reauth_lead_days == seed_values.reauth_lead_days("TRICARE") == 21
    assert PAYERS_BY_ID["COMM1"].needs_authorization is False
    assert PAYERS_BY_ID["COMM1"].needs_go_modifier is False
    assert PAYERS_BY_ID["TXMFFS"].payer_type == "medicaid_ffs"


def test_an_edited_seed_changes_the_value(seeds_copy):
    rules = seeds_copy / "payer_rules.csv"
    rules.write_text(
        rules.read_text().replace(
            "TXMCO2,medicaid_mco,true,30,95,true,cms_total", "TXMCO2,medicaid_mco,true,45,95,true,per_code"
        )
    )
    assert seed_values.reauth_lead_days("TXMCO2") == 45
    assert "TXMCO2" in seed_values.per_code_payers()


def test_a_bad_seed_fails_naming_the_file_and_line(seeds_copy):
    rules = seeds_copy / "payer_rules.csv"
    rules.write_text(rules.read_text().replace("TXMCO2,medicaid_mco,true,30,", "TXMCO2,medicaid_mco,true,thirty,"))
    with pytest.raises(seed_values.SeedError, match=r"payer_rules.csv line \d+: reauth_lead_days"):
        seed_values.reauth_lead_days("TXMCO2")
    (seeds_copy / "claim_payer_type_policies.csv").write_text("payer_type\ncommercial\n")
    with pytest.raises(
        seed_values.SeedError, match=r"claim_payer_type_policies.csv: missing column\(s\) secondary_filing_days"
    ):
        seed_values.secondary_filing_days("commercial")
    with pytest.raises(seed_values.SeedError, match="no row for payer NOPE"):
        seed_values.reauth_lead_days("NOPE")
