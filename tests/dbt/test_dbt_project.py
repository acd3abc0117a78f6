"""The whole dbt project (seeds, models, data tests, unit tests) builds on a fresh DuckDB file (conftest.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb


def test_dbt_build_succeeds(dbt_build):
    result, _, _ = dbt_build
    failures = [
        (r.node.unique_id, str(r.status), r.message)
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass", "warn", "no-op")
    ]
    assert result.success, result.exception or failures
    assert failures == []


def test_unit_tests_ran_and_passed(dbt_build):
    result, _, _ = dbt_build
    unit_results = [r for r in result.result if r.node.resource_type == "unit_test"]
    # Every rule edge in the brief has a unit test; fewer means one was dropped.
    assert len(unit_results) >= 15
    assert {str(r.status) for r in unit_results} == {"pass"}


def test_marts_flag_the_synthetic_authorization(dbt_build):
    _, warehouse, _ = dbt_build
    # dbt-duckdb keeps its in-process connection open; a second one must use the same configuration.
    con = duckdb.connect(str(warehouse))
    try:
        flags = con.execute(
            "select flag_id, used_quantity, remaining_quantity, days_to_expiry, is_expiring_within_lead_time,"
            " is_in_last_two_visits, treating_provider_id, as_of_date"
            " from marts.flag_auths_needing_reauth"
        ).fetchall()
        summary = con.execute(
            "select location_id, flagged_count, active_count from marts.fct_location_leak_summary"
            " where leak_area = 'authorizations' order by 1"
        ).fetchall()
    finally:
        con.close()
    expected_id = hashlib.md5(b"auth_needing_reauth:1:A1", usedforsecurity=False).hexdigest()
    # 4 kept visits of 12, ends 18 days after the as-of date: inside the 30-day Medicaid lead time.
    assert flags == [(expected_id, 4, 8, 18, True, False, "PR1", datetime(2026, 3, 2).date())]
    assert summary == [("L1", 1, 1), ("L2", 0, 0)]


def test_business_day_calendar_skips_weekends_and_the_groups_holidays(dbt_build):
    _, warehouse, _ = dbt_build
    con = duckdb.connect(str(warehouse))
    try:
        rows = con.execute(
            "select calendar_date, is_business_day, holiday_name, business_day_number, next_business_day_number"
            " from intermediate.int_front_office__business_days"
            " where calendar_date between date '2026-05-22' and date '2026-05-26' order by calendar_date"
        ).fetchall()
    finally:
        con.close()
    friday = rows[0][3]
    # Memorial Day (group_holidays) is closed like the weekend: Friday..Monday share a number and point to Tuesday.
    assert [(r[1], r[2], r[3] - friday, r[4] - friday) for r in rows] == [
        (True, None, 0, 0),
        (False, None, 0, 1),
        (False, None, 0, 1),
        (False, "Memorial Day", 0, 1),
        (True, None, 1, 1),
    ]
