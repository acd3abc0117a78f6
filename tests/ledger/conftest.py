"""The ledger tests' fixtures (flag rows, a settable clock, stored users), with the audit key and anchor file of
every ledger in the test's temp dir. Every test that takes `ledger` runs twice: on a fresh SQLite file (the
default) and on a fresh PostgreSQL database of the session's throwaway cluster (tests/conftest.py). Tests that
open the SQLite file itself to tamper with it carry the `sqlite_file` marker and run on SQLite only."""

from __future__ import annotations

import pytest

from ledger import Ledger
from tests.emitters.conftest import (  # noqa: F401  (fixtures pytest finds by name)
    FAST_HASHER,
    Clock,
    clock,
    flag_row,
    make_history,
    make_row,
    password,
    users,
)


def pytest_collection_modifyitems(config, items):
    # A test marked sqlite_file reads the SQLite file behind the ledger: it has no PostgreSQL variant.
    def sqlite_file_on_postgresql(item) -> bool:
        callspec = getattr(item, "callspec", None)
        on_postgresql = bool(callspec and callspec.params.get("ledger") == "postgresql")
        return on_postgresql and item.get_closest_marker("sqlite_file") is not None

    dropped = [item for item in items if sqlite_file_on_postgresql(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request, tmp_path, clock: Clock):  # noqa: F811  (the clock fixture above, by name)
    # Cheap argon2 parameters: the hashing is still argon2id, only faster than production's.
    if request.param == "sqlite":
        yield Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", clock=clock, password_hasher=FAST_HASHER)
        return
    cluster = request.getfixturevalue("postgres_cluster")
    database = request.getfixturevalue("postgres_database")
    book = Ledger(cluster.sqlalchemy_url(database), clock=clock, password_hasher=FAST_HASHER)
    yield book
    book.engine.dispose()  # before the database is dropped


@pytest.fixture(autouse=True)
def audit_files_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_AUDIT_KEY_FILE", str(tmp_path / "secrets" / "audit.key"))
    monkeypatch.setenv("RCM_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors" / "audit-anchors.jsonl"))
