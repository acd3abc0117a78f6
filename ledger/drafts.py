"""Draft sync: make the ledger match one pipeline run's drafts of an action type (idempotent on flag_id)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from core.vocabulary import LIVE_STATUSES
from emitters.models import DraftAction

from .audit import NewEvent, canonical_json
from .schema import actions

log = logging.getLogger(__name__)

SYSTEM_PIPELINE = "system:pipeline"

# Columns a later pipeline run may refresh on a live (open/snoozed) draft; body is handled apart
# because a human edit must survive.
REFRESHED_COLUMNS = (
    "location_id",
    "payer_id",
    "patient_id",
    "title",
    "recipient",
    "checklist_json",
    "evidence_json",
    "dollars_at_stake",
    "due_date",
    "assigned_role",
    "phi_terms_json",
    "recipient_ref_json",
)


@dataclass
class SyncResult:
    drafted: int = 0
    unchanged: int = 0
    refreshed: int = 0
    auto_resolved: int = 0
    reopened: int = 0


def draft_values(draft: DraftAction) -> dict:
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
        "recipient_ref_json": canonical_json(draft.recipient_ref.model_dump()) if draft.recipient_ref else None,
    }


def _refresh_changes(row, values: dict) -> dict:
    changes = {column: values[column] for column in REFRESHED_COLUMNS if getattr(row, column) != values[column]}
    human_edited = row.body != row.original_body
    if not human_edited and row.body != values["body"]:
        changes["body"] = values["body"]
        changes["original_body"] = values["body"]
    return changes


class DraftSync:
    """Ledger method the pipeline calls; mixed into Ledger (uses its writer, clock and audit chain)."""

    def draft_input_hashes(self, action_type: str) -> dict[str, tuple[str | None, str]]:
        """flag_id -> (input_hash, status) of every action of the type, in one query: what a run compares its
        flags' inputs with to draft only the changed ones (emitters.changes)."""
        query = sa.select(actions.c.flag_id, actions.c.input_hash, actions.c.status).where(
            actions.c.action_type == action_type
        )
        with self.engine.connect() as conn:
            return {row.flag_id: (row.input_hash, row.status) for row in conn.execute(query)}

    def sync_drafts(
        self,
        action_type: str,
        drafts: list[DraftAction],
        run_id: str,
        *,
        held_flag_ids: Iterable[str] = (),
        raised_flag_ids: Iterable[str] | None = None,
        input_hashes: Mapping[str, str] | None = None,
        due_if_undated: date | None = None,
    ) -> SyncResult:
        """Make the ledger match this run's drafts of one action type (idempotent on flag_id).

        New flag -> open draft; live draft -> refreshed (body only when no human edited it); live draft
        whose flag is gone -> auto_resolved; auto_resolved flag back -> reopened. Approved, rejected and
        sent actions are never touched. `held_flag_ids` are flags still raised whose draft was set aside this
        run (a safety check failed): their live drafts stay as they are, since the condition did not resolve.

        `raised_flag_ids` are every flag the run found raised, when `drafts` covers only those whose inputs
        changed (default: the drafts' flags, i.e. every raised flag was drafted); a raised flag without a draft
        here keeps its action untouched. `input_hashes` (flag_id -> digest) are stored with what is written, so
        a later run can tell unchanged flags without drafting them. Rows a run leaves as they are cost no write.

        `due_if_undated` is the due date of a draft whose data gives it none (a task due when its flag is found,
        ActionType.due_days_after_raised): a new or reopened action gets it, a live action keeps the one it was
        given, so the date stays put while the action waits however often the draft is refreshed.
        """
        held = set(held_flag_ids)
        hashes = dict(input_hashes or {})
        now = self._now_iso()
        drafted_ids: list[str] = []
        for draft in drafts:
            if draft.action_type != action_type:
                raise ValueError(f"draft of type {draft.action_type!r} passed to sync of {action_type!r}")
            drafted_ids.append(draft.flag_id)
        if len(set(drafted_ids)) != len(drafted_ids):
            repeated = next(flag_id for flag_id in drafted_ids if drafted_ids.count(flag_id) > 1)
            raise ValueError(f"flag_id {repeated} appears twice in one sync")
        raised = set(drafted_ids) if raised_flag_ids is None else set(raised_flag_ids) | set(drafted_ids)
        pending = _PendingWrites(run_id, now, due_if_undated)
        with self._writer.begin() as conn:
            # Read before this run writes: what it writes below is a drafted flag's action, never one to resolve.
            live = conn.execute(
                sa.select(actions.c.action_id, actions.c.flag_id, actions.c.location_id).where(
                    actions.c.action_type == action_type,
                    actions.c.status.in_(sorted(LIVE_STATUSES)),
                )
            ).fetchall()
            with_action = set(
                conn.execute(sa.select(actions.c.flag_id).where(actions.c.action_type == action_type)).scalars()
            )
            # A slice of drafts at a time: their stored actions read and their new rows written together, so a run
            # that redrafts a large queue never holds every stored body at once. Only flags with an action are looked
            # up: a read between writes costs SQLite far more than the read itself, and a first build has none.
            for start in range(0, len(drafts), _FLAG_CHUNK):
                chunk = drafts[start : start + _FLAG_CHUNK]
                existing = _existing_rows(
                    conn, action_type, [draft.flag_id for draft in chunk if draft.flag_id in with_action]
                )
                for draft in chunk:
                    pending.sync(draft, existing.get(draft.flag_id), hashes.get(draft.flag_id))
                if pending.new_rows:
                    conn.execute(actions.insert(), pending.new_rows)
                    pending.new_rows.clear()
            for row in live:
                if row.flag_id not in raised and row.flag_id not in held:
                    pending.resolve(row)
            _update_actions(conn, pending.updates)
            self._append_events(conn, pending.events, now)
        result = pending.result
        log.info("ledger sync %s run %s: %s", action_type, run_id, result)
        return result


class _PendingWrites:
    """What one sync writes, gathered in order and written in multi-row statements (a first build writes tens of
    thousands of drafts): new action rows, (action_id, changed columns) updates, and the audit events in the order
    they happen (the drafts' in the order given, then the auto-resolved)."""

    def __init__(self, run_id: str, now: str, due_if_undated: date | None = None):
        self.run_id, self.now, self.due_if_undated = run_id, now, due_if_undated
        self.result = SyncResult()
        self.new_rows: list[dict] = []
        self.updates: list[tuple[str, dict]] = []
        self.events: list[NewEvent] = []

    def sync(self, draft: DraftAction, row, input_hash: str | None) -> None:
        """One draft against its stored action (`row`, None for a new flag)."""
        values = draft_values(draft)
        if values["due_date"] is None and self.due_if_undated is not None:
            waiting = row is not None and row.status in LIVE_STATUSES and row.due_date is not None
            values["due_date"] = row.due_date if waiting else self.due_if_undated
        stored = {"input_hash": input_hash} if input_hash is not None else {}
        seen = {"updated_at": self.now, "last_seen_run_id": self.run_id}
        if row is None:
            self.new_rows.append(_new_row(draft, values | stored, self.run_id, self.now))
            self.events.append(_created_event(self.new_rows[-1], self.run_id))
            self.result.drafted += 1
        elif row.status in LIVE_STATUSES:
            changes = _refresh_changes(row, values)
            if changes:
                self.updates.append((row.action_id, changes | stored | seen))
                detail = {"flag_id": draft.flag_id, "run_id": self.run_id, "changed": sorted(changes)}
                self._event("draft_refreshed", row.action_id, values["location_id"], detail)
                self.result.refreshed += 1
            else:
                if stored and row.input_hash != stored["input_hash"]:  # new inputs, the same draft
                    self.updates.append((row.action_id, stored))
                self.result.unchanged += 1
        elif row.status == "auto_resolved":
            reopened = {"status": "open", "snoozed_until": None} | seen
            self.updates.append((row.action_id, _refresh_changes(row, values) | stored | reopened))
            detail = {"flag_id": draft.flag_id, "run_id": self.run_id, "reason": "flag raised again"}
            self._event("draft_reopened", row.action_id, values["location_id"], detail)
            self.result.reopened += 1
        else:
            self.result.unchanged += 1  # a human decided; a later run never overrides it

    def resolve(self, row) -> None:
        """A live action whose flag is no longer raised."""
        resolved = {"status": "auto_resolved", "snoozed_until": None, "updated_at": self.now}
        self.updates.append((row.action_id, resolved | {"last_seen_run_id": self.run_id}))
        detail = {
            "flag_id": row.flag_id,
            "run_id": self.run_id,
            "reason": "flag no longer raised: the condition was resolved in the data",
        }
        self._event("auto_resolved", row.action_id, row.location_id, detail)
        self.result.auto_resolved += 1

    def _event(self, event_type: str, action_id: str, location_id: str, detail: dict) -> None:
        self.events.append(
            NewEvent(event_type, SYSTEM_PIPELINE, action_id=action_id, location_id=location_id, detail=detail)
        )


def _new_row(draft: DraftAction, values: dict, run_id: str, now: str) -> dict:
    """The actions row of a new draft; `values` are its columns (draft_values) and, when the run knows it, its
    input_hash."""
    return {
        "action_id": uuid.uuid4().hex,
        "flag_id": draft.flag_id,
        "action_type": draft.action_type,
        "status": "open",
        "snoozed_until": None,
        "original_body": values["body"],
        "created_at": now,
        "updated_at": now,
        "last_seen_run_id": run_id,
        "input_hash": None,  # every row of one multi-row insert names the same columns
        **values,
    }


def _created_event(row: dict, run_id: str) -> NewEvent:
    return NewEvent(
        "draft_created",
        SYSTEM_PIPELINE,
        action_id=row["action_id"],
        location_id=row["location_id"],
        detail={
            "flag_id": row["flag_id"],
            "run_id": run_id,
            "dollars_at_stake": row["dollars_at_stake"],
            "due_date": row["due_date"],
        },
    )


def _update_actions(conn: sa.Connection, updates: list[tuple[str, dict]]) -> None:
    """Apply (action_id, changed columns) pairs: one executemany per distinct set of changed columns."""
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for action_id, changes in updates:
        by_columns.setdefault(tuple(sorted(changes)), []).append({"target_action_id": action_id, **changes})
    for columns, params in by_columns.items():
        statement = (
            actions.update()
            .where(actions.c.action_id == sa.bindparam("target_action_id"))
            .values({column: sa.bindparam(column) for column in columns})
        )
        conn.execute(statement, params)


# Drafts per slice of a sync: one read of their stored actions, one multi-row insert of the new ones (well under
# every backend's parameter limit).
_FLAG_CHUNK = 500


def _existing_rows(conn: sa.Connection, action_type: str, flag_ids: list[str]) -> dict:
    """flag_id -> the action row, for just these flags of the type."""
    if not flag_ids:
        return {}
    query = sa.select(actions).where(actions.c.action_type == action_type, actions.c.flag_id.in_(flag_ids))
    return {row.flag_id: row for row in conn.execute(query)}
