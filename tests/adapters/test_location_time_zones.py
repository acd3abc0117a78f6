"""Delivered date-times are wall-clock time at the row's clinic: a multi-location WebPT extract converts each
row with its clinic's zone (Denver and Chicago around midnight), a clinic without one falls back to the mapping's
zone, a zone that is not an IANA name leaves the value empty and counted, and the mapping file is checked."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dagster_project.adapters import load_mapping, mapping_path, run_adapter
from dagster_project.adapters.mapping import MappingError

from .test_webpt_delivery_semantics import appt, by_id

CLINIC_COLUMNS = ["clinic_id", "clinic_name", "address1", "city", "state", "zip", "facility_npi", "time_zone"]


def clinic(clinic_id: str, zone: str) -> dict:
    return {
        **dict.fromkeys(CLINIC_COLUMNS, ""),
        "clinic_id": clinic_id,
        "clinic_name": f"Clinic {clinic_id}",
        "state": "TX",
        "time_zone": zone,
        "export_flag": "1",
    }


def at(clinic_id: str, appointment_id: str, start: str) -> dict:
    end = datetime.fromisoformat(start) + timedelta(minutes=45)  # over midnight for a late visit
    return {**appt(appointment_id, start, "1"), "clinic_id": clinic_id, "end_date": f"{end:%Y-%m-%d %H:%M:%S}"}


def starts(workspace) -> dict[str, str]:
    return {k: r["scheduled_start_at"] for k, r in by_id(workspace.output("ehr", "appointments", "webpt")).items()}


def test_each_clinic_converts_with_its_own_zone_around_midnight(workspace):
    workspace.deliver("clinics_20261110.csv", [clinic("CHI", "America/Chicago"), clinic("DEN", "America/Denver")])
    workspace.deliver(
        "appointments_20261110.csv",
        [
            at("CHI", "C-late", "2026-11-10 23:30:00"),
            at("DEN", "D-late", "2026-11-10 23:30:00"),
            at("CHI", "C-early", "2026-11-11 00:15:00"),
            at("DEN", "D-early", "2026-11-11 00:15:00"),
        ],
    )
    report = workspace.run("webpt")
    # CST is UTC-6 and MST UTC-7 in November: the same wall clock is an hour apart, and 23:30 local is the
    # next day in UTC at both clinics.
    assert starts(workspace) == {
        "C-late": "2026-11-11T05:30:00Z",
        "D-late": "2026-11-11T06:30:00Z",
        "C-early": "2026-11-11T06:15:00Z",
        "D-early": "2026-11-11T07:15:00Z",
    }
    appointments = next(r for r in report.entities if r.entity == "appointments")
    assert appointments.unusable_cells == {}
    assert {r["duration_minutes"] for r in workspace.output("ehr", "appointments", "webpt")} == {"45"}


def test_summer_time_follows_each_clinic(workspace):
    workspace.deliver("clinics_20260701.csv", [clinic("CHI", "America/Chicago"), clinic("DEN", "America/Denver")])
    workspace.deliver(
        "appointments_20260701.csv",
        [at("CHI", "C", "2026-07-01 23:59:00"), at("DEN", "D", "2026-07-01 23:59:00")],
    )
    workspace.run("webpt")
    assert starts(workspace) == {"C": "2026-07-02T04:59:00Z", "D": "2026-07-02T05:59:00Z"}  # CDT -5, MDT -6


def test_a_clinic_without_a_zone_uses_the_mappings_and_a_bad_zone_is_counted(workspace):
    workspace.deliver("clinics_20261110.csv", [clinic("DEN", "America/Denver"), clinic("MARS", "Mars/Olympus")])
    workspace.deliver(
        "appointments_20261110.csv",
        [
            at("DEN", "D", "2026-11-10 23:30:00"),
            at("NEW", "N", "2026-11-10 23:30:00"),  # no clinics row yet: the mapping's America/Chicago
            at("MARS", "M", "2026-11-10 23:30:00"),
        ],
    )
    report = workspace.run("webpt")
    assert starts(workspace) == {"D": "2026-11-11T06:30:00Z", "N": "2026-11-11T05:30:00Z", "M": ""}
    appointments = next(r for r in report.entities if r.entity == "appointments")
    assert appointments.unusable_cells.get("scheduled_start_at") == 1


def test_zones_written_in_the_mapping_win_over_the_delivered_table(workspace, tmp_path):
    text = mapping_path("webpt").read_text()
    assert '  # zones: {"101": America/Denver}' in text
    custom = tmp_path / "webpt.yml"
    custom.write_text(text.replace('  # zones: {"101": America/Denver}', '  zones: {"CHI": America/Denver}'))
    workspace.deliver("clinics_20261110.csv", [clinic("CHI", "America/Chicago")])
    workspace.deliver("appointments_20261110.csv", [at("CHI", "C", "2026-11-10 23:30:00")])
    run_adapter(load_mapping(custom), drop_dir=workspace.drop, state_dir=workspace.state, inbox_dir=workspace.inbox)
    assert starts(workspace) == {"C": "2026-11-11T06:30:00Z"}


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ('  zones: {"CHI": Mountain/Standard}', "unknown IANA time zone 'Mountain/Standard'"),
        ("  via: clinic_id\n  table: clinics\n  key: clinic_id\n  column: tz_name", "['tz_name'] not columns of"),
        ("  via: location\n  table: clinics\n  key: clinic_id\n  column: time_zone", "has no 'location' column"),
        ("  via: clinic_id\n  table: clinics", "give table, key and column together"),
    ],
)
def test_a_bad_location_zone_block_is_refused_naming_the_key(tmp_path, replacement, message):
    text = mapping_path("webpt").read_text()
    block = "\n".join(
        [
            "  via: clinic_id",
            "  table: clinics",
            "  key: clinic_id",
            "  column: time_zone",
            '  # zones: {"101": America/Denver}',
        ]
    )
    assert block in text
    if replacement.startswith("  zones"):
        replacement = block.replace('  # zones: {"101": America/Denver}', replacement)
    bad = tmp_path / "webpt.yml"
    bad.write_text(text.replace(block, replacement))
    with pytest.raises(MappingError, match=r"^webpt\.yml: .*location") as refused:
        load_mapping(bad)
    assert message in str(refused.value)
