"""The one Definitions object: ingest -> dbt -> emitters -> publish -> dispatch."""

import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.assets.adapters import adapter_assets
from dagster_project.assets.dbt import build_dbt_assets
from dagster_project.assets.emitters import build_emitter_assets
from dagster_project.assets.ingest import ingest_assets
from dagster_project.assets.nppes_check import build_nppes_check_asset
from dagster_project.assets.serving import build_serving_assets
from dagster_project.dbt_project import dbt_project
from dagster_project.resources import LedgerResource, WarehouseResource
from dagster_project.sensors import inbox_sensor

_ingest = ingest_assets()
_dbt = build_dbt_assets()
_emitters = [*build_emitter_assets(_dbt), build_nppes_check_asset(_dbt)]  # one emitter per flag model (emitters/registry.py)
_serving = build_serving_assets([_dbt, *_emitters])

# DuckDB takes one writer per file, so the job runs its steps one at a time in one process.
daily_leak_job = dg.define_asset_job(
    "daily_leak_job",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest the inbox, build every dbt model and test, draft actions, publish, dispatch approved.",
)
dispatch_job = dg.define_asset_job(
    "dispatch_job", selection=dg.AssetSelection.assets("outbox_dispatch"), executor_def=dg.in_process_executor,
    description="Send what people approved since the last run (no rebuild).",
)


def _dbt_executable() -> str:
    # The dbt installed next to this interpreter, so the job runs without an activated virtualenv.
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


defs = dg.Definitions(
    assets=[*adapter_assets(_ingest), _dbt, *_emitters, *_serving],
    jobs=[daily_leak_job, dispatch_job],
    schedules=[
        dg.ScheduleDefinition(job=daily_leak_job, cron_schedule="0 5 * * *", execution_timezone="America/Chicago"),
        dg.ScheduleDefinition(job=dispatch_job, cron_schedule="*/15 7-19 * * 1-5",
                              execution_timezone="America/Chicago"),
    ],
    sensors=[inbox_sensor(daily_leak_job)],
    resources={
        "warehouse": WarehouseResource(),
        "ledger": LedgerResource(),
        "dbt": DbtCliResource(project_dir=dbt_project(), dbt_executable=_dbt_executable()),
    },
)
