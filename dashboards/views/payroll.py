"""Payroll reconciliation: timesheet days that disagree with completed sessions before payroll runs, and
productivity (billed units per paid hour) against the target. Directors and administrators only."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui

KINDS = {
    "sessions_without_hours": "Sessions, no clinical hours",
    "hours_without_sessions": "Clinical hours, no sessions",
    "hours_over_tolerance": "Hours differ over the tolerance",
}

user = ui.require_user()
st.title("Payroll reconciliation")

try:
    snapshot = data.current_snapshot()
    location_options = data.locations(user)
    location_names = dict(zip(location_options["location_id"], location_options["location_name"], strict=False))
    chosen = st.multiselect(
        "Location",
        options=list(location_names),
        format_func=lambda loc: f"{location_names[loc]} ({loc})",
        key="payroll_filter_locations",
    )
    open_only = st.toggle("Only pay periods payroll has not run for", value=True, key="payroll_open_only")
    discrepancies = data.payroll_discrepancies(user, location_ids=chosen, open_only=open_only)
    productivity = data.payroll_productivity(user, location_ids=chosen)
except data.NoSnapshot as exc:
    st.info(str(exc))
    st.stop()
except data.NotAllowed as exc:
    st.warning(str(exc))
    st.stop()

st.caption(f"Data as of {ui.format_date(snapshot.as_of_date)} · published {ui.format_datetime(snapshot.published_at)}")
st.subheader("Discrepancies")
if discrepancies.empty:
    st.success("Timesheets match the completed sessions.")
else:
    shown = discrepancies.assign(discrepancy=discrepancies["discrepancy_type"].map(KINDS))
    ui.table(user, shown.drop(columns=["discrepancy_type"]), key="payroll_discrepancy_table")
    ui.csv_download(
        user,
        shown.drop(columns=["discrepancy_type"]),
        what="payroll discrepancies",
        file_name=f"payroll_discrepancies_{snapshot.as_of_date}.csv",
        key="payroll_export",
    )

st.subheader("Productivity")
if productivity.empty:
    st.info("No pay periods yet.")
else:
    below = productivity[productivity["is_below_target"]]
    st.metric("Therapist pay periods below target", f"{len(below)} of {len(productivity)}")
    ui.table(user, productivity, key="payroll_productivity_table")
