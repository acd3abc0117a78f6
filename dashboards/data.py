"""The dashboard's only door to data: the published serving snapshot (read-only DuckDB) and the action ledger.

Location scoping is enforced here, in SQL (or in the ledger's own scoped API), never by hiding widgets:
every function takes the signed-in `User` and returns only rows of the locations that user may see.
Views call these functions and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dagster_project.settings import PROJECT_ROOT, get_settings

ALL_LOCATIONS = "*"
AUDIT_ROLES = frozenset({"director", "admin"})

# The four burn-down flags, in the order the flag mart explains them (column -> plain label).
AUTH_FLAGS: dict[str, str] = {
    "is_in_last_two_visits": "In the last two visits/units",
    "is_expiring_within_lead_time": "Expiring within the payer's lead time",
    "is_projected_to_exhaust_before_end": "Projected to run out before the end date",
    "has_visits_scheduled_beyond_auth": "Visits scheduled beyond the authorization",
}

# Columns the dashboard reads from the burn-down mart. Listed explicitly (never `select *`) so PHI packet
# fields of the flag mart (names, birth dates, member ids) never reach the dashboard: minimum necessary.
_BURNDOWN_COLUMNS = (
    "authorization_id, authorization_number, location_id, patient_id, payer_id, payer_name, unit_type, "
    "approved_quantity, used_quantity, scheduled_quantity, remaining_quantity, burn_rate_per_week, "
    "projected_exhaustion_date, start_date, end_date, days_to_expiry, reauth_lead_days, "
    + ", ".join(AUTH_FLAGS)
    + ", scheduled_beyond_count, dollars_at_risk, is_flagged"
)


class NoSnapshot(RuntimeError):
    """No serving snapshot has been published yet (or the pointer names a file that is gone)."""


class NotAllowed(RuntimeError):
    """The signed-in user's role may not see this screen."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    published_at: str
    as_of_date: str
    run_id: str


# --------------------------------------------------------------------------------------------------
# Snapshot access


def current_snapshot() -> Snapshot:
    """Read the serving pointer. Raises NoSnapshot with a message a person can act on."""
    settings = get_settings()
    pointer = settings.serving_pointer
    if not pointer.exists():
        raise NoSnapshot(
            "No data has been published yet. Run the pipeline once; the dashboard shows its results "
            "as soon as the publish step finishes."
        )
    try:
        payload = json.loads(pointer.read_text())
        path = Path(payload["snapshot_path"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NoSnapshot(f"The serving pointer {pointer.name} is unreadable ({type(exc).__name__}).") from exc
    if not path.is_absolute():
        # A relative path is read next to the pointer first, then from the project root.
        candidates = [pointer.parent / path, PROJECT_ROOT / path]
        path = next((c for c in candidates if c.exists()), candidates[0])
    if not path.exists():
        raise NoSnapshot("The published snapshot file is missing. Re-run the pipeline's publish step.")
    # Decision 2 of the design: the dashboard never opens the pipeline's working file, even read-only
    # (a read-only open still conflicts with the writer's lock).
    if path.resolve() == settings.warehouse_path.resolve():
        raise NoSnapshot("The serving pointer names the pipeline's working warehouse; refusing to open it.")
    return Snapshot(
        path=path,
        published_at=str(payload.get("published_at", "")),
        as_of_date=str(payload.get("as_of_date", "")),
        run_id=str(payload.get("run_id", "")),
    )


def _query(sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run one parameterised query on a short-lived read-only connection to the current snapshot.

    A new connection per query keeps the dashboard from holding a file the publisher may later delete,
    and picks up a newly published snapshot on the next rerun.
    """
    snapshot = current_snapshot()
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def _scope(user, column: str = "location_id") -> tuple[str, list[str]]:
    """SQL predicate and parameters limiting `column` to the user's locations."""
    if ALL_LOCATIONS in user.locations:
        return "true", []
    locations = sorted(user.locations)
    if not locations:
        return "false", []
    return f"{column} in ({', '.join('?' for _ in locations)})", locations


def _in_list(column: str, values: Sequence[str] | None) -> tuple[str, list[str]]:
    if not values:
        return "true", []
    return f"{column} in ({', '.join('?' for _ in values)})", list(values)


# --------------------------------------------------------------------------------------------------
# Snapshot queries (all scoped)


def locations(user) -> pd.DataFrame:
    scope, params = _scope(user)
    return _query(
        f"select location_id, location_name, city, state from dim_locations where {scope} order by location_id",
        params,
    )


def leak_summary(user) -> pd.DataFrame:
    """One row per location and leak area in scope, with flagged counts and dollars at risk."""
    scope, params = _scope(user)
    return _query(
        "select location_id, location_name, leak_area, flagged_count, active_count, dollars_at_risk, as_of_date "
        f"from fct_location_leak_summary where {scope} order by location_id, leak_area",
        params,
    )


def authorization_burndown(
    user,
    *,
    location_ids: Sequence[str] | None = None,
    payer_ids: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    flagged_only: bool = False,
) -> pd.DataFrame:
    """Active authorizations in scope, most money at risk first.

    `flags` keeps rows where any of the named flag columns is true (names from AUTH_FLAGS).
    """
    unknown = set(flags or ()) - set(AUTH_FLAGS)
    if unknown:
        raise ValueError(f"unknown flag columns: {sorted(unknown)}")
    scope, params = _scope(user)
    loc_sql, loc_params = _in_list("location_id", location_ids)
    payer_sql, payer_params = _in_list("payer_id", payer_ids)
    # Flag names are checked against AUTH_FLAGS above, so they are safe identifiers, not user values.
    flag_sql = "(" + " or ".join(flags) + ")" if flags else "true"
    flagged_sql = "is_flagged" if flagged_only else "true"
    return _query(
        f"select {_BURNDOWN_COLUMNS} from fct_authorization_burndown "
        f"where {scope} and {loc_sql} and {payer_sql} and {flag_sql} and {flagged_sql} "
        "order by dollars_at_risk desc nulls last, end_date, authorization_id",
        [*params, *loc_params, *payer_params],
    )


def authorization(user, authorization_id: str) -> dict | None:
    """One authorization in scope with its flag reasons and due date (None when not visible)."""
    scope, params = _scope(user, "b.location_id")
    frame = _query(
        f"select {', '.join('b.' + c.strip() for c in _BURNDOWN_COLUMNS.split(','))}, "
        "f.flag_id, f.flag_reasons, f.due_date "
        "from fct_authorization_burndown b "
        "left join flag_auths_needing_reauth f on f.authorization_id = b.authorization_id "
        f"where {scope} and b.authorization_id = ?",
        [*params, authorization_id],
    )
    return None if frame.empty else frame.iloc[0].to_dict()


def payers(user) -> pd.DataFrame:
    scope, params = _scope(user)
    return _query(
        f"select distinct payer_id, payer_name from fct_authorization_burndown where {scope} order by payer_name",
        params,
    )


def quarantine(user) -> pd.DataFrame:
    """What ingest quarantined and why. Quarantine rows carry no location: group-wide users only."""
    _require_all_locations(user)
    return _query(
        "select quarantined_at, source, file_name, line_number, reason from ingest_quarantine "
        "order by quarantined_at desc, file_name, line_number"
    )


def file_ledger(user) -> pd.DataFrame:
    _require_all_locations(user)
    return _query(
        "select received_at, source, file_name, status, rows_loaded, rows_quarantined, file_sha256 "
        "from ingest_file_ledger order by received_at desc, file_name"
    )


def _require_all_locations(user) -> None:
    if ALL_LOCATIONS not in user.locations:
        raise NotAllowed(
            "Ingest files cover every location, so only users with access to all locations can see them."
        )


# --------------------------------------------------------------------------------------------------
# Action ledger (the ledger API scopes by user itself; we filter again so a scoping bug there cannot leak)


def _ledger():
    from dashboards.auth import ledger  # late import: auth imports Streamlit, tests of data.py need not

    return ledger()


def actions(
    user,
    *,
    statuses: Sequence[str] | None = None,
    action_types: Sequence[str] | None = None,
    location_ids: Sequence[str] | None = None,
    payer_ids: Sequence[str] | None = None,
) -> list[dict]:
    """Ledger actions in scope, most money first, then the earliest due date."""
    rows = _ledger().list_actions(
        user,
        statuses=list(statuses) if statuses else None,
        action_types=list(action_types) if action_types else None,
        location_ids=list(location_ids) if location_ids else None,
        payer_ids=list(payer_ids) if payer_ids else None,
    )
    rows = [r for r in rows if user.can_see(r["location_id"])]
    return sorted(rows, key=lambda r: (-(r["dollars_at_stake"] or 0), r["due_date"] or date.max, r["action_id"]))


def top_open_actions(user, limit: int = 10) -> list[dict]:
    return actions(user, statuses=["open"])[:limit]


def action(user, action_id: str) -> dict | None:
    """One action in scope, or None. The ledger audits every call as a view: call it once per card opened."""
    return _ledger().get_action(user, action_id)


def action_events(user, action_id: str) -> list[dict]:
    return _ledger().action_events(user, action_id)


def save_draft(user, action_id: str, new_body: str) -> None:
    _ledger().edit_draft(user, action_id, new_body)


def approve(user, action_id: str) -> None:
    _ledger().approve(user, action_id)


def reject(user, action_id: str, reason: str) -> None:
    if not reason.strip():
        raise ValueError("A reason is required to reject a draft.")
    _ledger().reject(user, action_id, reason.strip())


def snooze(user, action_id: str, until: date) -> None:
    _ledger().snooze(user, action_id, until)


def record_view(user, *, event_type: str, location_id: str | None, detail: dict) -> None:
    """Audit a view of a patient-level record (HIPAA audit controls); detail holds references, not PHI."""
    _ledger().record(event_type, user.username, actor_role=user.role, location_id=location_id, detail=detail)


def audit_trail(user, *, limit: int = 500, event_types: Sequence[str] | None = None) -> list[dict]:
    if user.role not in AUDIT_ROLES:
        raise NotAllowed("The audit trail is for directors and administrators.")
    rows = _ledger().audit_events(user, limit=limit, event_types=list(event_types) if event_types else None)
    # Group-wide events (sign-ins, user changes) carry no location; location events must be in scope.
    return [r for r in rows if r.get("location_id") is None or user.can_see(r["location_id"])]


def verify_audit_chain(user) -> tuple[bool, Any]:
    if user.role not in AUDIT_ROLES:
        raise NotAllowed("The audit trail is for directors and administrators.")
    return _ledger().verify_audit_chain()


DECIDABLE_STATUSES = frozenset({"open", "snoozed"})


def decision_block_reason(user, action: dict) -> str | None:
    """Why this user cannot edit/approve/reject/snooze this action now, or None when they can.

    The ledger enforces the same rules; this only lets the board say why a button is disabled.
    """
    from emitters.roles import can_approve

    if action["status"] not in DECIDABLE_STATUSES:
        return f"This action is {action['status'].replace('_', ' ')}; only open or snoozed drafts can be decided."
    if not can_approve(user, action["action_type"], action["location_id"]):
        return (
            f"Your role ({user.role.replace('_', ' ')}) cannot approve "
            f"{action['action_type'].replace('_', ' ')} actions at {action['location_id']}."
        )
    return None
