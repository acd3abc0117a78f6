"""Moving a SQLite ledger to PostgreSQL (`python -m ledger.migrate`): every table, id, control number and
timestamp arrives, the moved ledger keeps working and verifying, and a copy that cannot be made changes
nothing and says which table stopped it. Runs on the session's throwaway PostgreSQL cluster."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from emitters.reauth_packet import draft_actions
from ledger import Ledger, User
from ledger.migrate import MigrationError, migrate_ledger, table_digest
from ledger.schema import metadata
from tests.emitters.conftest import FAST_HASHER
from tests.ledger.helpers import shown_body_sha256

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough passphrase 42"
ADMIN = User(username="admin", display_name="Admin", role="admin", locations=frozenset({"*"}))


@pytest.fixture
def source_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite'}"


@pytest.fixture
def target_url(postgres_cluster, postgres_database) -> str:
    return postgres_cluster.sqlalchemy_url(postgres_database)


def _open(url: str, clock) -> Ledger:
    return Ledger(url, clock=clock, password_hasher=FAST_HASHER)


def _by_flag(ledger: Ledger, flag_id: str) -> dict:
    return next(a for a in ledger.list_actions(ADMIN) if a["flag_id"] == flag_id)


@pytest.fixture
def months_of_work(source_url, make_row, clock) -> dict:
    """A SQLite ledger with drafts, each kind of decision, a delivery, users, sessions, a pending invitation,
    control numbers, and sign-in failures cleared by an unlock (ids past the largest one still present)."""
    ledger = _open(source_url, clock)
    admin = ledger.upsert_user("admin", PASSWORD, "admin", ["*"], "Admin")
    coordinator = ledger.upsert_user("coord", PASSWORD, "front_desk", ["L01", "L02"], "Coordinator")
    rows = [
        make_row(),
        make_row(flag_id="flag-b", authorization_id="AUTH-B", dollars_at_risk=Decimal("90.00")),
        make_row(flag_id="flag-c", authorization_id="AUTH-C", location_id="L02", due_date=date(2026, 3, 9)),
        make_row(flag_id="flag-d", authorization_id="AUTH-D", location_id="L02"),
    ]
    ledger.sync_drafts("reauth_packet", draft_actions(rows, {}, {"L01": "North", "L02": "Lake"}), "run-1")
    clock.advance(hours=2)
    approved = _by_flag(ledger, "flag-b")["action_id"]
    ledger.approve(coordinator, approved, expected_body_sha256=shown_body_sha256(ledger, approved))
    ledger.reject(coordinator, _by_flag(ledger, "flag-c")["action_id"], "already requested by phone")
    ledger.snooze(coordinator, _by_flag(ledger, "flag-d")["action_id"], date(2026, 3, 20))
    attempt = ledger.start_delivery(approved, "fax", "idem-1")
    ledger.complete_delivery(attempt, tries=1, http_status=200, destination="fax gateway")
    numbers = ledger.control_numbers(["flag-a-837", "flag-b-837", "flag-c-837"])
    token = ledger.open_session(coordinator)
    invitation = ledger.invite_user(admin, "newhire", "New Hire", "billing", ["L01"])
    ledger.sign_in("nobody", "wrong password", source="10.0.0.8")  # failure id 1, kept
    for _ in range(3):
        ledger.sign_in("coord", "wrong password", source="10.0.0.7")
    ledger.unlock_user(admin, "coord")  # deletes failures 2-4: the largest id left is 1, SQLite's high-water 4
    ledger.anchor_chain_head()
    ledger.engine.dispose()
    return {"token": token, "numbers": numbers, "invitation": invitation, "approved": approved}


def _digests(url: str) -> dict[str, tuple[int, str]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        digests = {table.name: table_digest(conn, table) for table in metadata.sorted_tables}
    engine.dispose()
    return digests


def test_a_ledger_moves_whole_and_keeps_working(months_of_work, source_url, target_url, clock):
    copied = migrate_ledger(source_url, target_url, batch_rows=2)  # several batches per table
    by_name = {entry.name: entry for entry in copied}
    assert set(by_name) == set(metadata.tables)
    assert _digests(target_url) == _digests(source_url) == {e.name: (e.rows, e.checksum) for e in copied}
    assert by_name["actions"].rows == 4
    assert by_name["sign_in_sessions"].rows == 1
    assert by_name["account_codes"].rows == 1
    assert by_name["delivery_attempts"].rows == 1
    assert by_name["interchange_control_numbers"].next_id == max(months_of_work["numbers"].values()) + 1
    assert by_name["sign_in_failures"].next_id == 5

    moved = _open(target_url, clock)
    assert moved.verify().ok
    events = moved.count_audit_events()
    assert by_name["audit_events"].rows == events and by_name["audit_events"].next_id == events + 1
    assert moved.resume_session(months_of_work["token"]).username == "coord"
    assert moved.sign_in("coord", PASSWORD, source="10.0.0.7").user.username == "coord"
    assert moved.set_password_with_code(months_of_work["invitation"].code, PASSWORD) == "newhire"

    # A new decision appends to the same chain; the control numbers continue the source's sequence.
    clock.advance(days=1)
    open_action = _by_flag(moved, "5f1c0b3e9a7d4c21b8e6f0a1d2c3b4a5")["action_id"]
    coordinator = moved.get_user("coord")
    moved.approve(coordinator, open_action, expected_body_sha256=shown_body_sha256(moved, open_action))
    with moved.engine.connect() as conn:
        newest = conn.exec_driver_sql("select max(event_id), count(*) from audit_events").one()
    assert newest[0] == newest[1] > events  # no gap, no reuse
    assert moved.verify().ok
    again = moved.control_numbers(["flag-b-837", "flag-e-837"])
    assert again["flag-b-837"] == months_of_work["numbers"]["flag-b-837"]
    assert again["flag-e-837"] == max(months_of_work["numbers"].values()) + 1
    moved.sign_in("nobody", "wrong password", source="10.0.0.8")
    with moved.engine.connect() as conn:
        assert max(conn.exec_driver_sql("select failure_id from sign_in_failures").scalars()) == 5

    # The append-only trigger is in force after the copy.
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), moved.engine.begin() as conn:
        conn.exec_driver_sql("update audit_events set actor = 'someone else'")
    moved.engine.dispose()


def test_the_command_prints_a_summary_and_refuses_a_non_empty_target(months_of_work, source_url, target_url):
    command = [sys.executable, "-m", "ledger.migrate", "--from", source_url, "--to", target_url]
    first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert "every row count and checksum matches the source" in first.stdout
    assert "interchange_control_numbers" in first.stdout
    before = _digests(target_url)

    second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert second.returncode == 1
    assert "the target already holds a ledger" in second.stderr
    assert "audit_events (" in second.stderr and "actions (4 rows)" in second.stderr
    assert _digests(target_url) == before  # untouched


def test_a_missing_source_table_is_named_and_nothing_is_created(months_of_work, source_url, target_url, tmp_path):
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        db.execute("drop table sign_in_sessions")
    with pytest.raises(MigrationError, match="table sign_in_sessions is missing"):
        migrate_ledger(source_url, target_url)
    assert sa.inspect(sa.create_engine(target_url)).get_table_names() == []


def test_a_row_the_target_refuses_names_its_table_and_key_and_rolls_everything_back(
    months_of_work, source_url, target_url, tmp_path
):
    # SQLite does not enforce VARCHAR lengths; PostgreSQL does.
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        db.execute("update actions set action_type = ? where flag_id = 'flag-c'", ("x" * 80,))
        action_id, title = db.execute("select action_id, title from actions where flag_id = 'flag-c'").fetchone()
    with pytest.raises(MigrationError) as refused:
        migrate_ledger(source_url, target_url)
    message = str(refused.value)
    assert message.startswith(f"table actions: the row action_id={action_id} was refused by the target")
    assert "too long" in message
    assert title not in message and "Quillon" not in message  # no draft content, no patient values
    assert sa.inspect(sa.create_engine(target_url)).get_table_names() == []


def test_an_unreadable_source_row_names_its_table(months_of_work, source_url, target_url, tmp_path):
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        db.execute("update actions set due_date = 'next tuesday' where flag_id = 'flag-d'")
    with pytest.raises(MigrationError, match="^table actions: a source row.* could not be read"):
        migrate_ledger(source_url, target_url)
    assert sa.inspect(sa.create_engine(target_url)).get_table_names() == []


def test_only_postgresql_is_a_target_and_a_missing_file_is_no_source(source_url, tmp_path):
    with pytest.raises(MigrationError, match="must be a PostgreSQL URL"):
        migrate_ledger(source_url, f"sqlite:///{tmp_path / 'other.sqlite'}")
    with pytest.raises(MigrationError, match="no ledger file at"):
        migrate_ledger(f"sqlite:///{tmp_path / 'absent.sqlite'}", "postgresql+psycopg://u@/db?host=/nowhere")
    assert not (tmp_path / "absent.sqlite").exists()


def test_a_copy_that_reads_back_differently_is_rolled_back(months_of_work, source_url, target_url, monkeypatch):
    import ledger.migrate as migrate

    insert = migrate._insert

    def insert_losing_a_row(write, table, batch):  # a copy that silently loses one row of ledger_meta
        insert(write, table, batch[1:] if table.name == "ledger_meta" else batch)

    monkeypatch.setattr(migrate, "_insert", insert_losing_a_row)
    rows_in_source = _digests(source_url)["ledger_meta"][0]
    expected = (
        f"^table ledger_meta: the copy reads back as {rows_in_source - 1} rows, .*the source as {rows_in_source} rows"
    )
    with pytest.raises(MigrationError, match=expected):
        migrate_ledger(source_url, target_url)
    assert sa.inspect(sa.create_engine(target_url)).get_table_names() == []
