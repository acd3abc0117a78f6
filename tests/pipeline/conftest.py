"""Shared fixture: the generator and the whole Dagster job, run twice on one small dataset.

Every area's end-to-end test uses this one run (it takes about a minute), so adding an area does not
add another pipeline run. Bad deliveries are planted next to the good ones before the first run.
The fixture runs once per warehouse: DuckDB (the default) and PostgreSQL (a fresh database of the session's
throwaway cluster, tests/conftest.py), so every end-to-end test asserts the same ground truth on both.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.pipeline.browser import app_url, browser, screenshot_dir  # noqa: F401  (fixtures of the browser tests)

AS_OF = "2026-11-26"
SETTINGS_VARS = (
    "RCM_DATA_DIR",
    "RCM_AS_OF_DATE",
    "RCM_DEMO_PASSWORD",
    "RCM_INBOX_DIR",
    "RCM_QUARANTINE_DIR",
    "RCM_OUTBOX_DIR",
    "RCM_DUCKDB_PATH",
    "RCM_SERVING_POINTER",
    "RCM_LEDGER_URL",
    "RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS",
    "RCM_WAREHOUSE",
    "RCM_PG_HOST",
    "RCM_PG_PORT",
    "RCM_PG_USER",
    "RCM_PG_PASSWORD",
    "RCM_PG_DATABASE",
)
WAREHOUSES = ("duckdb", "postgres")
# Claims area: a lead window as long as the 90/95-day filing limits, so the claims the generator holds
# back from the clearinghouse (dates of service in the last weeks) fall on both sides of it.
CLAIMS_TIMELY_FILING_LEAD_DAYS = "80"


# A synthetic canary patient: its identifiers must reach the drafted packet and never a log.
CANARY = {
    "first_name": "Zebulon",
    "last_name": "Quillfeather",
    "date_of_birth": "2015-03-17",
    "member_id": "CANARY77310",
}


class _LogCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _run_job(collector: _LogCollector):
    from dagster_project.definitions import defs

    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def("daily_leak_job").execute_in_process(raise_on_error=False, instance=instance)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    # Everything the run logged: user and system messages, and every event with its metadata.
    for entry in instance.all_logs(result.run_id):
        collector.lines.append(entry.user_message or "")
        if entry.dagster_event is not None:
            collector.lines.append(repr(entry.dagster_event))
    return result


def _rewrite_csv(path: Path, key: str, value: str, changes: dict) -> None:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    for row in rows:
        if row[key] == value:
            row.update(changes)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def _plant_canary(inbox: Path, truth: dict) -> str:
    """Give the patient of the first planted auth leak the canary's identifiers; return the auth id."""
    auth_id = truth["auth_leaks"][0]["authorization_id"]
    with (inbox / "ehr" / "authorizations.csv").open(newline="") as handle:
        auth = next(r for r in csv.DictReader(handle) if r["authorization_id"] == auth_id)
    _rewrite_csv(
        inbox / "ehr" / "patients.csv",
        "patient_id",
        auth["patient_id"],
        {k: CANARY[k] for k in ("first_name", "last_name", "date_of_birth")},
    )
    _rewrite_csv(
        inbox / "ehr" / "coverages.csv", "coverage_id", auth["coverage_id"], {"member_id": CANARY["member_id"]}
    )
    return auth_id


def generate_group(root: Path, *shape_args: str, env: dict[str, str] | None = None) -> None:
    """The synthetic group every end-to-end test runs on (seed 11, three locations, six months to AS_OF):
    extracts in root/inbox, ground truth in root/truth.json; ``shape_args`` deliver it in a vendor's shape."""
    generator = [sys.executable, "-m", "dagster_project.synthetic", "--seed", "11", "--anchor-date", AS_OF]
    generator += ["--locations", "3", "--months", "6", "--out", str(root / "inbox")]
    subprocess.run([*generator, "--ground-truth", str(root / "truth.json"), *shape_args], check=True, env=env)


@pytest.fixture(scope="session", params=WAREHOUSES)
def pipeline(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"pipeline_{request.param}")
    saved = {k: os.environ.get(k) for k in SETTINGS_VARS}
    for k in SETTINGS_VARS:
        os.environ.pop(k, None)
    os.environ.update(
        {
            "RCM_DATA_DIR": str(root),
            "RCM_AS_OF_DATE": AS_OF,
            "RCM_DEMO_PASSWORD": "test-pass",
            "RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS": CLAIMS_TIMELY_FILING_LEAD_DAYS,
        }
    )
    if request.param == "postgres":
        cluster = request.getfixturevalue("postgres_cluster")
        cluster.create_database("pipeline")
        os.environ.update(cluster.warehouse_env("pipeline"))
    inbox = root / "inbox"
    generate_group(root)
    truth = json.loads((root / "truth.json").read_text())
    canary_auth_id = _plant_canary(inbox, truth)
    # Bad deliveries next to the good ones: a truncated 835, a CSV with one malformed row, a re-delivery.
    first_835 = sorted((inbox / "clearinghouse").glob("*.835"))[0]
    data = first_835.read_bytes()
    (inbox / "clearinghouse" / "truncated.835").write_bytes(data[: len(data) // 2])
    appointments = (inbox / "ehr" / "appointments.csv").read_text().splitlines()
    bad_row = appointments[1].split(",")
    bad_row[0] = "APPT-BROKEN"
    bad_row[6] = "forty-five"  # duration_minutes
    (inbox / "ehr" / "appointments_late.csv").write_text("\n".join([appointments[0], ",".join(bad_row)]) + "\n")
    shutil.copyfile(inbox / "ehr" / "patients.csv", inbox / "ehr" / "patients_resent.csv")

    collector = _LogCollector()
    root_logger = logging.getLogger()
    saved_level = root_logger.level
    root_logger.addHandler(collector)
    root_logger.setLevel(logging.DEBUG)  # see every record our code and the libraries emit
    try:
        first = _run_job(collector)
        second = _run_job(collector)
    finally:
        root_logger.removeHandler(collector)
        root_logger.setLevel(saved_level)
    yield PipelineRun(root, truth, first, second, canary_auth_id, "\n".join(collector.lines), request.param)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@dataclass
class PipelineRun:
    root: Path  # RCM_DATA_DIR of the run (inbox, quarantine, outbox, warehouse, ledger)
    truth: dict  # the generator's ground truth
    first: dg.ExecuteInProcessResult
    second: dg.ExecuteInProcessResult  # the same job again on the same inbox
    canary_authorization_id: str  # its patient carries the CANARY identifiers
    log_text: str  # every Python log record and Dagster event log entry of both runs
    warehouse: str  # where dbt built: duckdb or postgres

    def snapshot(self) -> duckdb.DuckDBPyConnection:
        """The published serving snapshot, read-only, as the dashboard sees it."""
        pointer = json.loads((self.root / "warehouse" / "serving.json").read_text())
        return duckdb.connect(pointer["snapshot_path"], read_only=True)

    @staticmethod
    def metadata(result: dg.ExecuteInProcessResult, asset_name: str) -> dict:
        (mat,) = [m for m in result.get_asset_materialization_events() if m.asset_key == dg.AssetKey(asset_name)]
        return {k: v.value for k, v in mat.materialization.metadata.items()}
