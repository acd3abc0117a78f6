"""Intake funnel per location and channel: referrals received, answered within the first-response target,
evaluations booked, and the open referrals with their missing packet items."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui

CHANNELS = {
    "physician_fax": "Physician fax",
    "parent_phone": "Parent phone call",
    "online_form": "Online form",
    "school_district": "School district",
}

user = ui.require_user()
st.title("Intake funnel")

snapshot = ui.published_snapshot()
location_names = ui.location_names(user)
chosen = ui.location_filter(user, key="intake_filter_locations")

funnel = data.referral_funnel(user, location_ids=chosen)
referrals = data.open_referrals(user, location_ids=chosen)

received = int(funnel["referrals_received"].sum()) if not funnel.empty else 0
booked = int(funnel["evaluations_scheduled"].sum()) if not funnel.empty else 0
on_time = int(funnel["responded_on_time"].sum()) if not funnel.empty else 0
c1, c2, c3, c4 = st.columns(4)
c1.metric("Referrals received", received)
c2.metric("Evaluations booked", f"{booked} ({booked / received:.0%})" if received else "0")
c3.metric("Answered on time", f"{on_time} of {received}")
c4.metric("Overdue first responses", int(funnel["responses_overdue"].sum()) if not funnel.empty else 0)

st.subheader("Funnel by location and channel")
if funnel.empty:
    st.info("No referrals in these locations.")
else:
    table = funnel.assign(
        location=funnel["location_id"].map(lambda loc: location_names.get(loc, loc)),
        channel=funnel["channel"].map(lambda c: CHANNELS.get(c, c)),
    )[
        [
            "location",
            "channel",
            "referrals_received",
            "referrals_responded",
            "responded_on_time",
            "responses_overdue",
            "evaluations_scheduled",
            "conversion_rate",
            "avg_hours_to_first_response",
            "open_with_missing_items",
        ]
    ]
    ui.table(user, table, key="intake_funnel_table")

st.subheader("Open referrals")
if referrals.empty:
    st.info("No open referrals.")
else:
    ui.table(
        user,
        referrals.assign(channel=referrals["channel"].map(lambda c: CHANNELS.get(c, c))),
        key="intake_open_referrals_table",
    )
    ui.csv_download(
        user,
        referrals,
        what="open referrals",
        file_name=f"open_referrals_{snapshot.as_of_date}.csv",
        key="intake_export",
    )
    st.caption(
        "Missing items are chased from the approval board: a fax to the physician for the order, a text to "
        "the family naming only the missing item, a records request once the signed release is in."
    )
