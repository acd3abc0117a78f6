"""Dashboard sessions behind the browser's cookie: a signed, expiring token that is useless without its live row
in the ledger (sign-out, inactivity, lifetime and a disabled account end it)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from ledger.schema import sign_in_sessions


def _flip_last_char(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


def test_a_token_resumes_its_user_and_the_resume_is_audited(ledger, users):
    token = ledger.open_session(users["billing"])
    assert ledger.resume_session(token) == users["billing"]
    events = ledger.audit_events(users["admin"], limit=5, event_types=["session_resumed"])
    assert [e["actor"] for e in events] == ["billing"]
    assert token not in json.dumps(events)  # the trail names the session, never the token


def test_the_ledger_keeps_only_a_digest_of_the_session_id(ledger, users):
    token = ledger.open_session(users["billing"])
    session_id = token.split(".")[0]
    with ledger.engine.connect() as conn:
        stored = conn.execute(sa.select(sign_in_sessions.c.session_sha256)).scalars().all()
    assert len(stored) == 1 and session_id not in stored[0] and len(stored[0]) == 64


def test_a_tampered_token_is_refused(ledger, users):
    token = ledger.open_session(users["billing"])
    session_id, expires, mac = token.split(".")
    assert ledger.resume_session(_flip_last_char(token)) is None  # the signature
    assert ledger.resume_session(f"{session_id}.{int(expires) + 3600}.{mac}") is None  # a later expiry
    assert ledger.resume_session(f"{_flip_last_char(session_id)}.{expires}.{mac}") is None  # another session
    for junk in ("", "abc", "a.b", "..", f"{session_id}.soon.{mac}"):
        assert ledger.resume_session(junk) is None
    assert ledger.resume_session(token) == users["billing"]  # the genuine one still works


def test_a_token_signed_with_another_key_is_refused(ledger, users, tmp_path, clock):
    from ledger import Ledger

    other = Ledger(f"sqlite:///{tmp_path / 'other.sqlite'}", clock=clock, audit_key=b"k" * 32)
    other.upsert_user("billing", "another passphrase 12", "billing", ["*"], "Billing Lead")
    forged = other.open_session(users["billing"])
    assert ledger.resume_session(forged) is None


def test_sign_out_ends_the_session_everywhere(ledger, users):
    token = ledger.open_session(users["fd_l01"])
    ledger.end_session(token)
    assert ledger.resume_session(token) is None
    assert ledger.touch_session(token) is False


def test_inactivity_ends_the_session_and_activity_keeps_it(ledger, users, clock, monkeypatch):
    monkeypatch.setenv("RCM_SESSION_TIMEOUT_MINUTES", "30")
    token = ledger.open_session(users["fd_l01"])
    clock.advance(minutes=25)
    assert ledger.touch_session(token) is True  # activity 25 minutes in
    clock.advance(minutes=25)
    assert ledger.resume_session(token) == users["fd_l01"]  # 25 minutes after the last activity: still live
    clock.advance(minutes=31)
    assert ledger.touch_session(token) is False
    assert ledger.resume_session(token) is None
    with ledger.engine.connect() as conn:
        assert conn.execute(sa.select(sign_in_sessions.c.ended_reason)).scalar_one() == "session_expired"


def test_the_session_ends_at_its_lifetime_however_active(ledger, users, clock, monkeypatch):
    monkeypatch.setenv("RCM_SESSION_MAX_HOURS", "2")
    token = ledger.open_session(users["director"])
    for _ in range(5):  # active every 20 minutes
        clock.advance(minutes=20)
        assert ledger.touch_session(token) is True
    clock.advance(minutes=19)
    assert ledger.touch_session(token) is True  # 1 hour 59 minutes after sign-in
    clock.advance(minutes=2)
    assert ledger.touch_session(token) is False
    assert ledger.resume_session(token) is None


def test_a_disabled_account_cannot_resume(ledger, users):
    token = ledger.open_session(users["fd_l01"])
    ledger.change_user(users["admin"], "fd_l01", role="front_desk", locations=["L01"], disabled=True)
    assert ledger.resume_session(token) is None
    ledger.change_user(users["admin"], "fd_l01", role="front_desk", locations=["L01"], disabled=False)
    assert ledger.resume_session(token) is None  # ended for good, not just while disabled


def test_a_resumed_session_carries_the_role_as_stored_now(ledger, users):
    token = ledger.open_session(users["fd_l01"])
    ledger.change_user(users["admin"], "fd_l01", role="billing", locations=["L01", "L02"], disabled=False)
    resumed = ledger.resume_session(token)
    assert resumed.role == "billing" and resumed.locations == frozenset({"L01", "L02"})
