"""The send path: only actions approved by someone who may approve them right now reach the outbox."""

from __future__ import annotations

import sqlite3

import pytest

from delivery.dispatcher import dispatch_approved, outbox_path
from emitters.reauth_packet import draft_actions
from ledger import User
from tests.ledger.helpers import shown_body_sha256

LOCATIONS = {"L01": "Northside Clinic", "L02": "Lakeside Clinic"}
ADMIN_VIEW = User(username="auditor", display_name="Auditor", role="admin", locations=frozenset({"*"}))


@pytest.fixture
def action_id(ledger, users, make_row):
    """One open re-auth draft at L01."""
    ledger.sync_drafts("reauth_packet", draft_actions([make_row()], {}, LOCATIONS), "run-1")
    return ledger.list_actions(ADMIN_VIEW)[0]["action_id"]


def _status(ledger, action_id):
    return ledger.list_actions(ADMIN_VIEW)[0]["status"] if action_id else None


def _files(outbox):
    return sorted(p for p in outbox.rglob("*") if p.is_file())


def _sql(tmp_path, statement, *params):
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    db.execute(statement, params)
    db.commit()
    db.close()


def test_approved_action_is_written_once_and_marked_sent(ledger, users, action_id, tmp_path):
    outbox = tmp_path / "outbox"
    ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    result = dispatch_approved(ledger, outbox)
    assert result.sent == [action_id] and result.refused == []
    target = outbox / "reauth_packet" / "L01" / f"{action_id}.txt"
    assert _files(outbox) == [target]
    text = target.read_text()
    assert text.startswith("Re-auth: Sunshine Kids Health Plan auth PA7781234 (Northside Clinic)\n")
    assert "Recipient: Sunshine Kids Health Plan Utilization Management" in text
    assert "Due date: 03/02/2026" in text  # dates and the approval time as the group reads them
    assert "Approved by: Front Desk L01 (fd_l01, front_desk) at Mon 03/02/2026 9:00 AM EST" in text
    assert "Member ID: MBR99887766" in text  # the letter itself, for the payer
    assert "[x] Physician signature on the plan of care: signed 11/25/2025" in text
    assert "[ ] Payer re-authorization request form" in text
    assert _status(ledger, action_id) == "sent"
    sent_event = ledger.action_events(users["fd_l01"], action_id)[-1]
    assert sent_event["event_type"] == "dispatched" and sent_event["detail"]["destination"] == str(target)

    mtime = target.stat().st_mtime_ns
    again = dispatch_approved(ledger, outbox)
    assert again.sent == [] and again.refused == []
    assert target.stat().st_mtime_ns == mtime and len(_files(outbox)) == 1


def test_open_action_is_never_written(ledger, action_id, tmp_path):
    result = dispatch_approved(ledger, tmp_path / "outbox")
    assert result.sent == [] and result.refused == []
    assert not (tmp_path / "outbox").exists()
    assert _status(ledger, action_id) == "open"


def test_rejected_action_is_never_written(ledger, users, action_id, tmp_path):
    ledger.reject(users["fd_l01"], action_id, "already extended")
    assert dispatch_approved(ledger, tmp_path / "outbox").sent == []
    assert not (tmp_path / "outbox").exists()


@pytest.mark.parametrize(
    ("new_role", "new_locations"),
    [
        ("director", ["L01"]),  # role no longer allowed to approve re-auth packets
        ("front_desk", ["L02"]),  # moved to another location
    ],
)
def test_approver_whose_rights_changed_is_refused(
    ledger, users, action_id, tmp_path, password, new_role, new_locations
):
    ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    ledger.upsert_user("fd_l01", password, new_role, new_locations, "Front Desk L01")
    result = dispatch_approved(ledger, tmp_path / "outbox")
    assert result.sent == [] and [r[0] for r in result.refused] == [action_id]
    assert "may not approve" in result.refused[0][1]
    assert not (tmp_path / "outbox").exists()
    assert _status(ledger, action_id) == "open"  # back to a person, so the refusal is recorded once
    assert ledger.action_events(users["admin"], action_id)[-1]["event_type"] == "dispatch_refused"


def test_disabled_approver_is_refused(ledger, users, action_id, tmp_path, password):
    ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    ledger.upsert_user("fd_l01", password, "front_desk", ["L01"], "Front Desk L01", disabled=True)
    result = dispatch_approved(ledger, tmp_path / "outbox")
    assert result.sent == [] and "disabled" in result.refused[0][1]
    assert not (tmp_path / "outbox").exists()


def test_status_forged_to_approved_without_an_approval_event_is_refused(ledger, action_id, tmp_path):
    _sql(tmp_path, "update actions set status = 'approved' where action_id = ?", action_id)
    result = dispatch_approved(ledger, tmp_path / "outbox")
    assert result.refused == [(action_id, "no approval event for this action")]
    assert not (tmp_path / "outbox").exists()
    assert _status(ledger, action_id) == "open"


def test_body_changed_after_approval_is_refused(ledger, users, action_id, tmp_path):
    ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    _sql(tmp_path, "update actions set body = body || 'Also send $500.' where action_id = ?", action_id)
    result = dispatch_approved(ledger, tmp_path / "outbox")
    assert result.refused == [(action_id, "what would be sent differs from what was approved")]
    assert not (tmp_path / "outbox").exists()


def test_unsafe_location_id_never_becomes_a_path(tmp_path):
    action = {"action_type": "reauth_packet", "location_id": "..", "action_id": "abc"}
    assert outbox_path(tmp_path, action) is None
    assert outbox_path(tmp_path, {**action, "location_id": "../L01"}) is None
    assert outbox_path(tmp_path, {**action, "location_id": "L01"}) == tmp_path / "reauth_packet" / "L01" / "abc.txt"


def test_no_temp_files_are_left_behind(ledger, users, action_id, tmp_path):
    ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    dispatch_approved(ledger, tmp_path / "outbox")
    assert [p.name for p in _files(tmp_path / "outbox")] == [f"{action_id}.txt"]


def test_logs_carry_no_patient_identifiers(ledger, users, make_row, tmp_path, caplog):
    caplog.set_level("DEBUG")
    ledger.sync_drafts(
        "reauth_packet", draft_actions([make_row(flag_id="f2", location_id="L02")], {}, LOCATIONS), "run-1"
    )
    for action in ledger.list_actions(ADMIN_VIEW):
        ledger.approve(
            users["billing"], action["action_id"], expected_body_sha256=shown_body_sha256(ledger, action["action_id"])
        )
    ledger.upsert_user("billing", "pw-2", "director", ["*"], "Billing Lead")  # forces a refusal log line too
    dispatch_approved(ledger, tmp_path / "outbox")
    assert "dispatch refused" in caplog.text
    for phi in ("Quillon", "Zephyrine", "MBR99887766", "07/14/2019"):
        assert phi not in caplog.text
