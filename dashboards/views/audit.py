"""Audit trail (directors and administrators): who did what, when, where; and whether the hash chain holds."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

user = ui.require_user()
st.title("Audit trail")

if user.role not in data.AUDIT_ROLES:
    st.error("The audit trail is for directors and administrators.")
    st.stop()

ok, first_bad = data.verify_audit_chain(user)
if ok:
    st.success("Hash chain verified: no audit event has been altered or removed.")
else:
    st.error(f"Hash chain broken at event {ui.plain(first_bad)}: the trail was altered after it was written.")

filter_columns = st.columns([2, 2, 2, 1])
limit = filter_columns[3].number_input("Rows", min_value=10, max_value=5000, value=500, step=100, key="audit_limit")
events = pd.DataFrame(data.audit_trail(user, limit=int(limit)))
if events.empty:
    st.info("No audit events yet.")
    st.stop()

chosen_types = filter_columns[0].multiselect(
    "What happened",
    sorted(events["event_type"].dropna().unique()),
    format_func=ui.value_label,
    key="audit_filter_types",
)
actor = filter_columns[1].text_input("Actor contains", key="audit_filter_actor")
chosen_locations = filter_columns[2].multiselect(
    "Location", sorted(events["location_id"].dropna().unique()), key="audit_filter_locations"
)

shown = events
if chosen_types:
    shown = shown[shown["event_type"].isin(chosen_types)]
if actor.strip():
    shown = shown[shown["actor"].fillna("").str.contains(actor.strip(), case=False, regex=False)]
if chosen_locations:
    shown = shown[shown["location_id"].isin(chosen_locations)]

st.caption(f"{len(shown)} of the latest {len(events)} events")
ui.table(
    user,
    shown,
    key="audit_table",
    columns=[
        "event_id",
        "occurred_at",
        "event_type",
        "actor",
        "actor_role",
        "action_id",
        "location_id",
        "detail_json",
        "event_hash",
    ],
    labels={"event_type": "What happened", "actor_role": "Role"},
)
