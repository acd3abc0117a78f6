"""The monthly leak and KPI marts on what the pipeline really publishes: complete, consistent with the area
marts they summarise, and location-scoped through the data layer."""

from __future__ import annotations

import pytest

from ledger import User

pytestmark = pytest.mark.pipeline

AREAS = {"authorizations", "claims_denials", "underpayments", "schedule_gaps", "credentialing", "intake"}


def test_the_at_risk_summary_adds_up_its_sources_under_the_seed_leak_areas(pipeline):
    con = pipeline.snapshot()
    summary = {
        (location, area): (flagged, float(dollars))
        for location, area, flagged, dollars in con.execute(
            "select location_id, leak_area, flagged_count, dollars_at_risk from fct_location_leak_summary"
        ).fetchall()
    }
    assert {area for _, area in summary} == {"authorizations", "claims_denials", "credentialing"} < AREAS
    expected = {
        (location, area): (int(flagged), float(dollars))
        for location, area, flagged, dollars in con.execute(
            """
            with items as (
                select location_id, 'authorizations' as area, dollars_at_risk as amount
                from fct_authorization_burndown where is_flagged
                union all
                select location_id, 'claims_denials', dollars_at_risk from flag_claim_audit_failures
                union all
                select location_id, 'claims_denials', coalesce(expected_visit_amount, 0) from fct_eligibility_sweep
                where is_check_due or patient_id in (select patient_id from flag_coverage_changes)
                union all
                select location_id, 'credentialing', dollars_at_risk from fct_booking_checks where is_mismatch
                union all
                select location_id, 'credentialing', contracted_amount from fct_claim_enrollment_holds
                where hold_status = 'hold'
                union all
                select location_id, 'credentialing', dollars_at_risk from fct_scheduled_visit_billing
                where blocking_reason = 'credential_lapsed'
            )
            select location_id, area, count(*), sum(amount) from items group by all
            """
        ).fetchall()
    }
    assert expected and all(summary[key][0] == flagged for key, (flagged, _) in expected.items())
    assert all(abs(summary[key][1] - dollars) < 0.01 for key, (_, dollars) in expected.items())
    assert sum(flagged for flagged, _ in summary.values()) == sum(flagged for flagged, _ in expected.values())


def test_every_location_area_and_month_is_present(pipeline):
    con = pipeline.snapshot()
    locations = con.execute("select count(*) from dim_locations").fetchone()[0]
    rows, months, areas = con.execute(
        "select count(*), count(distinct month_start), count(distinct leak_area) from fct_location_leak_monthly"
    ).fetchone()
    assert (rows, months, areas) == (locations * 12 * 6, 12, 6)
    kpi_rows = con.execute("select count(*) from fct_location_kpis_monthly").fetchone()[0]
    assert kpi_rows == locations * 12 * 5
    bad = con.execute(
        "select count(*) from fct_location_kpis_monthly where kpi_value < 0 or kpi_value > 1 "
        "or (denominator = 0 and kpi_value is not null)"
    ).fetchone()[0]
    assert bad == 0


def test_monthly_figures_add_up_to_their_rows_and_the_area_marts(pipeline):
    con = pipeline.snapshot()
    # Every measured monthly figure is the sum of its drill-down rows.
    mismatched = con.execute("""
        select count(*) from fct_location_leak_monthly m
        left join (select location_id, leak_area, month_start, sum(leaked_amount) as amount, count(*) as n
                   from fct_leak_events group by all) e using (location_id, leak_area, month_start)
        where m.is_measured and (m.leaked_amount <> coalesce(e.amount, 0) or m.event_count <> coalesce(e.n, 0))
    """).fetchone()[0]
    assert mismatched == 0
    # Denied and underpaid dollars are exactly the area marts' dollars (every denial/payment is in the window
    # of this six-month dataset); a denial whose CARC nobody has classified yet is not counted until it is.
    assert (
        con.execute("select sum(leaked_amount) from fct_leak_events where leak_area = 'claims_denials'").fetchone()
        == con.execute("select sum(dollars_at_risk) from fct_denials where is_denial_classified").fetchone()
    )
    assert con.execute("select count(*) from fct_denials where not is_denial_classified").fetchone()[0] > 0
    assert (
        con.execute("select sum(leaked_amount) from fct_leak_events where leak_area = 'underpayments'").fetchone()
        == con.execute("select sum(variance_amount) from fct_underpayments").fetchone()
    )
    found = {r[0] for r in con.execute("select distinct leak_area from fct_leak_events").fetchall()}
    assert found <= AREAS and {"claims_denials", "schedule_gaps"} <= found


def test_a_single_location_user_gets_only_their_rows(pipeline):
    from dashboards import data

    con = pipeline.snapshot()
    first, second = [r[0] for r in con.execute("select location_id from dim_locations order by 1 limit 2").fetchall()]
    user = User(username="fd", display_name="F", role="front_desk", locations=frozenset({first}))
    assert set(data.leak_monthly(user)["location_id"]) == {first}
    assert set(data.kpis_monthly(user)["location_id"]) == {first}
    assert set(data.leak_events(user)["location_id"]) <= {first}
    assert data.leak_events(user, location_ids=[second]).empty
