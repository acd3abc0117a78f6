"""`Ledger`: the one object callers hold. Each concern lives in its own module as a mixin over the same
engine, clock, password hasher and audit key; this class only wires them together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher

from .accounts import Accounts, default_password_hasher
from .audit import AuditTrail, ensure_keyed_chain
from .audit_key import load_or_create_audit_key
from .control_numbers import ControlNumbers
from .decisions import Decisions
from .delivery_attempts import DeliveryAttempts
from .dispatch import Dispatching
from .drafts import DraftSync
from .queue import Queue
from .schema import create_schema, iso, make_engine
from .sign_in import SignIn
from .totp import SecondFactor


class Ledger(
    AuditTrail,
    DraftSync,
    Decisions,
    Queue,
    Accounts,
    SignIn,
    SecondFactor,
    DeliveryAttempts,
    Dispatching,
    ControlNumbers,
):
    """The action ledger over any SQLAlchemy URL (SQLite in WAL mode by default).

    `clock` (returns an aware UTC datetime) defaults to now; `password_hasher` defaults to argon2id with
    argon2-cffi's recommended parameters; `audit_key` and `anchor_file` default to the RCM_AUDIT_KEY_FILE and
    RCM_AUDIT_ANCHOR_FILE settings. They are parameters so tests run fast, without sleeping, in a temp dir.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], datetime] | None = None,
        password_hasher: PasswordHasher | None = None,
        audit_key: bytes | None = None,
        anchor_file: Path | None = None,
    ):
        if audit_key is None or anchor_file is None:
            from core.settings import (
                get_audit_settings,  # read when a ledger opens, never at import time
            )

            settings = get_audit_settings()
            audit_key = audit_key if audit_key is not None else load_or_create_audit_key(settings.key_file)
            anchor_file = anchor_file if anchor_file is not None else settings.anchor_file
        self.url = url
        self.anchor_file = Path(anchor_file)
        self._audit_key = audit_key
        self._hasher = password_hasher or default_password_hasher()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(ledger_write=True)
        create_schema(self._writer)
        try:
            with self._writer.begin() as conn:
                self.ledger_id = ensure_keyed_chain(conn, audit_key)["ledger_id"]
        except sa.exc.IntegrityError:  # another process set the new ledger up at the same moment (PostgreSQL)
            with self._writer.begin() as conn:
                self.ledger_id = ensure_keyed_chain(conn, audit_key)["ledger_id"]

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def _now_iso(self) -> str:
        return iso(self._now())

    def _today(self) -> date:
        return self._now().date()
