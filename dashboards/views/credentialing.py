"""Credentialing matrix per location: traffic lights by days to expiry, who can bill which payer, booked
visits that cannot be billed, and claims on hold for newly enrolled therapists."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

# Text first, the coloured dot only as an aid (emoji do not render everywhere).
LIGHTS = {
    "expired": "🔴 Expired",
    "missing": "🔴 Missing",
    "7_days": "🔴 Within 7 days",
    "30_days": "🟠 Within 30 days",
    "90_days": "🟡 Within 90 days",
    "current": "🟢 Current",
}


def light(row) -> str:
    label = LIGHTS.get(row["reminder_tier"], row["reminder_tier"])
    days = row["days_to_expiry"]
    return (
        label if pd.isna(days) or row["reminder_tier"] in ("missing", "current") else f"{label} ({int(days)} days left)"
    )


user = ui.require_user()
st.title("Credentialing")

snapshot = ui.published_snapshot()
chosen = ui.location_filter(user, key="cred_filter_locations")

matrix = data.credential_matrix(user, location_ids=chosen)
enrollments = data.provider_enrollments(user, location_ids=chosen)
unbillable = data.unbillable_scheduled_visits(user, location_ids=chosen)
holds = data.claim_holds(user, location_ids=chosen)

attention = matrix[matrix["reminder_tier"] != "current"] if not matrix.empty else matrix
c1, c2, c3, c4 = st.columns(4)
c1.metric("Credentials needing action", len(attention))
c2.metric(
    "Expired or missing", int(matrix["reminder_tier"].isin(["expired", "missing"]).sum()) if not matrix.empty else 0
)
c3.metric("Booked visits not billable", len(unbillable))
c4.metric(
    "Claims on hold", int(holds.loc[holds["hold_status"] == "hold", "held_claim_count"].sum()) if not holds.empty else 0
)

st.subheader("Credential matrix")
if matrix.empty:
    st.info("No providers in these locations.")
else:
    matrix = matrix.assign(light=matrix.apply(light, axis=1))
    grid = matrix.pivot_table(
        index=["location_id", "provider_name", "provider_discipline"],
        columns="credential_type",
        values="light",
        aggfunc="first",
        fill_value="Not required",
    ).reset_index()
    ui.table(
        user,
        grid.rename(columns=lambda c: ui.value_label(c) if c not in grid.columns[:3] else c),
        key="cred_matrix_table",
        labels={"provider_discipline": "Discipline"},
    )
    ui.csv_download(
        user,
        matrix.drop(columns=["light"]),
        what="credential matrix",
        file_name=f"credential_matrix_{snapshot.as_of_date}.csv",
        key="cred_export",
    )
    st.caption(
        "Each cell says the state in words: expired, missing, or due within 7, 30 or 90 days (days left in "
        "brackets), or current."
    )

st.subheader("Who can bill which payer today")
if enrollments.empty:
    st.info("No payer enrollments in these locations.")
else:
    names = ui.payer_names(user)
    grid = enrollments.assign(
        cell=enrollments.apply(
            lambda r: (
                "✅ Can bill" if r["can_bill_today"] else f"⛔ Cannot bill: {ui.value_label(r['blocking_reason'])}"
            ),
            axis=1,
        )
    )
    pivot = grid.pivot_table(
        index=["location_id", "provider_name"],
        columns="payer_id",
        values="cell",
        aggfunc="first",
        fill_value="No enrollment",
    ).reset_index()
    ui.table(user, pivot.rename(columns=lambda c: names.get(c, c)), key="cred_enrollment_table")

st.subheader("Booked visits that cannot be billed")
if unbillable.empty:
    st.success("Every booked visit in the look-ahead can be billed.")
else:
    ui.table(user, unbillable, key="cred_unbillable_table")

st.subheader("Claims held for newly enrolled therapists")
if holds.empty:
    st.success("No claims are on hold.")
else:
    ui.table(user, holds, key="cred_holds_table", labels={"dollars_at_risk": "Contracted value"})
