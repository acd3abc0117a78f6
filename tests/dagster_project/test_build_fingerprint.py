"""The orchestrator's rule for a full dbt rebuild: the rules (seeds, macros, models, project, vars) changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from core.settings import dbt_vars
from dagster_project.assets.build_fingerprint import (
    build_fingerprint,
    fingerprint_path,
    forget_fingerprint,
    needs_full_refresh,
    record_fingerprint,
)

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the dbt project to edit, without dbt's own output."""
    copy = tmp_path / "dbt"
    shutil.copytree(DBT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return copy


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return tmp_path / "data" / "rcm.duckdb"


def _built(project: Path, warehouse: Path, project_vars=None) -> str:
    """The fingerprint of a build that succeeded, recorded as the orchestrator does."""
    fingerprint = build_fingerprint(project, project_vars or dbt_vars(), "duckdb")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    record_fingerprint(warehouse, fingerprint)
    return fingerprint


def test_a_first_build_is_a_full_build(project, warehouse):
    assert needs_full_refresh(warehouse, build_fingerprint(project, dbt_vars(), "duckdb"))


def test_unchanged_rules_build_incrementally(project, warehouse):
    _built(project, warehouse)
    assert not needs_full_refresh(warehouse, build_fingerprint(project, dbt_vars(), "duckdb"))
    assert fingerprint_path(warehouse).parent == warehouse.parent  # beside the warehouse, not in the project


def test_one_seed_byte_changed_rebuilds_everything(project, warehouse):
    _built(project, warehouse)
    seed = project / "seeds" / "claim_payment_policies.csv"
    text = seed.read_bytes()
    seed.write_bytes(text[:-2] + bytes([text[-2] ^ 1]) + text[-1:])
    assert needs_full_refresh(warehouse, build_fingerprint(project, dbt_vars(), "duckdb"))


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: (p / "macros" / "price_claim_lines.sql").write_text("{# new rule #}", encoding="utf-8"),
        lambda p: (p / "models" / "intermediate" / "new_model.sql").write_text("select 1 as x", encoding="utf-8"),
        lambda p: (p / "models" / "intermediate" / "claims" / "int_claim_lines_submitted.sql").unlink(),
        lambda p: (p / "dbt_project.yml").write_text(
            (p / "dbt_project.yml").read_text() + "\n# comment\n", encoding="utf-8"
        ),
    ],
    ids=["macro edited", "model added", "model removed", "project file edited"],
)
def test_code_changes_rebuild_everything(project, warehouse, edit):
    _built(project, warehouse)
    edit(project)
    assert needs_full_refresh(warehouse, build_fingerprint(project, dbt_vars(), "duckdb"))


def test_a_changed_var_rebuilds_everything(project, warehouse):
    _built(project, warehouse)
    changed = {**dbt_vars(), "claims_timely_filing_lead_days": dbt_vars()["claims_timely_filing_lead_days"] + 1}
    assert needs_full_refresh(warehouse, build_fingerprint(project, changed, "duckdb"))
    # the same vars in another order are the same rules
    assert not needs_full_refresh(warehouse, build_fingerprint(project, dict(reversed(dbt_vars().items())), "duckdb"))


def test_another_warehouse_kind_rebuilds_everything(project, warehouse):
    _built(project, warehouse)
    assert needs_full_refresh(warehouse, build_fingerprint(project, dbt_vars(), "postgres"))


def test_data_tests_do_not_change_what_the_models_hold(project, warehouse):
    _built(project, warehouse)
    (project / "data-tests" / "a_new_test.sql").write_text("select 1 where false", encoding="utf-8")
    assert not needs_full_refresh(warehouse, build_fingerprint(project, dbt_vars(), "duckdb"))


def test_a_full_rebuild_forgets_the_record_until_it_succeeds(project, warehouse):
    old = _built(project, warehouse)
    forget_fingerprint(warehouse)  # the full rebuild started, then failed: nothing is recorded
    assert needs_full_refresh(warehouse, old)


def test_a_deleted_duckdb_warehouse_lacks_every_table_and_a_kept_one_lacks_none(tmp_path, warehouse):
    """The dbt asset's other reason for a full rebuild: the record beside the warehouse says the last build ran
    these rules, but the file was deleted (or replaced) since, so the seeds it loaded are gone."""
    from dagster_project.warehouse import DuckDBWarehouse

    wanted = [("reference", "cpt_codes"), ("reference", "payer_rules")]
    assert DuckDBWarehouse(warehouse).missing_tables(wanted) == ["reference.cpt_codes", "reference.payer_rules"]
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema reference")
        con.execute("create table reference.cpt_codes (code varchar)")
    assert DuckDBWarehouse(warehouse).missing_tables(wanted) == ["reference.payer_rules"]
