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
from zoneinfo import ZoneInfo

import duckdb
import pytest

from .conftest import AS_OF, CLAIMS_TIMELY_FILING_LEAD_DAYS, SETTINGS_VARS, generate_group

pytestmark = pytest.mark.pipeline

WINDOW_DAYS = 14  # WebPT delivers appointments up to 14 days ahead
# Local days of generated visits: they are in the daytime, so the date is the same in every clinic's zone.
CLINIC_ZONE = ZoneInfo("America/Chicago")

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
    env.update(
        {
            "RCM_DATA_DIR": str(root),
            "RCM_AS_OF_DATE": AS_OF,
            "RCM_DEMO_PASSWORD": "test-pass",
            "RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS": CLAIMS_TIMELY_FILING_LEAD_DAYS,
            "RCM_EHR_ADAPTER": "webpt",
            "RCM_ADAPTER_INBOX_DIR": str(root / "adapter_inbox"),
        }
    )
    # The same arguments as the shared native run (conftest), in the WebPT shape.
    generate_group(root, "--shape", "webpt", "--adapter-inbox", str(root / "adapter_inbox"), env=env)
    done = subprocess.run([sys.executable, "-c", RUN_JOB], check=True, env=env, capture_output=True, text=True)
    metadata = json.loads(done.stdout.strip().splitlines()[-1])
    pointer = json.loads((root / "warehouse" / "serving.json").read_text())
    return root, metadata, pointer["snapshot_path"]


def _flags(snapshot_path: str) -> dict[str, dict[str, dict]]:
    """Every flag mart of a snapshot: flag_id -> row."""
    con = duckdb.connect(snapshot_path, read_only=True)
    try:
        marts = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_name like 'flag_%'"
            ).fetchall()
        ]
        out = {}
        for mart in marts:
            cursor = con.execute(f"select * from {mart}")
            names = [d[0] for d in cursor.description]
            out[mart] = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
        return out
    finally:
        con.close()


def _after_horizon(value) -> bool:
    return value is not None and value > date.fromisoformat(AS_OF) + timedelta(days=WINDOW_DAYS)


def _patients_booked_only_beyond_horizon(inbox) -> set[str]:
    """Patients whose every booked visit from the as-of date is more than 14 days ahead (WebPT sends none)."""
    upcoming: dict[str, list[date]] = {}
    with (inbox / "ehr" / "appointments.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            start_at = datetime.fromisoformat(row["scheduled_start_at"].replace("Z", "+00:00"))
            start = start_at.astimezone(CLINIC_ZONE).date()
            if row["status"] == "scheduled" and start >= date.fromisoformat(AS_OF):
                upcoming.setdefault(row["patient_id"], []).append(start)
    return {p for p, days in upcoming.items() if all(_after_horizon(d) for d in days)}


def explain_differences(native: dict, webpt: dict, native_inbox, truth: dict) -> dict[str, str]:
    """Check every flag that differs between the runs against its cause; return the causes found."""
    assert set(native) == set(webpt)
    causes = {}
    for mart in native:
        lost = {k: native[mart][k] for k in native[mart].keys() - webpt[mart].keys()}
        extra = {k: webpt[mart][k] for k in webpt[mart].keys() - native[mart].keys()}
        if not lost and not extra:
            continue
        if mart == "flag_booking_mismatches":
            # Visits booked more than 14 days ahead are not in the extract, so they cannot be checked.
            assert not extra
            assert lost.keys() == {k for k, r in native[mart].items() if _after_horizon(r["visit_date"])}
            causes[mart] = "appointments more than 14 days ahead are not delivered"
        elif mart == "flag_open_slot_offers":
            assert not extra
            assert lost.keys() == {k for k, r in native[mart].items() if _after_horizon(r["slot_date"])}
            causes[mart] = "slots more than 14 days ahead: the bookings around them are not delivered"
        elif mart == "flag_enrollment_followups":
            # The only reason these were raised: unbillable visits booked more than 14 days ahead.
            assert not extra
            assert all(
                _after_horizon(r["first_unbillable_date"]) and not r["has_pending_enrollment"] for r in lost.values()
            )
            causes[mart] = "unbillable visits booked more than 14 days ahead are not delivered"
        elif mart == "flag_patients_to_schedule":
            # Children whose next visit is more than 14 days ahead look as if nothing were booked.
            assert not lost
            assert {r["patient_id"] for r in extra.values()} <= _patients_booked_only_beyond_horizon(native_inbox)
            causes[mart] = "the next booked visit is more than 14 days ahead, so not delivered"
        elif mart == "flag_auths_needing_reauth":
            # Authorizations by units arrive as visits (visit_authorized_for is the only quantity).
            assert not extra
            assert {r["unit_type"] for r in lost.values()} == {"units"}
            causes[mart] = "authorizations by units are delivered as visit counts"
        elif mart == "flag_claim_audit_failures":
            # WebPT's extract has no assistant minutes per charge line, so the planted assistant share over 10%
            # of an OTR's line (which needs CO) cannot be seen; those claims failed nothing else.
            assert not extra
            planted = {
                p["claim_id"]
                for p in truth["claims"]["audit_plants"]
                if p["plant"] == "assistant_share_over_10_percent"
            }
            assert {r["claim_id"] for r in lost.values()} <= planted
            assert {r["rule_names"] for r in lost.values()} == {"assistant_modifier"}
            causes[mart] = "assistant minutes per charge line are not delivered"
        elif mart == "flag_unauthorized_visits":
            # WebPT's authorizations carry no CPT list (the mapping sets the group's OT codes, group therapy
            # included), so a group session planted under an authorization for individual codes looks covered.
            assert not extra
            planted = {p["visit_id"] for p in truth["unauthorized_visits"] if p["planted_reason"] == "wrong_service"}
            assert {r["visit_id"] for r in lost.values()} == planted
            causes[mart] = "an authorization's own CPT list is not delivered"
        else:
            raise AssertionError(f"{mart}: unexplained differences {sorted(lost)} / {sorted(extra)}")
    return causes


def test_adapter_applied_the_nightly_deliveries(webpt_run):
    root, metadata, _ = webpt_run
    assert metadata["files_rejected"] == 0 and metadata["files_unrecognised"] == 0
    assert metadata["rows_removed"] == 1  # the planted removal
    assert metadata["rows_updated"] > 0
    gaps = json.loads((root / "adapters" / "webpt" / "gap_report.json").read_text())["entities"]
    assert gaps["authorizations"]["not_delivered"] == {
        "requested_at": "WebPT does not deliver when an authorization was requested"
    }
    with (root / "inbox" / "ehr" / "appointments_webpt.csv").open(newline="") as handle:
        appointments = {r["appointment_id"] for r in csv.DictReader(handle)}
    assert "AP-WEBPT-REMOVED" not in appointments


def test_flag_marts_match_the_native_run_except_what_webpt_does_not_deliver(pipeline, webpt_run):
    root, _, webpt_snapshot = webpt_run
    assert json.loads((root / "truth.json").read_text()) == pipeline.truth  # the same data, another shape
    native_snapshot = json.loads((pipeline.root / "warehouse" / "serving.json").read_text())["snapshot_path"]
    causes = explain_differences(
        _flags(native_snapshot), _flags(webpt_snapshot), pipeline.root / "inbox", pipeline.truth
    )
    # Everything else (denials, remits, credentialing, payroll, front office, attendance, reminders, fees)
    # is identical; these are the rules WebPT's 14-day horizon, visit-only authorizations without a CPT
    # list and missing assistant minutes cost, each checked row by row above.
    # (No enrollment follow-up differs any more: only a license or an enrollment blocks billing, and no
    # generated child has such a block only on visits past the 14-day horizon.)
    assert set(causes) == {
        "flag_booking_mismatches",
        "flag_open_slot_offers",
        "flag_patients_to_schedule",
        "flag_auths_needing_reauth",
        "flag_claim_audit_failures",
        "flag_unauthorized_visits",
    }
