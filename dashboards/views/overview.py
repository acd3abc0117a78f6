"""Overview: which location is bleeding, how much, and from what?

Group roll-up or one clinic (the toggle), dollars leaked by area this month against last month, the
12-month trend, KPI tiles with benchmark, goal and prior month, the by-clinic comparison, the rows behind
every figure, location goals (directors) and the printable leak assessment; then what is at risk right now
and the top open actions.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, ui

GROUP = "group"
DRILL_DOWN_ROWS = 5000  # rows listed behind one figure (most dollars first); more are said to exist
# The page that lists each leak area's own rows (it reads ?location=).
AREA_PAGES = {
    "authorizations": "views/authorizations.py",
    "claims_denials": "views/denials.py",
    "underpayments": "views/denials.py",
    "schedule_gaps": "views/schedule.py",
    "credentialing": "views/credentialing.py",
    "intake": "views/intake.py",
}


def distinct_name(name: str, all_names) -> str:
    """The words that tell one clinic from the others, for a figure too narrow for the whole name ("Round Rock"
    of "Sunny Steps Pediatric Therapy - Round Rock"); the short name when the clinics share no leading words."""
    shorts = [ui.short_clinic_name(n).split() for n in all_names]
    common = 0
    while all(len(words) > common + 1 and words[common] == shorts[0][common] for words in shorts):
        common += 1
    return " ".join(ui.short_clinic_name(name).split()[common:])


def money(value) -> str:
    return ui.format_money(value, missing="not measured")


user = ui.require_user()
st.title("Which location is bleeding, how much, and from what?")

try:
    snapshot = data.current_snapshot()
    summary = data.leak_summary(user)
except data.NoSnapshot as exc:
    st.info(str(exc))
    st.stop()

st.caption(f"Data as of {ui.format_date(snapshot.as_of_date)} · published {ui.format_datetime(snapshot.published_at)}")
if not summary.empty:
    summary["dollars_at_risk"] = summary["dollars_at_risk"].astype(float)


# ----- leaked by month ----------------------------------------------------------------------------
@st.cache_data(ttl=900, max_entries=256, show_spinner=False)
def monthly_figures(snapshot_path: str, _user, scope_key: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The monthly leak and KPI frames of one snapshot for one scope, cached across reruns: every widget
    on this page reruns it, and each DuckDB open costs ~60 ms. A new snapshot path is a new cache entry."""
    return data.leak_monthly(_user), data.kpis_monthly(_user)


try:
    # Keyed by the user's role and locations (what scoping depends on), so no two scopes share an entry.
    monthly, kpis = monthly_figures(str(snapshot.path), user, (user.role, *sorted(user.locations)))
except data.MartMissing as exc:
    st.info(str(exc))
    monthly = kpis = None

if monthly is not None and not monthly.empty:
    names = monthly.drop_duplicates("location_id").set_index("location_id")["location_name"].to_dict()
    location_ids = sorted(names)
    options = ([GROUP] if len(location_ids) > 1 else []) + location_ids
    scope = st.radio(
        "Show",
        options,
        horizontal=True,
        key="overview_scope",
        format_func=lambda o: "Whole group" if o == GROUP else f"{ui.plain(names[o])} ({o})",
    )
    chosen = location_ids if scope in (None, GROUP) else [scope]
    scope_name = "the group" if scope in (None, GROUP) else names[scope]
    selected = monthly[monthly["location_id"].isin(chosen)]
    selected_kpis = kpis[kpis["location_id"].isin(chosen)]
    goals = data.kpi_goals(user)
    ranked = data.rank_areas(selected)
    month_labels = (
        selected.drop_duplicates("months_back")
        .set_index("months_back")["month_start"]
        .map(lambda d: pd.Timestamp(d).strftime("%B %Y"))
        .to_dict()
    )

    # ----- the headline: one definition (dollars leaked this month), at risk as a second figure -------
    as_of = pd.Timestamp(snapshot.as_of_date)
    this_start = pd.Timestamp(as_of.year, as_of.month, 1)
    last_start = this_start - pd.DateOffset(months=1)
    days = as_of.day
    same_days = data.leaked_to_day(user, last_start.date(), days, location_ids=chosen)
    leaked_by_clinic = (
        selected[selected["months_back"] == 0]
        .assign(leaked_amount=lambda f: f["leaked_amount"].astype(float))
        .groupby("location_id")["leaked_amount"]
        .sum(min_count=1)
        .fillna(0.0)
    )
    leaked_by_clinic = leaked_by_clinic.reindex(chosen, fill_value=0.0).sort_values(ascending=False, kind="stable")
    leader = leaked_by_clinic.index[0] if leaked_by_clinic.max() > 0 else None
    headline = float(leaked_by_clinic.sum())
    previous = float(same_days["leaked_amount"].astype(float).sum()) if not same_days.empty else 0.0
    period = f"{this_start:%b} 1–{days}" if days > 1 else f"{this_start:%b} 1"
    same_period = f"{last_start:%b} 1–{days}" if days > 1 else f"{last_start:%b} 1"
    at_risk_now = summary[summary["location_id"].isin(chosen)]["dollars_at_risk"].sum() if not summary.empty else 0.0
    head_col, risk_col, leader_col = st.columns(3)
    head_col.metric(
        f"Leaked this month ({period})",
        money(headline),
        ui.money_delta(headline, previous, against=f"the same days of {last_start:%B}"),
        delta_color="inverse",
        help=f"Dollars lost for good so far this month at {scope_name}: denied, underpaid, unfilled, "
        f"unbillable or never converted. Compared with {same_period}, not with a whole month.",
    )
    risk_col.metric(
        "At risk now (not yet leaked)",
        ui.format_money(at_risk_now),
        help="Open items flagged today that can still be saved: expiring authorizations, booking "
        "checks, claims to fix, eligibility and credentialing holds.",
    )
    leader_col.metric(
        "Leaks most this month",
        ui.plain(distinct_name(names[leader], names.values())) if leader else "No leaks yet",  # whole, not cut
        money(leaked_by_clinic[leader]) if leader else None,
        delta_color="off",
        help=ui.plain(names[leader]) if leader else None,
    )

    st.subheader(f"Leaked at {ui.plain(scope_name)} by area, {period} against {same_period}")
    by_area_month = data.area_by_month(selected)
    sparklines = {
        area: frame.sort_values("month_start")["leaked_amount"].dropna().tolist()
        for area, frame in by_area_month.groupby("leak_area")
    }
    same_days_by_area = data.leak_events(user, location_ids=chosen, month_start=last_start.date(), limit=1_000_000)
    same_days_by_area = (
        same_days_by_area[pd.to_datetime(same_days_by_area["event_date"]).dt.day <= days]
        .groupby("leak_area")["leaked_amount"]
        .sum()
        if not same_days_by_area.empty
        else pd.Series()
    )
    tiles = st.columns(3)
    for i, area in enumerate(
        ranked.sort_values("leak_area", key=lambda s: s.map(list(data.leak_areas()).index)).itertuples(index=False)
    ):
        before = float(same_days_by_area.get(area.leak_area, 0.0)) if area.this_month is not None else None
        tiles[i % 3].metric(
            area.leak_area_label,
            money(area.this_month),
            ui.money_delta(area.this_month, before, against=f"{same_period}"),
            delta_color="inverse",
            chart_data=sparklines.get(area.leak_area),
            chart_type="bar",
            help=f"Bars: the last {len(sparklines.get(area.leak_area, []))} measured months.",
        )

    st.subheader("Twelve-month trend")
    trend = by_area_month.dropna(subset=["leaked_amount"])
    unmeasured = by_area_month[by_area_month["leaked_amount"].isna()]
    for area, _frame in unmeasured.groupby("leak_area"):
        first_measured = trend[trend["leak_area"] == area]["month_start"].min()
        since = f"from {pd.Timestamp(first_measured):%B %Y}" if pd.notna(first_measured) else "in no month yet"
        st.caption(
            f"{data.leak_area_label(area)} is measured {since}: its inputs do not reach further back, so "
            "earlier bars leave it out rather than count it as zero."
        )
    st.altair_chart(
        alt.Chart(trend, title="Dollars leaked per month, by leak area")
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month_start):O", title="Month", axis=alt.Axis(labelLimit=0)),
            y=alt.Y("sum(leaked_amount):Q", title="Dollars leaked", axis=alt.Axis(format="$,.0f")),
            color=alt.Color("leak_area_label:N", title="Leak area", legend=alt.Legend(labelLimit=0)),
            tooltip=[
                alt.Tooltip("yearmonth(month_start):O", title="Month"),
                alt.Tooltip("leak_area_label:N", title="Leak area"),
                alt.Tooltip("leaked_amount:Q", title="Dollars leaked", format="$,.2f"),
                alt.Tooltip("event_count:Q", title="Items"),
            ],
        ),
        key="overview_trend_chart",
    )

    st.subheader("KPIs")
    kpi_rows = data.kpi_summary(selected_kpis, goals, scope if scope not in (None, GROUP) else None)
    kpi_cols = st.columns(len(kpi_rows) or 1)
    for col, k in zip(kpi_cols, kpi_rows.itertuples(index=False), strict=False):
        delta = None
        if k.this_month is not None and k.prior_month is not None:
            change = round((k.this_month - k.prior_month) * 100, 1)
            delta = f"{change:+.1f} pts vs last month" if change else None
        col.metric(
            ui.plain(k.kpi_label),
            ui.percent(k.this_month),
            delta,
            delta_color="normal" if k.higher_is_better else "inverse",
            help=ui.plain(f"Benchmark: {k.benchmark_population}; {k.benchmark_source}. {k.benchmark_verification}"),
        )
        col.caption(
            f"Last month {ui.percent(k.prior_month)} · benchmark {ui.percent(k.benchmark)} · "
            f"goal {ui.percent(k.goal)}{' (set)' if k.goal_is_set else ''}"
        )

    if scope in (None, GROUP):
        st.subheader(f"By clinic, {period}")
        this_month = selected[selected["months_back"] == 0].assign(
            leaked_amount=lambda f: f["leaked_amount"].astype(float).fillna(0.0),
            leak_area_label=lambda f: f["leak_area"].map(data.leak_area_label),
            clinic=lambda f: f["location_name"].map(ui.short_clinic_name),
        )
        per_area = this_month.pivot_table(
            index="location_id", columns="leak_area", values="leaked_amount", aggfunc="sum", fill_value=0
        )
        by_clinic = pd.DataFrame(
            {
                "clinic": [names[loc] for loc in leaked_by_clinic.index],
                "leaked_dollars_this_month": leaked_by_clinic.to_numpy(),
                "leaked_dollars_same_days_last_month": [
                    float(same_days.set_index("location_id")["leaked_amount"].astype(float).get(loc, 0.0))
                    for loc in leaked_by_clinic.index
                ],
                **{
                    f"{data.leak_area_label(area)} dollars": per_area.reindex(leaked_by_clinic.index, fill_value=0)[
                        area
                    ].to_numpy()
                    for area in per_area.columns
                },
            }
        )
        # The headline's order (a rank, not the names, so no clinic name goes into the chart's spec).
        rank = {loc: i for i, loc in enumerate(leaked_by_clinic.index)}
        this_month["rank"] = this_month["location_id"].map(rank)
        st.altair_chart(
            alt.Chart(this_month, title=f"Dollars leaked {period}, by clinic and leak area")
            .mark_bar()
            .encode(
                y=alt.Y(
                    "clinic:N",
                    title="Clinic",
                    sort=alt.EncodingSortField("rank", op="min"),
                    axis=alt.Axis(labelLimit=0),
                ),
                x=alt.X("sum(leaked_amount):Q", title=f"Dollars leaked ({period})", axis=alt.Axis(format="$,.0f")),
                color=alt.Color("leak_area_label:N", title="Leak area", legend=alt.Legend(labelLimit=0)),
                tooltip=[
                    alt.Tooltip("location_name:N", title="Clinic"),
                    alt.Tooltip("leak_area_label:N", title="Leak area"),
                    alt.Tooltip("sum(leaked_amount):Q", title="Dollars leaked", format="$,.2f"),
                ],
            ),
            key="overview_by_clinic_chart",
        )
        ui.table(
            user,
            by_clinic,
            key="overview_by_clinic",
            labels={
                "leaked_dollars_this_month": f"Leaked {period}",
                "leaked_dollars_same_days_last_month": f"Leaked {same_period}",
            },
        )

    # ----- drill-down: the rows behind a figure -------------------------------------------------------
    st.subheader("The rows behind a figure")
    area_col, month_col = st.columns(2)
    drill_area = area_col.selectbox(
        "Leak area", list(data.leak_areas()), format_func=data.leak_area_label, key="overview_drill_area"
    )
    months_available = sorted(month_labels, reverse=False)
    drill_month = month_col.selectbox(
        "Month", months_available, format_func=month_labels.get, key="overview_drill_month"
    )
    month_start = selected.loc[selected["months_back"] == drill_month, "month_start"].iloc[0]
    rows = data.leak_events(
        user, location_ids=chosen, leak_areas=[drill_area], month_start=month_start, limit=DRILL_DOWN_ROWS
    )
    shown = f"the {len(rows):,} largest rows" if len(rows) == DRILL_DOWN_ROWS else f"{len(rows):,} rows"
    st.caption(
        f"{shown} · {money(rows['leaked_amount'].astype(float).sum() if len(rows) else 0)} "
        f"· {data.leak_area_label(drill_area)} at {ui.plain(scope_name)}, {month_labels[drill_month]}"
    )
    if len(rows) == DRILL_DOWN_ROWS:
        st.caption(
            f"Only the {DRILL_DOWN_ROWS:,} largest rows are listed here, so their sum is below the monthly "
            "figure; narrow to one clinic, or open the area's page for every row."
        )
    ui.table(user, rows, key="overview_drill_rows")
    ui.csv_download(
        user,
        rows,
        what=f"leak rows: {drill_area}",
        file_name=f"leak-rows-{drill_area}-{month_start:%Y-%m}-{snapshot.as_of_date}.csv",
        key="overview_drill_export",
    )
    if st.button(
        f"Open the {data.leak_area_label(drill_area).lower()} page",
        key="overview_open_area",
        icon=":material/open_in_new:",
    ):
        params = {} if scope in (None, GROUP) else {"location": scope}
        st.switch_page(AREA_PAGES[drill_area], query_params=params)

    # ----- goals (directors and admins) ---------------------------------------------------------------
    if user.role in data.GOAL_ROLES:
        saved_message = st.session_state.pop("overview_goal_saved", None)
        with st.expander("Location goals", icon=":material/flag:", expanded=saved_message is not None):
            if saved_message:
                st.success(saved_message)
            goal_location = st.selectbox(
                "Location", location_ids, format_func=lambda o: f"{names[o]} ({o})", key="overview_goal_location"
            )
            labels = kpis.drop_duplicates("kpi").set_index("kpi")["kpi_label"].to_dict()
            benchmarks = kpis.drop_duplicates("kpi").set_index("kpi")["benchmark_value"].to_dict()
            with st.form("overview_goal_form"):
                entered = {}
                for kpi in data.KPIS:
                    current = goals.get((goal_location, kpi), benchmarks.get(kpi))
                    entered[kpi] = st.number_input(
                        f"{ui.plain(labels.get(kpi, kpi))} goal (%)",
                        min_value=0.0,
                        max_value=100.0,
                        step=0.5,
                        value=None if current is None or pd.isna(current) else round(float(current) * 100, 2),
                        key=f"overview_goal_{goal_location}_{kpi}",  # per location: no value carried over
                        help=f"Benchmark {ui.percent(benchmarks.get(kpi))}. Empty = use the benchmark.",
                    )
                saved = st.form_submit_button("Save goals", key="overview_goal_save")
            if saved:
                changed = 0
                for kpi, value in entered.items():
                    new_goal = None if value is None else round(value / 100, 6)
                    benchmark = benchmarks.get(kpi)
                    if (
                        new_goal is not None
                        and benchmark is not None
                        and not pd.isna(benchmark)
                        and (goal_location, kpi) not in goals
                        and abs(new_goal - float(benchmark)) < 1e-9
                    ):
                        continue  # the untouched default: keep following the benchmark
                    if goals.get((goal_location, kpi)) != new_goal:
                        data.set_kpi_goal(user, goal_location, kpi, new_goal)
                        changed += 1
                st.session_state["overview_goal_saved"] = (
                    f"Saved {changed} goal change(s) for {ui.plain(names[goal_location])}."
                )
                st.rerun()  # redraw the KPI tiles above with the new goals

    # ----- printable leak assessment -------------------------------------------------------------------
    st.subheader("Leak assessment")
    assess_location = st.selectbox(
        "Location",
        location_ids,
        format_func=lambda o: f"{names[o]} ({o})",
        key="overview_assessment_location",
        index=location_ids.index(scope) if scope in location_ids else 0,
    )
    html = ui.render_assessment(
        location_id=assess_location,
        location_name=names[assess_location],
        as_of_date=snapshot.as_of_date,
        monthly=monthly,
        kpis=kpis,
        goals=goals,
    )
    ui.audited_download(
        user,
        label="Download the printable assessment (HTML)",
        data=html,
        file_name=f"leak-assessment-{assess_location}-{snapshot.as_of_date}.html",
        mime="text/html",
        what="leak_assessment",
        location_ids=[assess_location],
        row_count=int(monthly["location_id"].eq(assess_location).sum()),
        key="overview_assessment_download",
    )

# ----- open at-risk items by location (current state) ---------------------------------------------
if not summary.empty and (monthly is None or monthly.empty):  # no monthly figures: at risk is the one figure left
    st.metric(
        "At risk now (not yet leaked)",
        ui.format_money(summary["dollars_at_risk"].sum()),
        help="Open items flagged today that can still be saved.",
    )
if not summary.empty:
    st.subheader("At risk now (not yet leaked), by clinic and leak area")
    st.caption("Clinics in the same order as above (most leaked this month first).")
    per_location = summary.pivot_table(
        index=["location_id", "location_name"],
        columns="leak_area",
        values=["dollars_at_risk", "flagged_count"],
        aggfunc="sum",
        fill_value=0,
    )
    per_location.columns = [
        f"{data.leak_area_label(area)} {'dollars at risk' if measure == 'dollars_at_risk' else 'items flagged'}"
        for measure, area in per_location.columns
    ]
    per_location["Total dollars at risk"] = summary.groupby(["location_id", "location_name"])["dollars_at_risk"].sum()
    per_location = per_location.reset_index()
    leak_order = (
        {loc: i for i, loc in enumerate(leaked_by_clinic.index)} if monthly is not None and not monthly.empty else {}
    )
    per_location = per_location.sort_values(
        "location_id", key=lambda s: s.map(lambda loc: leak_order.get(loc, len(leak_order))), kind="stable"
    )
    ui.table(user, per_location.drop(columns=["location_id"]), key="overview_locations")

    st.markdown("**Open the authorizations at risk at a location**")
    drill_columns = st.columns(min(len(per_location), 4))
    for i, row in enumerate(per_location.itertuples(index=False)):
        if drill_columns[i % len(drill_columns)].button(
            f"{ui.plain(row.location_name)}: authorizations",
            key=f"overview_drill_{row.location_id}",
            icon=":material/table_rows:",
        ):
            st.switch_page("views/authorizations.py", query_params={"location": row.location_id})

st.subheader("Top open actions by money and due date")
top = data.top_open_actions(user, limit=10)
if not top:
    st.info("No open drafted actions at your locations.")
else:
    queue = pd.DataFrame(top)
    queue["dollars_at_stake"] = queue["dollars_at_stake"].astype(float)
    queue["type"] = queue["action_type"].map(data.action_type_label)
    ui.table(
        user,
        queue,
        columns=["title", "type", "location_id", "dollars_at_stake", "due_date", "assigned_role"],
        key="overview_top_actions",
    )
    if st.button("Work these on the approval board", key="overview_open_board", icon=":material/task_alt:"):
        st.switch_page("views/board.py", query_params={"action": top[0]["action_id"]})
