"""An approval binds exactly what is sent: the dispatcher refuses a forged approval, a row changed after its
approval and a sent action set back to approved, records each refusal once, and never sends twice when two
dispatchers run at once."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time

import pytest

from delivery.channels import ChannelRouter
from delivery.dispatcher import dispatch_approved
from delivery.webhook import SendOutcome
from emitters.reauth_packet import draft_actions
from ledger import InvalidTransition, Ledger, User, canonical_json, sha256_text
from tests.emitters.conftest import FAST_HASHER

LOCATIONS = {"L01": "Northside Clinic", "L02": "Lakeside Clinic"}
ADMIN_VIEW = User(username="auditor", display_name="Auditor", role="admin", locations=frozenset({"*"}))


def _sql(tmp_path, statement, *params):
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    db.execute("drop trigger if exists audit_events_no_update")
    db.execute(statement, params)
    db.commit()
    db.close()


def _action(ledger, action_id):
    return next(a for a in ledger.list_actions(ADMIN_VIEW) if a["action_id"] == action_id)


def _approve(ledger, user, action_id):
    ledger.approve(user, action_id, expected_body_sha256=sha256_text(_action(ledger, action_id)["body"]))


def _files(outbox):
    return sorted(p for p in outbox.rglob("*") if p.is_file()) if outbox.exists() else []


def _events(ledger, action_id, event_type):
    return [e for e in ledger.action_events(ADMIN_VIEW, action_id) if e["event_type"] == event_type]


@pytest.fixture
def action_id(ledger, users, make_row):
    """One open re-auth draft at L01."""
    ledger.sync_drafts("reauth_packet", draft_actions([make_row()], {}, LOCATIONS), "run-1")
    return ledger.list_actions(ADMIN_VIEW)[0]["action_id"]


def test_approval_event_records_the_digest_of_what_is_sent(ledger, users, action_id):
    _approve(ledger, users["fd_l01"], action_id)
    detail = ledger.approval_event(action_id)["detail"]
    assert len(detail["digest"]) == 64 and detail["body_sha256"] == sha256_text(_action(ledger, action_id)["body"])


def test_single_approve_requires_the_body_the_person_saw(ledger, users, action_id):
    with pytest.raises(TypeError):
        ledger.approve(users["fd_l01"], action_id)  # the hash of the body the person saw is required
    with pytest.raises(InvalidTransition, match="changed since it was shown"):
        ledger.approve(users["fd_l01"], action_id, expected_body_sha256=sha256_text("another text"))
    assert _action(ledger, action_id)["status"] == "open"


def test_a_forged_approval_event_is_refused(ledger, users, action_id, tmp_path):
    """Someone with write access to the database inserts an approval naming a real approver, with the right body
    hash and a well-formed (unkeyed) chain hash, and sets the action to approved."""
    action = _action(ledger, action_id)
    with ledger.engine.connect() as conn:
        head_id, head_hash = conn.exec_driver_sql(
            "select event_id, event_hash from audit_events order by event_id desc limit 1"
        ).one()
    fields = {
        "event_id": head_id + 1,
        "occurred_at": "2026-03-02T14:00:01.000000Z",
        "event_type": "approved",
        "actor": "fd_l01",
        "actor_role": "front_desk",
        "action_id": action_id,
        "location_id": "L01",
        "detail_json": canonical_json({"flag_id": action["flag_id"], "body_sha256": sha256_text(action["body"])}),
    }
    forged_hash = hashlib.sha256((head_hash + canonical_json(fields)).encode()).hexdigest()
    _sql(
        tmp_path,
        "insert into audit_events (event_id, occurred_at, event_type, actor, actor_role, action_id, "
        "location_id, detail_json, prev_hash, event_hash) values (?,?,?,?,?,?,?,?,?,?)",
        *fields.values(),
        head_hash,
        forged_hash,
    )
    _sql(tmp_path, "update actions set status = 'approved' where action_id = ?", action_id)

    result = dispatch_approved(ledger, tmp_path / "outbox")
    assert result.sent == [] and [a for a, _ in result.refused] == [action_id]
    assert "audit chain" in result.refused[0][1]
    assert _files(tmp_path / "outbox") == []
    assert _action(ledger, action_id)["status"] == "open"  # back to a person
    alerts = {(alert["action_id"], alert["kind"]) for alert in ledger.dispatch_alerts(ADMIN_VIEW)}
    assert alerts == {(action_id, "approval_not_verified"), (None, "audit_chain")}


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("body", "Please send the payment to account 0000."),
        ("recipient", "Fax 555-0100 (someone else)"),
        ("location_id", "L02"),
        ("action_type", "corrected_claim"),
        ("checklist_json", "[]"),
    ],
)
def test_a_row_changed_after_approval_is_refused(ledger, users, action_id, tmp_path, column, value):
    # billing approves re-auth packets and corrected claims everywhere: only the digest can catch these.
    _approve(ledger, users["billing"], action_id)
    _sql(tmp_path, f"update actions set {column} = ? where action_id = ?", value, action_id)
    result = dispatch_approved(ledger, tmp_path / "outbox")
    assert result.sent == [] and result.refused == [(action_id, "what would be sent differs from what was approved")]
    assert _files(tmp_path / "outbox") == []
    assert _action(ledger, action_id)["status"] == "open"
    assert [a["kind"] for a in ledger.dispatch_alerts(ADMIN_VIEW)] == ["changed_after_approval"]


def test_a_sent_action_set_back_to_approved_is_not_sent_again(ledger, users, action_id, tmp_path):
    _approve(ledger, users["fd_l01"], action_id)
    assert dispatch_approved(ledger, tmp_path / "outbox").sent == [action_id]
    [target] = _files(tmp_path / "outbox")
    target.unlink()  # the copy left the building; a replay would write (send) it again
    _sql(tmp_path, "update actions set status = 'approved' where action_id = ?", action_id)

    result = dispatch_approved(ledger, tmp_path / "outbox")
    assert result.sent == [] and [a for a, _ in result.refused] == [action_id]
    assert "already sent" in result.refused[0][1]
    assert _files(tmp_path / "outbox") == []
    assert _action(ledger, action_id)["status"] == "sent"  # restored from the audit trail
    assert len(_events(ledger, action_id, "dispatched")) == 1
    assert [a["kind"] for a in ledger.dispatch_alerts(ADMIN_VIEW)] == ["replay"]


def test_a_refusal_is_recorded_once_not_every_run(ledger, users, action_id, tmp_path):
    _approve(ledger, users["billing"], action_id)
    _sql(tmp_path, "update actions set recipient = 'elsewhere' where action_id = ?", action_id)
    for _ in range(3):
        dispatch_approved(ledger, tmp_path / "outbox")
    assert len(_events(ledger, action_id, "dispatch_refused")) == 1
    assert len(ledger.dispatch_alerts(ADMIN_VIEW)) == 1


def test_an_approver_who_lost_the_role_is_refused_once(ledger, users, action_id, tmp_path, password):
    _approve(ledger, users["fd_l01"], action_id)
    ledger.upsert_user("fd_l01", password, "director", ["L01"], "Front Desk L01")
    first = dispatch_approved(ledger, tmp_path / "outbox")
    second = dispatch_approved(ledger, tmp_path / "outbox")
    assert "may not approve" in first.refused[0][1] and second.refused == []
    assert len(_events(ledger, action_id, "dispatch_refused")) == 1


def test_alerts_are_scoped_and_acknowledged(ledger, users, action_id, tmp_path):
    _approve(ledger, users["billing"], action_id)
    _sql(tmp_path, "update actions set body = 'changed' where action_id = ?", action_id)
    dispatch_approved(ledger, tmp_path / "outbox")
    assert ledger.dispatch_alerts(users["fd_l02"]) == []
    [alert] = ledger.dispatch_alerts(users["fd_l01"])
    ledger.acknowledge_dispatch_alert(users["director_l01"], alert["alert_id"])
    assert ledger.dispatch_alerts(users["fd_l01"]) == []
    [acknowledged] = ledger.audit_events(users["director"], event_types=["dispatch_alert_acknowledged"])
    assert acknowledged["detail"]["alert_id"] == alert["alert_id"]
    assert len(ledger.dispatch_alerts(users["director"], include_acknowledged=True)) == 1


class SlowCountingSender:
    """Stands in for the webhook sender: counts every POST per action and takes a while, so runs overlap."""

    def __init__(self):
        self.posts: dict[str, int] = {}
        self.lock = threading.Lock()

    def send(self, url, payload, key):
        with self.lock:
            self.posts[payload["action_id"]] = self.posts.get(payload["action_id"], 0) + 1
        time.sleep(0.05)
        return SendOutcome(True, 1, 200, None)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_dispatchers_at_once_send_each_action_exactly_once(tmp_path, monkeypatch, make_row, backend, request):
    monkeypatch.setenv("RCM_AUDIT_KEY_FILE", str(tmp_path / "audit.key"))
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    else:  # the same race on the ledger's server database
        url = request.getfixturevalue("postgres_cluster").sqlalchemy_url(request.getfixturevalue("postgres_database"))
    setup = Ledger(url, password_hasher=FAST_HASHER)
    approver = setup.upsert_user("billing", "pw", "billing", ["*"], "Billing Lead")
    rows = [make_row(flag_id=f"flag-{i}", authorization_id=f"AUTH-{i}") for i in range(6)]
    setup.sync_drafts("reauth_packet", draft_actions(rows, {}, LOCATIONS), "run-1")
    ids = [a["action_id"] for a in setup.list_actions(ADMIN_VIEW)]
    for action_id in ids:
        _approve(setup, approver, action_id)

    sender = SlowCountingSender()
    router = ChannelRouter(endpoints={"fax": "http://127.0.0.1:9/fax"})
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        ledger = Ledger(url, password_hasher=FAST_HASHER)  # each dispatcher its own engine and connections
        start.wait()
        try:
            results.append(dispatch_approved(ledger, tmp_path / "outbox", router=router, sender=sender))
        except Exception as exc:  # noqa: BLE001 (the test reports any crash)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sender.posts == dict.fromkeys(ids, 1)
    assert sorted(a for r in results for a in r.sent) == sorted(ids)
    assert any(r.busy for r in results) or all(r.sent for r in results)
    assert {a["status"] for a in setup.list_actions(ADMIN_VIEW)} == {"sent"}
    assert setup.verify().ok
    dispatched = [e for e in setup.audit_events(ADMIN_VIEW, limit=1000) if e["event_type"] == "dispatched"]
    assert sorted(e["action_id"] for e in dispatched) == sorted(ids)


def test_a_dispatcher_waits_out_an_expired_lease(ledger, users, action_id, tmp_path, clock):
    """A dispatcher that died holding the lease blocks others only until the lease expires."""
    assert ledger.acquire_dispatch_lease("dead-dispatcher")
    _approve(ledger, users["fd_l01"], action_id)
    blocked = dispatch_approved(ledger, tmp_path / "outbox")
    assert blocked.busy and blocked.sent == []
    clock.advance(minutes=11)
    assert dispatch_approved(ledger, tmp_path / "outbox").sent == [action_id]


def test_a_trail_broken_after_an_approval_holds_the_send_and_alerts_once(ledger, users, action_id, tmp_path):
    """The approval verifies, but what came after it cannot be trusted (it could hide an earlier send)."""
    _approve(ledger, users["fd_l01"], action_id)
    later = ledger.record("export", "director", detail={"rows": 12})
    _sql(tmp_path, "update audit_events set detail_json = '{}' where event_id = ?", later)
    for _ in range(2):
        result = dispatch_approved(ledger, tmp_path / "outbox")
        assert result.sent == [] and result.refused == [] and result.held == [action_id]
    assert _files(tmp_path / "outbox") == []
    assert _action(ledger, action_id)["status"] == "approved"  # waits: nothing about it was proven wrong
    [alert] = ledger.dispatch_alerts(ADMIN_VIEW)
    assert alert["kind"] == "audit_chain" and f"from event {later}" in alert["reason"]
    assert ledger.dispatch_alerts(users["fd_l01"]) == []  # the trail's alerts are for directors and admins


def test_an_approval_made_after_the_run_verified_the_chain_waits_for_the_next_run(
    ledger, users, action_id, tmp_path, monkeypatch
):
    real_verify = ledger.verify

    def verify_then_someone_approves():
        report = real_verify()
        _approve(ledger, users["fd_l01"], action_id)
        return report

    monkeypatch.setattr(ledger, "verify", verify_then_someone_approves)
    assert dispatch_approved(ledger, tmp_path / "outbox").held == [action_id]
    monkeypatch.setattr(ledger, "verify", real_verify)
    assert dispatch_approved(ledger, tmp_path / "outbox").sent == [action_id]
