"""The inbox sensor runs the daily job for a new file in the inbox or in a configured adapter's drop folder,
once per change; the contract CSVs an adapter writes into the inbox do not wake it a second time."""

from __future__ import annotations

import os

import dagster as dg
import pytest

from dagster_project.sensors import inbox_sensor


@pytest.fixture
def folders(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RCM_INBOX_DIR", str(tmp_path / "inbox"))
    monkeypatch.setenv("RCM_ADAPTER_INBOX_DIR", str(tmp_path / "adapter_inbox"))
    monkeypatch.setenv("RCM_EHR_ADAPTER", "webpt")
    monkeypatch.delenv("RCM_CREDENTIALING_ADAPTER", raising=False)
    return tmp_path


class Sensor:
    """Evaluates the sensor tick after tick, carrying its cursor as Dagster does."""

    def __init__(self):
        self.definition = inbox_sensor(dg.define_asset_job("daily_leak_job"))
        self.cursor = None

    def tick(self):
        context = dg.build_sensor_context(cursor=self.cursor)
        result = self.definition(context)
        self.cursor = context.cursor
        return result


def write(path, text: str = "x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_file_in_the_adapter_folder_runs_the_job_once(folders):
    sensor = Sensor()
    assert isinstance(sensor.tick(), dg.SkipReason)  # nothing anywhere yet

    write(folders / "adapter_inbox" / "webpt" / "appointments_20261110.csv", "appointment_id\nA1\n")
    request = sensor.tick()
    assert isinstance(request, dg.RunRequest)
    assert (request.tags["adapter_files"], request.tags["files"]) == ("1", "0")
    assert isinstance(sensor.tick(), dg.SkipReason)  # the same files: no second run

    write(folders / "adapter_inbox" / "webpt" / "appointments_20261111.csv", "appointment_id\nA2\n")
    second = sensor.tick()
    assert isinstance(second, dg.RunRequest) and second.run_key != request.run_key


def test_what_the_adapter_writes_into_the_inbox_does_not_wake_it_again(folders):
    sensor = Sensor()
    write(folders / "adapter_inbox" / "webpt" / "clinics_20261110.csv")
    assert isinstance(sensor.tick(), dg.RunRequest)
    # The run's adapter step writes the contract CSVs; they follow from the files already seen.
    write(folders / "inbox" / "ehr" / "appointments_webpt.csv")
    write(folders / "inbox" / "ehr" / "locations_webpt.csv")
    assert isinstance(sensor.tick(), dg.SkipReason)
    # A contract file dropped by a person (or the clearinghouse mailbox) still runs the job.
    write(folders / "inbox" / "clearinghouse" / "remit_0305.835")
    assert isinstance(sensor.tick(), dg.RunRequest)


def test_a_changed_file_runs_again_and_other_folders_are_not_watched(folders):
    sensor = Sensor()
    vendor_file = folders / "adapter_inbox" / "webpt" / "patients.csv"
    write(vendor_file, "patient_id\nP1\n")
    assert isinstance(sensor.tick(), dg.RunRequest)
    write(folders / "adapter_inbox" / "webpt" / "readme.txt")  # the adapter reads CSVs only
    write(folders / "adapter_inbox" / "webpt" / ".patients.csv.part")  # still being downloaded
    write(folders / "adapter_inbox" / "caqh_proview" / "roster.csv")  # that adapter is not configured
    assert isinstance(sensor.tick(), dg.SkipReason)
    write(vendor_file, "patient_id\nP1\nP2\n")  # re-downloaded with new content
    os.utime(vendor_file, (1_900_000_000, 1_900_000_000))
    assert isinstance(sensor.tick(), dg.RunRequest)


def test_without_an_adapter_only_the_inbox_is_watched(folders, monkeypatch):
    monkeypatch.setenv("RCM_EHR_ADAPTER", "none")
    sensor = Sensor()
    write(folders / "adapter_inbox" / "webpt" / "appointments.csv")
    assert isinstance(sensor.tick(), dg.SkipReason)
    write(folders / "inbox" / "ehr" / "appointments_webpt.csv")  # no adapter configured: a contract file
    assert isinstance(sensor.tick(), dg.RunRequest)
