"""Claim audit: clean-claim rate per location and payer against the 95% benchmark, visits reconciled
against claims and payments, unbalanced remits, and the claim lines that fail a pre-submission rule, each
with its fix (claims area)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

BENCHMARK = 0.95  # docs/domain-reference.md section 8: clean-claim rate benchmark; the mart carries it per row too

user = ui.require_user()
st.title("Claim audit")

snapshot = ui.published_snapshot()
location_names = ui.location_names(user)
filters = st.columns([2, 2, 3, 1])
chosen_locations = ui.location_filter(user, filters[0], key="claims_filter_locations")
chosen_payers = ui.payer_filter(user, filters[1], key="claims_filter_payers")

rates = data.claim_clean_rate(user, location_ids=chosen_locations, payer_ids=chosen_payers)
failures_all = data.claim_audit_failures(user, location_ids=chosen_locations, payer_ids=chosen_payers)
rule_options = sorted(failures_all["rule_name"].unique()) if not failures_all.empty else []
chosen_rules = filters[2].multiselect("Rule", options=rule_options, key="claims_filter_rules")
open_only = filters[3].toggle("Not yet answered", value=True, key="claims_filter_open",
                              help="Claims no 835 has answered yet: still fixable before they go out")

claims_total = int(rates["claim_count"].sum()) if not rates.empty else 0
clean_total = int(rates["clean_claim_count"].sum()) if not rates.empty else 0
failures = failures_all
if chosen_rules:
    failures = failures[failures["rule_name"].isin(chosen_rules)]
if open_only:
    failures = failures[~failures["is_remitted"].astype(bool)]

rate_col, claims_col, fix_col, money_col = st.columns(4)
overall = clean_total / claims_total if claims_total else None
rate_col.metric("Clean-claim rate", f"{overall:.1%}" if overall is not None else "n/a",
                delta=f"{(overall - BENCHMARK) * 100:+.1f} pts vs 95%" if overall is not None else None)
claims_col.metric("Claims audited", f"{claims_total:,}")
fix_col.metric("Claims to fix", f"{failures['claim_id'].nunique():,}")
money_col.metric("Billed on those claims",
                 ui.format_money(failures.drop_duplicates(["claim_id", "line_number"])["charge_amount"].sum()))

st.subheader("Clean-claim rate by location")
if rates.empty:
    st.info("No claims in scope.")
else:
    by_location = rates.groupby("location_id", as_index=False)[["claim_count", "clean_claim_count"]].sum()
    by_location["location_name"] = by_location["location_id"].map(location_names)
    by_location["clean_claim_rate"] = by_location["clean_claim_count"] / by_location["claim_count"]
    by_location["meets_benchmark"] = by_location["clean_claim_rate"] >= BENCHMARK
    st.dataframe(
        by_location, hide_index=True,
        column_order=["location_name", "claim_count", "clean_claim_count", "clean_claim_rate", "meets_benchmark"],
        column_config={"clean_claim_rate": st.column_config.ProgressColumn("Clean-claim rate", format="percent",
                                                                            min_value=0.0, max_value=1.0),
                       "meets_benchmark": st.column_config.CheckboxColumn("≥ 95%")},
        key="claims_rate_by_location",
    )
    by_payer = rates.groupby(["payer_id", "payer_name"], as_index=False, dropna=False)[
        ["claim_count", "clean_claim_count", "failed_claim_count"]].sum()
    by_payer["clean_claim_rate"] = by_payer["clean_claim_count"] / by_payer["claim_count"]
    st.subheader("By payer")
    st.dataframe(by_payer, hide_index=True,
                 column_order=["payer_name", "claim_count", "failed_claim_count", "clean_claim_rate"],
                 column_config={"clean_claim_rate": st.column_config.NumberColumn("Clean-claim rate", format="percent")},
                 key="claims_rate_by_payer")
    trend = rates.assign(service_month=pd.to_datetime(rates["service_month"])).groupby("service_month")[
        ["claim_count", "clean_claim_count"]].sum()
    st.line_chart((trend["clean_claim_count"] / trend["claim_count"]).rename("clean-claim rate"))

st.subheader("Visits reconciled against claims and payments")
reconciliation = data.visit_claim_reconciliation(user, location_ids=chosen_locations)
if reconciliation.empty:
    st.info("No visits in scope.")
else:
    by_status = reconciliation.groupby(["reconciliation_status", "is_exception"], as_index=False).agg(
        visits=("reconciliation_status", "size"), charges=("charge_amount", "sum"), paid=("net_paid_amount", "sum"))
    st.dataframe(by_status.sort_values(["is_exception", "visits"], ascending=[False, False]), hide_index=True,
                 column_config={"is_exception": st.column_config.CheckboxColumn("Exception"),
                                "charges": st.column_config.NumberColumn("Charges", format="dollar"),
                                "paid": st.column_config.NumberColumn("Paid", format="dollar")},
                 key="claims_reconciliation_by_status")
    exceptions = reconciliation[reconciliation["is_exception"].astype(bool)]
    if exceptions.empty:
        st.success("Every visit is billed, every claim has a visit, and no payment sits on a voided visit.")
    else:
        st.dataframe(exceptions, hide_index=True, key="claims_reconciliation_exceptions",
                     column_order=["reconciliation_status", "visit_id", "claim_id", "location_id", "service_date",
                                   "appointment_status", "charge_amount", "claim_charge_amount", "net_paid_amount"])

st.subheader("Unbalanced remits")
unbalanced = data.unbalanced_remits(user, location_ids=chosen_locations)
if unbalanced.empty:
    st.success("Every 835 line, claim and transaction in scope balances.")
else:
    st.metric("Balancing failures", f"{len(unbalanced):,}",
              help="Loaded and posted (flagged, not dropped): take these up with the payer")
    st.dataframe(unbalanced, hide_index=True, key="claims_unbalanced_remits",
                 column_order=["source_file_name", "transaction_control_number", "claim_id", "line_number",
                               "balancing_rule", "rule_text", "expected_amount", "reported_amount", "difference_amount",
                               "payer_name", "payment_date"])

st.subheader("Claim lines failing a rule")
if failures.empty:
    st.info("No claim line fails a pre-submission rule with these filters.")
    st.stop()
st.bar_chart(failures.groupby("rule_name").size().rename("lines"))
st.dataframe(
    failures, hide_index=True,
    column_order=["claim_id", "line_number", "location_id", "payer_name", "service_date", "procedure_code",
                  "modifiers", "units", "rule_name", "failure_detail", "fix"],
    key="claims_failures",
)
ui.csv_download(user, failures, what="claim lines failing a rule", file_name=f"claim_audit_{snapshot.as_of_date}.csv",
                key="claims_export")
claim = st.selectbox("Claim", options=sorted(failures["claim_id"].unique()), key="claims_pick")
for _, row in failures[failures["claim_id"] == claim].iterrows():
    st.markdown(f"**Line {row['line_number']} · {ui.plain(row['procedure_code'])} · {ui.plain(row['rule_name'])}**: "
                f"{ui.plain(row['failure_detail'])}  \nFix: {ui.plain(row['fix'])}")
