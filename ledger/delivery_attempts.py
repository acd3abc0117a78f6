"""Webhook delivery attempts: one row each time the dispatcher starts sending an action over a webhook.

The row is written ("sending") BEFORE the POST and settled after it, so a dispatcher killed mid-send leaves a
"sending" row: the next run resends with the same idempotency key and the receiver dedupes. A "failed" row
waits for a person, whose retry ("retry_requested") puts the action back in the dispatcher's queue. Rows hold
the state; the audit trail records every step. The file channel needs none of this (an atomic, idempotent
write), so it keeps `mark_sent`.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import sqlalchemy as sa

from emitters.registry import can_approve

from .accounts import User, fetch_user
from .errors import InvalidTransition, PermissionDenied
from .schema import actions, delivery_attempts, fetch_action

log = logging.getLogger(__name__)

SYSTEM_DISPATCHER = "system:dispatcher"
DELIVERY_SENDING = "sending"
DELIVERY_DELIVERED = "delivered"
DELIVERY_FAILED = "failed"
DELIVERY_RETRY_REQUESTED = "retry_requested"
DELIVERY_INTERRUPTED = "interrupted"  # a "sending" row superseded by the next run's resend


def _newest_attempts_of_approved_actions():
    """The newest delivery attempt of every approved action, joined to the action's columns."""
    newest = (
        sa.select(sa.func.max(delivery_attempts.c.attempt_id).label("attempt_id"))
        .group_by(delivery_attempts.c.action_id)
        .subquery()
    )
    return (
        sa.select(
            delivery_attempts,
            actions.c.title,
            actions.c.action_type,
            actions.c.location_id,
            actions.c.payer_id,
            actions.c.dollars_at_stake,
            actions.c.due_date,
        )
        .join(newest, delivery_attempts.c.attempt_id == newest.c.attempt_id)
        .join(actions, actions.c.action_id == delivery_attempts.c.action_id)
        .where(actions.c.status == "approved")
    )


def _newest_attempt(conn: sa.Connection, action_id: str):
    return conn.execute(
        sa.select(delivery_attempts)
        .where(delivery_attempts.c.action_id == action_id)
        .order_by(delivery_attempts.c.attempt_id.desc())
        .limit(1)
    ).first()


def _attempt(conn: sa.Connection, attempt_id: int):
    return conn.execute(sa.select(delivery_attempts).where(delivery_attempts.c.attempt_id == attempt_id)).first()


class DeliveryAttempts:
    """Ledger methods for webhook deliveries; mixed into Ledger (uses its writer, clock and audit chain)."""

    def pending_delivery_attempts(self) -> dict[str, dict]:
        """Newest attempt of each approved (not yet sent) action that has one, by action id."""
        with self.engine.connect() as conn:
            return {row.action_id: dict(row._mapping) for row in conn.execute(_newest_attempts_of_approved_actions())}

    def start_delivery(self, action_id: str, channel: str, idempotency_key: str) -> int:
        """Record a "sending" attempt (and audit it) before the POST; returns its attempt_id."""
        with self._writer.begin() as conn:
            row = fetch_action(conn, action_id)
            if row is None or row.status != "approved":
                raise InvalidTransition(f"only an approved action can be sent ({action_id})")
            previous = _newest_attempt(conn, action_id)
            now = self._now_iso()
            if previous is not None and previous.status == DELIVERY_SENDING:
                conn.execute(
                    delivery_attempts.update()
                    .where(delivery_attempts.c.attempt_id == previous.attempt_id)
                    .values(
                        status=DELIVERY_INTERRUPTED,
                        finished_at=now,
                        error="the dispatcher stopped before the outcome was recorded",
                    )
                )
            attempt_id = conn.execute(
                delivery_attempts.insert().values(
                    action_id=action_id,
                    channel=channel,
                    idempotency_key=idempotency_key,
                    status=DELIVERY_SENDING,
                    tries=0,
                    started_at=now,
                )
            ).inserted_primary_key[0]
            self._append_event(
                conn,
                "send_attempt",
                SYSTEM_DISPATCHER,
                action_id=action_id,
                location_id=row.location_id,
                detail={
                    "attempt_id": attempt_id,
                    "channel": channel,
                    "idempotency_key": idempotency_key,
                    "previous_attempt_id": previous.attempt_id if previous else None,
                    "previous_status": previous.status if previous else None,
                },
            )
            return attempt_id

    def complete_delivery(self, attempt_id: int, *, tries: int, http_status: int, destination: str) -> None:
        """The receiver took it: the attempt is delivered and the action sent, in one transaction."""
        with self._writer.begin() as conn:
            attempt = _attempt(conn, attempt_id)
            row = fetch_action(conn, attempt.action_id) if attempt is not None else None
            if row is None or row.status != "approved" or attempt.status != DELIVERY_SENDING:
                raise InvalidTransition(f"delivery attempt {attempt_id} is not in flight")
            now = self._now_iso()
            conn.execute(
                delivery_attempts.update()
                .where(delivery_attempts.c.attempt_id == attempt_id)
                .values(status=DELIVERY_DELIVERED, tries=tries, http_status=http_status, finished_at=now)
            )
            conn.execute(
                actions.update().where(actions.c.action_id == row.action_id).values(status="sent", updated_at=now)
            )
            self._append_event(
                conn,
                "dispatched",
                SYSTEM_DISPATCHER,
                action_id=row.action_id,
                location_id=row.location_id,
                detail={
                    "channel": attempt.channel,
                    "destination": destination,
                    "attempt_id": attempt_id,
                    "idempotency_key": attempt.idempotency_key,
                    "http_status": http_status,
                    "tries": tries,
                },
            )

    def fail_delivery(self, attempt_id: int, *, tries: int, http_status: int | None, error: str) -> None:
        """The send failed after its retries: the action stays approved and waits for a person's retry."""
        with self._writer.begin() as conn:
            attempt = _attempt(conn, attempt_id)
            if attempt is None or attempt.status != DELIVERY_SENDING:
                raise InvalidTransition(f"delivery attempt {attempt_id} is not in flight")
            row = fetch_action(conn, attempt.action_id)
            conn.execute(
                delivery_attempts.update()
                .where(delivery_attempts.c.attempt_id == attempt_id)
                .values(
                    status=DELIVERY_FAILED,
                    tries=tries,
                    http_status=http_status,
                    error=error,
                    finished_at=self._now_iso(),
                )
            )
            self._append_event(
                conn,
                "send_failed",
                SYSTEM_DISPATCHER,
                action_id=attempt.action_id,
                location_id=row.location_id,
                detail={
                    "attempt_id": attempt_id,
                    "channel": attempt.channel,
                    "http_status": http_status,
                    "error": error,
                    "tries": tries,
                },
            )
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
            actor = fetch_user(conn, user.username)  # as stored now: a role change counts at once
            row = fetch_action(conn, action_id)
            if actor is None or row is None or not actor.can_see(row.location_id):
                raise PermissionDenied(f"retry: action {action_id} is not in your locations")
            if not can_approve(actor, row.action_type, row.location_id):
                raise PermissionDenied(f"retry: role {actor.role} may not approve {row.action_type} actions")
            attempt = _newest_attempt(conn, action_id)
            if row.status != "approved" or attempt is None or attempt.status != DELIVERY_FAILED:
                raise InvalidTransition("only an approved action whose last send failed can be retried")
            conn.execute(
                delivery_attempts.update()
                .where(delivery_attempts.c.attempt_id == attempt.attempt_id)
                .values(status=DELIVERY_RETRY_REQUESTED)
            )
            self._append_event(
                conn,
                "send_retry_requested",
                actor.username,
                actor_role=actor.role,
                action_id=action_id,
                location_id=row.location_id,
                detail={"attempt_id": attempt.attempt_id, "channel": attempt.channel, "failed_with": attempt.error},
            )
