"""What the dispatcher reads and records: approved actions and their approval events, sends, refusals and
the alerts they raise, and the lease that lets one dispatcher run at a time."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from .accounts import User, fetch_user
from .audit import AUDIT_READER_ROLES, ChainReport, event_dict
from .delivery_attempts import SYSTEM_DISPATCHER
from .errors import InvalidTransition, PermissionDenied
from .rows import action_dict
from .schema import actions, audit_events, dispatch_alerts, fetch_action, iso, leases

log = logging.getLogger(__name__)

DISPATCH_LEASE = "dispatcher"
DISPATCH_LEASE_TTL = timedelta(minutes=10)  # renewed before every send; longer than one send's retries
# A refusal of this kind means the audit trail shows the action was already sent: it goes back to `sent`.
# Every other refusal sends the action back to `open`, for a person to look at and approve again.
REPLAY = "replay"
CHAIN_ALERT = "audit_chain"


class Dispatching:
    """Ledger methods for the dispatcher; mixed into Ledger (uses its writer, clock and audit chain)."""

    # ----- one dispatcher at a time -------------------------------------------------------------------

    def acquire_dispatch_lease(self, holder: str) -> bool:
        """Take (or renew) the dispatch lease for `holder`; False while another holder's lease is unexpired.

        An UPDATE guarded by the expiry, else an INSERT, in one write transaction: SQLite serializes writers
        (BEGIN IMMEDIATE) and PostgreSQL the row (or the primary key, for two first INSERTs)."""
        now = self._now()
        values = {"holder": holder, "expires_at": iso(now + DISPATCH_LEASE_TTL)}
        try:
            with self._writer.begin() as conn:
                taken = conn.execute(
                    leases.update()
                    .where(
                        leases.c.name == DISPATCH_LEASE,
                        sa.or_(leases.c.holder == holder, leases.c.expires_at <= iso(now)),
                    )
                    .values(**values)
                ).rowcount
                if taken:
                    return True
                if conn.execute(sa.select(leases.c.name).where(leases.c.name == DISPATCH_LEASE)).first():
                    return False
                conn.execute(leases.insert().values(name=DISPATCH_LEASE, **values))
                return True
        except sa.exc.IntegrityError:
            return False  # another dispatcher inserted the lease first

    def release_dispatch_lease(self, holder: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(leases.delete().where(leases.c.name == DISPATCH_LEASE, leases.c.holder == holder))

    # ----- reading --------------------------------------------------------------------------------------

    def approved_undispatched(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(actions)
                .where(actions.c.status == "approved")
                .order_by(actions.c.updated_at, actions.c.action_id)
            )
            return [action_dict(row, self._today()) for row in rows]

    def approval_event(self, action_id: str) -> dict | None:
        """The latest `approved` event of the action, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(audit_events)
                .where(audit_events.c.action_id == action_id, audit_events.c.event_type == "approved")
                .order_by(audit_events.c.event_id.desc())
                .limit(1)
            ).first()
            return event_dict(row) if row else None

    def dispatched_event_id(self, action_id: str) -> int | None:
        """The first `dispatched` event of the action (it was sent), or None."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.min(audit_events.c.event_id)).where(
                    audit_events.c.action_id == action_id, audit_events.c.event_type == "dispatched"
                )
            ).scalar()

    # ----- recording ------------------------------------------------------------------------------------

    def mark_sent(self, action_id: str, channel: str, destination: str) -> None:
        with self._writer.begin() as conn:
            row = fetch_action(conn, action_id)
            if row is None or row.status != "approved":
                raise InvalidTransition(f"only an approved action can be sent ({action_id})")
            conn.execute(
                actions.update()
                .where(actions.c.action_id == action_id)
                .values(status="sent", updated_at=self._now_iso())
            )
            self._append_event(
                conn,
                "dispatched",
                SYSTEM_DISPATCHER,
                action_id=action_id,
                location_id=row.location_id,
                detail={"channel": channel, "destination": destination},
            )

    def refuse_dispatch(self, action_id: str, kind: str, reason: str, *, approval_event_id: int | None) -> None:
        """Record a refusal once: the audit event, an alert for the board, and the action's new state (`sent`
        for a replay, else `open`), so the next run does not meet it again. Reasons name no patient values."""
        status_after = "sent" if kind == REPLAY else "open"
        with self._writer.begin() as conn:
            row = fetch_action(conn, action_id)
            if row is None or row.status != "approved":
                return  # settled meanwhile
            now = self._now_iso()
            conn.execute(
                actions.update()
                .where(actions.c.action_id == action_id)
                .values(status=status_after, snoozed_until=None, updated_at=now)
            )
            event_id = self._append_event(
                conn,
                "dispatch_refused",
                SYSTEM_DISPATCHER,
                action_id=action_id,
                location_id=row.location_id,
                detail={
                    "kind": kind,
                    "reason": reason,
                    "status_after": status_after,
                    "approval_event_id": approval_event_id,
                },
            )
            conn.execute(
                dispatch_alerts.insert().values(
                    action_id=action_id,
                    location_id=row.location_id,
                    kind=kind,
                    reason=reason,
                    audit_event_id=event_id,
                    raised_at=now,
                )
            )
        log.warning("dispatch refused for action %s (%s): %s", action_id, kind, reason)

    def raise_chain_alert(self, report: ChainReport) -> bool:
        """Record once that the audit chain does not verify (the dispatcher then sends nothing); True if new."""
        reason = f"the audit trail does not verify from event {report.first_bad_event_id}: {report.problems[0]}"
        with self._writer.begin() as conn:
            known = conn.execute(
                sa.select(dispatch_alerts.c.alert_id).where(
                    dispatch_alerts.c.kind == CHAIN_ALERT,
                    dispatch_alerts.c.reason == reason,
                    dispatch_alerts.c.acknowledged_at.is_(None),
                )
            ).first()
            if known is not None:
                return False
            now = self._now_iso()
            event_id = self._append_event(
                conn,
                "audit_chain_broken",
                SYSTEM_DISPATCHER,
                detail={"first_bad_event_id": report.first_bad_event_id, "problems": report.problems[:10]},
            )
            conn.execute(
                dispatch_alerts.insert().values(
                    action_id=None,
                    location_id=None,
                    kind=CHAIN_ALERT,
                    reason=reason,
                    audit_event_id=event_id,
                    raised_at=now,
                )
            )
        log.error("dispatch halted: %s", reason)
        return True

    # ----- alerts on the board --------------------------------------------------------------------------

    def dispatch_alerts(self, user: User, *, include_acknowledged: bool = False) -> list[dict]:
        """Refusals in the user's locations (chain alerts: directors and admins), newest first."""
        query = sa.select(dispatch_alerts).order_by(dispatch_alerts.c.alert_id.desc())
        if not include_acknowledged:
            query = query.where(dispatch_alerts.c.acknowledged_at.is_(None))
        if not user.sees_all_locations:
            query = query.where(dispatch_alerts.c.location_id.in_(sorted(user.locations)))
        if user.role not in AUDIT_READER_ROLES:
            query = query.where(dispatch_alerts.c.kind != CHAIN_ALERT)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def acknowledge_dispatch_alert(self, user: User, alert_id: int) -> None:
        """A director or admin of the alert's location marks it seen. Audited."""
        with self._writer.begin() as conn:
            alert = conn.execute(sa.select(dispatch_alerts).where(dispatch_alerts.c.alert_id == alert_id)).first()
            stored = fetch_user(conn, user.username)
            if (
                alert is None
                or stored is None
                or stored.role not in AUDIT_READER_ROLES
                or not (stored.sees_all_locations or stored.can_see(alert.location_id))
            ):
                raise PermissionDenied("only a director or admin of its location may acknowledge this alert")
            if alert.acknowledged_at is not None:
                return
            conn.execute(
                dispatch_alerts.update()
                .where(dispatch_alerts.c.alert_id == alert_id)
                .values(acknowledged_by=stored.username, acknowledged_at=self._now_iso())
            )
            self._append_event(
                conn,
                "dispatch_alert_acknowledged",
                stored.username,
                actor_role=stored.role,
                action_id=alert.action_id,
                location_id=alert.location_id,
                detail={"alert_id": alert_id, "kind": alert.kind},
            )
