"""Claim audit: clean-claim rate per location and payer against the 95% benchmark, visits reconciled
against claims and payments, unbalanced remits, and the claim lines that fail a pre-submission rule, each
with its fix (claims area)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

BENCHMARK = 0.95  # used only when the published data has no KPI mart (which carries the seed's benchmark)

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
chosen_rules = filters[2].multiselect(
    "Rule", options=rule_options, format_func=ui.value_label, key="claims_filter_rules"
)
open_only = filters[3].toggle(
    "Not yet answered",
    value=True,
    key="claims_filter_open",
    help="Claims no 835 has answered yet: still fixable before they go out",
)

claims_total = int(rates["claim_count"].sum()) if not rates.empty else 0
clean_total = int(rates["clean_claim_count"].sum()) if not rates.empty else 0
failures = failures_all
if chosen_rules:
    failures = failures[failures["rule_name"].isin(chosen_rules)]
if open_only:
    failures = failures[~failures["is_remitted"].astype(bool)]

month_col, rate_col, claims_col, fix_col, money_col = st.columns(5)
# This month's rate is the Overview's KPI, from the same mart and the same calculation, so the two pages agree.
try:
    kpi = data.kpi_summary(data.kpis_monthly(user, location_ids=chosen_locations))
except data.MartMissing:
    kpi = pd.DataFrame()
clean_kpi = kpi[kpi["kpi"] == "clean_claim_rate"] if not kpi.empty else kpi
benchmark = BENCHMARK
if not clean_kpi.empty:
    row = clean_kpi.iloc[0]
    benchmark = row["benchmark"] if row["benchmark"] is not None else BENCHMARK
    month_col.metric(
        "Clean-claim rate this month",
        ui.percent(row["this_month"]),
        help="The Overview's KPI: first-pass clean claims of the as-of month (location filter applies).",
    )
# The Overview's other claims KPIs, also from the KPI mart (definitions: docs/domain-reference-claims.md, KPIs).
CLAIMS_KPI_HELP = {
    "initial_denial_rate_count": "Claims whose first 835 answer denied a line / claims answered this month "
    "(contractual write-downs such as CO-45 are not denials).",
    "ar_over_90_rate": "Open A/R dollars (unanswered, denied and partly paid balances) for service more than "
    "90 days ago / all open A/R dollars.",
}
if not kpi.empty:
    kpi_cols = st.columns(len(CLAIMS_KPI_HELP))
    for col, (name, help_text) in zip(kpi_cols, CLAIMS_KPI_HELP.items(), strict=True):
        row = kpi[kpi["kpi"] == name]
        if not row.empty:
            col.metric(
                f"{ui.plain(row.iloc[0]['kpi_label'])} this month",
                ui.percent(row.iloc[0]["this_month"]),
                help=help_text,
            )
overall = clean_total / claims_total if claims_total else None
change = round((overall - benchmark) * 100, 1) if overall is not None else 0
rate_col.metric(
    "Clean-claim rate",
    ui.percent(overall),
    delta=f"{change:+.1f} pts vs the {ui.percent(benchmark)} benchmark" if change else None,
    help="Every claim audited in the snapshot, all months.",
)
claims_col.metric("Claims audited", f"{claims_total:,}")
fix_col.metric("Claims to fix", f"{failures['claim_id'].nunique():,}")
# The Overview's claims area counts each unanswered failing claim at what its contract allows (the priced amount).
at_risk = data.claim_audit_claims_at_risk(user, location_ids=chosen_locations, payer_ids=chosen_payers)
money_col.metric(
    "At risk on those claims",
    ui.format_money(at_risk[at_risk["claim_id"].isin(failures["claim_id"])]["dollars_at_risk"].sum()),
    help="What the contracts allow for the claims to fix that no 835 has answered yet (assistant rate, "
    "multiple-procedure reduction, no more than the charge): the amount the Overview counts.",
)

st.subheader("Clean-claim rate by location")
if rates.empty:
    st.info("No claims in scope.")
else:
    by_location = rates.groupby("location_id", as_index=False)[["claim_count", "clean_claim_count"]].sum()
    by_location["location_name"] = by_location["location_id"].map(location_names)
    by_location["clean_claim_rate"] = by_location["clean_claim_count"] / by_location["claim_count"]
    by_location["meets_benchmark"] = by_location["clean_claim_rate"] >= benchmark
    ui.table(
        user,
        by_location,
        key="claims_rate_by_location",
        columns=["location_name", "claim_count", "clean_claim_count", "clean_claim_rate", "meets_benchmark"],
        labels={"meets_benchmark": f"Meets the {ui.percent(benchmark)} benchmark"},
    )
    by_payer = rates.groupby(["payer_id", "payer_name"], as_index=False, dropna=False)[
        ["claim_count", "clean_claim_count", "failed_claim_count"]
    ].sum()
    by_payer["clean_claim_rate"] = by_payer["clean_claim_count"] / by_payer["claim_count"]
    st.subheader("By payer")
    ui.table(
        user,
        by_payer,
        key="claims_rate_by_payer",
        columns=["payer_name", "claim_count", "failed_claim_count", "clean_claim_rate"],
    )
    trend = (
        rates.assign(service_month=pd.to_datetime(rates["service_month"]))
        .groupby("service_month", as_index=False)[["claim_count", "clean_claim_count"]]
        .sum()
    )
    trend["rate"] = trend["clean_claim_count"] / trend["claim_count"]
    ui.line_chart(
        trend,
        x="service_month",
        y="rate",
        title="Clean-claim rate by month of service",
        x_title="Month of service",
        y_title="Clean-claim rate",
        y_format="%",
        key="claims_rate_trend",
    )

st.subheader("Visits reconciled against claims and payments")
reconciliation = data.visit_claim_reconciliation(user, location_ids=chosen_locations)
if reconciliation.empty:
    st.info("No visits in scope.")
else:
    by_status = reconciliation.groupby(["reconciliation_status", "is_exception"], as_index=False).agg(
        visits=("reconciliation_status", "size"), charges=("charge_amount", "sum"), paid=("net_paid_amount", "sum")
    )
    ui.table(
        user,
        by_status.sort_values(["is_exception", "visits"], ascending=[False, False]),
        key="claims_reconciliation_by_status",
        labels={"reconciliation_status": "Reconciliation"},
    )
    exceptions = reconciliation[reconciliation["is_exception"].astype(bool)]
    if exceptions.empty:
        st.success("Every visit is billed, every claim has a visit, and no payment sits on a voided visit.")
    else:
        ui.table(
            user,
            exceptions,
            key="claims_reconciliation_exceptions",
            columns=[
                "reconciliation_status",
                "visit_id",
                "claim_id",
                "location_id",
                "service_date",
                "appointment_status",
                "charge_amount",
                "claim_charge_amount",
                "net_paid_amount",
            ],
        )

st.subheader("Unbalanced remits")
unbalanced = data.unbalanced_remits(user, location_ids=chosen_locations)
if unbalanced.empty:
    st.success("Every 835 line, claim and transaction in scope balances.")
else:
    st.metric(
        "Balancing failures",
        f"{len(unbalanced):,}",
        help="Loaded and posted (flagged, not dropped): take these up with the payer",
    )
    ui.table(
        user,
        unbalanced,
        key="claims_unbalanced_remits",
        columns=[
            "source_file_name",
            "transaction_control_number",
            "claim_id",
            "line_number",
            "balancing_rule",
            "rule_text",
            "expected_amount",
            "reported_amount",
            "difference_amount",
            "payer_name",
            "payment_date",
        ],
    )

st.subheader("Payments that match no claim we sent")
# No location until the claim they answer arrives from the EHR, so only users with every location see them.
if data.ALL_LOCATIONS in user.locations:
    unmatched = data.unmatched_remits(user)
    if unmatched.empty:
        st.success("Every 835 line answers a claim we sent.")
    else:
        st.metric(
            "Unmatched payment lines",
            f"{len(unmatched):,}",
            help="Loaded and kept: they count in a clinic's figures once the claim they answer arrives",
        )
        ui.table(user, unmatched, key="claims_unmatched_remits")
else:
    st.info("Payments that match no claim have no clinic yet; a user with every location sees them here.")

st.subheader("Claim lines failing a rule")
if failures.empty:
    st.info("No claim line fails a pre-submission rule with these filters.")
    st.stop()
by_rule = failures.groupby("rule_name", as_index=False).size().rename(columns={"size": "lines"})
by_rule["rule"] = by_rule["rule_name"].map(ui.value_label)
ui.bar_chart(
    by_rule,
    x="rule",
    y="lines",
    title="Claim lines failing each rule",
    x_title="Rule",
    y_title="Claim lines",
    key="claims_rule_chart",
)
ui.table(
    user,
    failures,
    key="claims_failures",
    columns=[
        "claim_id",
        "line_number",
        "location_id",
        "payer_name",
        "service_date",
        "procedure_code",
        "modifiers",
        "units",
        "rule_name",
        "failure_detail",
        "fix",
    ],
)
ui.csv_download(
    user,
    failures,
    what="claim lines failing a rule",
    file_name=f"claim_audit_{snapshot.as_of_date}.csv",
    key="claims_export",
)
claim = st.selectbox("Claim", options=sorted(failures["claim_id"].unique()), key="claims_pick")
for _, row in failures[failures["claim_id"] == claim].iterrows():
    st.markdown(
        f"**Line {row['line_number']} · {ui.plain(row['procedure_code'])} · "
        f"{ui.plain(ui.value_label(row['rule_name']))}**: "
        f"{ui.plain(row['failure_detail'])}  \nFix: {ui.plain(row['fix'])}"
    )
