"""The generator's WebPT shape, through the adapter, gives back the contract data: exactly, except what
WebPT does not deliver (each difference below is asserted with its cause)."""

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from dagster_project.adapters import load_mapping, mapping_path, run_adapter
from dagster_project.adapters.mapping import contract_for
from dagster_project.synthetic.__main__ import main as generate_cli

ANCHOR = date(2026, 11, 26)
ARGS = ["--seed", "7", "--anchor-date", ANCHOR.isoformat(), "--locations", "2", "--months", "3"]


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    root = tmp_path_factory.mktemp("webpt_round_trip")
    generate_cli([*ARGS, "--out", str(root / "native"), "--ground-truth", str(root / "native.json")])
    generate_cli(
        [
            *ARGS,
            "--out",
            str(root / "webpt"),
            "--ground-truth",
            str(root / "webpt.json"),
            "--shape",
            "webpt",
            "--adapter-inbox",
            str(root / "drop"),
        ]
    )
    report = run_adapter(
        load_mapping(mapping_path("webpt")),
        drop_dir=root / "drop" / "webpt",
        state_dir=root / "state",
        inbox_dir=root / "webpt",
    )
    return root, report


def _pair(root: Path, entity: str) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    native = pl.read_csv(root / "native" / "ehr" / f"{entity}.csv", infer_schema=False)
    adapted = pl.read_csv(root / "webpt" / "ehr" / f"{entity}_webpt.csv", infer_schema=False)
    return native, adapted, list(contract_for("ehr", entity).__primary_key__)


def _differing(native, adapted, key, column) -> pl.DataFrame:
    both = native.join(adapted, on=key, suffix="_webpt")
    return both.filter(pl.col(column).fill_null("") != pl.col(f"{column}_webpt").fill_null(""))


def test_same_ground_truth_and_nothing_rejected(shapes):
    root, report = shapes
    assert (root / "native.json").read_text() == (root / "webpt.json").read_text()
    summary = report.summary()
    assert summary["files_rejected"] == summary["files_unrecognised"] == summary["rows_skipped_unknown_flag"] == 0
    assert summary["rows_removed"] == 1
    assert all(not e.unusable_cells for e in report.entities)


@pytest.mark.parametrize("entity", ["locations", "providers", "patients", "coverages"])
def test_entities_come_back_exactly(shapes, entity):
    native, adapted, key = _pair(shapes[0], entity)
    assert adapted.sort(key).equals(native.sort(key))


def test_charge_lines_come_back_exactly_but_for_the_assistant_minutes_webpt_lacks(shapes):
    native, adapted, key = _pair(shapes[0], "charge_lines")
    assert native["assistant_minutes"].drop_nulls().len() > 0 and adapted["assistant_minutes"].drop_nulls().len() == 0
    assert adapted.drop("assistant_minutes").sort(key).equals(native.drop("assistant_minutes").sort(key))


def test_appointments_beyond_the_window_and_booking_times(shapes):
    native, adapted, key = _pair(shapes[0], "appointments")
    zone = ZoneInfo("America/Chicago")
    local_day = pl.col("scheduled_start_at").map_elements(
        lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(zone).date(), return_dtype=pl.Date
    )
    missing = native.join(adapted, on=key, how="anti")
    # Not delivered: exactly the appointments more than 14 days after the last night.
    assert missing.height > 0
    assert set(missing["appointment_id"]) == set(
        native.filter(local_day > ANCHOR + timedelta(days=14))["appointment_id"]
    )
    assert adapted.join(native, on=key, how="anti").height == 0  # the removed one is gone
    # booked_at is the record's last write: it differs exactly for the cancelled appointments.
    differing = _differing(native, adapted, key, "booked_at")
    assert set(differing["status"]) == {"cancelled", "late_cancelled"}
    for column in (
        "patient_id",
        "provider_id",
        "location_id",
        "appointment_type",
        "scheduled_start_at",
        "duration_minutes",
        "status",
        "cancelled_at",
    ):
        assert _differing(native, adapted, key, column).height == 0, column


def test_visits_differ_only_in_the_ambiguous_fall_back_hour(shapes):
    native, adapted, key = _pair(shapes[0], "visits")
    assert native.join(adapted, on=key, how="anti").height == 0
    for column in [c for c in native.columns if c not in key and c != "note_signed_at"]:
        assert _differing(native, adapted, key, column).height == 0, column
    # 01:00-02:00 on 1 Nov happens twice in Chicago; the adapter reads the first (daylight) one, an hour early.
    differing = _differing(native, adapted, key, "note_signed_at")
    assert all(t.startswith("2026-11-01T07:") for t in differing["note_signed_at"])
    assert all(t.startswith("2026-11-01T06:") for t in differing["note_signed_at_webpt"])


def test_authorizations_differ_where_webpt_has_no_field(shapes):
    native, adapted, key = _pair(shapes[0], "authorizations")
    assert set(_differing(native, adapted, key, "unit_type")["unit_type"]) == {"units"}
    assert set(_differing(native, adapted, key, "status")["status"]) == {"pending"}
    assert adapted["requested_at"].null_count() == adapted.height
    for column in (
        "authorization_number",
        "patient_id",
        "coverage_id",
        "payer_id",
        "approved_quantity",
        "start_date",
        "end_date",
        "diagnosis_codes",
    ):
        assert _differing(native, adapted, key, column).height == 0, column
    # WebPT authorizations carry no CPT list (the mapping sets the group's codes), so only the authorizations
    # planted with a list of their own (a group session outside it) differ.
    truth = json.loads((shapes[0] / "native.json").read_text())
    own_lists = {p["authorization_id"] for p in truth["unauthorized_visits"] if p["planted_reason"] == "wrong_service"}
    assert set(_differing(native, adapted, key, "cpt_codes")["authorization_id"]) == own_lists
