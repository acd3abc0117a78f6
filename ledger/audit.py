"""The append-only audit trail: a keyed hash chain, anchored outside the database, that proves itself.

Each event's `event_hash` is HMAC-SHA256(audit key, previous event's hash + canonical JSON of its fields).
The key lives in a file outside the database (ledger/audit_key.py), so someone who can edit the database
cannot recompute the chain after changing an event. After each pipeline or dispatch run the chain head
(event id, hash) is appended to an append-only anchor file (`RCM_AUDIT_ANCHOR_FILE`): a deleted tail shows up
as an anchor naming an event that is gone or different. Event ids run 1, 2, 3, ... without gaps.

A ledger started before the chain was keyed keeps its old events under plain SHA-256; `python -m ledger
migrate-audit-chain` verifies them once and starts the keyed chain on their head (`audit_chain_keyed_from`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .errors import AuditKeyError, PermissionDenied
from .schema import audit_events, ledger_meta

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
REDACTED = "[redacted]"
AUDIT_READER_ROLES = frozenset({"director", "admin"})
HASHED_FIELDS = (
    "event_id",
    "occurred_at",
    "event_type",
    "actor",
    "actor_role",
    "action_id",
    "location_id",
    "detail_json",
)
META_LEDGER_ID = "ledger_id"
META_KEYED_FROM = "audit_chain_keyed_from"
META_KEY_FINGERPRINT = "audit_key_fingerprint"
MIGRATE_COMMAND = "python -m ledger migrate-audit-chain"
_EVENTS_PER_INSERT = 1000  # rows per multi-row insert of `append_events`


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


def mask_terms(text: str, terms: Iterable[str]) -> str:
    """Replace every occurrence of the given identifiers (case-insensitive), longest first."""
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        text = re.sub(re.escape(term), REDACTED, text, flags=re.IGNORECASE)
    return text


def keyed_event_hash(key: bytes, prev_hash: str, fields: dict) -> str:
    return hmac.new(key, (prev_hash + canonical_json(fields)).encode("utf-8"), hashlib.sha256).hexdigest()


def legacy_event_hash(prev_hash: str, fields: dict) -> str:
    """The unkeyed chain of ledgers created before the key: verified, never written."""
    return sha256_text(prev_hash + canonical_json(fields))


def event_dict(row) -> dict:
    data = dict(row._mapping)
    data["detail"] = json.loads(row.detail_json)
    return data


@dataclass
class ChainReport:
    """The outcome of `verify`: ok, or the first event that cannot be trusted and why."""

    events: int = 0
    newest_event_id: int = 0  # the head when verified; later events are not covered by this report
    anchors_checked: int = 0
    first_bad_event_id: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def _fail(self, event_id: int, problem: str) -> None:
        self.problems.append(problem)
        if self.first_bad_event_id is None or event_id < self.first_bad_event_id:
            self.first_bad_event_id = event_id


@dataclass(frozen=True)
class NewEvent:
    """An audit event to append: everything but its id, time and hashes, which the chain gives it."""

    event_type: str
    actor: str
    actor_role: str | None = None
    action_id: str | None = None
    location_id: str | None = None
    detail: dict | None = None


def append_event(
    conn: sa.Connection,
    key: bytes,
    occurred_at: str,
    event_type: str,
    actor: str,
    *,
    actor_role: str | None = None,
    action_id: str | None = None,
    location_id: str | None = None,
    detail: dict | None = None,
) -> int:
    """Chain one event onto the head inside the caller's write transaction; returns its event_id."""
    event = NewEvent(event_type, actor, actor_role, action_id, location_id, detail)
    return append_events(conn, key, occurred_at, [event])[0]


def append_events(conn: sa.Connection, key: bytes, occurred_at: str, events: Iterable[NewEvent]) -> list[int]:
    """Chain the events onto the head in order, inside the caller's write transaction, with one read of the head
    and multi-row inserts (a pipeline run appends tens of thousands); returns their event_ids."""
    events = list(events)
    if not events:
        return []
    if conn.dialect.name == "postgresql":
        # Serialize appends so two writers cannot chain onto the same head.
        conn.exec_driver_sql("LOCK TABLE audit_events IN EXCLUSIVE MODE")
    head = conn.execute(
        sa.select(audit_events.c.event_id, audit_events.c.event_hash).order_by(audit_events.c.event_id.desc()).limit(1)
    ).first()
    event_id, prev_hash = (head.event_id, head.event_hash) if head else (0, GENESIS_HASH)
    ids, rows = [], []
    for event in events:
        event_id += 1
        fields = {
            "event_id": event_id,
            "occurred_at": occurred_at,
            "event_type": event.event_type,
            "actor": event.actor,
            "actor_role": event.actor_role,
            "action_id": event.action_id,
            "location_id": event.location_id,
            "detail_json": canonical_json(event.detail or {}),
        }
        event_hash = keyed_event_hash(key, prev_hash, fields)
        rows.append({**fields, "prev_hash": prev_hash, "event_hash": event_hash})
        ids.append(event_id)
        prev_hash = event_hash
        if len(rows) == _EVENTS_PER_INSERT:
            conn.execute(audit_events.insert(), rows)
            rows.clear()
    if rows:
        conn.execute(audit_events.insert(), rows)
    return ids


def read_meta(conn: sa.Connection) -> dict[str, str]:
    return dict(conn.execute(sa.select(ledger_meta.c.key, ledger_meta.c.value)).all())


def key_fingerprint(key: bytes) -> str:
    """Names a key without revealing it, so a ledger opened with another key file fails loudly."""
    return hmac.new(key, b"rcm audit key fingerprint", hashlib.sha256).hexdigest()[:16]


def ensure_keyed_chain(conn: sa.Connection, key: bytes) -> dict[str, str]:
    """Give a new ledger its id, a keyed chain from event 1 and its key's fingerprint. Refuse an old ledger whose
    chain is unkeyed, and a key file that is not this ledger's (a lost or swapped key file would otherwise make
    every later event, and every approval in it, fail verification)."""
    meta = read_meta(conn)
    if META_LEDGER_ID not in meta:
        meta[META_LEDGER_ID] = uuid.uuid4().hex
        conn.execute(ledger_meta.insert().values(key=META_LEDGER_ID, value=meta[META_LEDGER_ID]))
    if META_KEYED_FROM not in meta:
        if conn.execute(sa.select(sa.func.count()).select_from(audit_events)).scalar_one():
            raise AuditKeyError(
                f"this ledger's audit chain predates the audit key; run `{MIGRATE_COMMAND}` once "
                "(it verifies the old chain and continues it keyed)"
            )
        meta[META_KEYED_FROM] = "1"
        conn.execute(ledger_meta.insert().values(key=META_KEYED_FROM, value="1"))
    fingerprint = key_fingerprint(key)
    if META_KEY_FINGERPRINT not in meta:
        meta[META_KEY_FINGERPRINT] = fingerprint
        conn.execute(ledger_meta.insert().values(key=META_KEY_FINGERPRINT, value=fingerprint))
    elif meta[META_KEY_FINGERPRINT] != fingerprint:
        raise AuditKeyError(
            f"the audit key file is not this ledger's key (fingerprint {fingerprint}, the ledger "
            f"expects {meta[META_KEY_FINGERPRINT]}); restore the ledger's key file "
            "(RCM_AUDIT_KEY_FILE) from its backup"
        )
    return meta


def read_anchors(anchor_file: Path, ledger_id: str, report: ChainReport) -> list[dict]:
    """This ledger's anchors, oldest first; an unreadable line is a problem (the file is append-only)."""
    if not anchor_file.exists():
        return []
    anchors = []
    for number, line in enumerate(anchor_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            anchor = json.loads(line)
            event_id, event_hash = int(anchor["event_id"]), str(anchor["event_hash"])
        except (ValueError, KeyError, TypeError):
            report.problems.append(f"{anchor_file} line {number}: not an anchor record")
            continue
        if anchor.get("ledger_id") == ledger_id:
            anchors.append({"event_id": event_id, "event_hash": event_hash, "line": number})
    return anchors


def verify_chain(conn: sa.Connection, key: bytes, anchor_file: Path | None) -> ChainReport:
    """Walk the whole chain (ids, links, keyed hashes), then check every anchor of this ledger against it."""
    report = ChainReport()
    meta = read_meta(conn)
    keyed_from = int(meta.get(META_KEYED_FROM, "1"))
    prev_hash, expected_id = GENESIS_HASH, 1
    hashes: dict[int, str] = {}
    for row in conn.execute(sa.select(audit_events).order_by(audit_events.c.event_id)):
        report.events += 1
        hashes[row.event_id] = row.event_hash
        if report.first_bad_event_id is not None:
            continue  # past the first break nothing can be trusted; keep counting and collecting hashes
        if row.event_id != expected_id:
            report._fail(expected_id, f"event ids jump from {expected_id - 1} to {row.event_id}: events are missing")
            continue
        fields = {name: row._mapping[name] for name in HASHED_FIELDS}
        expected_hash = (
            keyed_event_hash(key, prev_hash, fields)
            if row.event_id >= keyed_from
            else legacy_event_hash(prev_hash, fields)
        )
        if row.prev_hash != prev_hash:
            report._fail(row.event_id, f"event {row.event_id} does not link to event {row.event_id - 1}")
        elif not hmac.compare_digest(row.event_hash, expected_hash):
            report._fail(row.event_id, f"event {row.event_id} was changed after it was written")
        prev_hash, expected_id = row.event_hash, expected_id + 1
    report.newest_event_id = newest_id = max(hashes, default=0)
    if anchor_file is not None and META_LEDGER_ID in meta:
        for anchor in read_anchors(anchor_file, meta[META_LEDGER_ID], report):
            report.anchors_checked += 1
            stored = hashes.get(anchor["event_id"])
            if anchor["event_id"] > newest_id:
                report._fail(
                    newest_id + 1,
                    f"anchor (line {anchor['line']}) names event {anchor['event_id']} but "
                    f"the newest event is {newest_id}: the tail of the trail was deleted",
                )
            elif stored is None or not hmac.compare_digest(stored, anchor["event_hash"]):
                report._fail(
                    anchor["event_id"], f"event {anchor['event_id']} differs from its anchor (line {anchor['line']})"
                )
    return report


def append_anchor(conn: sa.Connection, anchor_file: Path, anchored_at: str) -> dict | None:
    """Append the chain head to the anchor file (append-only, fsynced); None when the trail is empty."""
    head = conn.execute(
        sa.select(audit_events.c.event_id, audit_events.c.event_hash).order_by(audit_events.c.event_id.desc()).limit(1)
    ).first()
    if head is None:
        return None
    anchor = {
        "ledger_id": read_meta(conn)[META_LEDGER_ID],
        "event_id": head.event_id,
        "event_hash": head.event_hash,
        "anchored_at": anchored_at,
    }
    anchor_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(anchor_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (canonical_json(anchor) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return anchor


class AuditTrail:
    """Ledger methods for the audit trail; mixed into Ledger (uses its engine, clock, key and anchor file)."""

    def record(
        self,
        event_type: str,
        actor: str,
        *,
        actor_role: str | None = None,
        action_id: str | None = None,
        location_id: str | None = None,
        detail: dict | None = None,
    ) -> int:
        """Append one audit event; returns its event_id."""
        with self._writer.begin() as conn:
            return self._append_event(
                conn,
                event_type,
                actor,
                actor_role=actor_role,
                action_id=action_id,
                location_id=location_id,
                detail=detail,
            )

    def record_in(self, conn: sa.Connection, event_type: str, actor: str, **fields) -> int:
        """Append one audit event inside the caller's write transaction on this ledger's database, so a change
        and its audit event commit (or roll back) together."""
        return self._append_event(conn, event_type, actor, **fields)

    def _append_event(self, conn: sa.Connection, event_type: str, actor: str, **fields) -> int:
        return append_event(conn, self._audit_key, self._now_iso(), event_type, actor, **fields)

    def _append_events(self, conn: sa.Connection, events: Iterable[NewEvent], occurred_at: str) -> list[int]:
        return append_events(conn, self._audit_key, occurred_at, events)

    def audit_events(self, user, *, limit: int = 500, event_types: Iterable[str] | None = None) -> list[dict]:
        """Newest first; events of the user's locations or of no location. Directors and admins only."""
        if user.role not in AUDIT_READER_ROLES:
            raise PermissionDenied("only directors and admins may read the audit trail")
        query = sa.select(audit_events).order_by(audit_events.c.event_id.desc()).limit(limit)
        if event_types:
            query = query.where(audit_events.c.event_type.in_(list(event_types)))
        if not user.sees_all_locations:
            query = query.where(
                sa.or_(audit_events.c.location_id.is_(None), audit_events.c.location_id.in_(sorted(user.locations)))
            )
        with self.engine.connect() as conn:
            return [event_dict(row) for row in conn.execute(query)]

    def verify(self) -> ChainReport:
        """Check every event's id, link and keyed hash, and every anchor of this ledger."""
        with self.engine.connect() as conn:
            return verify_chain(conn, self._audit_key, self.anchor_file)

    def verify_audit_chain(self) -> tuple[bool, int | None]:
        """`verify` as (ok, first event that cannot be trusted), for the audit page."""
        report = self.verify()
        return report.ok, report.first_bad_event_id

    def anchor_chain_head(self) -> dict | None:
        """Append the chain head to the anchor file; called after each pipeline and dispatch run."""
        with self.engine.connect() as conn:
            anchor = append_anchor(conn, self.anchor_file, self._now_iso())
        if anchor is not None:
            log.info("audit chain anchored at event %s", anchor["event_id"])
        return anchor

    def count_audit_events(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(audit_events)).scalar_one()


def migrate_to_keyed_chain(writer: sa.Engine, key: bytes, occurred_at: str) -> int:
    """Continue an unkeyed chain under the key, once: verify the old events with plain SHA-256, mark where the
    keyed chain starts, and append a keyed `audit_chain_keyed` event linked to the old head (so editing an old
    event and rehashing the old part breaks that link). Returns the number of old events."""
    with writer.begin() as conn:
        meta = read_meta(conn)
        if META_KEYED_FROM in meta:
            raise AuditKeyError("the audit chain is already keyed; nothing to migrate")
        prev_hash, count = GENESIS_HASH, 0
        for row in conn.execute(sa.select(audit_events).order_by(audit_events.c.event_id)):
            fields = {name: row._mapping[name] for name in HASHED_FIELDS}
            if (
                row.event_id != count + 1
                or row.prev_hash != prev_hash
                or legacy_event_hash(prev_hash, fields) != row.event_hash
            ):
                raise AuditKeyError(f"the old audit chain is broken at event {row.event_id}; not migrated")
            prev_hash, count = row.event_hash, count + 1
        if META_LEDGER_ID not in meta:
            conn.execute(ledger_meta.insert().values(key=META_LEDGER_ID, value=uuid.uuid4().hex))
        conn.execute(ledger_meta.insert().values(key=META_KEYED_FROM, value=str(count + 1)))
        append_event(
            conn,
            key,
            occurred_at,
            "audit_chain_keyed",
            "system:admin",
            detail={"unkeyed_events": count, "unkeyed_head_hash": prev_hash},
        )
    return count
