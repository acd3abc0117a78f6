"""Draft sync: make the ledger match one pipeline run's drafts of an action type (idempotent on flag_id)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
        """
        held = set(held_flag_ids)
        hashes = dict(input_hashes or {})
        result = SyncResult()
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
        # What the run changes is gathered, then written in multi-row statements (a first build writes tens of
        # thousands of drafts); the audit events keep the order they are gathered in: the drafts' in the order
        # given, then the auto-resolved.
        new_rows: list[dict] = []
        updates: list[tuple[str, dict]] = []  # (action_id, the columns it changes)
        events: list[NewEvent] = []
        with self._writer.begin() as conn:
            existing = _existing_rows(conn, action_type, drafted_ids)
            # Read before this run writes: what it writes below is a drafted flag's action, never one to resolve.
            live = conn.execute(
                sa.select(actions.c.action_id, actions.c.flag_id, actions.c.location_id).where(
                    actions.c.action_type == action_type,
                    actions.c.status.in_(sorted(LIVE_STATUSES)),
                )
            ).fetchall()
            for draft in drafts:
                values = draft_values(draft)
                stored = {"input_hash": hashes[draft.flag_id]} if draft.flag_id in hashes else {}
                row = existing.get(draft.flag_id)
                if row is None:
                    new_rows.append(_new_row(draft, values | stored, run_id, now))
                    events.append(_created_event(new_rows[-1], run_id))
                    result.drafted += 1
                    if len(new_rows) == _WRITE_CHUNK:  # written as they come: a large run's rows are not all held
                        conn.execute(actions.insert(), new_rows)
                        new_rows.clear()
                elif row.status in LIVE_STATUSES:
                    changes = _refresh_changes(row, values)
                    if changes:
                        seen = {"updated_at": now, "last_seen_run_id": run_id}
                        updates.append((row.action_id, changes | stored | seen))
                        events.append(
                            NewEvent(
                                "draft_refreshed",
                                SYSTEM_PIPELINE,
                                action_id=row.action_id,
                                location_id=values["location_id"],
                                detail={"flag_id": draft.flag_id, "run_id": run_id, "changed": sorted(changes)},
                            )
                        )
                        result.refreshed += 1
                    else:
                        if stored and row.input_hash != stored["input_hash"]:  # new inputs, the same draft
                            updates.append((row.action_id, stored))
                        result.unchanged += 1
                elif row.status == "auto_resolved":
                    reopened = {"status": "open", "snoozed_until": None, "updated_at": now, "last_seen_run_id": run_id}
                    updates.append((row.action_id, _refresh_changes(row, values) | stored | reopened))
                    events.append(
                        NewEvent(
                            "draft_reopened",
                            SYSTEM_PIPELINE,
                            action_id=row.action_id,
                            location_id=values["location_id"],
                            detail={"flag_id": draft.flag_id, "run_id": run_id, "reason": "flag raised again"},
                        )
                    )
                    result.reopened += 1
                else:
                    result.unchanged += 1  # a human decided; a later run never overrides it
            if new_rows:
                conn.execute(actions.insert(), new_rows)
            resolved = {"status": "auto_resolved", "snoozed_until": None, "updated_at": now, "last_seen_run_id": run_id}
            for row in live:
                if row.flag_id in raised or row.flag_id in held:
                    continue
                updates.append((row.action_id, resolved))
                events.append(
                    NewEvent(
                        "auto_resolved",
                        SYSTEM_PIPELINE,
                        action_id=row.action_id,
                        location_id=row.location_id,
                        detail={
                            "flag_id": row.flag_id,
                            "run_id": run_id,
                            "reason": "flag no longer raised: the condition was resolved in the data",
                        },
                    )
                )
                result.auto_resolved += 1
            _update_actions(conn, updates)
            self._append_events(conn, events, now)
        log.info("ledger sync %s run %s: %s", action_type, run_id, result)
        return result


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


# Rows fetched per query when reading the actions of the drafted flags (well under every backend's parameter limit).
_FLAG_CHUNK = 500
# Rows per multi-row insert: few statements, and a large run's rows are not all held in memory at once.
_WRITE_CHUNK = 1000


def _existing_rows(conn: sa.Connection, action_type: str, flag_ids: list[str]) -> dict:
    """flag_id -> the action row, for just these flags of the type."""
    rows = {}
    for start in range(0, len(flag_ids), _FLAG_CHUNK):
        chunk = flag_ids[start : start + _FLAG_CHUNK]
        query = sa.select(actions).where(actions.c.action_type == action_type, actions.c.flag_id.in_(chunk))
        rows.update((row.flag_id, row) for row in conn.execute(query))
    return rows
