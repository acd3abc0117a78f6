"""The same dbt project (seeds, models, data tests, unit tests) builds on PostgreSQL, and its marts agree with
the DuckDB build on the same raw rows."""

from __future__ import annotations

import duckdb
import psycopg

from tests.dbt import test_dbt_project as same_checks

FLAG_COLUMNS = (
    "flag_id, used_quantity, remaining_quantity, days_to_expiry, is_expiring_within_lead_time, "
    "is_in_last_two_visits, treating_provider_id, as_of_date"
)


def test_dbt_build_succeeds_on_postgresql(dbt_build_postgres):
    same_checks.test_dbt_build_succeeds(dbt_build_postgres)


def test_unit_tests_ran_and_passed_on_postgresql(dbt_build_postgres):
    same_checks.test_unit_tests_ran_and_passed(dbt_build_postgres)


def test_unit_test_names_fit_postgresql_identifiers(dbt_build_postgres):
    result, _, _ = dbt_build_postgres
    too_long = [r.node.name for r in result.result if r.node.resource_type == "unit_test" and len(r.node.name) > 63]
    assert too_long == []


def test_postgresql_flags_the_same_authorizations_as_duckdb(dbt_build, dbt_build_postgres):
    _, duckdb_path, _ = dbt_build
    _, dsn, _ = dbt_build_postgres
    query = f"select {FLAG_COLUMNS} from marts.flag_auths_needing_reauth order by flag_id"
    con = duckdb.connect(str(duckdb_path))
    try:
        on_duckdb = con.execute(query).fetchall()
    finally:
        con.close()
    with psycopg.connect(dsn) as pg:
        on_postgresql = pg.execute(query).fetchall()
    assert on_duckdb, "the synthetic delivery raises a re-auth flag"
    assert [tuple(row) for row in on_postgresql] == [tuple(row) for row in on_duckdb]
