"""Eligibility for the coming visits: every visit in the lookahead with its last check against the payer's
window, the checks due now (every reason in words: a stale check and a Medicaid morning-of check both show),
and the coverage changes found in the latest answers."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui

user = ui.require_user()
st.title("Eligibility")

snapshot = ui.published_snapshot()
chosen = ui.location_filter(user, key="eligibility_filter_locations")

sweep = data.eligibility_sweep(user, location_ids=chosen)
changes = data.coverage_changes(user, location_ids=chosen)
due = sweep[sweep["is_check_due"].fillna(False).astype(bool)] if not sweep.empty else sweep

c1, c2, c3 = st.columns(3)
c1.metric("Visits in the lookahead", len(sweep))
c2.metric("Checks due now", len(due))
c3.metric("Coverage changes", len(changes))

st.subheader("Checks due now")
if due.empty:
    st.info("Every visit in the lookahead has a current eligibility check.")
else:
    ui.table(
        user,
        due,
        key="eligibility_due_table",
        columns=[
            "appointment_id",
            "location_id",
            "scheduled_start_at",
            "payer_name",
            "eligibility_window_hours",
            "last_checked_at",
            "check_due_reason_text",
            "expected_visit_amount",
        ],
        labels={
            "eligibility_window_hours": "Payer window (hours)",
            "last_checked_at": "Last checked",
            "check_due_reason_text": "Reason",
        },
    )

st.subheader("Coverage changes")
if changes.empty:
    st.info("No coverage changes in the latest eligibility answers.")
else:
    ui.table(user, changes, key="eligibility_changes_table")

st.subheader("Plans of care and physician signatures")
plans = data.plan_of_care_followups(user, location_ids=chosen)
if plans.empty:
    st.info("No plan of care needs a progress report, a recertification or a physician signature.")
else:
    ui.table(user, plans, key="eligibility_poc_table")

st.subheader("All visits in the lookahead")
if sweep.empty:
    st.info("No visits booked in the lookahead.")
else:
    ui.table(user, sweep, key="eligibility_sweep_table")
    ui.csv_download(
        user,
        sweep,
        what="eligibility sweep",
        file_name=f"eligibility_{snapshot.as_of_date}.csv",
        key="eligibility_export",
    )
