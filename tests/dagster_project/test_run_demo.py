"""The demo's pipeline step: one line per step while it runs, then a summary read from the run's metadata."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg

from dagster_project.run_demo import format_summary, summarize

REPO = Path(__file__).resolve().parents[2]


def _stand_in_assets():
    # The same groups, names and metadata keys the real assets report.
    @dg.multi_asset(
        specs=[
            dg.AssetSpec(["raw_ehr", "visits"], group_name="ingest"),
            dg.AssetSpec(["raw_ehr", "patients"], group_name="ingest"),
        ],
        name="ingest_ehr",
    )
    def ingest_ehr():
        for key in (["raw_ehr", "visits"], ["raw_ehr", "patients"]):
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={
                    "files_loaded": 4,
                    "files_rejected": 1,
                    "files_redelivered_skipped": 2,
                    "rows_quarantined": 7,
                },
            )

    @dg.asset(
        group_name="marts_claims",
        deps=[["raw_ehr", "visits"]],
        check_specs=[dg.AssetCheckSpec("unique_id", asset="fct_claims")],
    )
    def fct_claims():
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(check_name="unique_id", passed=False)

    @dg.asset(group_name="emitters", deps=[fct_claims])
    def denial_drafts():
        return dg.MaterializeResult(metadata={"flag_rows": 5, "drafted": 3})

    @dg.asset(group_name="emitters", deps=[fct_claims])
    def intake_item_drafts():
        return dg.MaterializeResult(
            metadata={"flag_rows": 2, "referral_callback_drafted": 1, "records_request_drafted": 1}
        )

    @dg.asset(group_name="serving", deps=[denial_drafts, intake_item_drafts])
    def serving_snapshot():
        return dg.MaterializeResult(metadata={"tables": 12, "snapshot_path": "data/warehouse/snapshots/s.duckdb"})

    @dg.asset(group_name="serving", deps=[serving_snapshot])
    def outbox_dispatch():
        return dg.MaterializeResult(metadata={"sent": 2, "refused": 1, "failed": 0})

    return [ingest_ehr, fct_claims, denial_drafts, intake_item_drafts, serving_snapshot, outbox_dispatch]


def test_the_summary_counts_each_ingest_step_once_and_adds_up_flags_drafts_and_stages():
    defs = dg.Definitions(
        assets=_stand_in_assets(), jobs=[dg.define_asset_job("daily_leak_job", executor_def=dg.in_process_executor)]
    )
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("daily_leak_job").execute_in_process(instance=instance)
        summary = summarize(result, instance, defs.resolve_asset_graph())
    assert (summary.files_loaded, summary.files_rejected, summary.files_already_loaded, summary.rows_quarantined) == (
        4,
        1,
        2,
        7,
    )
    assert (summary.dbt_assets_built, summary.checks_passed, summary.checks_failed) == (1, 0, 1)
    assert (summary.flags_raised, summary.drafts_written) == (7, 5)
    assert (summary.snapshot_tables, summary.dispatched) == (12, {"sent": 2, "refused": 1, "failed": 0})
    assert list(summary.seconds_by_stage) == ["ingest", "dbt", "emitters", "publish", "dispatch"]

    text = format_summary(summary, 3.25)
    assert text.startswith("daily_leak_job succeeded in 3.2 s")
    for line in (
        "files loaded       4 (rejected 1, already loaded 2)",
        "rows quarantined   7",
        "checks 0 passed, 1 failed",
        "flags raised       7",
        "drafts written     5 new",
        "published          12 tables",
        "dispatched         2 sent, 1 refused, 0 failed",
    ):
        assert line in text


def test_a_failed_step_is_named_in_the_summary():
    @dg.asset(group_name="ingest")
    def ingest_broken():
        raise RuntimeError("bad extract")

    defs = dg.Definitions(assets=[ingest_broken], jobs=[dg.define_asset_job("daily_leak_job")])
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("daily_leak_job").execute_in_process(instance=instance, raise_on_error=False)
        text = format_summary(summarize(result, instance, defs.resolve_asset_graph()), 1.0)
    assert "daily_leak_job FAILED" in text and "failed steps       ingest_broken" in text


def test_the_entry_point_runs_the_dispatch_job_and_prints_its_summary(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster_project" / "instance" / "dagster.yaml", home / "dagster.yaml")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RCM_", "DAGSTER_"))},
        "PYTHONPATH": str(REPO),
        "DAGSTER_HOME": str(home),
        "RCM_DATA_DIR": str(tmp_path / "data"),
    }
    finished = subprocess.run(
        [sys.executable, "-m", "dagster_project.run_demo", "--job", "dispatch_job"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    out = finished.stdout
    assert "outbox_dispatch ..." in out and "dispatch_job succeeded" in out
    assert "dispatched         0 sent, 0 refused, 0 failed" in out
    assert "DEBUG" not in out + finished.stderr  # Dagster's own log stays at WARNING
    assert list((home / "storage").iterdir())  # the run is recorded where the Dagster UI finds it


def _writer_job():
    from dagster_project.definitions import defs

    return defs.resolve_job_def("daily_leak_job")


def test_it_will_not_overlap_a_writer_run_the_live_daemon_is_starting(make_run):
    import time

    from dagster._daemon.types import DaemonHeartbeat

    from dagster_project.run_demo import _run_in_the_way

    job = _writer_job()
    with dg.instance_for_test() as instance:
        queued = make_run(instance, "daily_leak_job", dg.DagsterRunStatus.QUEUED, dict(job.tags))
        assert _run_in_the_way(instance, job) is None  # no daemon: nothing queued can start
        instance.add_daemon_heartbeat(DaemonHeartbeat(time.time(), "QUEUED_RUN_COORDINATOR", "d1"))
        assert _run_in_the_way(instance, job) == queued.run_id


def test_a_finished_writer_run_is_not_in_the_way(make_run):
    import time

    from dagster._daemon.types import DaemonHeartbeat

    from dagster_project.run_demo import _run_in_the_way

    job = _writer_job()
    with dg.instance_for_test() as instance:
        make_run(instance, "daily_leak_job", dg.DagsterRunStatus.SUCCESS, dict(job.tags))
        instance.add_daemon_heartbeat(DaemonHeartbeat(time.time(), "QUEUED_RUN_COORDINATOR", "d1"))
        assert _run_in_the_way(instance, job) is None
