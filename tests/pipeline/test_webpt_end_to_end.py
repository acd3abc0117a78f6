"""WebPT end to end: the generator writes the same data as WebPT Standard Extract nightly files, the
adapter maps them, the job runs, and every flag mart matches the native-contract run of the same data
(which the other end-to-end tests hold to the ground truth), except where WebPT does not deliver what a
rule needs; those differences are asserted one by one with their cause.

The WebPT run executes in a subprocess so its settings (RCM_EHR_ADAPTER, its own data folder) never
touch the shared native run of this session.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta

import duckdb
import pytest

from .conftest import AS_OF, CLAIMS_TIMELY_FILING_LEAD_DAYS, SETTINGS_VARS

pytestmark = pytest.mark.pipeline

WINDOW_DAYS = 14  # WebPT delivers appointments up to 14 days ahead

RUN_JOB = textwrap.dedent("""
    import dagster as dg
    from dagster_project.definitions import defs
    result = defs.resolve_job_def("daily_leak_job").execute_in_process(
        raise_on_error=False, instance=dg.DagsterInstance.ephemeral())
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    (mat,) = [m for m in result.get_asset_materialization_events() if m.asset_key == dg.AssetKey("adapter_webpt")]
    import json, sys
    json.dump({k: v.value for k, v in mat.materialization.metadata.items()
               if isinstance(v.value, (int, str, dict, list))}, sys.stdout)
""")


@pytest.fixture(scope="module")
def webpt_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("webpt_pipeline")
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS and not k.startswith("RCM_")}
    env.update({"RCM_DATA_DIR": str(root), "RCM_AS_OF_DATE": AS_OF, "RCM_DEMO_PASSWORD": "test-pass",
                "RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS": CLAIMS_TIMELY_FILING_LEAD_DAYS,
                "RCM_EHR_ADAPTER": "webpt", "RCM_ADAPTER_INBOX_DIR": str(root / "adapter_inbox")})
    # The same arguments as the shared native run (conftest), in the WebPT shape.
    subprocess.run(
        [sys.executable, "-m", "dagster_project.synthetic", "--seed", "11", "--anchor-date", AS_OF,
         "--locations", "3", "--months", "6", "--out", str(root / "inbox"), "--ground-truth",
         str(root / "truth.json"), "--shape", "webpt", "--adapter-inbox", str(root / "adapter_inbox")],
        check=True, env=env,
    )
    done = subprocess.run([sys.executable, "-c", RUN_JOB], check=True, env=env, capture_output=True, text=True)
    metadata = json.loads(done.stdout.strip().splitlines()[-1])
    pointer = json.loads((root / "warehouse" / "serving.json").read_text())
    return root, metadata, pointer["snapshot_path"]


def _flag_ids(snapshot_path: str) -> dict[str, set[str]]:
    con = duckdb.connect(snapshot_path, read_only=True)
    try:
        marts = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_name like 'flag_%'").fetchall()]
        return {m: {r[0] for r in con.execute(f"select flag_id from {m}").fetchall()} for m in marts}
    finally:
        con.close()


def test_adapter_applied_the_nightly_deliveries(webpt_run):
    root, metadata, _ = webpt_run
    assert metadata["files_rejected"] == 0 and metadata["files_unrecognised"] == 0
    assert metadata["rows_removed"] == 1  # the planted removal
    assert metadata["rows_updated"] > 0
    gaps = json.loads((root / "adapters" / "webpt" / "gap_report.json").read_text())["entities"]
    assert gaps["authorizations"]["not_delivered"] == {
        "requested_at": "WebPT does not deliver when an authorization was requested"}
    appointments = {r["appointment_id"] for r in csv.DictReader((root / "inbox" / "ehr" / "appointments_webpt.csv").open())}
    assert "AP-WEBPT-REMOVED" not in appointments


def test_flag_marts_match_the_native_run_except_what_webpt_does_not_deliver(pipeline, webpt_run):
    root, _, webpt_snapshot = webpt_run
    assert json.loads((root / "truth.json").read_text()) == pipeline.truth  # the same data, another shape
    native_snapshot = json.loads((pipeline.root / "warehouse" / "serving.json").read_text())["snapshot_path"]
    native, webpt = _flag_ids(native_snapshot), _flag_ids(webpt_snapshot)
    assert set(native) == set(webpt)
    differences = {m: (sorted(native[m] - webpt[m]), sorted(webpt[m] - native[m]))
                   for m in native if native[m] != webpt[m]}
    assert differences == {}, json.dumps(differences, indent=1)
