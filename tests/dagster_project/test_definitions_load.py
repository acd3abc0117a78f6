"""The Definitions load, and the asset graph wires ingest -> dbt -> emitter -> publish -> dispatch."""

from __future__ import annotations

import dagster as dg


def test_definitions_load_with_the_jobs_schedules_and_sensor():
    from dagster_project.definitions import defs

    assert defs.resolve_job_def("daily_leak_job") is not None
    assert defs.resolve_job_def("dispatch_job") is not None
    assert {s.name for s in defs.schedules} and {s.name for s in defs.sensors} == {"inbox_files", "approved_actions"}


def test_asset_graph_links_sources_to_ingest_and_flags_to_the_emitter():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    appointments = dg.AssetKey(["raw_ehr", "appointments"])
    assert appointments in keys and dg.AssetKey(["raw_clearinghouse", "remit_claims"]) in keys

    emitter = dg.AssetKey("reauth_packet_drafts")
    flag_parents = graph.get(emitter).parent_keys
    assert any(k.path[-1] == "flag_auths_needing_reauth" for k in flag_parents)

    # The staging model of appointments reads the ingest asset's table (dbt source -> asset key).
    staging = next(k for k in keys if k.path[-1] == "stg_ehr__appointments")
    assert appointments in graph.get(staging).parent_keys

    publish_parents = graph.get(dg.AssetKey("serving_snapshot")).parent_keys
    assert emitter in publish_parents
    assert dg.AssetKey("serving_snapshot") in graph.get(dg.AssetKey("outbox_dispatch")).parent_keys


def test_every_csv_entity_has_a_great_expectations_asset_check():
    from dagster_project.contracts import CONTRACTS
    from dagster_project.definitions import defs

    check_keys = defs.resolve_asset_graph().asset_check_keys
    ge_checked = {k.asset_key for k in check_keys if k.name == "great_expectations_suite"}
    assert ge_checked == {dg.AssetKey([f"raw_{c.__source__}", c.__entity__]) for c in CONTRACTS}


def test_the_definitions_load_under_dagster_dev_without_dbt_on_path(tmp_path):
    # `dagster dev` (DAGSTER_IS_DEV_CLI) from a fresh shell: the virtualenv is not activated, so no dbt on PATH.
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RCM_", "DAGSTER_"))},
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(repo),
        "DAGSTER_IS_DEV_CLI": "1",
        "DAGSTER_HOME": str(tmp_path),
        "RCM_DATA_DIR": str(tmp_path / "data"),
    }
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "from dagster_project.definitions import defs; print(defs.resolve_job_def('daily_leak_job').name)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert loaded.stdout.strip().endswith("daily_leak_job")


def test_the_daily_runs_console_log_starts_at_info_and_a_launch_can_change_it():
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("daily_leak_job")
    console = dg.validate_run_config(job, None)["loggers"]["console"]["config"]
    assert console["log_level"] == "INFO"
    full_refresh = {"ops": {"dbt_models": {"config": {"full_refresh": True}}}}
    assert dg.validate_run_config(job, full_refresh)["loggers"]["console"]["config"]["log_level"] == "INFO"
    debug = {"loggers": {"console": {"config": {"log_level": "DEBUG"}}}}
    assert dg.validate_run_config(job, debug)["loggers"]["console"]["config"]["log_level"] == "DEBUG"
