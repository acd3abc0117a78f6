"""The same layer maps any CSV with a column map, and a CAQH roster onto the credentialing contract."""

import shutil
from pathlib import Path

import dagster_project.adapters as adapters

EXAMPLE = Path(adapters.__file__).parent / "examples" / "generic" / "schedule_export_20261126.csv"


def test_generic_csv_example(workspace):
    workspace.drop.mkdir(parents=True)
    shutil.copy(EXAMPLE, workspace.drop)
    report = workspace.run("generic_csv")
    rows = {r["appointment_id"]: r for r in workspace.output("ehr", "appointments", "generic_csv")}
    assert rows["A-1002"] == {
        "appointment_id": "A-1002",
        "patient_id": "C-78",
        "provider_id": "TH-3",
        "location_id": "MAIN",
        "appointment_type": "evaluation",
        "scheduled_start_at": "2026-11-25T19:30:00Z",
        "duration_minutes": "60",
        "status": "late_cancelled",
        "booked_at": "2026-11-02T13:00:00Z",
        "cancelled_at": "2026-11-25T12:30:00Z",
    }
    assert rows["A-1001"]["status"] == "arrived" and rows["A-1003"]["status"] == "scheduled"
    assert report.entity("patients").status == "not_delivered"


def test_generic_snapshot_replaces_the_table(workspace):
    workspace.drop.mkdir(parents=True)
    shutil.copy(EXAMPLE, workspace.drop)
    workspace.run("generic_csv")
    lines = EXAMPLE.read_text().splitlines()
    (workspace.drop / "schedule_export_20261127.csv").write_text("\n".join(lines[:2]) + "\n")
    report = workspace.run("generic_csv")
    assert [r["appointment_id"] for r in workspace.output("ehr", "appointments", "generic_csv")] == ["A-1001"]
    summary = report.summary()
    assert (summary["rows_removed"], summary["rows_updated"], summary["rows_new"]) == (2, 1, 0)


def test_caqh_roster_onto_credentials(workspace):
    base = {
        "document_record_id": "D1",
        "caqh_provider_id": "1234567",
        "organization_provider_id": "PR-L01-01",
        "npi": "1062522218",
        "document_type": "State License",
        "document_number": "TX-OT-1",
        "document_state": "TX",
        "issue_date": "02/04/2025",
        "expiration_date": "01/25/2027",
        "document_status": "Active",
        "last_attestation_date": "10/01/2026",
    }
    workspace.deliver(
        "caqh_roster_20261126.csv",
        [
            base,
            dict(
                base,
                document_record_id="D2",
                document_type="Attestation",
                document_number="",
                document_state="",
                expiration_date="01/29/2027",
            ),
        ],
    )
    report = workspace.run("caqh_proview")
    rows = {r["credential_id"]: r for r in workspace.output("credentialing", "credentials", "caqh_proview")}
    assert rows["D1"] == {
        "credential_id": "D1",
        "provider_id": "PR-L01-01",
        "credential_type": "state_license",
        "identifier": "TX-OT-1",
        "issuing_state": "TX",
        "issued_date": "2025-02-04",
        "expiration_date": "2027-01-25",
        "status": "active",
    }
    assert rows["D2"]["credential_type"] == "caqh_attestation" and rows["D2"]["issuing_state"] == ""
    assert report.entity("payer_enrollments").status == "not_delivered"
