"""WebPT delivery semantics: export_flag new/updated/removed, the rolling appointment window, re-delivery."""

import json

APPT_COLUMNS = [
    "appointment_id",
    "parent_appointment_id",
    "start_date",
    "end_date",
    "check_in_time",
    "check_out_time",
    "calendar_title",
    "clinic_id",
    "therapist_id",
    "appointment_type",
    "case_id",
    "patient_id",
    "appointment_status",
    "appointment_creator_id",
    "apt_apttype",
    "visit_comment",
    "reason",
    "time_stamp",
    "export_flag",
]


def appt(appointment_id, start, flag, *, reason="", check_in="", kind="Treatment"):
    row = dict.fromkeys(APPT_COLUMNS, "")
    hour = int(start[11:13])
    row.update(
        appointment_id=appointment_id,
        start_date=start,
        end_date=f"{start[:11]}{hour + 1:02d}{start[13:]}",
        clinic_id="L01",
        therapist_id="PR-1",
        patient_id="PT-1",
        apt_apttype=kind,
        appointment_status="Inactive" if reason else "Active",
        reason=reason,
        check_in_time=check_in,
        time_stamp="2026-11-01 09:30:00",
        export_flag=flag,
    )
    return row


def by_id(rows):
    return {r["appointment_id"]: r for r in rows}


def test_mapping_of_one_appointment(workspace):
    checked_in = appt("A1", "2026-11-02 09:00:00", "1", check_in="2026-11-02 08:58:00")
    workspace.deliver("appointments_20261101.csv", [checked_in])
    workspace.run("webpt")
    row = by_id(workspace.output("ehr", "appointments", "webpt"))["A1"]
    # America/Chicago wall clock (CST after 1 Nov) -> UTC; duration from end - start.
    assert row == {
        "appointment_id": "A1",
        "patient_id": "PT-1",
        "provider_id": "PR-1",
        "location_id": "L01",
        "appointment_type": "treatment",
        "scheduled_start_at": "2026-11-02T15:00:00Z",
        "duration_minutes": "60",
        "status": "arrived",
        "booked_at": "2026-11-01T15:30:00Z",
        "cancelled_at": "",
    }


def test_update_replaces_and_removal_deletes(workspace):
    workspace.deliver(
        "appointments_20261101.csv", [appt("A1", "2026-11-10 09:00:00", "1"), appt("A2", "2026-11-10 10:00:00", "1")]
    )
    report = workspace.run("webpt")
    assert report.summary()["rows_new"] == 2
    workspace.deliver(
        "appointments_20261102.csv",
        [appt("A1", "2026-11-10 09:00:00", "2", reason="Cancelled"), appt("A2", "2026-11-10 10:00:00", "3")],
    )
    report = workspace.run("webpt")
    rows = by_id(workspace.output("ehr", "appointments", "webpt"))
    assert set(rows) == {"A1"}  # the removed appointment is gone from the contract output
    assert rows["A1"]["status"] == "cancelled" and rows["A1"]["cancelled_at"] == "2026-11-01T15:30:00Z"
    assert (report.summary()["rows_updated"], report.summary()["rows_removed"]) == (1, 1)


def test_narrower_window_keeps_older_history(workspace):
    workspace.deliver(
        "appointments_20261101.csv",
        [appt("OLD", "2026-10-20 09:00:00", "1", check_in="x"), appt("NEW", "2026-11-05 09:00:00", "1")],
    )
    workspace.run("webpt")
    # The next night's window no longer reaches 20 Oct: the old appointment is simply not delivered.
    workspace.deliver("appointments_20261110.csv", [appt("NEW", "2026-11-05 09:00:00", "2", reason="No Show")])
    workspace.run("webpt")
    rows = by_id(workspace.output("ehr", "appointments", "webpt"))
    assert set(rows) == {"OLD", "NEW"}
    assert rows["NEW"]["status"] == "no_show"


def test_redelivered_identical_file_changes_nothing(workspace):
    workspace.deliver("appointments_20261101.csv", [appt("A1", "2026-11-10 09:00:00", "1")])
    workspace.run("webpt")
    output = workspace.inbox / "ehr" / "appointments_webpt.csv"
    before = output.read_bytes()
    # The same bytes again under another name (a re-sent night), after a later update of A1.
    workspace.deliver("appointments_20261102.csv", [appt("A1", "2026-11-10 09:00:00", "2", reason="Cancelled")])
    workspace.run("webpt")
    updated = output.read_bytes()
    night_one = (workspace.drop / "appointments_20261101.csv").read_bytes()
    (workspace.drop / "appointments_20261103.csv").write_bytes(night_one)
    report = workspace.run("webpt")
    # Nights 1 and 2 were applied by earlier runs; night 3 is night 1's bytes sent again.
    assert (report.summary()["files_already_applied"], report.summary()["files_redelivered_skipped"]) == (2, 1)
    assert output.read_bytes() == updated != before
    report = workspace.run("webpt")
    assert report.summary()["files_applied"] == 0 and output.read_bytes() == updated


def test_bad_rows_and_files_are_counted_not_lost(workspace):
    good = appt("A1", "2026-11-10 09:00:00", "1")
    workspace.deliver(
        "appointments_20261101.csv",
        [
            good,
            dict(good, appointment_id=""),
            dict(good, appointment_id="A3", export_flag="9"),
            dict(good, appointment_id="A4", apt_apttype="Aquatics"),
        ],
    )
    workspace.deliver("appointments_20261102.csv", [{"appointment_id": "A5", "start_date": "x"}])
    workspace.deliver("random_20261101.csv", [{"a": "1"}])
    report = workspace.run("webpt")
    summary = report.summary()
    assert summary["rows_skipped_no_unique_id"] == 1 and summary["rows_skipped_unknown_flag"] == 1
    assert summary["files_rejected"] == 1 and report.unrecognised_files == ["random_20261101.csv"]
    rejected = next(d for d in report.deliveries if d.status == "rejected")
    assert rejected.reason.startswith("missing column(s) parent_appointment_id")
    # The unknown appointment type is written empty (ingest quarantines the row) and counted.
    assert report.entity("appointments").unusable_cells == {"appointment_type": 1}


def test_gaps_are_reported_per_entity(workspace):
    workspace.deliver("appointments_20261101.csv", [appt("A1", "2026-11-10 09:00:00", "1")])
    report = workspace.run("webpt")
    gaps = json.loads((workspace.state / "gap_report.json").read_text())["entities"]
    assert gaps["authorizations"]["not_delivered"] == {
        "requested_at": "WebPT does not deliver when an authorization was requested"
    }
    assert set(gaps["authorizations"]["supplied_by_mapping"]) == {"unit_type", "cpt_codes"}
    assert set(gaps["appointments"]["approximated"]) == {"booked_at", "cancelled_at"}
    not_delivered = {name for name, e in gaps.items() if e["status"] == "not_delivered"}
    assert not_delivered == {
        "referrals",
        "intake_documents",
        "plans_of_care",
        "waitlist",
        "schedule_templates",
        "eligibility_checks",
        "visit_notes",
    }
    assert report.entity("waitlist").status == "not_delivered"
