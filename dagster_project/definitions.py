"""The one Definitions object: ingest -> dbt -> emitters -> publish -> dispatch."""

import gc

import dagster as dg

from core.settings import check_settings
from dagster_project.assets.adapters import adapter_assets
from dagster_project.assets.clearinghouse_mailbox import clearinghouse_mailbox
from dagster_project.assets.dbt import build_dbt_assets
from dagster_project.assets.eligibility_270 import build_eligibility_270_asset
from dagster_project.assets.emitters import build_emitter_assets
from dagster_project.assets.ingest import ingest_assets
from dagster_project.assets.nppes_check import build_nppes_check_asset
from dagster_project.assets.serving import build_serving_assets
from dagster_project.dbt_project import dbt_cli_resource
from dagster_project.resources import pipeline_resources
from dagster_project.sensors import DISPATCHER_TAG, WAREHOUSE_WRITER_TAG, approved_actions_sensor, inbox_sensor

# A bad setting stops the code location from loading, naming the variable, before any run starts.
check_settings()

_ingest = ingest_assets()
_dbt = build_dbt_assets()
_emitters = [
    *build_emitter_assets(_dbt),
    build_nppes_check_asset(_dbt),
    build_eligibility_270_asset(_dbt),
]  # one emitter per flag model (emitters/registry.py)
_serving = build_serving_assets([_dbt, *_emitters])

# Dagster's console log defaults to DEBUG: it prints each of the thousands of events a daily run stores (every dbt
# model and test), about a tenth of the run process's CPU. The run's events all stay in the event log, where
# the UI reads them; the console keeps INFO and up (what the assets themselves report). A launch can set it back.
RUN_CONSOLE_LOG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}

# DuckDB takes one writer per file, so the job runs its steps one at a time in one process, and the run
# queue (dagster_project/instance/dagster.yaml) lets one run per tag below go at a time: one warehouse
# writer, one dispatcher (the daily job ends by dispatching).
daily_leak_job = dg.define_asset_job(
    "daily_leak_job",
    selection=dg.AssetSelection.all(),
    config=RUN_CONSOLE_LOG,
    executor_def=dg.in_process_executor,
    tags={WAREHOUSE_WRITER_TAG: "true", DISPATCHER_TAG: "true"},
    description="Ingest the inbox, build every dbt model and test, draft actions, publish, dispatch approved.",
)
dispatch_job = dg.define_asset_job(
    "dispatch_job",
    selection=dg.AssetSelection.assets("outbox_dispatch"),
    executor_def=dg.in_process_executor,
    tags={DISPATCHER_TAG: "true"},
    description="Send what people approved since the last run (no rebuild).",
)


defs = dg.Definitions(
    assets=[*adapter_assets(_ingest), clearinghouse_mailbox, _dbt, *_emitters, *_serving],
    jobs=[daily_leak_job, dispatch_job],
    # Approved actions go out through the approved_actions sensor (on by default), not on a timetable.
    schedules=[
        dg.ScheduleDefinition(job=daily_leak_job, cron_schedule="0 5 * * *", execution_timezone="America/Chicago"),
    ],
    sensors=[inbox_sensor(daily_leak_job), approved_actions_sensor(dispatch_job)],
    resources={**pipeline_resources(), "dbt": dbt_cli_resource()},
)

# Everything imported so far (Dagster, dagster-dbt and dbt's types, DuckDB, Polars, the assets) lives as long as
# the process. Python's collector would walk it again in each of its older-generation collections during a run
# (about 2,000 collections a demo run); frozen, it is left out of them: the demo's first build spent 1.63 s
# collecting instead of 1.99 s, its next day 1.51 s instead of 1.95 s.
gc.freeze()
