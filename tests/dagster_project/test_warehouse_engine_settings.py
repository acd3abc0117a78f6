"""DuckDB's memory ceiling and threads: one setting, applied to every connection the pipeline opens; its
checkpoint threshold: dbt's build only."""

from __future__ import annotations

import json

import pytest

from core.settings import PROJECT_ROOT, get_warehouse_engine_settings
from dagster_project.assets.dbt import dbt_build_args
from dagster_project.resources import WarehouseResource


def test_defaults_are_two_gigabytes_one_thread_per_core_and_a_checkpoint_per_gigabyte_of_log(monkeypatch):
    for variable in ("RCM_DUCKDB_MEMORY_LIMIT", "RCM_DUCKDB_THREADS", "RCM_DUCKDB_CHECKPOINT_THRESHOLD"):
        monkeypatch.delenv(variable, raising=False)
    settings = get_warehouse_engine_settings()
    assert settings.memory_limit == "2GB"
    assert settings.threads >= 1
    assert settings.checkpoint_threshold == "1GB"


@pytest.mark.parametrize("variable", ["RCM_DUCKDB_MEMORY_LIMIT", "RCM_DUCKDB_CHECKPOINT_THRESHOLD"])
@pytest.mark.parametrize("value", ["lots", "2", "-1GB", "2 XB"])
def test_a_size_that_is_not_a_size_names_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=f"{variable} must be a size"):
        get_warehouse_engine_settings()


def test_fewer_than_one_thread_is_refused(monkeypatch):
    monkeypatch.setenv("RCM_DUCKDB_THREADS", "-2")
    with pytest.raises(ValueError, match="RCM_DUCKDB_THREADS must be 1 or more"):
        get_warehouse_engine_settings()


def test_dbt_gets_the_same_values_through_its_profile_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("RCM_DUCKDB_MEMORY_LIMIT", "512MB")
    monkeypatch.setenv("RCM_DUCKDB_THREADS", "3")
    monkeypatch.setenv("RCM_DUCKDB_CHECKPOINT_THRESHOLD", "64MB")
    args = dbt_build_args(tmp_path / "w.duckdb")
    build_vars = json.loads(args[args.index("--vars") + 1])
    names = ("duckdb_memory_limit", "duckdb_threads", "duckdb_checkpoint_threshold")
    assert tuple(build_vars[name] for name in names) == ("512MB", 3, "64MB")
    profile = (PROJECT_ROOT / "dbt" / "profiles.yml").read_text()
    assert all(f"var('{name}'" in profile for name in names)


def test_the_warehouse_connection_runs_under_the_limit(monkeypatch, tmp_path):
    monkeypatch.setenv("RCM_DUCKDB_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("RCM_DUCKDB_THREADS", "1")
    monkeypatch.setenv("RCM_DUCKDB_CHECKPOINT_THRESHOLD", "64MB")
    with WarehouseResource(path=str(tmp_path / "w.duckdb")).connect() as con:
        applied = con.execute(
            "select current_setting('memory_limit'), current_setting('threads'),"
            " current_setting('checkpoint_threshold')"
        ).fetchone()
    # 300 MB as DuckDB prints it; the loader keeps DuckDB's own checkpoint threshold (the setting is dbt's)
    assert applied == ("286.1 MiB", 1, "16.0 MiB")


def test_a_full_refresh_is_asked_for_in_the_run_config_only(tmp_path):
    from dagster_project.assets.dbt import DbtBuildConfig

    assert "--full-refresh" not in dbt_build_args(tmp_path / "w.duckdb")
    asked = DbtBuildConfig(full_refresh=True).full_refresh
    assert dbt_build_args(tmp_path / "w.duckdb", full_refresh=asked)[-1] == "--full-refresh"
    assert DbtBuildConfig().full_refresh is False


def test_the_build_writes_dbt_log_file_at_the_level_set(monkeypatch, tmp_path):
    args = dbt_build_args(tmp_path / "w.duckdb")
    assert args[args.index("--log-level-file") + 1] == "info"  # not dbt's debug: every query of every node
    monkeypatch.setenv("RCM_DBT_FILE_LOG_LEVEL", "debug")
    args = dbt_build_args(tmp_path / "w.duckdb")
    assert args[args.index("--log-level-file") + 1] == "debug"
    monkeypatch.setenv("RCM_DBT_FILE_LOG_LEVEL", "verbose")
    with pytest.raises(ValueError, match="RCM_DBT_FILE_LOG_LEVEL"):
        dbt_build_args(tmp_path / "w.duckdb")


def test_the_build_writes_dbt_json_artifacts_only_when_asked(monkeypatch, tmp_path):
    assert "--no-write-json" in dbt_build_args(tmp_path / "w.duckdb")  # nothing of the pipeline reads them
    assert "--no-write-json" in dbt_build_args(tmp_path / "w.duckdb", full_refresh=True, load_seeds=False)
    monkeypatch.setenv("RCM_DBT_WRITE_ARTIFACTS", "true")
    assert "--no-write-json" not in dbt_build_args(tmp_path / "w.duckdb")
    monkeypatch.setenv("RCM_DBT_WRITE_ARTIFACTS", "sometimes")
    with pytest.raises(ValueError, match="RCM_DBT_WRITE_ARTIFACTS"):
        dbt_build_args(tmp_path / "w.duckdb")


def test_a_night_with_the_same_fingerprint_leaves_the_seeds_out_and_a_full_rebuild_loads_them(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    nightly = dbt_build_args(warehouse, load_seeds=False)
    assert nightly[nightly.index("--exclude") + 1] == "resource_type:seed"
    assert "--exclude" not in dbt_build_args(warehouse)  # a subset a person picked, or the default
    full = dbt_build_args(warehouse, full_refresh=True, load_seeds=False)
    assert "--exclude" not in full and full[-1] == "--full-refresh"  # new rules: the seeds are reloaded


def test_a_full_rebuild_is_asked_for_or_follows_new_rules_or_a_warehouse_without_its_seeds():
    from dagster_project.assets.dbt import full_rebuild_reason

    def never_asked() -> list[str]:
        raise AssertionError("the warehouse is looked at only when nothing else decided")

    assert "asked" in full_rebuild_reason(asked=True, rules_changed=False, missing_seed_tables=never_asked)
    assert "changed" in full_rebuild_reason(asked=False, rules_changed=True, missing_seed_tables=never_asked)
    lost = full_rebuild_reason(asked=False, rules_changed=False, missing_seed_tables=lambda: ["reference.cpt_codes"])
    assert lost.startswith("the warehouse lacks 1 of the seed tables")
    assert full_rebuild_reason(asked=False, rules_changed=False, missing_seed_tables=lambda: []) is None
