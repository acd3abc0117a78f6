"""The board's queue, always scoped to the user's locations: listing, filters, paging and figures, in SQL."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from .accounts import User
from .audit import event_dict
from .rows import action_dict
from .schema import (
    action_assignments,
    actions,
    audit_events,
    fetch_action,
    iso,
    parse_iso,
)

# Decisions counted in the board's throughput figures (a snooze defers, it does not decide).
DECISION_EVENTS = ("approved", "rejected")
# Open-queue age buckets: (label, minimum age in days, maximum age in days or None).
AGE_BUCKETS = (("0-2 days", 0, 2), ("3-7 days", 3, 7), ("8-30 days", 8, 30), ("over 30 days", 31, None))
URGENT_WITHIN_DAYS = 1  # due by tomorrow counts as urgent, whatever the type


@dataclass(frozen=True)
class QueueFilter:
    """What the board asks for; None means no restriction on that field (an empty tuple matches nothing)."""

    statuses: tuple[str, ...] | None = ("open",)
    action_types: tuple[str, ...] | None = None
    location_ids: tuple[str, ...] | None = None
    payer_ids: tuple[str, ...] | None = None
    # Urgent first across the whole queue (not within a page): actions of these time-critical types, and any
    # action due within URGENT_WITHIN_DAYS. None keeps the plain order (most dollars, then the earliest due date).
    urgent_types: tuple[str, ...] | None = None
    min_age_days: int | None = None  # created at least this many days ago
    max_age_days: int | None = None  # created at most this many days ago
    assignee: str | None = None


@dataclass
class QueuePage:
    rows: list[dict]
    total: int
    total_dollars: Decimal
    oldest_created_at: str | None


def dollars_sql():
    # Money is stored as text (exact cents); cast for ordering and comparing in SQL.
    return sa.cast(actions.c.dollars_at_stake, sa.Numeric(14, 2))


def _cents_sql():
    # Whole cents as an integer, so a sum of many amounts stays exact.
    return sa.cast(sa.func.round(sa.cast(actions.c.dollars_at_stake, sa.Float) * 100), sa.Integer)


def _effective_status_sql(today: date):
    """The status a person sees: a snooze whose date has come counts as open (as rows.effective_status)."""
    return sa.case(
        (sa.and_(actions.c.status == "snoozed", actions.c.snoozed_until <= today), "open"), else_=actions.c.status
    )


def status_conditions(statuses: Iterable[str], today: date) -> list:
    wanted = sorted(set(statuses))
    stored = set(wanted) | ({"snoozed"} if "open" in wanted else set())
    # The plain IN on the stored status lets SQLite use the status indexes; the CASE settles snoozes.
    return [actions.c.status.in_(sorted(stored)), _effective_status_sql(today).in_(wanted)]


def urgent_condition(urgent_types: Iterable[str], today: date):
    """In SQL, what `is_urgent` says in Python (the board's order and its "Urgent" label agree)."""
    due_soon = sa.and_(
        actions.c.due_date.is_not(None), actions.c.due_date <= today + timedelta(days=URGENT_WITHIN_DAYS)
    )
    return sa.or_(actions.c.action_type.in_(sorted(urgent_types)), due_soon)


def is_urgent(action: dict, urgent_types: Iterable[str], today: date) -> bool:
    """A time-critical type (a slot offer is worth something only while the slot can be filled) or due by
    tomorrow."""
    due = action.get("due_date")
    due_soon = bool(due) and date.fromisoformat(str(due)[:10]) <= today + timedelta(days=URGENT_WITHIN_DAYS)
    return action["action_type"] in set(urgent_types) or due_soon


def scope_condition(user: User):
    return sa.true() if user.sees_all_locations else actions.c.location_id.in_(sorted(user.locations))


class Queue:
    """Ledger methods that read actions for people; mixed into Ledger (uses its engine, clock and audit)."""

    def list_actions(
        self,
        user: User,
        *,
        statuses: Iterable[str] | None = None,
        action_types: Iterable[str] | None = None,
        location_ids: Iterable[str] | None = None,
        payer_ids: Iterable[str] | None = None,
    ) -> list[dict]:
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
            return [action_dict(row, today) for row in conn.execute(self._queue_select(user, filters))]

    def get_action(self, user: User, action_id: str) -> dict | None:
        """The action, or None when it does not exist or lies outside the user's locations. Audited."""
        with self._writer.begin() as conn:
            row = fetch_action(conn, action_id)
            if row is None:
                return None
            if not user.can_see(row.location_id):
                self._append_event(
                    conn,
                    "action_view_denied",
                    user.username,
                    actor_role=user.role,
                    action_id=row.action_id,
                    location_id=row.location_id,
                )
                return None
            self._append_event(
                conn,
                "action_viewed",
                user.username,
                actor_role=user.role,
                action_id=row.action_id,
                location_id=row.location_id,
                detail={"patient_id": row.patient_id},
            )
            return action_dict(row, self._today())

    def action_events(self, user: User, action_id: str) -> list[dict]:
        """The audit events of one action, oldest first; empty when the action is out of scope."""
        with self.engine.connect() as conn:
            row = fetch_action(conn, action_id)
            if row is None or not user.can_see(row.location_id):
                return []
            events = conn.execute(
                sa.select(audit_events).where(audit_events.c.action_id == action_id).order_by(audit_events.c.event_id)
            )
            return [event_dict(event) for event in events]

    def _queue_conditions(self, user: User, filters: QueueFilter) -> list:
        today = self._today()
        conditions = [scope_condition(user)]
        if filters.statuses is not None:
            conditions += status_conditions(filters.statuses, today)
        if filters.action_types is not None:
            conditions.append(actions.c.action_type.in_(list(filters.action_types)))
        if filters.location_ids is not None:
            conditions.append(actions.c.location_id.in_(list(filters.location_ids)))
        if filters.payer_ids is not None:
            conditions.append(actions.c.payer_id.in_(list(filters.payer_ids)))
        if filters.min_age_days is not None:
            conditions.append(actions.c.created_at <= iso(self._now() - timedelta(days=filters.min_age_days)))
        if filters.max_age_days is not None:
            conditions.append(actions.c.created_at > iso(self._now() - timedelta(days=filters.max_age_days + 1)))
        if filters.assignee:
            conditions.append(action_assignments.c.assignee == filters.assignee)
        return conditions

    def _queue_select(self, user: User, filters: QueueFilter):
        """Actions with their assignee, in scope and filtered: urgent first when asked (filters.urgent_types),
        then most dollars, then the earliest due date."""
        joined = actions.outerjoin(action_assignments, action_assignments.c.action_id == actions.c.action_id)
        order = [dollars_sql().desc(), sa.nulls_last(actions.c.due_date.asc()), actions.c.action_id]
        if filters.urgent_types is not None:
            urgent = urgent_condition(filters.urgent_types, self._today())
            order.insert(0, sa.case((urgent, 0), else_=1))
        return (
            sa.select(actions, action_assignments.c.assignee)
            .select_from(joined)
            .where(*self._queue_conditions(user, filters))
            .order_by(*order)
        )

    def queue_page(
        self, user: User, filters: QueueFilter | None = None, *, limit: int = 50, offset: int = 0
    ) -> QueuePage:
        """One page of the board's queue plus the count, dollars and oldest date of the whole filtered queue."""
        filters = filters or QueueFilter()
        joined = actions.outerjoin(action_assignments, action_assignments.c.action_id == actions.c.action_id)
        totals_query = (
            sa.select(
                sa.func.count(), sa.func.coalesce(sa.func.sum(_cents_sql()), 0), sa.func.min(actions.c.created_at)
            )
            .select_from(joined)
            .where(*self._queue_conditions(user, filters))
        )
        today = self._today()
        with self.engine.connect() as conn:
            rows = [
                action_dict(row, today)
                for row in conn.execute(self._queue_select(user, filters).limit(limit).offset(offset))
            ]
            total, total_cents, oldest = conn.execute(totals_query).one()
        return QueuePage(
            rows=rows, total=int(total), total_dollars=Decimal(int(total_cents)) / 100, oldest_created_at=oldest
        )

    def queue_filter_options(self, user: User) -> dict[str, list[str]]:
        """The locations, action types and payers present in the user's scope (for the board's filters)."""
        options: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for name, column in (
                ("location_ids", actions.c.location_id),
                ("action_types", actions.c.action_type),
                ("payer_ids", actions.c.payer_id),
            ):
                query = sa.select(column).distinct().where(scope_condition(user), column.is_not(None)).order_by(column)
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
        bucket = sa.case(
            *[
                (actions.c.created_at > iso(now - timedelta(days=high + 1)), label)
                for label, _, high in AGE_BUCKETS
                if high is not None
            ],
            else_=AGE_BUCKETS[-1][0],
        )
        joined = actions.outerjoin(action_assignments, action_assignments.c.action_id == actions.c.action_id)
        age_query = (
            sa.select(
                actions.c.assigned_role,
                action_assignments.c.assignee,
                bucket.label("bucket"),
                sa.func.count().label("open_count"),
                sa.func.sum(_cents_sql()).label("cents"),
            )
            .select_from(joined)
            .where(scope_condition(user), *status_conditions(["open"], self._today()))
            .group_by(actions.c.assigned_role, action_assignments.c.assignee, bucket)
        )
        since = iso(now - timedelta(weeks=weeks))
        decision_scope = (
            sa.true() if user.sees_all_locations else audit_events.c.location_id.in_(sorted(user.locations))
        )
        decision_query = (
            sa.select(audit_events.c.actor, audit_events.c.occurred_at, actions.c.created_at)
            .select_from(audit_events.join(actions, actions.c.action_id == audit_events.c.action_id))
            .where(audit_events.c.event_type.in_(DECISION_EVENTS), audit_events.c.occurred_at >= since, decision_scope)
        )
        with self.engine.connect() as conn:
            age_rows = conn.execute(age_query).all()
            decision_rows = conn.execute(decision_query).all()
        bucket_order = {label: i for i, (label, _, _) in enumerate(AGE_BUCKETS)}
        open_by_age = sorted(
            (
                {
                    "worked_by": row.assignee or f"role: {row.assigned_role}",
                    "bucket": row.bucket,
                    "open_count": int(row.open_count),
                    "dollars": Decimal(int(row.cents or 0)) / 100,
                }
                for row in age_rows
            ),
            key=lambda r: (r["worked_by"], bucket_order[r["bucket"]]),
        )
        per_week: dict[tuple[str, date], int] = {}
        hours: dict[str, list[float]] = {}
        for row in decision_rows:
            decided = parse_iso(row.occurred_at)
            week = decided.date() - timedelta(days=decided.weekday())
            per_week[(row.actor, week)] = per_week.get((row.actor, week), 0) + 1
            hours.setdefault(row.actor, []).append((decided - parse_iso(row.created_at)).total_seconds() / 3600)
        return {
            "open_by_age": open_by_age,
            "decisions_by_week": [
                {"actor": actor, "week_start": week, "decisions": count}
                for (actor, week), count in sorted(per_week.items())
            ],
            "time_to_decision": [
                {
                    "actor": actor,
                    "decisions": len(values),
                    "median_hours_to_decision": round(statistics.median(values), 1),
                }
                for actor, values in sorted(hours.items())
            ],
        }
