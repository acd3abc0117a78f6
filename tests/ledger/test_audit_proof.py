"""The audit trail proves itself: a keyed chain an attacker without the key cannot rehash, anchors that reveal a
deleted tail, contiguous event ids, and a one-time migration of a ledger whose chain predates the key."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import AuditKeyError, Ledger, canonical_json
from ledger.audit_key import load_or_create_audit_key
from tests.emitters.conftest import FAST_HASHER

REPO = Path(__file__).resolve().parents[2]
HASHED = ("event_id", "occurred_at", "event_type", "actor", "actor_role", "action_id", "location_id", "detail_json")


def _ledger_cli(*args: str) -> subprocess.CompletedProcess:
    """`python -m ledger ARGS` as an operator runs it, from the repository root."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )


def _db(tmp_path):
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    db.row_factory = sqlite3.Row
    db.execute("drop trigger if exists audit_events_no_update")
    db.execute("drop trigger if exists audit_events_no_delete")
    return db


def _rehash_plain(db, from_event_id: int, to_event_id: int = 10**9) -> None:
    """What an attacker without the key can do: recompute the chain with plain SHA-256 over a range of events."""
    rows = db.execute(
        "select * from audit_events where event_id between ? and ? order by event_id", (from_event_id, to_event_id)
    ).fetchall()
    prev = db.execute(
        "select event_hash from audit_events where event_id < ? order by event_id desc limit 1", (from_event_id,)
    ).fetchone()
    prev_hash = prev[0] if prev else "0" * 64
    for row in rows:
        fields = {name: row[name] for name in HASHED}
        new_hash = hashlib.sha256((prev_hash + canonical_json(fields)).encode()).hexdigest()
        db.execute(
            "update audit_events set prev_hash = ?, event_hash = ? where event_id = ?",
            (prev_hash, new_hash, row["event_id"]),
        )
        prev_hash = new_hash
    db.commit()


@pytest.fixture
def filled(ledger, users):
    """A ledger with a handful of events (users created, sign-ins)."""
    for _ in range(3):
        ledger.authenticate("billing", "correct horse battery staple")
    assert ledger.verify().ok
    return ledger


def test_a_new_ledger_verifies_and_creates_its_key_file_private(filled, tmp_path):
    key_file = Path(os.environ["RCM_AUDIT_KEY_FILE"])
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    report = filled.verify()
    assert report.ok and report.events == filled.count_audit_events() and report.first_bad_event_id is None


@pytest.mark.sqlite_file
def test_an_edited_event_is_detected_even_after_a_plain_sha256_rehash(filled, tmp_path):
    db = _db(tmp_path)
    db.execute("update audit_events set detail_json = ? where event_id = 3", (json.dumps({"reason": "nothing"}),))
    _rehash_plain(db, 3)
    db.close()
    report = filled.verify()
    assert not report.ok and report.first_bad_event_id == 3
    assert "event 3 was changed" in report.problems[0]


@pytest.mark.sqlite_file
def test_a_deleted_tail_is_detected_through_the_anchor(filled, tmp_path):
    anchor = filled.anchor_chain_head()
    newest = filled.count_audit_events()
    assert anchor["event_id"] == newest
    db = _db(tmp_path)
    db.execute("delete from audit_events where event_id >= ?", (newest - 1,))  # the chain itself still links
    db.commit()
    db.close()
    report = filled.verify()
    assert not report.ok and report.first_bad_event_id == newest - 1
    assert "tail of the trail was deleted" in " ".join(report.problems)


@pytest.mark.sqlite_file
def test_a_rewritten_anchored_event_is_detected_through_the_anchor(filled, tmp_path):
    anchor = filled.anchor_chain_head()
    db = _db(tmp_path)
    db.execute("update audit_events set event_hash = ? where event_id = ?", ("f" * 64, anchor["event_id"]))
    db.commit()
    db.close()
    assert any("differs from its anchor" in p for p in filled.verify().problems)


@pytest.mark.sqlite_file
def test_a_gap_in_event_ids_is_detected(filled, tmp_path):
    db = _db(tmp_path)
    db.execute("delete from audit_events where event_id = 3")
    _rehash_plain(db, 4)
    db.close()
    report = filled.verify()
    assert report.first_bad_event_id == 3
    assert "events are missing" in report.problems[0]


def test_anchors_of_another_ledger_in_the_same_file_are_ignored(filled, tmp_path, clock):
    other = Ledger(f"sqlite:///{tmp_path / 'other.sqlite'}", clock=clock, password_hasher=FAST_HASHER)
    other.upsert_user("someone", "pw", "billing", ["*"], "Someone")
    for _ in range(20):
        other.record("export", "someone")
    other.anchor_chain_head()  # names event 21, which `filled` does not have
    filled.anchor_chain_head()
    report = filled.verify()
    assert report.ok and report.anchors_checked == 1


def test_a_key_file_others_can_read_is_refused(tmp_path):
    key_file = tmp_path / "audit.key"
    load_or_create_audit_key(key_file)
    key_file.chmod(0o644)
    with pytest.raises(AuditKeyError, match="chmod 600"):
        load_or_create_audit_key(key_file)


def test_a_ledger_opened_with_another_key_file_fails_loudly(filled, tmp_path, monkeypatch):
    with pytest.raises(AuditKeyError, match="not this ledger's key"):
        Ledger(filled.url, password_hasher=FAST_HASHER, audit_key=b"k" * 32, anchor_file=filled.anchor_file)
    monkeypatch.setenv("RCM_AUDIT_KEY_FILE", str(tmp_path / "lost" / "audit.key"))  # a fresh key would be made
    with pytest.raises(AuditKeyError, match="restore the ledger's key file"):
        Ledger(filled.url, password_hasher=FAST_HASHER)


@pytest.mark.sqlite_file
def test_an_unkeyed_ledger_is_refused_until_migrated_once(filled, tmp_path):
    # Make the ledger look as it did before the key: a plain SHA-256 chain and no keyed start recorded.
    db = _db(tmp_path)
    db.execute("delete from ledger_meta where key = 'audit_chain_keyed_from'")
    _rehash_plain(db, 1)
    db.close()
    with pytest.raises(AuditKeyError, match="migrate-audit-chain"):
        Ledger(filled.url, password_hasher=FAST_HASHER)

    migrate = _ledger_cli("migrate-audit-chain", "--url", filled.url)
    assert migrate.returncode == 0, migrate.stderr
    old_events = filled.count_audit_events() - 1
    assert f"{old_events} earlier events verified" in migrate.stdout
    migrated = Ledger(filled.url, password_hasher=FAST_HASHER)
    assert migrated.verify().ok
    migrated.record("export", "billing")
    assert migrated.verify().ok
    again = _ledger_cli("migrate-audit-chain", "--url", filled.url)
    assert again.returncode == 2 and "already keyed" in again.stderr

    # Editing an old (unkeyed) event and rehashing the old part breaks the keyed event that sealed it.
    db = _db(tmp_path)
    db.execute("update audit_events set actor = 'someone-else' where event_id = 2")
    _rehash_plain(db, 2, old_events)
    db.close()
    assert not migrated.verify().ok


@pytest.mark.sqlite_file
def test_migration_refuses_a_broken_unkeyed_chain(filled, tmp_path):
    db = _db(tmp_path)
    db.execute("delete from ledger_meta where key = 'audit_chain_keyed_from'")
    db.commit()  # the events are still keyed, so as a plain SHA-256 chain they do not verify
    db.close()
    migrate = _ledger_cli("migrate-audit-chain", "--url", filled.url)
    assert migrate.returncode == 2 and "broken at event 1" in migrate.stderr


@pytest.mark.sqlite_file
def test_verify_cli_reports_a_deleted_tail(filled, tmp_path):
    filled.anchor_chain_head()
    db = _db(tmp_path)
    db.execute("delete from audit_events where event_id = (select max(event_id) from audit_events)")
    db.commit()
    db.close()
    verify = _ledger_cli("verify", "--url", filled.url)
    assert verify.returncode == 1 and "tail of the trail was deleted" in verify.stdout


def test_help_has_no_side_effects(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RCM_DATA_DIR": str(tmp_path / "data"),
        "RCM_AUDIT_KEY_FILE": str(tmp_path / "k" / "audit.key"),
    }
    for args in (["--help"], ["verify", "--help"], ["migrate-audit-chain", "--help"]):
        shown = subprocess.run(
            [sys.executable, "-m", "ledger", *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
        )
        assert shown.returncode == 0 and "usage: python -m ledger" in shown.stdout
    assert not (tmp_path / "data").exists() and not (tmp_path / "k").exists()
