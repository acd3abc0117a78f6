"""Authorization burn-down: active authorizations in scope, their four flags, one authorization's detail."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboards.data.scope import any_of, scoped_query

# The four burn-down flags, in the order the flag mart explains them (column -> plain label).
AUTH_FLAGS: dict[str, str] = {
    "is_in_last_two_visits": "In the last two visits/units",
    "is_expiring_within_lead_time": "Expiring within the payer's lead time",
    "is_projected_to_exhaust_before_end": "Projected to run out before the end date",
    "has_visits_scheduled_beyond_auth": "Visits scheduled beyond the authorization",
}

# Columns the dashboard reads from the burn-down mart. Listed explicitly (never `select *`) so PHI packet
# fields of the flag mart (names, birth dates, member ids) never reach the dashboard: minimum necessary.
BURNDOWN_COLUMNS = (
    "authorization_id",
    "authorization_number",
    "location_id",
    "patient_id",
    "payer_id",
    "payer_name",
    "unit_type",
    "approved_quantity",
    "used_quantity",
    "scheduled_quantity",
    "remaining_quantity",
    "burn_rate_per_week",
    "projected_exhaustion_date",
    "start_date",
    "end_date",
    "days_to_expiry",
    "reauth_lead_days",
    *AUTH_FLAGS,
    "scheduled_beyond_count",
    "dollars_at_risk",
    "is_flagged",
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
    payer_sql, payer_params = any_of("payer_id", payer_ids, "payer")
    # Flag names are checked against AUTH_FLAGS above, so they are safe identifiers, not user values.
    flag_sql = "(" + " or ".join(flags) + ")" if flags else "true"
    flagged_sql = "is_flagged" if flagged_only else "true"
    return scoped_query(
        user,
        f"select {', '.join(BURNDOWN_COLUMNS)} from fct_authorization_burndown "
        f"where {{scope}} and {payer_sql} and {flag_sql} and {flagged_sql} "
        "order by dollars_at_risk desc nulls last, end_date, authorization_id",
        payer_params,
        chosen_locations=location_ids,
    )


def authorization(user, authorization_id: str) -> dict | None:
    """One authorization in scope with its flag reasons and due date (None when not visible)."""
    frame = scoped_query(
        user,
        f"select {', '.join('b.' + c for c in BURNDOWN_COLUMNS)}, f.flag_id, f.flag_reasons, f.due_date "
        "from fct_authorization_burndown b "
        "left join flag_auths_needing_reauth f on f.authorization_id = b.authorization_id "
        "where {scope} and b.authorization_id = $authorization_id",
        {"authorization_id": authorization_id},
        location_column="b.location_id",
    )
    return None if frame.empty else frame.iloc[0].to_dict()


def payers(user) -> pd.DataFrame:
    return scoped_query(
        user, "select distinct payer_id, payer_name from fct_authorization_burndown where {scope} order by payer_name"
    )
