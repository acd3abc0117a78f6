"""Per-location KPI goals a director sets on the overview.

Goals live in the transactional ledger database (the app never writes to DuckDB), in their own table on
`Ledger.engine`, so the ledger module stays untouched; `dashboards.data.actions` hands the ledger in.
A location without a goal for a KPI uses the KPI's benchmark (seed kpi_benchmarks, carried in
fct_location_kpis_monthly). Only directors and admins set
goals, only for locations they can see, and every change is a `goal_changed` audit event through
`Ledger.record` (who, where, which KPI, old and new value).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import sqlalchemy as sa

GOAL_ROLES = frozenset({"director", "admin"})
GOAL_CHANGED_EVENT = "goal_changed"
# The KPIs of fct_location_kpis_monthly; every one is a rate between 0 and 1.
KPIS = (
    "clean_claim_rate",
    "initial_denial_rate_count",
    "initial_denial_rate_dollars",
    "ar_over_90_rate",
    "kept_visit_rate",
)

metadata = sa.MetaData()

location_kpi_goals = sa.Table(
    "location_kpi_goals",
    metadata,
    sa.Column("location_id", sa.String(64), primary_key=True),
    sa.Column("kpi", sa.String(64), primary_key=True),
    sa.Column("goal_value", sa.Float, nullable=False),
    sa.Column("set_by", sa.String(128), nullable=False),
    sa.Column("set_at", sa.String(40), nullable=False),
)


class GoalNotAllowed(PermissionError):
    """The user may not set goals, or not for this location."""


class GoalStore:
    """Read and change goals on the ledger's database. `ledger` is an `ledger.Ledger`."""

    def __init__(self, ledger):
        self._ledger = ledger
        # Same "writer" option the ledger uses, so SQLite takes its write lock up front (BEGIN IMMEDIATE).
        self._writer = ledger.engine.execution_options(ledger_write=True)
        with self._writer.begin() as conn:
            metadata.create_all(conn, checkfirst=True)

    def goals(self, user) -> dict[tuple[str, str], float]:
        """{(location_id, kpi): goal} for the locations the user can see."""
        with self._ledger.engine.connect() as conn:
            rows = conn.execute(
                sa.select(location_kpi_goals.c.location_id, location_kpi_goals.c.kpi, location_kpi_goals.c.goal_value)
            ).all()
        return {(r.location_id, r.kpi): r.goal_value for r in rows if user.can_see(r.location_id)}

    def set_goal(self, user, location_id: str, kpi: str, goal_value: float | None) -> None:
        """Set (or with None, clear back to the benchmark) one location's goal for one KPI, audited."""
        if user.role not in GOAL_ROLES:
            raise GoalNotAllowed("Only directors and administrators set location goals.")
        if location_id == "*" or not user.can_see(location_id):
            raise GoalNotAllowed(f"You cannot set goals for location {location_id}.")
        if kpi not in KPIS:
            raise ValueError(f"unknown KPI {kpi!r}")
        if goal_value is not None and (math.isnan(goal_value) or not 0 <= goal_value <= 1):
            raise ValueError("A goal is a rate between 0 and 1 (0% to 100%).")
        key = sa.and_(location_kpi_goals.c.location_id == location_id, location_kpi_goals.c.kpi == kpi)
        # Read, change and audit in one write transaction: two directors saving at once cannot record a wrong
        # old value, and a change whose audit event fails is never committed.
        with self._writer.begin() as conn:
            previous = conn.execute(sa.select(location_kpi_goals.c.goal_value).where(key)).scalar()
            if previous == goal_value:
                return
            conn.execute(location_kpi_goals.delete().where(key))
            if goal_value is not None:
                conn.execute(
                    location_kpi_goals.insert().values(
                        location_id=location_id,
                        kpi=kpi,
                        goal_value=float(goal_value),
                        set_by=user.username,
                        set_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    )
                )
            self._ledger.record_in(
                conn,
                GOAL_CHANGED_EVENT,
                user.username,
                actor_role=user.role,
                location_id=location_id,
                detail={"kpi": kpi, "old_goal": previous, "new_goal": goal_value},
            )
