"""Run the daily job once in this process, show one line per step, and end with a short summary.

    python -m dagster_project.run_demo                  # the pipeline step of `make demo`
    python -m dagster_project.run_demo --job dispatch_job

Dagster's own log is kept at WARNING (the dbt build alone logs thousands of DEBUG lines); the summary
(files loaded, rows quarantined, dbt models and tests, flags raised, drafts written, what was published
and dispatched, time per stage) comes from the run's materialization metadata. The run is recorded in
the Dagster instance under DAGSTER_HOME when it is set, so it shows in the Dagster UI afterwards.

This bypasses the run queue (it runs here, not through the daemon), so it refuses to start while the
daemon is alive and a run it may not overlap (another warehouse writer or dispatcher) is queued or
in progress.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

STAGES = ("ingest", "dbt", "emitters", "publish", "dispatch")
# The daemon writes a heartbeat every few seconds; one older than this means it is not running.
DAEMON_HEARTBEAT_FRESH_SECONDS = 90


@dataclass
class RunSummary:
    job_name: str
    run_id: str
    success: bool
    seconds_by_stage: dict[str, float] = field(default_factory=dict)
    files_loaded: int = 0
    files_rejected: int = 0
    files_already_loaded: int = 0
    rows_quarantined: int = 0
    dbt_assets_built: int = 0
    checks_passed: int = 0
    checks_failed: int = 0
    flags_raised: int = 0
    drafts_written: int = 0
    snapshot_tables: int | None = None
    snapshot_path: str | None = None
    dispatched: dict[str, int] = field(default_factory=dict)
    failed_steps: list[str] = field(default_factory=list)


def stage_of(group_name: str | None, asset_name: str) -> str:
    if asset_name == "serving_snapshot":
        return "publish"
    if asset_name == "outbox_dispatch":
        return "dispatch"
    if group_name in ("ingest", "emitters"):
        return group_name
    return "dbt"  # every other group is a dbt folder (staging, intermediate, marts_<area>, reference)


def _number(value) -> int:
    return int(getattr(value, "value", value) or 0)


def summarize(result, instance, asset_graph) -> RunSummary:
    """The run's figures, read from its events and step timings."""
    summary = RunSummary(job_name=result.job_def.name, run_id=result.run_id, success=result.success)
    stage_by_step: dict[str, str] = {}
    seen_ingest_steps: set[str] = set()
    for event in result.get_asset_materialization_events():
        key, step = event.asset_key, event.step_key
        metadata = event.materialization.metadata
        node = asset_graph.get(key) if asset_graph.has(key) else None
        stage = stage_of(node.group_name if node else None, key.path[-1])
        stage_by_step[step] = stage
        if stage == "ingest" and step not in seen_ingest_steps:
            # An ingest step repeats its source's file counts on every table it loads: count them once.
            seen_ingest_steps.add(step)
            summary.files_loaded += _number(metadata.get("files_loaded"))
            summary.files_rejected += _number(metadata.get("files_rejected"))
            summary.files_already_loaded += _number(metadata.get("files_redelivered_skipped"))
            summary.rows_quarantined += _number(metadata.get("rows_quarantined"))
        elif stage == "dbt":
            summary.dbt_assets_built += 1
        elif stage == "emitters":
            summary.flags_raised += _number(metadata.get("flag_rows"))
            drafted = metadata.get("drafted")
            summary.drafts_written += (
                _number(drafted)
                if drafted is not None
                else sum(_number(v) for k, v in metadata.items() if k.endswith("_drafted"))
            )
        elif stage == "publish":
            summary.snapshot_tables = _number(metadata.get("tables"))
            summary.snapshot_path = str(getattr(metadata.get("snapshot_path"), "value", ""))
        elif stage == "dispatch":
            summary.dispatched = {k: _number(metadata.get(k)) for k in ("sent", "refused", "failed")}
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            summary.checks_passed += 1
        else:
            summary.checks_failed += 1
    seconds: dict[str, float] = defaultdict(float)
    for stats in instance.get_run_step_stats(result.run_id):
        if stats.start_time and stats.end_time:
            seconds[stage_by_step.get(stats.step_key, "dbt" if stats.step_key.startswith("dbt") else "other")] += (
                stats.end_time - stats.start_time
            )
    summary.seconds_by_stage = {stage: seconds[stage] for stage in (*STAGES, "other") if stage in seconds}
    summary.failed_steps = sorted(result.get_failed_step_keys())
    return summary


def format_summary(summary: RunSummary, wall_seconds: float) -> str:
    outcome = "succeeded" if summary.success else "FAILED"
    lines = [f"{summary.job_name} {outcome} in {wall_seconds:.1f} s (run {summary.run_id[:8]})"]
    if "ingest" in summary.seconds_by_stage:
        lines.append(
            f"  files loaded       {summary.files_loaded:,} (rejected {summary.files_rejected:,}, "
            f"already loaded {summary.files_already_loaded:,})"
        )
        lines.append(f"  rows quarantined   {summary.rows_quarantined:,}")
    if "dbt" in summary.seconds_by_stage:
        lines.append(
            f"  dbt                {summary.dbt_assets_built:,} models and seeds built; checks "
            f"{summary.checks_passed:,} passed, {summary.checks_failed:,} failed"
        )
    if "emitters" in summary.seconds_by_stage:
        lines.append(f"  flags raised       {summary.flags_raised:,}")
        lines.append(f"  drafts written     {summary.drafts_written:,} new")
    if summary.snapshot_path:
        lines.append(f"  published          {summary.snapshot_tables} tables -> {summary.snapshot_path}")
    if summary.dispatched:
        d = summary.dispatched
        lines.append(f"  dispatched         {d['sent']} sent, {d['refused']} refused, {d['failed']} failed")
    lines.append(
        "  time by stage      "
        + " | ".join(f"{stage} {secs:.1f} s" for stage, secs in summary.seconds_by_stage.items())
    )
    if summary.failed_steps:
        lines.append(f"  failed steps       {', '.join(summary.failed_steps)} (details: make dagster-ui)")
    return "\n".join(lines)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _progress(instance, run_id: str, stop: threading.Event) -> None:
    """Print a line when a step starts and when it ends, read from the run's step timings."""
    started: set[str] = set()
    finished: set[str] = set()
    while True:
        done = stop.wait(1.0)
        try:
            stats = instance.get_run_step_stats(run_id)
        except Exception:  # noqa: BLE001 - progress is a courtesy; the run goes on without it
            stats = []
        for step in stats:
            if step.step_key not in started:
                started.add(step.step_key)
                _say(f"  {time.strftime('%H:%M:%S')}  {step.step_key} ...")
            if step.end_time and step.step_key not in finished:
                finished.add(step.step_key)
                status = str(getattr(step.status, "value", step.status)).lower()
                _say(
                    f"  {time.strftime('%H:%M:%S')}  {step.step_key} {status} in "
                    f"{step.end_time - (step.start_time or step.end_time):.1f} s"
                )
        if done:
            return


def _run_in_the_way(instance, job) -> str | None:
    """An unfinished run that shares one of the run queue's one-at-a-time tags with `job`, while the
    daemon that would start it is alive."""
    import dagster as dg

    from dagster_project.sensors import DISPATCHER_TAG, WAREHOUSE_WRITER_TAG

    now = time.time()
    if not any(
        now - beat.timestamp < DAEMON_HEARTBEAT_FRESH_SECONDS for beat in instance.get_daemon_heartbeats().values()
    ):
        return None  # without a daemon nothing queued can start, and a leftover "started" run is stale
    unfinished = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.CANCELING,
    ]
    for tag in (WAREHOUSE_WRITER_TAG, DISPATCHER_TAG):
        if job.tags.get(tag) == "true":
            records = instance.get_run_records(dg.RunsFilter(tags={tag: "true"}, statuses=unfinished), limit=1)
            if records:
                return records[0].dagster_run.run_id
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dagster_project.run_demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--job", default="daily_leak_job", choices=("daily_leak_job", "dispatch_job"))
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="Dagster's console log level (default: WARNING)",
    )
    args = parser.parse_args(argv)

    from core.settings import SettingsError, check_start

    try:  # a bad setting names its variable before any work starts
        check_start(needs_inbox=args.job == "daily_leak_job")
    except SettingsError as exc:
        sys.stderr.write(f"cannot start: {exc}\n")
        return 2

    import uuid

    import dagster as dg

    from dagster_project.definitions import defs  # may parse the dbt project: after --help

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    with instance:
        job = defs.resolve_job_def(args.job)
        if blocking := _run_in_the_way(instance, job):
            sys.stderr.write(
                f"run {blocking} is queued or running and may not overlap this one: wait for it to "
                "finish (or cancel it in the Dagster UI) and try again\n"
            )
            return 2
        run_id = str(uuid.uuid4())
        _say(f"{args.job}: run {run_id[:8]} started")
        stop = threading.Event()
        progress = threading.Thread(target=_progress, args=(instance, run_id, stop), daemon=True)
        progress.start()
        began = time.perf_counter()
        try:
            result = job.execute_in_process(
                instance=instance,
                run_id=run_id,
                raise_on_error=False,
                tags={"trigger": "run_demo"},
                run_config={"loggers": {"console": {"config": {"log_level": args.log_level}}}},
            )
        finally:
            stop.set()
            progress.join()
        _say(format_summary(summarize(result, instance, defs.resolve_asset_graph()), time.perf_counter() - began))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
