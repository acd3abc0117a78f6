"""Great Expectations suites catch what one row cannot show, and say which expectation failed
without echoing values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from dagster_project.contracts import FeeSchedule, Patient, Visit
from dagster_project.ingest.expectations import validate_entity
from dagster_project.ingest.loader import ensure_ingest_tables

LINEAGE = "'f.csv', 'sha', 1, timestamp '2026-11-26 06:00:00'"


def _con():
    con = duckdb.connect()
    ensure_ingest_tables(con)
    return con


def _visit(con, visit_id: str, claim_id: str) -> None:
    con.execute(
        f"insert into raw_ehr.visits values ('{visit_id}', 'AP-{visit_id}', 'P1', 'PR1', 'L01', 'C1', '{claim_id}', "
        f"date '2026-11-02', '11', '1234567893', 'PA1', 'F82', null, null, {LINEAGE})"
    )


def test_a_claim_id_used_by_two_visits_fails_as_an_error():
    con = _con()
    _visit(con, "V1", "CLM-1")
    _visit(con, "V2", "CLM-1")
    result = validate_entity(con, Visit)
    assert not result.passed
    assert result.failed_errors == ["expect_column_values_to_be_unique(claim_id): 2 unexpected"]
    assert "CLM-1" not in " ".join(result.failed_errors)


def test_a_suite_does_not_fingerprint_the_frame_it_validates(monkeypatch):
    import great_expectations.execution_engine.pandas_execution_engine as gx_pandas_engine

    hashed = []
    monkeypatch.setattr(gx_pandas_engine, "hash_pandas_dataframe", lambda frame: hashed.append(len(frame)) or "x")
    con = _con()
    _visit(con, "V1", "CLM-1")
    _visit(con, "V2", "CLM-1")
    assert validate_entity(con, Visit).failed_errors == ["expect_column_values_to_be_unique(claim_id): 2 unexpected"]
    assert hashed == []


def test_distinct_claim_ids_pass():
    con = _con()
    _visit(con, "V1", "CLM-1")
    _visit(con, "V2", "CLM-2")
    assert validate_entity(con, Visit).passed


def test_a_visit_delivered_again_is_checked_as_its_latest_row_only():
    # The suite reads the current rows, one per key: V1's first delivery (CLM-1) is replaced by its correction
    # (CLM-2), so V2 taking CLM-1 is no collision and V1 is not a duplicate key.
    con = _con()
    _visit(con, "V1", "CLM-1")
    later = "'g.csv', 'sha2', 1, timestamp '2026-11-27 06:00:00'"
    for visit_id, claim_id in (("V1", "CLM-2"), ("V2", "CLM-1")):
        con.execute(
            f"insert into raw_ehr.visits values ('{visit_id}', 'AP-{visit_id}', 'P1', 'PR1', 'L01', 'C1', "
            f"'{claim_id}', date '2026-11-02', '11', '1234567893', 'PA1', 'F82', null, null, {later})"
        )
    result = validate_entity(con, Visit)
    assert result.passed and not result.failed_warnings
    assert result.rows_checked == 2


def test_a_nullable_key_column_is_not_required_to_be_filled():
    con = _con()
    con.execute(
        f"insert into raw_contracts.fee_schedules values ('TXMCO1', '97530', null, 18.50, "
        f"date '2026-01-01', null, {LINEAGE})"
    )
    result = validate_entity(con, FeeSchedule)
    assert result.passed and not result.failed_warnings


def test_plausibility_is_a_warning_not_an_error():
    con = _con()
    for i, born in enumerate(["1970-05-01", "1971-05-01", "2019-05-01"]):
        con.execute(
            f"insert into raw_ehr.patients values ('P{i}', 'L01', 'A', 'B', date '{born}', 'F', 'G', "
            f"'512-555-0100', '78701', null, {LINEAGE})"
        )
    result = validate_entity(con, Patient)
    assert result.passed  # no key problem
    assert result.failed_warnings == ["expect_column_values_to_be_between(date_of_birth): 2 unexpected"]


def test_scipy_statistics_load_only_when_an_expectation_uses_them():
    # A fresh interpreter: this one may have loaded scipy.stats already.
    code = (
        "import sys\n"
        "import dagster_project.ingest.expectations\n"
        "print('scipy.stats._stats_py' in sys.modules)\n"
        "from scipy.stats import entropy\n"
        "print('scipy.stats._stats_py' in sys.modules, round(float(entropy([0.5, 0.5])), 4))\n"
    )
    root = Path(__file__).resolve().parents[2]
    shown = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["False", "True", "0.6931"]
