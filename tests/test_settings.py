"""Settings are read and validated in one place: a bad value names its variable and what it expects, and the
start-up check refuses a missing inbox or an unreachable ledger before any work starts."""

from __future__ import annotations

import os
from datetime import date

import pytest

from core.settings import (
    SettingsError,
    check_start,
    get_account_settings,
    get_board_settings,
    get_settings,
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    for variable in ("RCM_LEDGER_URL", "RCM_INBOX_DIR", "RCM_AS_OF_DATE", "RCM_AUDIT_KEY_FILE", "RCM_MODE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path))
    (tmp_path / "inbox").mkdir()
    return tmp_path


def test_a_malformed_as_of_date_names_the_variable_and_the_format(monkeypatch):
    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-02-30")
    with pytest.raises(SettingsError, match=r"RCM_AS_OF_DATE must be a date as YYYY-MM-DD \(got '2026-02-30'\)"):
        get_settings()
    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-02-28")
    assert get_settings().as_of_date == date(2026, 2, 28)


def test_a_missing_inbox_stops_a_pipeline_run_but_not_the_dashboard(data_dir):
    (data_dir / "inbox").rmdir()
    with pytest.raises(SettingsError, match="RCM_INBOX_DIR must be an existing folder"):
        check_start(needs_inbox=True)
    assert check_start(needs_inbox=False).inbox_dir == data_dir / "inbox"


def test_a_ledger_in_a_folder_that_does_not_exist_is_refused_not_created(monkeypatch, data_dir):
    monkeypatch.setenv("RCM_LEDGER_URL", f"sqlite:///{data_dir / 'no-such-folder' / 'ledger.sqlite'}")
    with pytest.raises(SettingsError, match="RCM_LEDGER_URL must name a ledger in an existing folder"):
        check_start(needs_inbox=True)
    assert not (data_dir / "no-such-folder").exists()
    monkeypatch.setenv("RCM_LEDGER_URL", f"sqlite:///{data_dir / 'ledger.sqlite'}")
    check_start(needs_inbox=True)


def test_a_ledger_server_that_does_not_answer_is_refused_without_showing_its_password(monkeypatch):
    monkeypatch.setenv("RCM_LEDGER_URL", "postgresql+psycopg://rcm:hunter2secret@127.0.0.1:1/ledger")
    with pytest.raises(SettingsError, match="RCM_LEDGER_URL") as caught:
        check_start(needs_inbox=False)
    assert "hunter2secret" not in str(caught.value)


def test_a_ledger_url_that_is_not_a_url_is_refused(monkeypatch):
    monkeypatch.setenv("RCM_LEDGER_URL", "ledger.sqlite")
    with pytest.raises(SettingsError, match="RCM_LEDGER_URL must be a SQLAlchemy database URL"):
        get_settings()


def test_every_bad_value_of_a_block_is_named_at_once(monkeypatch):
    monkeypatch.setenv("RCM_MODE", "staging")
    monkeypatch.setenv("RCM_SIGN_IN_MAX_FAILURES", "zero")
    with pytest.raises(SettingsError) as caught:
        get_account_settings()
    assert str(caught.value) == (
        "RCM_MODE must be demo or production (got 'staging'); "
        "RCM_SIGN_IN_MAX_FAILURES must be a whole number, 1 or more (got 'zero')"
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("RCM_BOARD_PAGE_SIZE", "0", "RCM_BOARD_PAGE_SIZE must be a whole number, 1 or more"),
        ("RCM_SESSION_TIMEOUT_MINUTES", "half an hour", "RCM_SESSION_TIMEOUT_MINUTES must be a whole number"),
        ("RCM_SCHEDULING_ATTENDANCE_MIN_RATE", "85", "RCM_SCHEDULING_ATTENDANCE_MIN_RATE must be a rate from 0 to 1"),
        ("RCM_X12_PYX12_VALIDATION", "sometimes", "RCM_X12_PYX12_VALIDATION must be on or off"),
        ("RCM_GROUP_TIME_ZONE", "Mars/Olympus", "RCM_GROUP_TIME_ZONE: 'Mars/Olympus' is not an IANA time zone"),
        ("RCM_DISPATCH_SENSOR_INTERVAL_SECONDS", "5", "RCM_DISPATCH_SENSOR_INTERVAL_SECONDS must be 10 or more"),
    ],
)
def test_the_start_up_check_names_any_bad_variable(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=expected):
        check_start(needs_inbox=False)


def test_a_half_configured_gateway_stops_the_start_up_check(monkeypatch):
    monkeypatch.setenv("RCM_TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("RCM_TWILIO_AUTH_TOKEN", "test-token")
    with pytest.raises(SettingsError, match="set exactly one of RCM_TWILIO_FROM_NUMBER and RCM_TWILIO_MESSAGING"):
        check_start(needs_inbox=False)
    monkeypatch.setenv("RCM_TWILIO_FROM_NUMBER", "+15125550100")
    check_start(needs_inbox=False)


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("RCM_BOARD_PAGE_SIZE", "")
    monkeypatch.setenv("RCM_AS_OF_DATE", "")
    assert get_board_settings().page_size == 50
    assert get_settings().as_of_date == date.today()


def test_paths_follow_the_data_folder_unless_set(monkeypatch, data_dir, tmp_path_factory):
    settings = get_settings()
    assert settings.quarantine_dir == data_dir / "quarantine"
    assert settings.ledger_url == f"sqlite:///{data_dir / 'ledger' / 'ledger.sqlite'}"
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.setenv("RCM_OUTBOX_DIR", str(elsewhere))
    assert get_settings().outbox_dir == elsewhere


def test_the_pipeline_entry_point_stops_before_any_work(monkeypatch, data_dir, capsys):
    from dagster_project import run_demo

    (data_dir / "inbox").rmdir()
    assert run_demo.main([]) == 2
    assert "cannot start: RCM_INBOX_DIR must be an existing folder" in capsys.readouterr().err
    assert not (data_dir / "ledger").exists() and not (data_dir / "warehouse").exists()


def test_the_dagster_code_location_does_not_load_with_a_bad_setting(monkeypatch):
    import subprocess
    import sys

    env = {**os.environ, "RCM_DUCKDB_MEMORY_LIMIT": "lots"}
    done = subprocess.run(
        [sys.executable, "-c", "import dagster_project.definitions"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "RCM_DUCKDB_MEMORY_LIMIT must be a size such as 2GB or 512MB" in done.stderr


def test_a_scheduled_ingest_run_fails_on_a_missing_inbox_instead_of_loading_nothing(data_dir):
    import dagster as dg

    from dagster_project.assets.ingest import build_csv_ingest_asset
    from dagster_project.resources import WarehouseResource

    (data_dir / "inbox").rmdir()
    warehouse = WarehouseResource(path=str(data_dir / "warehouse" / "rcm.duckdb"))
    with pytest.raises(SettingsError, match="RCM_INBOX_DIR must be an existing folder"):
        dg.materialize([build_csv_ingest_asset("ehr")], resources={"warehouse": warehouse})
    assert not (data_dir / "warehouse" / "rcm.duckdb").exists()
