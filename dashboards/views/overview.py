"""Overview: which location is bleeding, how much, and from what?"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import auth, data

user = auth.require_user()
st.title("Which location is bleeding, how much, and from what?")

try:
    snapshot = data.current_snapshot()
    summary = data.leak_summary(user)
except data.NoSnapshot as exc:
    st.info(str(exc))
    st.stop()

st.caption(f"Data as of {snapshot.as_of_date} · published {snapshot.published_at}")

if summary.empty:
    st.success("Nothing is flagged at your locations in this snapshot.")
else:
    summary["dollars_at_risk"] = summary["dollars_at_risk"].astype(float)
    total_col, flagged_col, locations_col = st.columns(3)
    total_col.metric("Group dollars at risk", f"${summary['dollars_at_risk'].sum():,.2f}")
    flagged_col.metric("Flagged items", f"{int(summary['flagged_count'].sum()):,}")
    locations_col.metric("Locations", summary["location_id"].nunique())

    st.subheader("Dollars at risk by location and leak area")
    chart = (
        alt.Chart(summary)
        .mark_bar()
        .encode(
            x=alt.X("location_name:N", title="Location", sort="-y"),
            y=alt.Y("sum(dollars_at_risk):Q", title="Dollars at risk"),
            color=alt.Color("leak_area:N", title="Leak area"),
            tooltip=["location_name", "leak_area", "flagged_count", alt.Tooltip("dollars_at_risk:Q", format="$,.2f")],
        )
    )
    st.altair_chart(chart, key="overview_chart")

    # One row per location: dollars and flagged counts per leak area, plus the location's total.
    per_location = summary.pivot_table(
        index=["location_id", "location_name"],
        columns="leak_area",
        values=["dollars_at_risk", "flagged_count"],
        aggfunc="sum",
        fill_value=0,
    )
    per_location.columns = [
        f"{area} {'$ at risk' if measure == 'dollars_at_risk' else 'flagged'}" for measure, area in per_location.columns
    ]
    per_location["Total $ at risk"] = summary.groupby(["location_id", "location_name"])["dollars_at_risk"].sum()
    per_location = per_location.reset_index().sort_values("Total $ at risk", ascending=False)
    money_columns = {c: st.column_config.NumberColumn(c, format="dollar") for c in per_location.columns if "$" in c}
    st.dataframe(per_location, hide_index=True, column_config=money_columns, key="overview_locations")

    st.markdown("**Open the rows behind a location's figures**")
    drill_columns = st.columns(min(len(per_location), 4))
    for i, row in enumerate(per_location.itertuples(index=False)):
        if drill_columns[i % len(drill_columns)].button(
            f"{row.location_name}: authorizations",
            key=f"overview_drill_{row.location_id}",
            icon=":material/table_rows:",
        ):
            st.switch_page("views/authorizations.py", query_params={"location": row.location_id})

st.subheader("Top open actions by money and due date")
top = data.top_open_actions(user, limit=10)
if not top:
    st.info("No open drafted actions at your locations.")
else:
    queue = pd.DataFrame(top)[["action_id", "title", "location_id", "dollars_at_stake", "due_date", "assigned_role"]]
    queue["dollars_at_stake"] = queue["dollars_at_stake"].astype(float)
    st.dataframe(
        queue.drop(columns=["action_id"]),
        hide_index=True,
        column_config={"dollars_at_stake": st.column_config.NumberColumn("Dollars at stake", format="dollar")},
        key="overview_top_actions",
    )
    if st.button("Work these on the approval board", key="overview_open_board", icon=":material/task_alt:"):
        st.switch_page("views/board.py", query_params={"action": top[0]["action_id"]})
