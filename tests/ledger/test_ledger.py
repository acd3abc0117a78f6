"""The action ledger: sync semantics, scoping, decisions, the audit chain, users and sign-in throttling."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import pytest
import sqlalchemy as sa

from emitters import registry
from emitters.reauth_packet import draft_actions
from ledger import InvalidTransition, Ledger, PermissionDenied, User
from tests.ledger.helpers import shown_body_sha256

LOCATIONS = {"L01": "Northside Clinic", "L02": "Lakeside Clinic"}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def rows(make_row):
    """Three flags: two at L01, one at L02, with different money and due dates."""
    return [
        make_row(),  # L01, 312.50, due 2026-03-02
        make_row(
            flag_id="flag-b",
            authorization_id="AUTH-B",
            authorization_number="PA-B",
            dollars_at_risk=Decimal("90.00"),
            due_date=date(2026, 3, 5),
        ),
        make_row(
            flag_id="flag-c",
            authorization_id="AUTH-C",
            authorization_number="PA-C",
            location_id="L02",
            dollars_at_risk=Decimal("960.00"),
            due_date=date(2026, 3, 9),
        ),
    ]


def _drafts(rows):
    return draft_actions(rows, {}, LOCATIONS)


def _by_flag(ledger, flag_id):
    admin = User(username="x", display_name="x", role="admin", locations=frozenset({"*"}))
    return next(a for a in ledger.list_actions(admin) if a["flag_id"] == flag_id)


def _event_types(ledger):
    with ledger.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("select event_type from audit_events order by event_id")]


# ----- sync ---------------------------------------------------------------------------------------


def test_sync_creates_open_drafts_with_events(ledger, rows):
    result = ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    assert (result.drafted, result.unchanged) == (3, 0)
    action = _by_flag(ledger, "flag-c")
    assert action["status"] == "open" and action["dollars_at_stake"] == Decimal("960.00")
    assert action["due_date"] == date(2026, 3, 9) and action["last_seen_run_id"] == "run-1"
    assert action["checklist"][0]["item"] == "Payer re-authorization request form"
    assert _event_types(ledger) == ["draft_created"] * 3


def test_sync_is_idempotent(ledger, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    before = sorted(_by_flag(ledger, f)["updated_at"] for f in ("flag-b", "flag-c"))
    events_before = ledger.count_audit_events()
    result = ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    assert (result.drafted, result.unchanged, result.refreshed, result.auto_resolved) == (0, 3, 0, 0)
    assert ledger.count_audit_events() == events_before
    assert sorted(_by_flag(ledger, f)["updated_at"] for f in ("flag-b", "flag-c")) == before


def test_refresh_updates_money_and_writes_one_event(ledger, rows, make_row):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    rows[1] = {**rows[1], "dollars_at_risk": Decimal("180.00"), "remaining_quantity": 2}
    result = ledger.sync_drafts("reauth_packet", _drafts(rows), "run-2")
    assert (result.refreshed, result.unchanged) == (1, 2)
    action = _by_flag(ledger, "flag-b")
    assert action["dollars_at_stake"] == Decimal("180.00")
    assert "remaining: 2" in action["body"]
    assert _event_types(ledger)[-1] == "draft_refreshed"


def test_missing_flag_auto_resolves_and_returns_reopened(ledger, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    result = ledger.sync_drafts("reauth_packet", _drafts(rows[:2]), "run-2")
    assert result.auto_resolved == 1
    assert _by_flag(ledger, "flag-c")["status"] == "auto_resolved"
    resolved = [
        e
        for e in ledger.audit_events(User(username="a", display_name="a", role="admin", locations=frozenset({"*"})))
        if e["event_type"] == "auto_resolved"
    ]
    assert "no longer raised" in resolved[0]["detail"]["reason"]
    result = ledger.sync_drafts("reauth_packet", _drafts(rows), "run-3")
    assert (result.reopened, result.drafted) == (1, 0)
    assert _by_flag(ledger, "flag-c")["status"] == "open"
    assert _event_types(ledger)[-1] == "draft_reopened"


def test_an_undated_draft_is_due_from_the_run_that_first_drafts_it_and_keeps_that_date(ledger, rows):
    """A task due the day it is found (ActionType.due_days_after_raised): a draft without a due date of its own
    takes the run's date when new, keeps it while it waits (refreshed or not), takes the new run's when reopened;
    a draft with a date of its own keeps its own."""
    undated = [{**row, "due_date": None} for row in rows]
    first = rows[0]["flag_id"]
    ledger.sync_drafts("reauth_packet", _drafts(undated[:2]), "run-1", due_if_undated=date(2026, 3, 2))
    assert _by_flag(ledger, first)["due_date"] == date(2026, 3, 2)
    undated[0] = {**undated[0], "dollars_at_risk": Decimal("99.00")}  # a refresh the next day
    undated[2] = {**rows[2]}  # a new flag whose row has a date
    result = ledger.sync_drafts("reauth_packet", _drafts(undated), "run-2", due_if_undated=date(2026, 3, 3))
    assert (result.refreshed, result.unchanged, result.drafted) == (1, 1, 1)
    assert [_by_flag(ledger, flag)["due_date"] for flag in (first, "flag-b", "flag-c")] == [
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2026, 3, 9),
    ]
    ledger.sync_drafts("reauth_packet", _drafts(undated[1:]), "run-3", due_if_undated=date(2026, 3, 4))
    assert _by_flag(ledger, first)["status"] == "auto_resolved"
    result = ledger.sync_drafts("reauth_packet", _drafts(undated), "run-4", due_if_undated=date(2026, 3, 5))
    assert result.reopened == 1 and _by_flag(ledger, first)["due_date"] == date(2026, 3, 5)  # found again


def test_a_flag_set_aside_this_run_keeps_its_live_draft(ledger, rows):
    # The flag is still raised but its new draft failed a safety check: the earlier draft is not "resolved".
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    result = ledger.sync_drafts("reauth_packet", _drafts(rows[:2]), "run-2", held_flag_ids=["flag-c"])
    assert result.auto_resolved == 0
    assert _by_flag(ledger, "flag-c")["status"] == "open"
    result = ledger.sync_drafts("reauth_packet", _drafts(rows[:2]), "run-3")
    assert result.auto_resolved == 1


def test_a_sync_larger_than_one_multi_row_insert_chains_every_event_in_draft_order(ledger, make_row):
    # More drafts than one insert carries (ledger.drafts writes them 500 at a time), then a second run that
    # refreshes, resolves, reopens and drafts new flags at once: every event chained, in the order of the drafts.
    flag_rows = [make_row(flag_id=f"flag-{n:04d}", authorization_id=f"AUTH-{n}") for n in range(2345)]
    first = ledger.sync_drafts("reauth_packet", _drafts(flag_rows), "run-1")
    assert first.drafted == 2345
    with ledger.engine.connect() as conn:
        created = conn.exec_driver_sql(
            "select e.event_id, a.flag_id, e.action_id = a.action_id from audit_events e "
            "join actions a on a.action_id = e.action_id order by e.event_id"
        ).all()
    assert [row[0] for row in created] == list(range(1, 2346))
    assert [row[1] for row in created] == [row["flag_id"] for row in flag_rows] and all(row[2] for row in created)

    ledger.sync_drafts("reauth_packet", _drafts(flag_rows[:-5]), "run-2")  # the last five resolve
    day_three = [
        {**flag_rows[0], "dollars_at_risk": Decimal("1.00")},  # refreshed
        *flag_rows[1:-5],  # unchanged
        flag_rows[-1],  # reopened
        *(make_row(flag_id=f"new-{n}", authorization_id=f"AUTH-N{n}") for n in range(3)),  # drafted
    ]
    result = ledger.sync_drafts("reauth_packet", _drafts(day_three), "run-3")
    assert (result.refreshed, result.reopened, result.drafted, result.unchanged) == (1, 1, 3, 2339)
    assert _event_types(ledger)[2345:] == ["auto_resolved"] * 5 + [
        "draft_refreshed",
        "draft_reopened",
        *["draft_created"] * 3,
    ]
    assert _by_flag(ledger, flag_rows[0]["flag_id"])["dollars_at_stake"] == Decimal("1.00")
    assert _by_flag(ledger, flag_rows[-1]["flag_id"])["status"] == "open"
    assert _by_flag(ledger, flag_rows[-2]["flag_id"])["status"] == "auto_resolved"
    assert ledger.verify().ok


def test_auto_resolve_only_touches_its_own_action_type(ledger, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    ledger.sync_drafts("another_type", [], "run-2")
    assert _by_flag(ledger, "flag-c")["status"] == "open"


def test_human_decisions_are_never_overwritten_by_a_later_sync(ledger, users, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    approved, rejected = _by_flag(ledger, "flag-b"), _by_flag(ledger, "5f1c0b3e9a7d4c21b8e6f0a1d2c3b4a5")
    ledger.approve(
        users["fd_l01"], approved["action_id"], expected_body_sha256=shown_body_sha256(ledger, approved["action_id"])
    )
    ledger.reject(users["fd_l01"], rejected["action_id"], "patient discharged")
    rows[1] = {**rows[1], "dollars_at_risk": Decimal("1.00")}
    result = ledger.sync_drafts("reauth_packet", _drafts(rows), "run-2")  # changed row: still untouched
    assert result.refreshed == 0
    result = ledger.sync_drafts("reauth_packet", _drafts(rows[2:]), "run-3")  # gone: still untouched
    assert result.auto_resolved == 0
    assert _by_flag(ledger, "flag-b")["status"] == "approved"
    assert _by_flag(ledger, "flag-b")["dollars_at_stake"] == Decimal("90.00")
    assert _by_flag(ledger, "5f1c0b3e9a7d4c21b8e6f0a1d2c3b4a5")["status"] == "rejected"


def test_edited_body_survives_refresh_while_evidence_updates(ledger, users, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    action = _by_flag(ledger, "flag-b")
    edited = action["body"] + "\nPlease call our office with questions.\n"
    ledger.edit_draft(users["fd_l01"], action["action_id"], edited)
    rows[1] = {**rows[1], "dollars_at_risk": Decimal("150.00"), "remaining_quantity": 1}
    assert ledger.sync_drafts("reauth_packet", _drafts(rows), "run-2").refreshed == 1
    after = _by_flag(ledger, "flag-b")
    assert after["body"] == edited and after["is_edited"]
    assert after["dollars_at_stake"] == Decimal("150.00")
    assert after["evidence"][0]["remaining_quantity"] == 1


def test_edit_event_has_hashes_and_a_diff_without_phi(ledger, users, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    action = _by_flag(ledger, "flag-b")
    edited = action["body"].replace("Member ID: MBR99887766", "Member ID: MBR99887766 (per card)")
    ledger.edit_draft(users["fd_l01"], action["action_id"], edited)
    event = ledger.action_events(users["fd_l01"], action["action_id"])[-1]
    assert event["event_type"] == "draft_edited" and event["actor"] == "fd_l01" and event["actor_role"] == "front_desk"
    assert event["detail"]["before_sha256"] != event["detail"]["after_sha256"]
    assert "+Member ID: [redacted] (per card)" in event["detail"]["diff"]
    with ledger.engine.connect() as conn:
        audit_text = " ".join(r[0] for r in conn.exec_driver_sql("select detail_json from audit_events"))
    for phi in ("Quillon", "Zephyrine", "MBR99887766", "07/14/2019", "2019-07-14"):
        assert phi not in audit_text


# ----- scoping --------------------------------------------------------------------------------------


def test_front_desk_of_l01_cannot_list_get_or_approve_an_l02_action(ledger, users, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    l02_action = _by_flag(ledger, "flag-c")
    fd = users["fd_l01"]
    assert {a["location_id"] for a in ledger.list_actions(fd)} == {"L01"}
    assert ledger.list_actions(fd, location_ids=["L02"]) == []
    assert ledger.get_action(fd, l02_action["action_id"]) is None
    assert ledger.action_events(fd, l02_action["action_id"]) == []
    with pytest.raises(PermissionDenied):
        ledger.approve(
            fd, l02_action["action_id"], expected_body_sha256=shown_body_sha256(ledger, l02_action["action_id"])
        )
    assert _by_flag(ledger, "flag-c")["status"] == "open"
    assert "action_view_denied" in _event_types(ledger)


def test_list_sorted_by_money_then_due_date_and_filtered(ledger, users, rows):
    rows.append(
        {
            **rows[1],
            "flag_id": "flag-d",
            "authorization_id": "AUTH-D",
            "authorization_number": "PA-D",
            "due_date": date(2026, 3, 4),
        }
    )  # same money as flag-b, earlier due date
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    listed = ledger.list_actions(users["billing"])
    assert [a["flag_id"] for a in listed] == ["flag-c", "5f1c0b3e9a7d4c21b8e6f0a1d2c3b4a5", "flag-d", "flag-b"]
    assert [a["flag_id"] for a in ledger.list_actions(users["billing"], location_ids=["L02"])] == ["flag-c"]
    assert ledger.list_actions(users["billing"], payer_ids=["nobody"]) == []
    assert ledger.list_actions(users["billing"], action_types=["other"]) == []


def test_get_action_records_a_view(ledger, users, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    action = _by_flag(ledger, "flag-b")
    assert ledger.get_action(users["fd_l01"], action["action_id"])["flag_id"] == "flag-b"
    viewed = ledger.action_events(users["fd_l01"], action["action_id"])[-1]
    assert (viewed["event_type"], viewed["actor"], viewed["detail"]) == (
        "action_viewed",
        "fd_l01",
        {"patient_id": "PT-1007"},
    )


# ----- decisions ------------------------------------------------------------------------------------


def test_roles_that_may_not_decide_are_denied(ledger, users, rows, monkeypatch):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    action = _by_flag(ledger, "flag-b")
    with pytest.raises(PermissionDenied):
        ledger.approve(
            users["director"], action["action_id"], expected_body_sha256=shown_body_sha256(ledger, action["action_id"])
        )  # directors watch, coordinators decide
    changed = dataclasses.replace(
        registry.action_type("reauth_packet"), approver_roles=frozenset({"credentialing", "admin"})
    )
    monkeypatch.setattr(registry, "ACTION_TYPES", MappingProxyType({**registry.ACTION_TYPES, "reauth_packet": changed}))
    with pytest.raises(PermissionDenied, match="billing"):
        ledger.approve(
            users["billing"], action["action_id"], expected_body_sha256=shown_body_sha256(ledger, action["action_id"])
        )
    assert _by_flag(ledger, "flag-b")["status"] == "open"


def test_unknown_action_type_can_be_approved_by_no_one(ledger, users, make_row):
    draft = _drafts([make_row()])[0].model_copy(update={"action_type": "unregistered"})
    ledger.sync_drafts("unregistered", [draft], "run-1")
    action = ledger.list_actions(users["admin"])[0]
    with pytest.raises(PermissionDenied):
        ledger.approve(
            users["admin"], action["action_id"], expected_body_sha256=shown_body_sha256(ledger, action["action_id"])
        )


def test_a_role_change_takes_effect_for_a_signed_in_session(ledger, users, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    session_user = users["fd_l01"]
    ledger.upsert_user("fd_l01", "new password 1", "front_desk", ["L02"], "Front Desk L01")
    with pytest.raises(PermissionDenied):
        ledger.approve(
            session_user,
            _by_flag(ledger, "flag-b")["action_id"],
            expected_body_sha256=shown_body_sha256(ledger, _by_flag(ledger, "flag-b")["action_id"]),
        )


def test_approve_then_transitions_are_invalid(ledger, users, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    action_id = _by_flag(ledger, "flag-b")["action_id"]
    approved = ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    assert approved["status"] == "approved"
    event = ledger.approval_event(action_id)
    assert (event["actor"], event["actor_role"]) == ("fd_l01", "front_desk")
    with pytest.raises(InvalidTransition):
        ledger.reject(users["fd_l01"], action_id, "changed my mind")
    with pytest.raises(InvalidTransition):
        ledger.edit_draft(users["fd_l01"], action_id, "new text")


def test_approving_a_rejected_action_is_invalid(ledger, users, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    action_id = _by_flag(ledger, "flag-b")["action_id"]
    ledger.reject(users["fd_l01"], action_id, "payer already extended it")
    with pytest.raises(InvalidTransition):
        ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    event = ledger.action_events(users["fd_l01"], action_id)[-1]
    assert event["event_type"] == "rejected" and event["detail"]["reason"] == "payer already extended it"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_needs_a_reason(ledger, users, rows, reason):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    action_id = _by_flag(ledger, "flag-b")["action_id"]
    with pytest.raises(ValueError, match="a rejection needs a reason"):
        ledger.reject(users["fd_l01"], action_id, reason)
    assert _by_flag(ledger, "flag-b")["status"] == "open"


def test_snooze_hides_until_the_date_then_counts_as_open(ledger, users, rows, clock):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    action_id = _by_flag(ledger, "flag-b")["action_id"]
    with pytest.raises(ValueError, match="snooze until a date after today"):
        ledger.snooze(users["fd_l01"], action_id, clock().date())  # today is not in the future
    ledger.snooze(users["fd_l01"], action_id, clock().date() + timedelta(days=2))

    def open_ids():
        return {a["action_id"] for a in ledger.list_actions(users["fd_l01"], statuses=["open"])}

    assert action_id not in open_ids()
    clock.advance(days=1)  # the day before the snooze date: still hidden
    assert action_id not in open_ids()
    clock.advance(days=1)  # the snooze date: open again
    assert action_id in open_ids()
    assert (
        ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))["status"]
        == "approved"
    )


def test_a_snoozed_flag_that_disappears_auto_resolves(ledger, users, rows, clock):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    action_id = _by_flag(ledger, "flag-b")["action_id"]
    ledger.snooze(users["fd_l01"], action_id, clock().date() + timedelta(days=5))
    ledger.sync_drafts("reauth_packet", _drafts([rows[0], rows[2]]), "run-2")
    assert _by_flag(ledger, "flag-b")["status"] == "auto_resolved"


# ----- audit ----------------------------------------------------------------------------------------


@pytest.mark.sqlite_file
def test_audit_chain_verifies_and_detects_an_edited_row(ledger, users, rows, tmp_path):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    ledger.approve(
        users["fd_l01"],
        _by_flag(ledger, "flag-b")["action_id"],
        expected_body_sha256=shown_body_sha256(ledger, _by_flag(ledger, "flag-b")["action_id"]),
    )
    assert ledger.verify_audit_chain() == (True, None)
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    target = db.execute("select event_id from audit_events where event_type = 'approved'").fetchone()[0]
    db.execute("drop trigger audit_events_no_update")
    db.execute("update audit_events set actor = 'someone_else' where event_id = ?", (target,))
    db.commit()
    db.close()
    assert ledger.verify_audit_chain() == (False, target)


@pytest.mark.sqlite_file
def test_audit_chain_detects_a_deleted_row(ledger, rows, tmp_path):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    db.execute("drop trigger audit_events_no_delete")
    db.execute("delete from audit_events where event_id = 2")
    db.commit()
    db.close()
    assert ledger.verify_audit_chain() == (False, 2)  # the missing event is the first that cannot be trusted


def test_update_and_delete_on_audit_events_fail(ledger, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), ledger.engine.begin() as conn:
        conn.exec_driver_sql("update audit_events set actor = 'x'")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), ledger.engine.begin() as conn:
        conn.exec_driver_sql("delete from audit_events")
    assert ledger.count_audit_events() == 3


def test_audit_trail_is_for_directors_and_admins_and_scoped(ledger, users, rows):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    with pytest.raises(PermissionDenied):
        ledger.audit_events(users["fd_l01"])
    scoped = ledger.audit_events(users["director_l01"])
    assert {e["location_id"] for e in scoped} <= {"L01", None}
    assert any(e["location_id"] is None for e in scoped)  # user_created events have no location
    everything = ledger.audit_events(users["director"], event_types=["draft_created"])
    assert {e["location_id"] for e in everything} == {"L01", "L02"}
    assert [e["event_id"] for e in everything] == sorted((e["event_id"] for e in everything), reverse=True)
    assert len(ledger.audit_events(users["director"], limit=2)) == 2


def test_record_adds_a_chained_event(ledger):
    event_id = ledger.record("export", "director", actor_role="director", location_id="L01", detail={"rows": 12})
    admin = User(username="a", display_name="a", role="admin", locations=frozenset({"*"}))
    event = ledger.audit_events(admin)[0]
    assert (event["event_id"], event["event_type"], event["detail"]) == (event_id, "export", {"rows": 12})
    assert ledger.verify_audit_chain() == (True, None)


@pytest.mark.sqlite_file
def test_verify_cli_exit_codes(ledger, rows, tmp_path):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    ok = subprocess.run(
        [sys.executable, "-m", "ledger", "verify", "--url", url], cwd=REPO, capture_output=True, text=True
    )  # the environment names this test's audit key file
    assert ok.returncode == 0 and "OK (3 events" in ok.stdout
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    db.execute("drop trigger audit_events_no_update")
    db.execute("update audit_events set detail_json = '{}' where event_id = 1")
    db.commit()
    db.close()
    broken = subprocess.run(
        [sys.executable, "-m", "ledger", "verify", "--url", url], cwd=REPO, capture_output=True, text=True
    )
    assert broken.returncode == 1 and "BROKEN at event_id 1" in broken.stdout


@pytest.mark.sqlite_file
def test_sqlite_runs_in_wal_mode_with_foreign_keys(ledger):
    with ledger.engine.connect() as conn:
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("pragma busy_timeout").scalar() >= 1000


def test_schema_creation_is_idempotent(ledger, rows, clock):
    ledger.sync_drafts("reauth_packet", _drafts(rows), "run-1")
    again = Ledger(ledger.url, clock=clock)
    assert len(again.list_actions(User(username="a", display_name="a", role="admin", locations=frozenset({"*"})))) == 3


# ----- users ----------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2_hashes(ledger, users, password):
    with ledger.engine.connect() as db:
        hashes = [r[0] for r in db.exec_driver_sql("select password_hash from users")]
        audit = " ".join(r[0] for r in db.exec_driver_sql("select detail_json from audit_events"))
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert password not in " ".join(hashes) and password not in audit


def test_authenticate_right_wrong_unknown_and_disabled(ledger, users, password):
    user = ledger.authenticate("fd_l01", password)
    assert user == User(
        username="fd_l01", display_name="Front Desk L01", role="front_desk", locations=frozenset({"L01"})
    )
    assert ledger.authenticate("fd_l01", "wrong") is None
    assert ledger.authenticate("nobody", password) is None
    ledger.upsert_user("fd_l02", password, "front_desk", ["L02"], "Front Desk L02", disabled=True)
    assert ledger.authenticate("fd_l02", password) is None
    assert ledger.get_user("fd_l02") is None
    types = _event_types(ledger)
    assert types.count("sign_in") == 1 and types.count("sign_in_failed") == 3


def test_sign_in_is_throttled_after_five_failures_in_fifteen_minutes(ledger, users, clock, password):
    for _ in range(4):
        assert ledger.authenticate("fd_l01", "wrong") is None
        clock.advance(minutes=1)
    assert ledger.authenticate("fd_l01", "wrong") is None  # fifth failure at minute 4
    clock.advance(minutes=1)
    assert ledger.authenticate("fd_l01", password) is None  # right password, still refused
    assert _event_types(ledger)[-1] == "sign_in_throttled"
    clock.advance(minutes=9, seconds=59)  # 14:59 after the first failure: still 5 in the window
    assert ledger.authenticate("fd_l01", password) is None
    clock.advance(seconds=2)  # the first failure has left the window
    assert ledger.authenticate("fd_l01", password) is not None
    assert ledger.authenticate("fd_l02", password) is not None  # throttling is per username


def test_four_failures_do_not_throttle(ledger, users, password):
    for _ in range(4):
        ledger.authenticate("fd_l01", "wrong")
    assert ledger.authenticate("fd_l01", password) is not None


def test_user_changes_are_audited_without_the_password(ledger, users):
    ledger.upsert_user("fd_l01", "another secret", "billing", ["L01", "L02"], "Front Desk L01")
    event = ledger.audit_events(users["admin"], event_types=["user_updated"])[0]
    assert event["detail"]["role"] == "billing" and event["detail"]["previous_role"] == "front_desk"
    assert event["detail"]["locations"] == ["L01", "L02"]
    assert "another secret" not in json.dumps(event)


def test_interchange_control_numbers_are_stable_per_flag_and_never_shared(ledger):
    first = ledger.control_numbers(["flag-b", "flag-a"])
    assert sorted(first.values()) == [1, 2]
    again = ledger.control_numbers(["flag-a", "flag-c"])  # a redraft keeps its number; a new flag gets the next
    assert again == {"flag-a": first["flag-a"], "flag-c": 3}
    assert ledger.control_numbers([]) == {}


def test_new_control_numbers_come_from_the_same_sequence_and_leave_out_known_keys(ledger):
    assert ledger.control_numbers(["flag-a"]) == {"flag-a": 1}
    first = ledger.new_control_numbers(["270:2026-03-02:f1", "270:2026-03-02:f2"])
    assert first == {"270:2026-03-02:f1": 2, "270:2026-03-02:f2": 3}
    again = ledger.new_control_numbers(["270:2026-03-02:f2", "270:2026-03-02:f3", "flag-a"])
    assert again == {"270:2026-03-02:f3": 4}  # keys already numbered are left out
    assert ledger.new_control_numbers([]) == {}


def test_a_required_checklist_item_left_unchecked_blocks_approval_until_checked(ledger, users, rows):
    from emitters.models import ChecklistItem

    drafts = [
        d.model_copy(
            update={
                "checklist": [
                    *d.checklist,
                    ChecklistItem(item="Proof of timely submission attached", present=False, required=True),
                ]
            }
        )
        for d in _drafts(rows)
    ]
    ledger.sync_drafts("reauth_packet", drafts, "run-1")
    action_id = _by_flag(ledger, "flag-b")["action_id"]
    with pytest.raises(InvalidTransition, match="Proof of timely submission attached"):
        ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    with pytest.raises(ValueError, match="no checklist item"):
        ledger.check_item(users["fd_l01"], action_id, "Something else")
    checked = ledger.check_item(users["fd_l01"], action_id, "Proof of timely submission attached")
    assert any(i["item"] == "Proof of timely submission attached" and i["present"] for i in checked["checklist"])
    approved = ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    assert approved["status"] == "approved"
    assert "checklist_item_checked" in _event_types(ledger)
