"""Authorization burn-down: every active authorization in scope, its four flags, and one authorization's units."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui


def _day(value) -> str | None:
    """A snapshot date in words, or None when empty (DuckDB nulls arrive as NaT in pandas)."""
    return None if value is None or pd.isna(value) else ui.format_date(value)


user = ui.require_user()
st.title("Authorization burn-down")

snapshot = ui.published_snapshot()

# Drill-downs from the overview arrive as ?location=L01 (and ?auth=... for one authorization).
# Only values inside the user's scope are honoured; the data layer filters again regardless.
filter_columns = st.columns([2, 2, 3, 1])
chosen_locations = ui.location_filter(user, filter_columns[0], key="auth_filter_locations")
chosen_payers = ui.payer_filter(user, filter_columns[1], key="auth_filter_payers")
chosen_flags = filter_columns[2].multiselect(
    "Flag (any of)", options=list(data.AUTH_FLAGS), format_func=data.AUTH_FLAGS.get, key="auth_filter_flags"
)
flagged_only = filter_columns[3].toggle("Flagged only", value=False, key="auth_filter_flagged_only")

burndown = data.authorization_burndown(
    user, location_ids=chosen_locations, payer_ids=chosen_payers, flags=chosen_flags, flagged_only=flagged_only
)

count_col, flagged_col, money_col = st.columns(3)
count_col.metric("Active authorizations", len(burndown))
flagged_col.metric("Flagged", int(burndown["is_flagged"].sum()) if not burndown.empty else 0)
money_col.metric("Dollars at risk", ui.format_money(burndown["dollars_at_risk"].fillna(0).sum()))

if burndown.empty:
    st.info("No authorizations match these filters.")
    st.stop()

ui.table(
    user,
    burndown,
    key="auth_table",
    columns=[
        "authorization_number",
        "location_id",
        "payer_name",
        "unit_type",
        "approved_quantity",
        "used_quantity",
        "scheduled_quantity",
        "remaining_quantity",
        "end_date",
        "days_to_expiry",
        "projected_exhaustion_date",
        *data.AUTH_FLAGS,
        "dollars_at_risk",
    ],
    labels=dict(data.AUTH_FLAGS),
)
ui.csv_download(
    user,
    burndown.drop(columns=["patient_id"]),
    what="authorization burn-down",
    file_name=f"authorizations_{snapshot.as_of_date}.csv",
    key="auth_export",
)

st.subheader("One authorization")
labels = {
    row.authorization_id: f"{row.authorization_number} · {ui.payer_label(row.payer_name)} · {row.location_id}"
    for row in burndown.itertuples(index=False)
}
linked_auth = st.query_params.get("auth")
chosen_auth = st.selectbox(
    "Authorization",
    options=list(labels),
    index=list(labels).index(linked_auth) if linked_auth in labels else None,
    format_func=labels.get,
    placeholder="Pick an authorization to see its units",
    key="auth_selected",
)
if chosen_auth is None:
    st.stop()

detail = data.authorization(user, chosen_auth)
if detail is None:
    st.warning("That authorization is not in your locations.")
    st.stop()

# Audit a view of a patient-level record once per session and authorization, not on every rerun.
viewed = st.session_state.setdefault("auth_viewed_ids", set())
if chosen_auth not in viewed:
    data.record_view(
        user,
        event_type="view_authorization",
        location_id=detail["location_id"],
        detail={"authorization_id": chosen_auth},
    )
    viewed.add(chosen_auth)

unit = detail["unit_type"] or "units"
approved_col, used_col, scheduled_col, remaining_col = st.columns(4)
approved_col.metric(f"Approved {ui.plain(unit)}", detail["approved_quantity"])
used_col.metric(f"Used {ui.plain(unit)}", detail["used_quantity"])
scheduled_col.metric(f"Scheduled {ui.plain(unit)}", detail["scheduled_quantity"])
remaining_col.metric(f"Remaining {ui.plain(unit)}", detail["remaining_quantity"])

st.text(
    f"Payer: {ui.payer_label(detail['payer_name'])} · runs {_day(detail['start_date'])} to {_day(detail['end_date'])} "
    f"({detail['days_to_expiry']} days left) · re-auth lead time {detail['reauth_lead_days']} days"
)
st.text(
    f"Burn rate: {detail['burn_rate_per_week']} {unit}/week · projected to run out: "
    f"{_day(detail['projected_exhaustion_date']) or 'not at the current rate'}"
)
raised = [label for col, label in data.AUTH_FLAGS.items() if detail.get(col)]
if raised:
    st.warning("Flags: " + "; ".join(raised))
    if isinstance(detail.get("flag_reasons"), str):
        st.text(f"Why: {detail['flag_reasons']}")
    if _day(detail.get("due_date")):
        st.text(f"Re-auth request due by {_day(detail['due_date'])}")
else:
    st.success("No burn-down flag on this authorization.")
st.metric("Dollars at risk", ui.format_money(detail["dollars_at_risk"]))
