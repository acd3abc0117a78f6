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
    expected_id = hashlib.md5(b"auth_needing_reauth:1:A1").hexdigest()
    # 4 kept visits of 12, ends 18 days after the as-of date: inside the 30-day Medicaid lead time.
    assert flags == [(expected_id, 4, 8, 18, True, False, "PR1", datetime(2026, 3, 2).date())]
    assert summary == [("L1", 1, 1), ("L2", 0, 0)]
