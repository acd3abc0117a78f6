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
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .models import DraftAction, User
from .roles import can_approve

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


class Ledger:
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
        """Actions in the user's locations, most dollars first, then earliest due date.

        `status` in each dict is the effective status: a snooze whose date has come counts as open.
        """
        query = sa.select(actions)
        if not user.sees_all_locations:
            query = query.where(actions.c.location_id.in_(sorted(user.locations)))
        if action_types is not None:
            query = query.where(actions.c.action_type.in_(list(action_types)))
        if location_ids is not None:
            query = query.where(actions.c.location_id.in_(list(location_ids)))
        if payer_ids is not None:
            query = query.where(actions.c.payer_id.in_(list(payer_ids)))
        today = self._today()
        with self.engine.connect() as conn:
            rows = [_action_dict(row, today) for row in conn.execute(query)]
        if statuses is not None:
            wanted = set(statuses)
            rows = [row for row in rows if row["status"] in wanted]
        rows.sort(key=lambda r: (-r["dollars_at_stake"], r["due_date"] or date.max, r["action_id"]))
        return rows

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

    def approve(self, user: User, action_id: str) -> dict:
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "approve")
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
        from dagster_project.settings import get_settings  # imported here: no settings read at import time
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
