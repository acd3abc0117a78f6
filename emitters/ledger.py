"""The action ledger: drafted actions, human decisions, users, and an append-only, hash-chained audit trail.

SQLAlchemy Core over any URL; SQLite in WAL mode by default (settings.ledger_url). The pipeline writes
drafts (`sync_drafts`), the dashboard reads and decides (always scoped to the user's locations), the
dispatcher sends what was approved. Every change writes an audit event in the same transaction.

Audit details carry references (action_id, flag_id, patient_id) but never patient names, dates of birth
or member ids; draft-edit diffs are masked with the draft's `phi_terms`.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import logging
import re
import statistics
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, get_args

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .models import DraftAction, Role, User
from .registry import approver_roles, can_approve

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
SYSTEM_PIPELINE = "system:pipeline"
SYSTEM_DISPATCHER = "system:dispatcher"
LIVE_STATUSES = frozenset({"open", "snoozed"})
STATUSES = ("open", "snoozed", "approved", "rejected", "sent", "auto_resolved")
AUDIT_READER_ROLES = frozenset({"director", "admin"})
SIGN_IN_MAX_FAILURES = 5
SIGN_IN_WINDOW = timedelta(minutes=15)
REDACTED = "[redacted]"

# Columns a later pipeline run may refresh on a live (open/snoozed) draft; body is handled apart
# because a human edit must survive.
REFRESHED_COLUMNS = (
    "location_id", "payer_id", "patient_id", "title", "recipient", "checklist_json", "evidence_json",
    "dollars_at_stake", "due_date", "assigned_role", "phi_terms_json",
)


class PermissionDenied(Exception):
    """The user may not do this: wrong role for the action type, or location out of scope."""


class InvalidTransition(Exception):
    """The action's status does not allow this step (e.g. approving a rejected action)."""


@dataclass
class SyncResult:
    drafted: int = 0
    unchanged: int = 0
    refreshed: int = 0
    auto_resolved: int = 0
    reopened: int = 0


metadata = sa.MetaData()

actions = sa.Table(
    "actions", metadata,
    sa.Column("action_id", sa.String(32), primary_key=True),
    sa.Column("flag_id", sa.String(128), nullable=False, unique=True),
    sa.Column("action_type", sa.String(64), nullable=False),
    sa.Column("location_id", sa.String(64), nullable=False),
    sa.Column("payer_id", sa.String(64)),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("recipient", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("original_body", sa.Text, nullable=False),
    sa.Column("checklist_json", sa.Text, nullable=False),
    sa.Column("evidence_json", sa.Text, nullable=False),
    # Text, not a float: money keeps its cents exactly on every backend; read back as Decimal.
    sa.Column("dollars_at_stake", sa.String(32), nullable=False),
    sa.Column("due_date", sa.Date),
    sa.Column("assigned_role", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("snoozed_until", sa.Date),
    sa.Column("phi_terms_json", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Column("last_seen_run_id", sa.String(128)),
    sa.Index("ix_actions_type_status", "action_type", "status"),
    sa.Index("ix_actions_location_status", "location_id", "status"),
)

audit_events = sa.Table(
    "audit_events", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("occurred_at", sa.String(32), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("actor_role", sa.String(32)),
    sa.Column("action_id", sa.String(32), sa.ForeignKey("actions.action_id")),
    sa.Column("location_id", sa.String(64)),
    sa.Column("detail_json", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("event_hash", sa.String(64), nullable=False, unique=True),
    sa.Index("ix_audit_actor_type_time", "actor", "event_type", "occurred_at"),
    sa.Index("ix_audit_action", "action_id"),
    sqlite_autoincrement=True,
)

users = sa.Table(
    "users", metadata,
    sa.Column("username", sa.String(128), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("locations_json", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
)

# ----- board: assignment table and queue indexes (issue 7) ---------------------------------------
# A separate table, not a column of `actions`: an existing ledger gains it through create_all, no migration.
action_assignments = sa.Table(
    "action_assignments", metadata,
    sa.Column("action_id", sa.String(32), sa.ForeignKey("actions.action_id"), primary_key=True),
    sa.Column("assignee", sa.String(128), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("assigned_by", sa.String(128), nullable=False),
    sa.Column("assigned_at", sa.String(32), nullable=False),
    sa.Index("ix_action_assignments_assignee", "assignee"),
)
# ----- outgoing X12 interchange control numbers (ISA13 / GS06) ---------------------------------------
# One number per flag for good, from one sequence: a redraft of the same flag keeps its number (the draft
# stays unchanged) and no two outgoing 837Ps share one (clearinghouses reject a repeated ISA13).
interchange_control_numbers = sa.Table(
    "interchange_control_numbers", metadata,
    sa.Column("control_number", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("flag_id", sa.String(64), nullable=False, unique=True),
)
MAX_INTERCHANGE_CONTROL_NUMBER = 999_999_999  # ISA13 is nine digits

# Indexes the board's queue and stats queries use; created on existing ledgers too (`_create_board_indexes`).
BOARD_INDEXES = (
    sa.Index("ix_actions_status_created", actions.c.status, actions.c.created_at),
    sa.Index("ix_actions_payer_status", actions.c.payer_id, actions.c.status),
    sa.Index("ix_audit_type_time", audit_events.c.event_type, audit_events.c.occurred_at),
)

# Decisions counted in the board's throughput figures (a snooze defers, it does not decide).
DECISION_EVENTS = ("approved", "rejected")
# Open-queue age buckets: (label, minimum age in days, maximum age in days or None).
AGE_BUCKETS = (("0-2 days", 0, 2), ("3-7 days", 3, 7), ("8-30 days", 8, 30), ("over 30 days", 31, None))
# Who may reassign an action they cannot decide themselves (supervisors), within their locations.
REASSIGN_SUPERVISOR_ROLES = frozenset({"director", "admin"})
USER_ADMIN_ROLES = frozenset({"admin"})
ROLES: tuple[str, ...] = get_args(Role)


@dataclass(frozen=True)
class QueueFilter:
    """What the board asks for; None means no restriction on that field (an empty tuple matches nothing)."""

    statuses: tuple[str, ...] | None = ("open",)
    action_types: tuple[str, ...] | None = None
    location_ids: tuple[str, ...] | None = None
    payer_ids: tuple[str, ...] | None = None
    min_age_days: int | None = None  # created at least this many days ago
    max_age_days: int | None = None  # created at most this many days ago
    assignee: str | None = None


@dataclass
class QueuePage:
    rows: list[dict]
    total: int
    total_dollars: Decimal
    oldest_created_at: str | None


@dataclass
class BulkApproveResult:
    approved: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (action id, reason)


def _create_board_indexes(conn: sa.Connection) -> None:
    for index in BOARD_INDEXES:
        index.create(conn, checkfirst=True)


def _dollars_sql():
    # Money is stored as text (exact cents); cast for ordering and comparing in SQL.
    return sa.cast(actions.c.dollars_at_stake, sa.Numeric(14, 2))


def _cents_sql():
    # Whole cents as an integer, so a sum of many amounts stays exact.
    return sa.cast(sa.func.round(sa.cast(actions.c.dollars_at_stake, sa.Float) * 100), sa.Integer)


def _effective_status_sql(today: date):
    """The status a person sees: a snooze whose date has come counts as open (as `_effective_status`)."""
    return sa.case((sa.and_(actions.c.status == "snoozed", actions.c.snoozed_until <= today), "open"),
                   else_=actions.c.status)


def _status_conditions(statuses: Iterable[str], today: date) -> list:
    wanted = sorted(set(statuses))
    stored = set(wanted) | ({"snoozed"} if "open" in wanted else set())
    # The plain IN on the stored status lets SQLite use the status indexes; the CASE settles snoozes.
    return [actions.c.status.in_(sorted(stored)), _effective_status_sql(today).in_(wanted)]


def _scope_condition(user: User):
    return sa.true() if user.sees_all_locations else actions.c.location_id.in_(sorted(user.locations))


SQLITE_APPEND_ONLY_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
)


def canonical_json(value: Any) -> str:
    """One spelling per value (sorted keys, no spaces), so hashes and change checks are stable."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not JSON-able: {type(value).__name__}")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_hash(prev_hash: str, fields: dict) -> str:
    """sha256 over the previous hash and the canonical JSON of this event's other fields."""
    return sha256_text(prev_hash + canonical_json(fields))


@lru_cache(maxsize=1)
def _password_hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against for unknown users so a wrong username costs the same time as a wrong password.
    return hasher.hash(uuid.uuid4().hex)


def _make_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    if engine.dialect.name != "sqlite":
        return engine
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN, so writers can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        # BEGIN IMMEDIATE for writers: two processes (pipeline, dashboard) never both read the chain head
        # and then fail to upgrade their lock; the second waits busy_timeout instead.
        immediate = connection.get_execution_options().get("ledger_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


# ===== Delivery attempts (issue 7, point 4: webhook channels) =======================================
# One row each time the dispatcher starts sending an action over a webhook. The row is written ("sending")
# BEFORE the POST and settled after it, so a dispatcher killed mid-send leaves a "sending" row: the next
# run resends with the same idempotency key and the receiver dedupes. A "failed" row waits for a person,
# whose retry ("retry_requested") puts the action back in the dispatcher's queue. Rows hold the state;
# the hash-chained audit trail records every step. The file channel needs none of this (an atomic,
# idempotent write), so it keeps `mark_sent`.
DELIVERY_SENDING = "sending"
DELIVERY_DELIVERED = "delivered"
DELIVERY_FAILED = "failed"
DELIVERY_RETRY_REQUESTED = "retry_requested"
DELIVERY_INTERRUPTED = "interrupted"  # a "sending" row superseded by the next run's resend

delivery_attempts = sa.Table(
    "delivery_attempts", metadata,
    sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.String(32), sa.ForeignKey("actions.action_id"), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("idempotency_key", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("tries", sa.Integer, nullable=False, server_default="0"),  # HTTP requests made
    sa.Column("http_status", sa.Integer),
    sa.Column("error", sa.Text),  # short; never the body or the receiver's answer
    sa.Column("started_at", sa.String(32), nullable=False),
    sa.Column("finished_at", sa.String(32)),
    sa.Index("ix_delivery_attempts_action", "action_id", "attempt_id"),
    sqlite_autoincrement=True,
)


def _newest_attempts_of_approved_actions():
    """The newest delivery attempt of every approved action, joined to the action's columns."""
    newest = (sa.select(sa.func.max(delivery_attempts.c.attempt_id).label("attempt_id"))
              .group_by(delivery_attempts.c.action_id).subquery())
    return (sa.select(delivery_attempts, actions.c.title, actions.c.action_type, actions.c.location_id,
                      actions.c.payer_id, actions.c.dollars_at_stake, actions.c.due_date)
            .join(newest, delivery_attempts.c.attempt_id == newest.c.attempt_id)
            .join(actions, actions.c.action_id == delivery_attempts.c.action_id)
            .where(actions.c.status == "approved"))


def _newest_attempt(conn: sa.Connection, action_id: str):
    return conn.execute(sa.select(delivery_attempts).where(delivery_attempts.c.action_id == action_id)
                        .order_by(delivery_attempts.c.attempt_id.desc()).limit(1)).first()


class _DeliveryAttempts:
    """Ledger methods for webhook deliveries; mixed into Ledger (uses its engine, clock and audit chain)."""

    def pending_delivery_attempts(self) -> dict[str, dict]:
        """Newest attempt of each approved (not yet sent) action that has one, by action id."""
        with self.engine.connect() as conn:
            return {row.action_id: dict(row._mapping) for row in conn.execute(_newest_attempts_of_approved_actions())}

    def start_delivery(self, action_id: str, channel: str, idempotency_key: str) -> int:
        """Record a "sending" attempt (and audit it) before the POST; returns its attempt_id."""
        with self._writer.begin() as conn:
            row = _fetch_action(conn, action_id)
            if row is None or row.status != "approved":
                raise InvalidTransition(f"only an approved action can be sent ({action_id})")
            previous = _newest_attempt(conn, action_id)
            now = self._now_iso()
            if previous is not None and previous.status == DELIVERY_SENDING:
                conn.execute(delivery_attempts.update().where(delivery_attempts.c.attempt_id == previous.attempt_id)
                             .values(status=DELIVERY_INTERRUPTED, finished_at=now,
                                     error="the dispatcher stopped before the outcome was recorded"))
            attempt_id = conn.execute(delivery_attempts.insert().values(
                action_id=action_id, channel=channel, idempotency_key=idempotency_key, status=DELIVERY_SENDING,
                tries=0, started_at=now)).inserted_primary_key[0]
            self._append_event(conn, "send_attempt", SYSTEM_DISPATCHER, action_id=action_id,
                               location_id=row.location_id,
                               detail={"attempt_id": attempt_id, "channel": channel, "idempotency_key": idempotency_key,
                                       "previous_attempt_id": previous.attempt_id if previous else None,
                                       "previous_status": previous.status if previous else None})
            return attempt_id

    def complete_delivery(self, attempt_id: int, *, tries: int, http_status: int, destination: str) -> None:
        """The receiver took it: the attempt is delivered and the action sent, in one transaction."""
        with self._writer.begin() as conn:
            attempt = conn.execute(sa.select(delivery_attempts)
                                   .where(delivery_attempts.c.attempt_id == attempt_id)).first()
            row = _fetch_action(conn, attempt.action_id) if attempt is not None else None
            if row is None or row.status != "approved" or attempt.status != DELIVERY_SENDING:
                raise InvalidTransition(f"delivery attempt {attempt_id} is not in flight")
            now = self._now_iso()
            conn.execute(delivery_attempts.update().where(delivery_attempts.c.attempt_id == attempt_id)
                         .values(status=DELIVERY_DELIVERED, tries=tries, http_status=http_status, finished_at=now))
            conn.execute(actions.update().where(actions.c.action_id == row.action_id)
                         .values(status="sent", updated_at=now))
            self._append_event(conn, "dispatched", SYSTEM_DISPATCHER, action_id=row.action_id,
                               location_id=row.location_id,
                               detail={"channel": attempt.channel, "destination": destination, "attempt_id": attempt_id,
                                       "idempotency_key": attempt.idempotency_key, "http_status": http_status,
                                       "tries": tries})

    def fail_delivery(self, attempt_id: int, *, tries: int, http_status: int | None, error: str) -> None:
        """The send failed after its retries: the action stays approved and waits for a person's retry."""
        with self._writer.begin() as conn:
            attempt = conn.execute(sa.select(delivery_attempts)
                                   .where(delivery_attempts.c.attempt_id == attempt_id)).first()
            if attempt is None or attempt.status != DELIVERY_SENDING:
                raise InvalidTransition(f"delivery attempt {attempt_id} is not in flight")
            row = _fetch_action(conn, attempt.action_id)
            conn.execute(delivery_attempts.update().where(delivery_attempts.c.attempt_id == attempt_id)
                         .values(status=DELIVERY_FAILED, tries=tries, http_status=http_status, error=error,
                                 finished_at=self._now_iso()))
            self._append_event(conn, "send_failed", SYSTEM_DISPATCHER, action_id=attempt.action_id,
                               location_id=row.location_id,
                               detail={"attempt_id": attempt_id, "channel": attempt.channel, "http_status": http_status,
                                       "error": error, "tries": tries})
        log.warning("delivery failed for action %s over %s: %s", attempt.action_id, attempt.channel, error)

    def failed_deliveries(self, user: User) -> list[dict]:
        """Approved actions in the user's locations whose newest send failed; oldest failure first."""
        query = _newest_attempts_of_approved_actions().where(delivery_attempts.c.status == DELIVERY_FAILED)
        if not user.sees_all_locations:
            query = query.where(actions.c.location_id.in_(sorted(user.locations)))
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query.order_by(delivery_attempts.c.finished_at))]
        for row in rows:
            row["dollars_at_stake"] = Decimal(row["dollars_at_stake"])
        return rows

    def request_delivery_retry(self, user: User, action_id: str) -> None:
        """A person puts a failed send back in the dispatcher's queue (the dispatcher sends, not the caller).

        Only someone who may approve this action type at this location now; the action must still be approved
        and its newest send failed. The dispatcher checks the original approval again before it sends.
        """
        with self._writer.begin() as conn:
            actor = _fetch_user(conn, user.username)  # as stored now: a role change counts at once
            row = _fetch_action(conn, action_id)
            if actor is None or row is None or not actor.can_see(row.location_id):
                raise PermissionDenied(f"retry: action {action_id} is not in your locations")
            if not can_approve(actor, row.action_type, row.location_id):
                raise PermissionDenied(f"retry: role {actor.role} may not approve {row.action_type} actions")
            attempt = _newest_attempt(conn, action_id)
            if row.status != "approved" or attempt is None or attempt.status != DELIVERY_FAILED:
                raise InvalidTransition("only an approved action whose last send failed can be retried")
            conn.execute(delivery_attempts.update().where(delivery_attempts.c.attempt_id == attempt.attempt_id)
                         .values(status=DELIVERY_RETRY_REQUESTED))
            self._append_event(conn, "send_retry_requested", actor.username, actor_role=actor.role,
                               action_id=action_id, location_id=row.location_id,
                               detail={"attempt_id": attempt.attempt_id, "channel": attempt.channel,
                                       "failed_with": attempt.error})

# ===== end of delivery attempts =======================================================================


class Ledger(_DeliveryAttempts):
    """The action ledger.

    `clock` (returns an aware UTC datetime) defaults to now; `password_hasher` defaults to argon2id with
    argon2-cffi's recommended parameters. Both are there so tests run fast and without sleeping.
    """

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None,
                 password_hasher: PasswordHasher | None = None):
        self.url = url
        self._hasher = password_hasher or _password_hasher()
        self.engine = _make_engine(url)
        self._writer = self.engine.execution_options(ledger_write=True)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._create_schema()

    def _create_schema(self) -> None:
        with self._writer.begin() as conn:
            metadata.create_all(conn, checkfirst=True)
            if self.engine.dialect.name == "sqlite":
                for ddl in SQLITE_APPEND_ONLY_TRIGGERS:
                    conn.exec_driver_sql(ddl)
            _create_board_indexes(conn)

    # ----- time -------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock().astimezone(timezone.utc)

    def _now_iso(self) -> str:
        return _iso(self._now())

    def _today(self) -> date:
        return self._now().date()

    # ----- audit ------------------------------------------------------------------------------

    def record(self, event_type: str, actor: str, *, actor_role: str | None = None, action_id: str | None = None,
               location_id: str | None = None, detail: dict | None = None) -> int:
        """Append one audit event; returns its event_id."""
        with self._writer.begin() as conn:
            return self._append_event(conn, event_type, actor, actor_role=actor_role, action_id=action_id,
                                      location_id=location_id, detail=detail)

    def record_in(self, conn: sa.Connection, event_type: str, actor: str, **fields) -> int:
        """Append one audit event inside the caller's write transaction on this ledger's database, so a change
        and its audit event commit (or roll back) together."""
        return self._append_event(conn, event_type, actor, **fields)

    def _append_event(self, conn: sa.Connection, event_type: str, actor: str, *, actor_role: str | None = None,
                      action_id: str | None = None, location_id: str | None = None, detail: dict | None = None) -> int:
        if self.engine.dialect.name == "postgresql":
            # Serialize appends so two writers cannot chain onto the same head.
            conn.exec_driver_sql("LOCK TABLE audit_events IN EXCLUSIVE MODE")
        head = conn.execute(
            sa.select(audit_events.c.event_id, audit_events.c.event_hash)
            .order_by(audit_events.c.event_id.desc()).limit(1)
        ).first()
        fields = {
            "event_id": head.event_id + 1 if head else 1,
            "occurred_at": self._now_iso(),
            "event_type": event_type,
            "actor": actor,
            "actor_role": actor_role,
            "action_id": action_id,
            "location_id": location_id,
            "detail_json": canonical_json(detail or {}),
        }
        prev_hash = head.event_hash if head else GENESIS_HASH
        conn.execute(audit_events.insert().values(**fields, prev_hash=prev_hash, event_hash=event_hash(prev_hash, fields)))
        return fields["event_id"]

    def audit_events(self, user: User, *, limit: int = 500, event_types: Iterable[str] | None = None) -> list[dict]:
        """Newest first; events of the user's locations or of no location. Directors and admins only."""
        if user.role not in AUDIT_READER_ROLES:
            raise PermissionDenied("only directors and admins may read the audit trail")
        query = sa.select(audit_events).order_by(audit_events.c.event_id.desc()).limit(limit)
        if event_types:
            query = query.where(audit_events.c.event_type.in_(list(event_types)))
        if not user.sees_all_locations:
            query = query.where(sa.or_(audit_events.c.location_id.is_(None),
                                       audit_events.c.location_id.in_(sorted(user.locations))))
        with self.engine.connect() as conn:
            return [_event_dict(row) for row in conn.execute(query)]

    def verify_audit_chain(self) -> tuple[bool, int | None]:
        """(True, None) when every event links to its predecessor and hashes to itself; else the first broken id."""
        prev_hash = GENESIS_HASH
        with self.engine.connect() as conn:
            for row in conn.execute(sa.select(audit_events).order_by(audit_events.c.event_id)):
                fields = {key: row._mapping[key] for key in (
                    "event_id", "occurred_at", "event_type", "actor", "actor_role", "action_id", "location_id",
                    "detail_json")}
                if row.prev_hash != prev_hash or event_hash(prev_hash, fields) != row.event_hash:
                    return False, row.event_id
                prev_hash = row.event_hash
        return True, None

    def count_audit_events(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(audit_events)).scalar_one()

    # ----- pipeline side ----------------------------------------------------------------------

    def sync_drafts(self, action_type: str, drafts: list[DraftAction], run_id: str) -> SyncResult:
        """Make the ledger match this run's drafts of one action type (idempotent on flag_id).

        New flag -> open draft; live draft -> refreshed (body only when no human edited it); live draft
        whose flag is gone -> auto_resolved; auto_resolved flag back -> reopened. Approved, rejected and
        sent actions are never touched.
        """
        result = SyncResult()
        now = self._now_iso()
        with self._writer.begin() as conn:
            existing = {row.flag_id: row for row in conn.execute(
                sa.select(actions).where(actions.c.action_type == action_type))}
            seen: set[str] = set()
            for draft in drafts:
                if draft.action_type != action_type:
                    raise ValueError(f"draft of type {draft.action_type!r} passed to sync of {action_type!r}")
                if draft.flag_id in seen:
                    raise ValueError(f"flag_id {draft.flag_id} appears twice in one sync")
                seen.add(draft.flag_id)
                values = _draft_values(draft)
                row = existing.get(draft.flag_id)
                if row is None:
                    self._insert_draft(conn, draft, values, run_id, now)
                    result.drafted += 1
                elif row.status in LIVE_STATUSES:
                    changes = _refresh_changes(row, values)
                    if changes:
                        conn.execute(actions.update().where(actions.c.action_id == row.action_id)
                                     .values(**changes, updated_at=now, last_seen_run_id=run_id))
                        self._append_event(conn, "draft_refreshed", SYSTEM_PIPELINE, action_id=row.action_id,
                                           location_id=values["location_id"],
                                           detail={"flag_id": draft.flag_id, "run_id": run_id,
                                                   "changed": sorted(changes)})
                        result.refreshed += 1
                    else:
                        if row.last_seen_run_id != run_id:
                            conn.execute(actions.update().where(actions.c.action_id == row.action_id)
                                         .values(last_seen_run_id=run_id))
                        result.unchanged += 1
                elif row.status == "auto_resolved":
                    changes = _refresh_changes(row, values)
                    conn.execute(actions.update().where(actions.c.action_id == row.action_id)
                                 .values(**changes, status="open", snoozed_until=None, updated_at=now,
                                         last_seen_run_id=run_id))
                    self._append_event(conn, "draft_reopened", SYSTEM_PIPELINE, action_id=row.action_id,
                                       location_id=values["location_id"],
                                       detail={"flag_id": draft.flag_id, "run_id": run_id,
                                               "reason": "flag raised again"})
                    result.reopened += 1
                else:
                    result.unchanged += 1  # a human decided; a later run never overrides it
            for flag_id, row in existing.items():
                if flag_id in seen or row.status not in LIVE_STATUSES:
                    continue
                conn.execute(actions.update().where(actions.c.action_id == row.action_id)
                             .values(status="auto_resolved", snoozed_until=None, updated_at=now,
                                     last_seen_run_id=run_id))
                self._append_event(conn, "auto_resolved", SYSTEM_PIPELINE, action_id=row.action_id,
                                   location_id=row.location_id,
                                   detail={"flag_id": flag_id, "run_id": run_id,
                                           "reason": "flag no longer raised: the condition was resolved in the data"})
                result.auto_resolved += 1
        log.info("ledger sync %s run %s: %s", action_type, run_id, result)
        return result

    def _insert_draft(self, conn: sa.Connection, draft: DraftAction, values: dict, run_id: str, now: str) -> None:
        action_id = uuid.uuid4().hex
        conn.execute(actions.insert().values(
            action_id=action_id, flag_id=draft.flag_id, action_type=draft.action_type, status="open",
            original_body=values["body"], created_at=now, updated_at=now, last_seen_run_id=run_id, **values))
        self._append_event(conn, "draft_created", SYSTEM_PIPELINE, action_id=action_id,
                           location_id=draft.location_id,
                           detail={"flag_id": draft.flag_id, "run_id": run_id,
                                   "dollars_at_stake": values["dollars_at_stake"],
                                   "due_date": draft.due_date})

    # ----- reading (always scoped) ------------------------------------------------------------

    def list_actions(self, user: User, *, statuses: Iterable[str] | None = None,
                     action_types: Iterable[str] | None = None, location_ids: Iterable[str] | None = None,
                     payer_ids: Iterable[str] | None = None) -> list[dict]:
        """Every action in the user's locations matching the filters (in SQL), most dollars first, then the
        earliest due date. `status` in each dict is the effective status: a snooze whose date has come is open.
        The board pages through `queue_page` instead."""
        filters = QueueFilter(
            statuses=tuple(statuses) if statuses is not None else None,
            action_types=tuple(action_types) if action_types is not None else None,
            location_ids=tuple(location_ids) if location_ids is not None else None,
            payer_ids=tuple(payer_ids) if payer_ids is not None else None,
        )
        today = self._today()
        with self.engine.connect() as conn:
            return [_action_dict(row, today) for row in conn.execute(self._queue_select(user, filters))]

    def get_action(self, user: User, action_id: str) -> dict | None:
        """The action, or None when it does not exist or lies outside the user's locations. Audited."""
        with self._writer.begin() as conn:
            row = _fetch_action(conn, action_id)
            if row is None:
                return None
            if not user.can_see(row.location_id):
                self._append_event(conn, "action_view_denied", user.username, actor_role=user.role,
                                   action_id=row.action_id, location_id=row.location_id)
                return None
            self._append_event(conn, "action_viewed", user.username, actor_role=user.role,
                               action_id=row.action_id, location_id=row.location_id,
                               detail={"patient_id": row.patient_id})
            return _action_dict(row, self._today())

    def action_events(self, user: User, action_id: str) -> list[dict]:
        """The audit events of one action, oldest first; empty when the action is out of scope."""
        with self.engine.connect() as conn:
            row = _fetch_action(conn, action_id)
            if row is None or not user.can_see(row.location_id):
                return []
            events = conn.execute(sa.select(audit_events).where(audit_events.c.action_id == action_id)
                                  .order_by(audit_events.c.event_id))
            return [_event_dict(event) for event in events]

    # ----- board queue (issue 7): filtering, sorting, paging and figures in SQL --------------------

    def _queue_conditions(self, user: User, filters: QueueFilter) -> list:
        today = self._today()
        conditions = [_scope_condition(user)]
        if filters.statuses is not None:
            conditions += _status_conditions(filters.statuses, today)
        if filters.action_types is not None:
            conditions.append(actions.c.action_type.in_(list(filters.action_types)))
        if filters.location_ids is not None:
            conditions.append(actions.c.location_id.in_(list(filters.location_ids)))
        if filters.payer_ids is not None:
            conditions.append(actions.c.payer_id.in_(list(filters.payer_ids)))
        if filters.min_age_days is not None:
            conditions.append(actions.c.created_at <= _iso(self._now() - timedelta(days=filters.min_age_days)))
        if filters.max_age_days is not None:
            conditions.append(actions.c.created_at > _iso(self._now() - timedelta(days=filters.max_age_days + 1)))
        if filters.assignee:
            conditions.append(action_assignments.c.assignee == filters.assignee)
        return conditions

    def _queue_select(self, user: User, filters: QueueFilter):
        """Actions with their assignee, in scope and filtered, most dollars first, then the earliest due date."""
        joined = actions.outerjoin(action_assignments, action_assignments.c.action_id == actions.c.action_id)
        return (sa.select(actions, action_assignments.c.assignee).select_from(joined)
                .where(*self._queue_conditions(user, filters))
                .order_by(_dollars_sql().desc(), sa.nulls_last(actions.c.due_date.asc()), actions.c.action_id))

    def queue_page(self, user: User, filters: QueueFilter | None = None, *, limit: int = 50,
                   offset: int = 0) -> QueuePage:
        """One page of the board's queue plus the count, dollars and oldest date of the whole filtered queue."""
        filters = filters or QueueFilter()
        joined = actions.outerjoin(action_assignments, action_assignments.c.action_id == actions.c.action_id)
        cents = _cents_sql()
        totals_query = (sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(cents), 0),
                                  sa.func.min(actions.c.created_at))
                        .select_from(joined).where(*self._queue_conditions(user, filters)))
        today = self._today()
        with self.engine.connect() as conn:
            rows = [_action_dict(row, today) for row in
                    conn.execute(self._queue_select(user, filters).limit(limit).offset(offset))]
            total, total_cents, oldest = conn.execute(totals_query).one()
        return QueuePage(rows=rows, total=int(total), total_dollars=Decimal(int(total_cents)) / 100,
                         oldest_created_at=oldest)

    def queue_filter_options(self, user: User) -> dict[str, list[str]]:
        """The locations, action types and payers present in the user's scope (for the board's filters)."""
        options: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for name, column in (("location_ids", actions.c.location_id), ("action_types", actions.c.action_type),
                                 ("payer_ids", actions.c.payer_id)):
                query = (sa.select(column).distinct().where(_scope_condition(user), column.is_not(None))
                         .order_by(column))
                options[name] = list(conn.execute(query).scalars())
        return options

    def queue_stats(self, user: User, *, weeks: int = 8) -> dict[str, list[dict]]:
        """Queue age and throughput in the user's scope.

        `open_by_age`: open actions per worker (assignee, else the role) and age bucket, with dollars.
        `decisions_by_week`: approvals and rejections per person and ISO week (Monday) over `weeks` weeks.
        `time_to_decision`: per person, decisions and the median hours from draft to decision in that window.
        """
        now = self._now()
        # Buckets compare fixed-width ISO strings, which works on every backend.
        bucket = sa.case(*[
            (actions.c.created_at > _iso(now - timedelta(days=high + 1)), label)
            for label, _, high in AGE_BUCKETS if high is not None
        ], else_=AGE_BUCKETS[-1][0])
        joined = actions.outerjoin(action_assignments, action_assignments.c.action_id == actions.c.action_id)
        cents = _cents_sql()
        age_query = (sa.select(actions.c.assigned_role, action_assignments.c.assignee, bucket.label("bucket"),
                               sa.func.count().label("open_count"), sa.func.sum(cents).label("cents"))
                     .select_from(joined)
                     .where(_scope_condition(user), *_status_conditions(["open"], self._today()))
                     .group_by(actions.c.assigned_role, action_assignments.c.assignee, bucket))
        since = _iso(now - timedelta(weeks=weeks))
        decision_scope = (sa.true() if user.sees_all_locations
                          else audit_events.c.location_id.in_(sorted(user.locations)))
        decision_query = (sa.select(audit_events.c.actor, audit_events.c.occurred_at, actions.c.created_at)
                          .select_from(audit_events.join(actions, actions.c.action_id == audit_events.c.action_id))
                          .where(audit_events.c.event_type.in_(DECISION_EVENTS), audit_events.c.occurred_at >= since,
                                 decision_scope))
        with self.engine.connect() as conn:
            age_rows = conn.execute(age_query).all()
            decision_rows = conn.execute(decision_query).all()
        bucket_order = {label: i for i, (label, _, _) in enumerate(AGE_BUCKETS)}
        open_by_age = sorted(
            ({"worked_by": row.assignee or f"role: {row.assigned_role}", "bucket": row.bucket,
              "open_count": int(row.open_count), "dollars": Decimal(int(row.cents or 0)) / 100} for row in age_rows),
            key=lambda r: (r["worked_by"], bucket_order[r["bucket"]]))
        per_week: dict[tuple[str, date], int] = {}
        hours: dict[str, list[float]] = {}
        for row in decision_rows:
            decided = _parse_iso(row.occurred_at)
            week = decided.date() - timedelta(days=decided.weekday())
            per_week[(row.actor, week)] = per_week.get((row.actor, week), 0) + 1
            hours.setdefault(row.actor, []).append((decided - _parse_iso(row.created_at)).total_seconds() / 3600)
        return {
            "open_by_age": open_by_age,
            "decisions_by_week": [{"actor": actor, "week_start": week, "decisions": count}
                                  for (actor, week), count in sorted(per_week.items())],
            "time_to_decision": [{"actor": actor, "decisions": len(values),
                                  "median_hours_to_decision": round(statistics.median(values), 1)}
                                 for actor, values in sorted(hours.items())],
        }

    # ----- assignment (issue 7) -------------------------------------------------------------------

    def eligible_assignees(self, user: User, action_id: str) -> list[dict]:
        """Enabled users who may decide this action (role and location); empty when it is out of scope."""
        with self.engine.connect() as conn:
            row = _fetch_action(conn, action_id)
            if row is None or not user.can_see(row.location_id):
                return []
            candidates = [_user_from_row(u) for u in conn.execute(
                sa.select(users).where(users.c.disabled == sa.false()).order_by(users.c.username))]
        return [{"username": u.username, "display_name": u.display_name, "role": u.role}
                for u in candidates if can_approve(u, row.action_type, row.location_id)]

    def assign(self, user: User, action_id: str, assignee: str) -> dict:
        """Route a live action to one person who may decide it. Audited as `reassigned` (from, to).

        The actor must be able to decide the action or be a supervisor (director, admin) of its location.
        """
        with self._writer.begin() as conn:
            actor = _fetch_user(conn, user.username)
            row = _fetch_action(conn, action_id)
            if actor is None or row is None or not actor.can_see(row.location_id):
                raise PermissionDenied(f"reassign: action {action_id} is not in your locations")
            if not (can_approve(actor, row.action_type, row.location_id) or actor.role in REASSIGN_SUPERVISOR_ROLES):
                raise PermissionDenied(f"reassign: role {actor.role} may not route {row.action_type} actions")
            status = _effective_status(row, self._today())
            if status not in LIVE_STATUSES:
                raise InvalidTransition(f"cannot reassign an action that is {status}")
            target = _fetch_user(conn, assignee)
            if target is None or not can_approve(target, row.action_type, row.location_id):
                raise PermissionDenied(f"reassign: {assignee} may not decide {row.action_type} actions at "
                                       f"{row.location_id}")
            before = conn.execute(sa.select(action_assignments.c.assignee)
                                  .where(action_assignments.c.action_id == action_id)).scalar()
            if before == assignee:
                return _action_dict(_fetch_action(conn, action_id), self._today()) | {"assignee": before}
            now = self._now_iso()
            values = {"assignee": assignee, "assigned_by": actor.username, "assigned_at": now}
            if before is None:
                conn.execute(action_assignments.insert().values(action_id=action_id, **values))
            else:
                conn.execute(action_assignments.update().where(action_assignments.c.action_id == action_id)
                             .values(**values))
            self._append_event(conn, "reassigned", actor.username, actor_role=actor.role, action_id=action_id,
                               location_id=row.location_id,
                               detail={"flag_id": row.flag_id, "from": before, "to": assignee})
            return _action_dict(_fetch_action(conn, action_id), self._today()) | {"assignee": assignee}

    # ----- bulk approval of low-risk drafts (issue 7) ---------------------------------------------

    def _low_risk_conditions(self, user: User, action_type: str, max_dollars: Decimal) -> list:
        """The one definition of a low-risk draft: a type flagged low-risk, open, unedited, at most max_dollars."""
        return [
            _scope_condition(user),
            actions.c.action_type == action_type,
            *_status_conditions(["open"], self._today()),
            actions.c.body == actions.c.original_body,
            _dollars_sql() <= max_dollars,
        ]

    def low_risk_actions(self, user: User, action_type: str, *, max_dollars: Decimal,
                         low_risk_types: Iterable[str], location_ids: Iterable[str] | None = None,
                         limit: int = 200) -> list[dict]:
        """Open drafts of one low-risk type this user may approve, for a bulk approval (empty otherwise)."""
        if action_type not in set(low_risk_types) or user.role not in approver_roles(action_type):
            return []
        query = (sa.select(actions).where(*self._low_risk_conditions(user, action_type, max_dollars))
                 .order_by(_dollars_sql().desc(), sa.nulls_last(actions.c.due_date.asc()), actions.c.action_id)
                 .limit(limit))
        if location_ids:
            query = query.where(actions.c.location_id.in_(list(location_ids)))
        today = self._today()
        with self.engine.connect() as conn:
            return [_action_dict(row, today) for row in conn.execute(query)]

    def bulk_approve(self, user: User, listed: Mapping[str, str], *, action_type: str, max_dollars: Decimal,
                     low_risk_types: Iterable[str]) -> BulkApproveResult:
        """Approve each listed draft by itself (its own `approved` event, as a single approval), after checking
        that it is still low-risk. `listed` maps each action id to the SHA-256 of the body the person was shown:
        a draft whose text changed since (edited, or refreshed by a pipeline run) is refused, not approved."""
        ids = list(listed)
        result = BulkApproveResult()
        if action_type not in set(low_risk_types):
            result.refused = [(i, f"{action_type} is not a low-risk action type") for i in ids]
            return result
        with self.engine.connect() as conn:
            still_low_risk = set(conn.execute(
                sa.select(actions.c.action_id)
                .where(actions.c.action_id.in_(ids), *self._low_risk_conditions(user, action_type, max_dollars))
            ).scalars())
        for action_id in ids:
            if action_id not in still_low_risk:
                result.refused.append((action_id, "no longer an open, unedited low-risk draft in your scope"))
                continue
            try:
                self.approve(user, action_id, expected_body_sha256=listed[action_id])
            except (PermissionDenied, InvalidTransition) as exc:
                result.refused.append((action_id, str(exc)))
            else:
                result.approved.append(action_id)
        self.record("bulk_approved", user.username, actor_role=user.role, detail={
            "action_type": action_type, "approved": result.approved, "refused": [i for i, _ in result.refused],
            "max_dollars": str(max_dollars)})
        return result

    # ----- user administration (issue 7): role, locations, enabled; admins only --------------------

    def _user_admin(self, conn: sa.Connection, actor: User) -> User:
        stored = _fetch_user(conn, actor.username)
        if stored is None or stored.role not in USER_ADMIN_ROLES:
            raise PermissionDenied("only administrators may list or change users")
        return stored

    def stored_user_state(self, username: str) -> tuple[str, User | None]:
        """("active", user as stored now), ("disabled", None) or ("unknown", None): lets a session follow a
        role change or a disabled account at once."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
        if row is None:
            return "unknown", None
        return ("disabled", None) if row.disabled else ("active", _user_from_row(row))

    def list_users(self, actor: User) -> list[dict]:
        """The users this admin manages (every user for an all-locations admin; else those whose locations all
        lie inside the admin's) with role, locations and whether disabled (never the password hash)."""
        with self.engine.connect() as conn:
            admin = self._user_admin(conn, actor)
            rows = conn.execute(sa.select(users.c.username, users.c.display_name, users.c.role,
                                          users.c.locations_json, users.c.disabled).order_by(users.c.username))
            listed = [{"username": r.username, "display_name": r.display_name, "role": r.role,
                       "locations": json.loads(r.locations_json), "disabled": bool(r.disabled)} for r in rows]
        return [u for u in listed if _manages(admin, u["locations"])]

    def change_user(self, actor: User, username: str, *, role: str, locations: Iterable[str],
                    disabled: bool) -> dict:
        """Change a user's role, locations and enabled state. Audited as `role_changed` (before/after)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        wanted_locations = sorted(set(locations))
        if not wanted_locations:
            raise ValueError("a user needs at least one location (or '*' for all)")
        with self._writer.begin() as conn:
            admin = self._user_admin(conn, actor)
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
            if row is None:
                raise ValueError(f"no user {username!r}")
            before = {"role": row.role, "locations": json.loads(row.locations_json), "disabled": bool(row.disabled)}
            after = {"role": role, "locations": wanted_locations, "disabled": bool(disabled)}
            if not (_manages(admin, before["locations"]) and _manages(admin, after["locations"])):
                raise PermissionDenied("an administrator manages only users inside their own locations")
            if before == after:
                return after
            loses_admin = before["role"] in USER_ADMIN_ROLES and not before["disabled"] and (
                role not in USER_ADMIN_ROLES or disabled)
            if loses_admin:
                other_admins = conn.execute(sa.select(sa.func.count()).select_from(users).where(
                    users.c.role.in_(sorted(USER_ADMIN_ROLES)), users.c.disabled == sa.false(),
                    users.c.username != username)).scalar_one()
                if other_admins == 0:
                    raise InvalidTransition("this is the last enabled administrator; make another one first")
            conn.execute(users.update().where(users.c.username == username).values(
                role=role, locations_json=canonical_json(wanted_locations), disabled=bool(disabled)))
            self._append_event(conn, "role_changed", admin.username, actor_role=admin.role,
                               detail={"username": username, "before": before, "after": after})
            return after

    # ----- decisions --------------------------------------------------------------------------

    def edit_draft(self, user: User, action_id: str, new_body: str) -> dict:
        if not new_body or not new_body.strip():
            raise ValueError("the edited draft is empty")
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "edit")
            if new_body != row.body:
                conn.execute(actions.update().where(actions.c.action_id == action_id)
                             .values(body=new_body, updated_at=self._now_iso()))
                diff = "\n".join(difflib.unified_diff(
                    row.body.splitlines(), new_body.splitlines(), "draft", "edited", lineterm=""))
                self._append_event(conn, "draft_edited", actor.username, actor_role=actor.role, action_id=action_id,
                                   location_id=row.location_id,
                                   detail={"before_sha256": sha256_text(row.body), "after_sha256": sha256_text(new_body),
                                           "diff": mask_terms(diff, json.loads(row.phi_terms_json))})
            return _action_dict(_fetch_action(conn, action_id), self._today())

    def approve(self, user: User, action_id: str, *, expected_body_sha256: str | None = None) -> dict:
        """Approve the draft as it stands; with `expected_body_sha256`, only if its text is still the one the
        person saw (checked inside the same write transaction as the approval)."""
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "approve")
            if expected_body_sha256 is not None and sha256_text(row.body) != expected_body_sha256:
                raise InvalidTransition("the draft's text changed since it was shown; open it again")
            conflict = self._exclusive_conflict(conn, row)
            if conflict is not None:
                raise InvalidTransition(conflict)
            conn.execute(actions.update().where(actions.c.action_id == action_id)
                         .values(status="approved", snoozed_until=None, updated_at=self._now_iso()))
            self._append_event(conn, "approved", actor.username, actor_role=actor.role, action_id=action_id,
                               location_id=row.location_id,
                               detail={"flag_id": row.flag_id, "body_sha256": sha256_text(row.body),
                                       "dollars_at_stake": row.dollars_at_stake, "due_date": row.due_date})
            return _action_dict(_fetch_action(conn, action_id), self._today())

    def _exclusive_conflict(self, conn: sa.Connection, row) -> str | None:
        """Why this action may not be approved now because of another, or None.

        An action whose first evidence row names an `exclusive_key` (e.g. a slot offer: "slot:<id>") may not
        be approved while another action of the same type and key is approved, or was sent less than
        `exclusive_window_minutes` ago (added for scheduling's one-offer-at-a-time rule).
        """
        key, _ = _exclusive_key(row.evidence_json)
        if key is None:
            return None
        others = conn.execute(sa.select(actions).where(
            actions.c.action_type == row.action_type, actions.c.action_id != row.action_id,
            actions.c.status.in_(["approved", "sent"])))
        now = self._now()
        for other in others:
            other_key, window = _exclusive_key(other.evidence_json)
            if other_key != key:
                continue
            if other.status == "approved":
                return f"another {row.action_type} for the same {key.split(':')[0]} is already approved"
            sent_at = datetime.fromisoformat(other.updated_at.replace("Z", "+00:00"))
            if now < sent_at + timedelta(minutes=window):
                return f"another {row.action_type} for the same {key.split(':')[0]} is still inside its offer window"
        return None

    def reject(self, user: User, action_id: str, reason: str) -> dict:
        if not reason or not reason.strip():
            raise ValueError("a rejection needs a reason")
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "reject")
            conn.execute(actions.update().where(actions.c.action_id == action_id)
                         .values(status="rejected", snoozed_until=None, updated_at=self._now_iso()))
            self._append_event(conn, "rejected", actor.username, actor_role=actor.role, action_id=action_id,
                               location_id=row.location_id, detail={"flag_id": row.flag_id, "reason": reason.strip()})
            return _action_dict(_fetch_action(conn, action_id), self._today())

    def snooze(self, user: User, action_id: str, until: date) -> dict:
        if until <= self._today():
            raise ValueError("snooze until a date after today")
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "snooze")
            conn.execute(actions.update().where(actions.c.action_id == action_id)
                         .values(status="snoozed", snoozed_until=until, updated_at=self._now_iso()))
            self._append_event(conn, "snoozed", actor.username, actor_role=actor.role, action_id=action_id,
                               location_id=row.location_id, detail={"flag_id": row.flag_id, "until": until})
            return _action_dict(_fetch_action(conn, action_id), self._today())

    def _decidable(self, conn: sa.Connection, user: User, action_id: str, step: str):
        """The action row and the user as stored now, after the role, scope and status checks."""
        # The stored user, not the session's copy: a role change or a disabled account takes effect at once.
        actor = _fetch_user(conn, user.username)
        row = _fetch_action(conn, action_id)
        if actor is None or row is None or not actor.can_see(row.location_id):
            raise PermissionDenied(f"{step}: action {action_id} is not in your locations")
        if not can_approve(actor, row.action_type, row.location_id):
            raise PermissionDenied(f"{step}: role {actor.role} may not decide {row.action_type} actions")
        status = _effective_status(row, self._today())
        if status not in LIVE_STATUSES:
            raise InvalidTransition(f"cannot {step} an action that is {status}")
        return row, actor

    # ----- dispatch side ----------------------------------------------------------------------

    def approved_undispatched(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(actions).where(actions.c.status == "approved")
                                .order_by(actions.c.updated_at, actions.c.action_id))
            return [_action_dict(row, self._today()) for row in rows]

    def approval_event(self, action_id: str) -> dict | None:
        """The latest `approved` event of the action, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(audit_events)
                               .where(audit_events.c.action_id == action_id, audit_events.c.event_type == "approved")
                               .order_by(audit_events.c.event_id.desc()).limit(1)).first()
            return _event_dict(row) if row else None

    def mark_sent(self, action_id: str, channel: str, destination: str) -> None:
        with self._writer.begin() as conn:
            row = _fetch_action(conn, action_id)
            if row is None or row.status != "approved":
                raise InvalidTransition(f"only an approved action can be sent ({action_id})")
            conn.execute(actions.update().where(actions.c.action_id == action_id)
                         .values(status="sent", updated_at=self._now_iso()))
            self._append_event(conn, "dispatched", SYSTEM_DISPATCHER, action_id=action_id, location_id=row.location_id,
                               detail={"channel": channel, "destination": destination})

    def record_refusal(self, action_id: str, reason: str) -> None:
        with self._writer.begin() as conn:
            row = _fetch_action(conn, action_id)
            self._append_event(conn, "dispatch_refused", SYSTEM_DISPATCHER, action_id=action_id,
                               location_id=row.location_id if row else None, detail={"reason": reason})
        log.warning("dispatch refused for action %s: %s", action_id, reason)

    # ----- users ------------------------------------------------------------------------------

    def upsert_user(self, username: str, password: str, role: str, locations: Iterable[str], display_name: str,
                    *, disabled: bool = False, actor: str = "system:admin") -> User:
        """Create or update a user; the password is stored only as an argon2 hash. Audited (no password)."""
        if not password:
            raise ValueError("a password is required")
        user = User(username=username, display_name=display_name, role=role, locations=frozenset(locations))
        password_hash = self._hasher.hash(password)
        values = {"display_name": display_name, "role": role, "locations_json": canonical_json(sorted(user.locations)),
                  "password_hash": password_hash, "disabled": disabled}
        with self._writer.begin() as conn:
            before = conn.execute(sa.select(users).where(users.c.username == username)).first()
            if before is None:
                conn.execute(users.insert().values(username=username, created_at=self._now_iso(), **values))
            else:
                conn.execute(users.update().where(users.c.username == username).values(**values))
            self._append_event(conn, "user_created" if before is None else "user_updated", actor, detail={
                "username": username, "role": role, "locations": sorted(user.locations), "disabled": disabled,
                "previous_role": before.role if before else None,
                "previous_locations": json.loads(before.locations_json) if before else None,
            })
        return user

    def get_user(self, username: str) -> User | None:
        """The user, or None when unknown or disabled."""
        with self.engine.connect() as conn:
            return _fetch_user(conn, username)

    def authenticate(self, username: str, password: str) -> User | None:
        """Check a password. After SIGN_IN_MAX_FAILURES failures in SIGN_IN_WINDOW, refuse even a right one."""
        hasher = self._hasher
        with self._writer.begin() as conn:
            if self._recent_failures(conn, username) >= SIGN_IN_MAX_FAILURES:
                self._append_event(conn, "sign_in_throttled", username,
                                   detail={"window_minutes": int(SIGN_IN_WINDOW.total_seconds() // 60)})
                return None
            row = conn.execute(sa.select(users).where(users.c.username == username)).first()
            verified = False
            try:
                verified = hasher.verify(row.password_hash if row is not None else _dummy_hash(hasher), password)
            except (VerificationError, InvalidHashError):
                verified = False
            if row is None or row.disabled or not verified:
                reason = "unknown user" if row is None else ("account disabled" if row.disabled else "wrong password")
                self._append_event(conn, "sign_in_failed", username, actor_role=row.role if row else None,
                                   detail={"reason": reason})
                return None
            if hasher.check_needs_rehash(row.password_hash):
                conn.execute(users.update().where(users.c.username == username)
                             .values(password_hash=hasher.hash(password)))
            self._append_event(conn, "sign_in", username, actor_role=row.role)
            return _user_from_row(row)

    # ----- outgoing X12 ---------------------------------------------------------------------------

    def control_numbers(self, flag_ids: Iterable[str]) -> dict[str, int]:
        """The interchange control number of each flag's outgoing 837P, allocating the next ones for new flags."""
        wanted = sorted(set(flag_ids))
        if not wanted:
            return {}
        with self._writer.begin() as conn:
            table = interchange_control_numbers
            known = dict(conn.execute(sa.select(table.c.flag_id, table.c.control_number)
                                      .where(table.c.flag_id.in_(wanted))).all())
            for flag_id in wanted:
                if flag_id not in known:
                    number = conn.execute(table.insert().values(flag_id=flag_id)).inserted_primary_key[0]
                    if number > MAX_INTERCHANGE_CONTROL_NUMBER:
                        raise RuntimeError("interchange control numbers are exhausted (nine digits)")
                    known[flag_id] = number
        return known

    def _recent_failures(self, conn: sa.Connection, username: str) -> int:
        """Failed sign-ins of this username inside the window and after its last successful sign-in."""
        since = _iso(self._now() - SIGN_IN_WINDOW)
        last_success = conn.execute(
            sa.select(sa.func.max(audit_events.c.occurred_at))
            .where(audit_events.c.actor == username, audit_events.c.event_type == "sign_in",
                   audit_events.c.occurred_at >= since)).scalar()
        return conn.execute(
            sa.select(sa.func.count()).select_from(audit_events)
            .where(audit_events.c.actor == username, audit_events.c.event_type == "sign_in_failed",
                   audit_events.c.occurred_at >= max(since, last_success or since))).scalar_one()


# ----- row helpers ------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    # Fixed width, so ISO strings compare in time order inside SQL.
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def mask_terms(text: str, terms: Iterable[str]) -> str:
    """Replace every occurrence of the given identifiers (case-insensitive), longest first."""
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        text = re.sub(re.escape(term), REDACTED, text, flags=re.IGNORECASE)
    return text


def _draft_values(draft: DraftAction) -> dict:
    return {
        "location_id": draft.location_id,
        "payer_id": draft.payer_id,
        "patient_id": draft.patient_id,
        "title": draft.title,
        "recipient": draft.recipient,
        "body": draft.body,
        "checklist_json": canonical_json([item.model_dump() for item in draft.checklist]),
        "evidence_json": canonical_json(draft.evidence),
        "dollars_at_stake": str(draft.dollars_at_stake.quantize(Decimal("0.01"))),
        "due_date": draft.due_date,
        "assigned_role": draft.assigned_role,
        "phi_terms_json": canonical_json(draft.phi_terms),
    }


def _refresh_changes(row, values: dict) -> dict:
    changes = {column: values[column] for column in REFRESHED_COLUMNS if getattr(row, column) != values[column]}
    human_edited = row.body != row.original_body
    if not human_edited and row.body != values["body"]:
        changes["body"] = values["body"]
        changes["original_body"] = values["body"]
    return changes


def _exclusive_key(evidence_json: str) -> tuple[str | None, int]:
    evidence = json.loads(evidence_json or "[]")
    first = evidence[0] if evidence and isinstance(evidence[0], dict) else {}
    return first.get("exclusive_key"), int(first.get("exclusive_window_minutes") or 0)


def _fetch_action(conn: sa.Connection, action_id: str):
    return conn.execute(sa.select(actions).where(actions.c.action_id == action_id)).first()


def _manages(admin: User, locations: Iterable[str]) -> bool:
    """Whether an admin may see and change a user with these locations: all-locations admins manage everyone,
    a scoped admin only users every location of whom is theirs (never an all-locations user)."""
    return admin.sees_all_locations or set(locations) <= set(admin.locations) - {"*"}


def _fetch_user(conn: sa.Connection, username: str) -> User | None:
    row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None or row.disabled:
        return None
    return _user_from_row(row)


def _user_from_row(row) -> User:
    return User(username=row.username, display_name=row.display_name, role=row.role,
                locations=frozenset(json.loads(row.locations_json)))


def _effective_status(row, today: date) -> str:
    if row.status == "snoozed" and row.snoozed_until is not None and row.snoozed_until <= today:
        return "open"
    return row.status


def _action_dict(row, today: date) -> dict:
    data = dict(row._mapping)
    data.pop("phi_terms_json", None)
    data["stored_status"] = row.status
    data["status"] = _effective_status(row, today)
    data["dollars_at_stake"] = Decimal(row.dollars_at_stake)
    data["checklist"] = json.loads(row.checklist_json)
    data["evidence"] = json.loads(row.evidence_json)
    data["is_edited"] = row.body != row.original_body
    return data


def _event_dict(row) -> dict:
    data = dict(row._mapping)
    data["detail"] = json.loads(row.detail_json)
    return data


# ----- CLI --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emitters.ledger", description="Action ledger tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="verify the audit hash chain; exit 1 when it is broken")
    verify.add_argument("--url", help="ledger SQLAlchemy URL (default: RCM_LEDGER_URL / settings)")
    args = parser.parse_args(argv)

    url = args.url
    if url is None:
        from core.settings import get_settings  # imported here: no settings read at import time
        url = get_settings().ledger_url
    ledger = Ledger(url)
    ok, broken_id = ledger.verify_audit_chain()
    if ok:
        print(f"audit chain OK ({ledger.count_audit_events()} events)")
        return 0
    print(f"audit chain BROKEN at event_id {broken_id}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
