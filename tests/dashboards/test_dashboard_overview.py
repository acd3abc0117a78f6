"""The director's leak overview: monthly leak and KPI figures, scope, drill-down, goals and the assessment.

The shared tiny snapshot (conftest) is extended here with the three leak_summary marts for L01/L02 over the
twelve months to 2026-03-02, with numbers chosen so each figure has one right answer.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

MONTHS = [date(2025 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(12)]  # 2025-04-01 .. 2026-03-01
AREAS = ["authorizations", "claims_denials", "underpayments", "schedule_gaps", "credentialing", "intake"]
KPI_ROWS = [  # kpi, label, benchmark, higher_is_better
    ("clean_claim_rate", "First-pass clean-claim rate", 0.95, True),
    ("initial_denial_rate_count", "Initial denial rate (claims)", 0.05, False),
    ("initial_denial_rate_dollars", "Initial denial rate (dollars)", 0.05, False),
    ("ar_over_90_rate", "A/R over 90 days", 0.15, False),
    ("kept_visit_rate", "Kept-visit rate", 0.85, True),
]


def _l01_amount(area: str, months_back: int):
    """L01 leaks $1,000 of denials every month, $50 of underpayments, $400 of schedule gaps in the three
    measured months (older months are not measured), $300 of authorizations this month and $100 last month."""
    if area == "claims_denials":
        return 1000.0
    if area == "underpayments":
        return 50.0
    if area == "schedule_gaps":
        return 400.0 if months_back <= 2 else None
    if area == "authorizations":
        return {0: 300.0, 1: 100.0}.get(months_back, 0.0)
    return 0.0


def _l02_amount(area: str, months_back: int):
    if area == "schedule_gaps" and months_back > 2:
        return None
    return 5000.0 if area == "intake" and months_back == 0 else 0.0


def _monthly_frame() -> pd.DataFrame:
    rows = []
    for location_id, name, amount in (
        ("L01", "Northside Clinic", _l01_amount),
        ("L02", "Eastside Clinic", _l02_amount),
    ):
        for area in AREAS:
            for i, month in enumerate(MONTHS):
                months_back = 11 - i
                value = amount(area, months_back)
                rows.append(
                    {
                        "location_id": location_id,
                        "location_name": name,
                        "leak_area": area,
                        "month_start": month,
                        "months_back": months_back,
                        "is_as_of_month": months_back == 0,
                        "is_measured": value is not None,
                        "event_count": None if value is None else int(value > 0),
                        "leaked_amount": value,
                        "as_of_date": date(2026, 3, 2),
                    }
                )
    return pd.DataFrame(rows)


def _kpi_frame() -> pd.DataFrame:
    rows = []
    for location_id, name in (("L01", "Northside Clinic"), ("L02", "Eastside Clinic")):
        for kpi, label, benchmark, higher in KPI_ROWS:
            for i, month in enumerate(MONTHS):
                months_back = 11 - i
                # L01 clean claims: 90 of 100 a month, none yet this month (null, not 0%).
                numerator, denominator = (90.0, 100.0) if months_back > 0 else (0.0, 0.0)
                if location_id == "L02":
                    numerator, denominator = 99.0, 100.0
                rows.append(
                    {
                        "location_id": location_id,
                        "location_name": name,
                        "month_start": month,
                        "months_back": months_back,
                        "kpi": kpi,
                        "kpi_label": label,
                        "numerator": numerator,
                        "denominator": denominator,
                        "kpi_value": numerator / denominator if denominator else None,
                        "benchmark_value": benchmark,
                        "higher_is_better": higher,
                        "benchmark_population": "Test population",
                        "benchmark_denominator": "claims",
                        "benchmark_source": "Test source",
                        "benchmark_verification": "UNVERIFIED",
                    }
                )
    return pd.DataFrame(rows)


EVENTS = pd.DataFrame(
    [
        {
            "leak_area": "authorizations",
            "location_id": "L01",
            "payer_id": "P-AET",
            "event_date": date(2026, 3, 1),
            "month_start": date(2026, 3, 1),
            "record_type": "visit",
            "record_id": "V-L01-1",
            "leak_reason": "kept visit with no approved authorization covering its date",
            "leaked_amount": 200.0,
        },
        {
            "leak_area": "authorizations",
            "location_id": "L01",
            "payer_id": "P-AET",
            "event_date": date(2026, 3, 2),
            "month_start": date(2026, 3, 1),
            "record_type": "visit",
            "record_id": "V-L01-2",
            "leak_reason": "kept visit with no approved authorization covering its date",
            "leaked_amount": 100.0,
        },
        {
            "leak_area": "authorizations",
            "location_id": "L01",
            "payer_id": "P-AET",
            "event_date": date(2026, 2, 27),
            "month_start": date(2026, 2, 1),
            "record_type": "visit",
            "record_id": "V-L01-FEB",
            "leak_reason": "kept visit with no approved authorization covering its date",
            "leaked_amount": 100.0,
        },
        {
            "leak_area": "intake",
            "location_id": "L02",
            "payer_id": None,
            "event_date": date(2026, 3, 1),
            "month_start": date(2026, 3, 1),
            "record_type": "referral",
            "record_id": "R-L02-1",
            "leak_reason": "referral declined without an evaluation",
            "leaked_amount": 5000.0,
        },
    ]
)


@pytest.fixture
def leak_snapshot(snapshot):
    monthly, kpis, events = _monthly_frame(), _kpi_frame(), EVENTS  # noqa: F841 (read by duckdb by name)
    with duckdb.connect(str(snapshot)) as con:
        con.execute("create table fct_location_leak_monthly as select * from monthly")
        con.execute("create table fct_location_kpis_monthly as select * from kpis")
        con.execute("create table fct_leak_events as select * from events")
    return snapshot


def _frame(at, column: str) -> pd.DataFrame:
    """The first table on the page with this column (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _metric(at, label: str) -> str:
    from dashboards.markdown_text import plain

    return next(m.value for m in at.metric if m.label in (label, plain(label)))  # KPI labels come from the data


# ----- the page --------------------------------------------------------------------------------


def test_director_sees_the_group_then_one_clinic(leak_snapshot, ledger, app_test, rendered_text, director):
    at = app_test("overview", user=director).run()
    assert not at.exception, at.exception
    assert at.radio(key="overview_scope").options == ["Whole group", "Northside Clinic (L01)", "Eastside Clinic (L02)"]
    # This month: L01 1,000 + 300 + 50 + 400 = 1,750; L02 5,000 of intake. Last month: L01 1,000 + 100 + 50 + 400.
    assert _metric(at, "Leaked this month (Mar 1–2)") == "$6,750.00"
    assert _metric(at, "Authorizations") == "$300.00"
    assert _metric(at, "Intake") == "$5,000.00"
    assert "By clinic, Mar 1–2" in [s.value for s in at.subheader]
    by_clinic = _frame(at, "Leaked Mar 1–2")
    assert by_clinic["Clinic"].tolist() == ["Eastside Clinic", "Northside Clinic"]  # most leaked this month first
    # One story: the headline is the sum of the clinic rows, and the clinic that leaks most leads every section.
    assert float(by_clinic["Leaked Mar 1–2"].sum()) == 6750.0
    assert _metric(at, "Leaks most this month") == "Eastside"  # the short name, as in the charts
    # A partial month (Mar 1-2) is compared with the same days of February (the Feb 27 row is not counted).
    headline = next(m for m in at.metric if m.label == "Leaked this month (Mar 1–2)")
    assert headline.delta == "+$6,750.00 vs the same days of February"
    assert _frame(at, "Total dollars at risk")["Clinic"].tolist()[0] == "Eastside Clinic"

    at.radio(key="overview_scope").set_value("L01").run()
    assert not at.exception
    assert _metric(at, "Leaked this month (Mar 1–2)") == "$1,750.00"
    assert "By clinic, Mar 1–2" not in [s.value for s in at.subheader]


def test_kpi_tiles_show_null_not_zero_and_the_prior_month(leak_snapshot, ledger, app_test, director):
    at = app_test("overview", user=director).run()
    at.radio(key="overview_scope").set_value("L01").run()
    assert _metric(at, "First-pass clean-claim rate") == "not measured"  # no claims yet this month
    captions = " ".join(c.value for c in at.caption)
    assert "Last month 90.0% · benchmark 95.0% · goal 95.0%" in captions


def test_single_location_user_sees_only_their_location(leak_snapshot, ledger, app_test, rendered_text, frontdesk_l01):
    at = app_test("overview", user=frontdesk_l01).run()
    assert not at.exception, at.exception
    assert at.radio(key="overview_scope").options == ["Northside Clinic (L01)"]
    assert _metric(at, "Leaked this month (Mar 1–2)") == "$1,750.00"
    text = rendered_text(at)
    for l02_value in ("L02", "Eastside", "R-L02-1", "5,000"):
        assert l02_value not in text, l02_value
    # No goal editor for a front desk user.
    assert not [w for w in at.number_input if w.key.startswith("overview_goal_")]


def test_data_layer_never_returns_another_locations_rows(leak_snapshot, ledger, frontdesk_l01):
    from dashboards import data

    assert set(data.leak_monthly(frontdesk_l01)["location_id"]) == {"L01"}
    assert set(data.kpis_monthly(frontdesk_l01)["location_id"]) == {"L01"}
    assert data.leak_events(frontdesk_l01, location_ids=["L02"]).empty
    assert set(data.leak_events(frontdesk_l01)["record_id"]) == {"V-L01-1", "V-L01-2", "V-L01-FEB"}
    with pytest.raises(ValueError, match="unknown leak areas"):
        data.leak_events(frontdesk_l01, leak_areas=["authorizations; drop table x"])


def test_drill_down_lists_the_rows_of_the_chosen_area_and_month(leak_snapshot, ledger, app_test, director):
    at = app_test(user=director).run()  # the router, so the area page link can be followed
    at.radio(key="overview_scope").set_value("L01").run()
    at.selectbox(key="overview_drill_area").set_value("authorizations").run()
    rows = _frame(at, "Record")
    assert rows["Record"].tolist() == ["V-L01-1", "V-L01-2"]  # this month only, most money first
    at.selectbox(key="overview_drill_month").set_value(1).run()
    assert _frame(at, "Record")["Record"].tolist() == ["V-L01-FEB"]

    at.button(key="overview_open_area").click().run()
    assert not at.exception
    assert at.title[0].value == "Authorization burn-down"
    assert at.multiselect(key="auth_filter_locations").value == ["L01"]


def test_overview_says_so_when_the_snapshot_predates_the_monthly_marts(snapshot, ledger, app_test, director):
    at = app_test("overview", user=director).run()
    assert not at.exception, at.exception
    assert any("no monthly leak figures yet" in i.value for i in at.info)
    assert at.metric[0].value == "$1,440.00"  # the at-risk-now figures still show


# ----- goals -------------------------------------------------------------------------------------


def test_director_sets_a_goal_and_the_change_is_audited(leak_snapshot, ledger, app_test, director):
    from dashboards import data

    at = app_test("overview", user=director).run()
    at.selectbox(key="overview_goal_location").set_value("L01").run()
    assert at.number_input(key="overview_goal_L01_clean_claim_rate").value == 95.0  # defaults to the benchmark
    at.number_input(key="overview_goal_L01_clean_claim_rate").set_value(97.0)
    at.button(key="overview_goal_save").click().run()
    assert not at.exception, at.exception
    assert "Saved 1 goal change(s) for Northside Clinic." in [s.value for s in at.success]
    # Only the changed KPI is stored; the untouched ones keep following the benchmark.
    assert data.kpi_goals(director) == {("L01", "clean_claim_rate"): 0.97}
    events = ledger.audit_events(director, event_types=["goal_changed"])
    assert [(e["actor"], e["location_id"]) for e in events] == [("director", "L01")]
    assert '"new_goal":0.97' in events[0]["detail_json"].replace(" ", "")

    at.radio(key="overview_scope").set_value("L01").run()
    assert "goal 97.0% (set)" in " ".join(c.value for c in at.caption)


def test_only_directors_and_admins_set_goals_within_their_locations(leak_snapshot, ledger, make_user, frontdesk_l01):
    from dashboards import data
    from dashboards.data import GoalNotAllowed

    with pytest.raises(GoalNotAllowed):
        data.set_kpi_goal(frontdesk_l01, "L01", "clean_claim_rate", 0.9)
    director_l01 = make_user("director_l01", "director", {"L01"})
    with pytest.raises(GoalNotAllowed):
        data.set_kpi_goal(director_l01, "L02", "clean_claim_rate", 0.9)
    with pytest.raises(ValueError, match="between 0 and 1"):
        data.set_kpi_goal(director_l01, "L01", "clean_claim_rate", 1.5)
    data.set_kpi_goal(director_l01, "L01", "kept_visit_rate", 0.9)
    data.set_kpi_goal(director_l01, "L01", "kept_visit_rate", None)  # back to the benchmark
    assert data.kpi_goals(director_l01) == {}
    details = [
        e["detail_json"] for e in ledger.audit_events(make_user("admin", "admin", {"*"}), event_types=["goal_changed"])
    ]
    assert len(details) == 2  # set, then cleared; the refused attempts wrote nothing


# ----- the printable assessment ------------------------------------------------------------------


def test_assessment_ranks_areas_by_annualized_leak():
    from dashboards.data import rank_areas

    ranked = rank_areas(_monthly_frame().query("location_id == 'L01'"))
    # Denials 12 x 1,000; schedule gaps 1,200 over 3 measured months -> 4,800 a year; underpayments 600;
    # authorizations 400; nothing else.
    assert ranked["leak_area"].tolist()[:4] == ["claims_denials", "schedule_gaps", "underpayments", "authorizations"]
    assert ranked["annualized"].tolist()[:4] == [12000.0, 4800.0, 600.0, 400.0]
    assert ranked.set_index("leak_area").loc["schedule_gaps", "measured_months"] == 3


def test_assessment_html_is_escaped_and_names_what_closing_it_is_worth():
    from dashboards.ui import render_assessment

    monthly = _monthly_frame()
    monthly.loc[monthly["location_id"] == "L01", "location_name"] = "<b>North</b>"
    html = render_assessment(
        location_id="L01",
        location_name="<b>North</b>",
        as_of_date="2026-03-02",
        monthly=monthly,
        kpis=_kpi_frame(),
        goals={("L01", "clean_claim_rate"): 0.97},
    )
    assert "<b>North</b>" not in html and "&lt;b&gt;North&lt;/b&gt;" in html
    assert "$17,800.00" in html  # 12,000 + 4,800 + 600 + 400
    assert html.index("Claims and denials") < html.index("Schedule gaps") < html.index("Underpayments")
    assert "97.0% (set)" in html and "90.0%" in html  # goal, and L01's 12-month clean-claim rate 990/1,100
    assert "Eastside" not in html and "5,000" not in html
    assert "@media print" in html


def test_assessment_download_is_offered_for_the_chosen_location(leak_snapshot, ledger, app_test, director, monkeypatch):
    from dashboards import ui

    offered = []
    monkeypatch.setattr(ui, "audited_download", lambda user, **kwargs: offered.append((user, kwargs)))
    at = app_test("overview", user=director).run()
    at.selectbox(key="overview_assessment_location").set_value("L02").run()
    assert not at.exception
    user, kwargs = offered[-1]
    assert user == director
    assert kwargs["file_name"] == "leak-assessment-L02-2026-03-02.html" and kwargs["mime"] == "text/html"
    assert kwargs["location_ids"] == ["L02"] and kwargs["what"] == "leak_assessment"
    assert "Eastside Clinic" in kwargs["data"] and "Northside" not in kwargs["data"]


def test_claims_page_clean_claim_rate_is_the_overview_kpi(full_snapshot, ledger, app_test, director):
    """One mart, one calculation: the Claims page's clean-claim rate, initial denial rate and A/R over 90 days for
    this month are the Overview's KPI tiles, for the group and for one clinic."""
    overview = app_test("overview", user=director).run()
    claims = app_test("claims", user=director).run()
    assert not overview.exception and not claims.exception
    assert _metric(overview, "First-pass clean-claim rate") == _metric(claims, "Clean-claim rate this month")

    overview.radio(key="overview_scope").set_value("L02").run()
    claims.multiselect(key="claims_filter_locations").set_value(["L02"]).run()
    assert _metric(overview, "First-pass clean-claim rate") == _metric(claims, "Clean-claim rate this month")
    assert _metric(claims, "Clean-claim rate this month") == "99.0%"
    for label in ("Initial denial rate (claims)", "A/R over 90 days"):
        assert _metric(overview, label) == _metric(claims, f"{label} this month"), label
