"""Credentialing matrix per location: traffic lights by days to expiry, who can bill which payer, booked
visits that cannot be billed, and claims on hold for newly enrolled therapists."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

LIGHTS = {"expired": "🔴 expired", "missing": "🔴 missing", "7_days": "🔴 ≤7 d", "30_days": "🟠 ≤30 d",
          "90_days": "🟡 ≤90 d", "current": "🟢"}


def light(row) -> str:
    label = LIGHTS.get(row["reminder_tier"], row["reminder_tier"])
    days = row["days_to_expiry"]
    return label if pd.isna(days) or row["reminder_tier"] in ("missing", "current") else f"{label} ({int(days)})"


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
c2.metric("Expired or missing", int(matrix["reminder_tier"].isin(["expired", "missing"]).sum()) if not matrix.empty else 0)
c3.metric("Booked visits not billable", len(unbillable))
c4.metric("Claims on hold", int(holds.loc[holds["hold_status"] == "hold", "held_claim_count"].sum()) if not holds.empty else 0)

st.subheader("Credential matrix")
if matrix.empty:
    st.info("No providers in these locations.")
else:
    matrix = matrix.assign(light=matrix.apply(light, axis=1))
    grid = matrix.pivot_table(index=["location_id", "provider_name", "provider_discipline"], columns="credential_type",
                              values="light", aggfunc="first", fill_value="").reset_index()
    st.dataframe(grid, hide_index=True, key="cred_matrix_table")
    ui.csv_download(user, matrix.drop(columns=["light"]), what="credential matrix",
                    file_name=f"credential_matrix_{snapshot.as_of_date}.csv", key="cred_export")
    st.caption("🔴 expired, missing or within 7 days · 🟠 within 30 days · 🟡 within 90 days · 🟢 current "
               "(days to expiry in brackets)")

st.subheader("Who can bill which payer today")
if enrollments.empty:
    st.info("No payer enrollments in these locations.")
else:
    grid = enrollments.assign(cell=enrollments.apply(
        lambda r: "✅" if r["can_bill_today"] else f"⛔ {r['blocking_reason']}", axis=1))
    st.dataframe(grid.pivot_table(index=["location_id", "provider_name"], columns="payer_id", values="cell",
                                  aggfunc="first", fill_value="no enrollment").reset_index(),
                 hide_index=True, key="cred_enrollment_table")

st.subheader("Booked visits that cannot be billed")
if unbillable.empty:
    st.success("Every booked visit in the look-ahead can be billed.")
else:
    st.dataframe(unbillable, hide_index=True, key="cred_unbillable_table",
                 column_config={"dollars_at_risk": st.column_config.NumberColumn("Dollars at risk", format="dollar")})

st.subheader("Claims held for newly enrolled therapists")
if holds.empty:
    st.success("No claims are on hold.")
else:
    st.dataframe(holds, hide_index=True, key="cred_holds_table",
                 column_config={"dollars_at_risk": st.column_config.NumberColumn("Contracted value", format="dollar")})
