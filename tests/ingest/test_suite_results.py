"""A suite runs again only when its entity's current rows can have changed; otherwise its stored result stands,
without loading Great Expectations."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb

from dagster_project.contracts import Visit
from dagster_project.ingest import suite_results
from dagster_project.ingest.loader import ensure_ingest_tables
from dagster_project.ingest.suite_results import current_suite_result


def _visit(con, visit_id: str, claim_id: str, loaded_at: str = "2026-11-26 06:00:00", sha: str = "sha") -> None:
    con.execute(
        f"insert into raw_ehr.visits values ('{visit_id}', 'AP-{visit_id}', 'P1', 'PR1', 'L01', 'C1', '{claim_id}', "
        f"date '2026-11-02', '11', '1234567893', 'PA1', 'F82', null, null, 'f.csv', '{sha}', 1, "
        f"timestamp '{loaded_at}')"
    )


def _con(path=":memory:"):
    con = duckdb.connect(str(path))
    ensure_ingest_tables(con)
    return con


def test_an_unchanged_entity_keeps_its_result_without_running_the_suite(monkeypatch):
    con = _con()
    _visit(con, "V1", "CLM-1")
    _visit(con, "V2", "CLM-1")
    first = current_suite_result(con, Visit)
    assert first.validated_this_run and first.failed_errors == [
        "expect_column_values_to_be_unique(claim_id): 2 unexpected"
    ]

    import dagster_project.ingest.expectations as expectations

    monkeypatch.setattr(expectations, "validate_entity", lambda *a: (_ for _ in ()).throw(AssertionError("ran")))
    again = current_suite_result(con, Visit)
    assert not again.validated_this_run
    assert (again.rows_checked, again.failed_errors, again.failed_warnings) == (2, first.failed_errors, [])
    assert not again.passed


def test_a_new_delivery_runs_the_suite_again():
    con = _con()
    _visit(con, "V1", "CLM-1")
    assert current_suite_result(con, Visit).passed
    _visit(con, "V2", "CLM-1", loaded_at="2026-11-27 06:00:00", sha="sha2")  # the next day's file reuses a claim
    result = current_suite_result(con, Visit)
    assert result.validated_this_run and not result.passed and result.rows_checked == 2


def test_a_superseded_file_runs_the_suite_again():
    con = _con()
    _visit(con, "V1", "CLM-1")
    _visit(con, "V2", "CLM-1", sha="sha2")
    assert not current_suite_result(con, Visit).passed
    # the file that brought V2 is replaced by a corrected one: its rows no longer count
    con.execute(
        "insert into ingest.file_supersessions values "
        "('sha2', 'f.csv', 'sha3', 'f_corrected.csv', 'ehr', 'visits', timestamp '2026-11-27 07:00:00')"
    )
    result = current_suite_result(con, Visit)
    assert result.validated_this_run and result.passed and result.rows_checked == 1


def test_changed_suites_run_again(monkeypatch):
    con = _con()
    _visit(con, "V1", "CLM-1")
    current_suite_result(con, Visit)
    monkeypatch.setattr(suite_results, "_suites_version", lambda: "a new version of the suites")
    assert current_suite_result(con, Visit).validated_this_run


def test_great_expectations_is_not_loaded_when_nothing_changed(tmp_path):
    path = tmp_path / "w.duckdb"
    con = _con(path)
    _visit(con, "V1", "CLM-1")
    current_suite_result(con, Visit)
    con.close()
    script = textwrap.dedent(
        f"""
        import sys, duckdb
        from dagster_project.contracts import Visit
        from dagster_project.ingest.suite_results import current_suite_result
        result = current_suite_result(duckdb.connect({str(path)!r}), Visit)
        print(result.validated_this_run, "great_expectations" in sys.modules)
        """
    )
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert shown.split() == ["False", "False"]
