"""Approved means sent: the sensor requests a dispatch run when approved actions wait, skips otherwise,
and is on by default."""

from __future__ import annotations

import dagster as dg
import pytest
from argon2 import PasswordHasher

from dagster_project.sensors import DISPATCHER_TAG, approved_actions_sensor
from emitters.models import DraftAction
from ledger import Ledger, User
from tests.ledger.helpers import shown_body_sha256

ADMIN_VIEW = User(username="auditor", display_name="Auditor", role="admin", locations=frozenset({"*"}))


@pytest.fixture
def ledger(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    monkeypatch.setenv("RCM_LEDGER_URL", url)
    return Ledger(url, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _sensor():
    return approved_actions_sensor(dg.define_asset_job("dispatch_job", tags={DISPATCHER_TAG: "true"}))


def _evaluate(instance):
    return _sensor()(dg.build_sensor_context(instance=instance))


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def _draft(flag_id: str) -> DraftAction:
    return DraftAction(
        flag_id=flag_id,
        action_type="denial_followup",
        location_id="L01",
        title=f"Task {flag_id}",
        recipient="billing",
        body=f"Body of {flag_id}.",
        assigned_role="billing",
    )


def test_the_sensor_runs_by_default_about_once_a_minute():
    sensor = _sensor()
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert 30 <= sensor.minimum_interval_seconds <= 60


def test_no_approved_action_is_a_skip(ledger, instance):
    ledger.sync_drafts("denial_followup", [_draft("f-open")], "run-1")  # drafted, nobody approved it
    result = _evaluate(instance)
    assert isinstance(result, dg.SkipReason) and "no approved action" in result.skip_message


def _approve_one(ledger) -> str:
    billing = ledger.upsert_user("billing", "pw-1", "billing", ["*"], "Billing Lead")
    ledger.sync_drafts("denial_followup", [_draft("f-1"), _draft("f-2")], "run-1")
    action_id = ledger.list_actions(ADMIN_VIEW)[0]["action_id"]
    ledger.approve(billing, action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    return action_id


def test_an_approved_action_requests_a_dispatch_run(ledger, instance):
    _approve_one(ledger)
    result = _evaluate(instance)
    assert isinstance(result, dg.RunRequest)
    assert result.tags["approved_actions"] == "1"


@pytest.mark.parametrize("status", [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.STARTED])
def test_no_second_request_while_a_dispatching_run_is_queued_or_running(ledger, instance, make_run, status):
    _approve_one(ledger)
    waiting = make_run(instance, "daily_leak_job", status, {DISPATCHER_TAG: "true"})
    result = _evaluate(instance)
    assert isinstance(result, dg.SkipReason) and waiting.run_id in result.skip_message


def test_a_finished_run_does_not_hold_back_the_next_request(ledger, instance, make_run):
    _approve_one(ledger)
    make_run(instance, "dispatch_job", dg.DagsterRunStatus.SUCCESS, {DISPATCHER_TAG: "true"})
    assert isinstance(_evaluate(instance), dg.RunRequest)


def test_an_action_whose_send_failed_waits_for_a_person_and_does_not_wake_the_dispatcher(ledger, instance):
    action_id = _approve_one(ledger)
    attempt = ledger.start_delivery(action_id, "fax", "key-1")
    ledger.fail_delivery(attempt, tries=4, http_status=503, error="HTTP 503")
    assert isinstance(_evaluate(instance), dg.SkipReason)
