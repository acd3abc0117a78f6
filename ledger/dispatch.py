"""What the dispatcher reads and records: approved actions, their approval events, sends and refusals."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from .audit import event_dict
from .delivery_attempts import SYSTEM_DISPATCHER
from .errors import InvalidTransition
from .rows import action_dict
from .schema import actions, audit_events, fetch_action

log = logging.getLogger(__name__)


class Dispatching:
    """Ledger methods for the dispatcher; mixed into Ledger (uses its writer, clock and audit chain)."""

    def approved_undispatched(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(actions).where(actions.c.status == "approved")
                                .order_by(actions.c.updated_at, actions.c.action_id))
            return [action_dict(row, self._today()) for row in rows]

    def approval_event(self, action_id: str) -> dict | None:
        """The latest `approved` event of the action, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(audit_events)
                               .where(audit_events.c.action_id == action_id, audit_events.c.event_type == "approved")
                               .order_by(audit_events.c.event_id.desc()).limit(1)).first()
            return event_dict(row) if row else None

    def mark_sent(self, action_id: str, channel: str, destination: str) -> None:
        with self._writer.begin() as conn:
            row = fetch_action(conn, action_id)
            if row is None or row.status != "approved":
                raise InvalidTransition(f"only an approved action can be sent ({action_id})")
            conn.execute(actions.update().where(actions.c.action_id == action_id)
                         .values(status="sent", updated_at=self._now_iso()))
            self._append_event(conn, "dispatched", SYSTEM_DISPATCHER, action_id=action_id, location_id=row.location_id,
                               detail={"channel": channel, "destination": destination})

    def record_refusal(self, action_id: str, reason: str) -> None:
        with self._writer.begin() as conn:
            row = fetch_action(conn, action_id)
            self._append_event(conn, "dispatch_refused", SYSTEM_DISPATCHER, action_id=action_id,
                               location_id=row.location_id if row else None, detail={"reason": reason})
        log.warning("dispatch refused for action %s: %s", action_id, reason)
