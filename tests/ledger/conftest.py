"""The emitter tests' fixtures (flag rows, a settable clock, a fresh SQLite ledger, stored users), with the
audit key and anchor file of every ledger in the test's temp dir."""

from __future__ import annotations

import pytest

from tests.emitters.conftest import (  # noqa: F401  (fixtures pytest finds by name)
    clock,
    flag_row,
    ledger,
    make_history,
    make_row,
    password,
    users,
)


@pytest.fixture(autouse=True)
def audit_files_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_AUDIT_KEY_FILE", str(tmp_path / "secrets" / "audit.key"))
    monkeypatch.setenv("RCM_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors" / "audit-anchors.jsonl"))
