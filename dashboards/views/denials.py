"""Denials: denied dollars by age, location, payer and category, the deadline of each, whether it is being
worked (ledger), underpayments below the contracted rate and their disputes, timely-filing alerts and
secondary claims due (claims area). Ids and codes only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

BUCKETS = ["0-30", "31-60", "61-90", "90+"]

user = ui.require_user()
st.title("Denials and underpayments")

snapshot = ui.published_snapshot()
location_names = ui.location_names(user)
filters = st.columns([2, 2, 2, 1])
chosen_locations = ui.location_filter(user, filters[0], key="denials_filter_locations")
chosen_payers = ui.payer_filter(user, filters[1], key="denials_filter_payers")
everything = data.denials(user, location_ids=chosen_locations, payer_ids=chosen_payers)
category_options = sorted(everything["denial_category"].unique()) if not everything.empty else []
chosen_categories = filters[2].multiselect(
    "Category", options=category_options, format_func=ui.value_label, key="denials_filter_categories"
)
open_only = filters[3].toggle(
    "Before deadline",
    value=True,
    key="denials_filter_open",
    help="Only denials whose appeal or correction deadline has not passed",
)

rows = everything
if chosen_categories:
    rows = rows[rows["denial_category"].isin(chosen_categories)]
if open_only and not rows.empty:
    rows = rows[~rows["is_past_deadline"].astype(bool)]

denied_dollars = rows["dollars_at_risk"].sum() if not rows.empty else 0
worked = int((rows["work_status"] != "not drafted").sum()) if not rows.empty else 0
due_soon = int((rows["days_left"].fillna(9999) <= 14).sum()) if not rows.empty else 0
cols = st.columns(4)
cols[0].metric("Denied dollars", ui.format_money(denied_dollars))
cols[1].metric("Denied lines", f"{len(rows):,}")
cols[2].metric("Deadline within 14 days", f"{due_soon:,}")
cols[3].metric("With a drafted action", f"{worked:,}")

if rows.empty:
    st.info("No denials match these filters.")
else:
    by_age = rows.groupby("aging_bucket")["dollars_at_risk"].sum().reindex(BUCKETS, fill_value=0)
    st.subheader("By age (days since denial)")
    ui.bar_chart(
        by_age.astype(float).rename("dollars").rename_axis("age").reset_index(),
        x="age",
        y="dollars",
        title="Denied dollars by days since denial",
        x_title="Days since denial",
        y_title="Dollars",
        y_format="$",
        sort=BUCKETS,
        key="denials_age_chart",
    )
    st.subheader("By location, payer and category")
    summary = rows.groupby(["location_id", "payer_name", "denial_category"], as_index=False, dropna=False).agg(
        lines=("claim_id", "size"), dollars=("dollars_at_risk", "sum"), earliest_deadline=("deadline_date", "min")
    )
    summary["location_name"] = summary["location_id"].map(location_names)
    ui.table(
        user,
        summary,
        key="denials_summary",
        columns=["location_name", "payer_name", "denial_category", "lines", "dollars", "earliest_deadline"],
    )
    trend = (
        rows.assign(month=pd.to_datetime(rows["denial_date"]).dt.to_period("M").dt.to_timestamp())
        .groupby("month")["dollars_at_risk"]
        .sum()
    )
    st.subheader("Trend by month of denial")
    ui.line_chart(
        trend.astype(float).rename("dollars").reset_index(),
        x="month",
        y="dollars",
        title="Denied dollars by month of denial",
        x_title="Month of denial",
        y_title="Dollars",
        y_format="$",
        key="denials_trend_chart",
    )
    st.subheader("Denied lines")
    ui.table(
        user,
        rows,
        key="denials_rows",
        columns=[
            "claim_id",
            "line_number",
            "location_id",
            "payer_name",
            "service_date",
            "procedure_code",
            "denial_carc",
            "remark_codes",
            "denial_category",
            "route",
            "has_appeal_rights",
            "dollars_at_risk",
            "denial_date",
            "aging_bucket",
            "deadline_date",
            "days_left",
            "work_status",
        ],
    )
    ui.csv_download(
        user, rows, what="denied claim lines", file_name=f"denials_{snapshot.as_of_date}.csv", key="denials_export"
    )

st.subheader("Underpayments (paid below the contracted rate)")
under = data.underpayments(user, location_ids=chosen_locations)
if under.empty:
    st.info("No line was paid below its contracted rate.")
else:
    st.metric("Underpaid", f"{ui.format_money(under['variance_amount'].sum())} on {len(under)} lines")
    ui.table(user, under, key="denials_underpayments")

FLAG_SECTIONS = (
    ("flag_underpayment_disputes", "Underpayment disputes to send", "No underpaid line is inside its dispute window."),
    (
        "flag_timely_filing_alerts",
        "Timely filing: file before the deadline",
        "No unsent or rejected claim is near its filing deadline.",
    ),
    ("flag_secondary_claims_due", "Secondary claims due", "No patient share is waiting for a secondary claim."),
)
for flag_model, heading, empty_text in FLAG_SECTIONS:
    st.subheader(heading)
    flagged = data.claims_payment_flags(user, flag_model, location_ids=chosen_locations)
    if flagged.empty:
        st.info(empty_text)
        continue
    st.metric("Dollars", f"{ui.format_money(flagged['dollars_at_risk'].sum())} on {len(flagged)} items")
    ui.table(user, flagged.drop(columns=["flag_id"]), key=f"denials_{flag_model}")
