"""Shared fixture: the generator and the whole Dagster job, run twice on one small dataset.

Every area's end-to-end test uses this one run (it takes about a minute), so adding an area does not
add another pipeline run. Bad deliveries are planted next to the good ones before the first run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dataclasses import dataclass

import dagster as dg
import duckdb
import pytest

AS_OF = "2026-11-26"
SETTINGS_VARS = ("RCM_DATA_DIR", "RCM_AS_OF_DATE", "RCM_DEMO_PASSWORD", "RCM_INBOX_DIR", "RCM_QUARANTINE_DIR",
                 "RCM_OUTBOX_DIR", "RCM_DUCKDB_PATH", "RCM_SERVING_POINTER", "RCM_LEDGER_URL")


def _run_job():
    from dagster_project.definitions import defs

    result = defs.resolve_job_def("daily_leak_job").execute_in_process(raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    saved = {k: os.environ.get(k) for k in SETTINGS_VARS}
    for k in SETTINGS_VARS:
        os.environ.pop(k, None)
    os.environ.update({"RCM_DATA_DIR": str(root), "RCM_AS_OF_DATE": AS_OF, "RCM_DEMO_PASSWORD": "test-pass"})
    inbox = root / "inbox"
    subprocess.run(
        [sys.executable, "-m", "dagster_project.synthetic", "--seed", "11", "--anchor-date", AS_OF,
         "--locations", "3", "--months", "6", "--out", str(inbox), "--ground-truth", str(root / "truth.json")],
        check=True,
    )
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

    first = _run_job()
    second = _run_job()
    yield PipelineRun(root, json.loads((root / "truth.json").read_text()), first, second)
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

    def snapshot(self) -> duckdb.DuckDBPyConnection:
        """The published serving snapshot, read-only, as the dashboard sees it."""
        pointer = json.loads((self.root / "warehouse" / "serving.json").read_text())
        return duckdb.connect(pointer["snapshot_path"], read_only=True)

    @staticmethod
    def metadata(result: dg.ExecuteInProcessResult, asset_name: str) -> dict:
        (mat,) = [m for m in result.get_asset_materialization_events() if m.asset_key == dg.AssetKey(asset_name)]
        return {k: v.value for k, v in mat.materialization.metadata.items()}
