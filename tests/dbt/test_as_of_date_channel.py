"""The as-of date reaches dbt in its environment, read only while a node runs: the nightly run with a new date
keeps dbt's partial parsing (changed --vars would make dbt parse the whole project again), and a var pin
still wins (unit tests and hand reruns pin the date that way)."""

from __future__ import annotations

import json
from pathlib import Path

from dbt.cli.main import dbtRunner

from tests.dbt.conftest import DBT_DIR

MODEL = "int_scheduling__missed_visits"  # reads as_of_date() in its SQL


def _compile(work_dir: Path, monkeypatch, as_of: str, run_vars: dict) -> str:
    monkeypatch.setenv("RCM_AS_OF_DATE", as_of)
    paths = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    paths += ["--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")]
    run_vars = {"warehouse_path": str(work_dir / "w.duckdb"), **run_vars}
    result = dbtRunner().invoke(["compile", "--select", MODEL, *paths, "--vars", json.dumps(run_vars)])
    assert result.success, result.exception
    return next((work_dir / "target" / "compiled").rglob(f"{MODEL}.sql")).read_text()


def _parse_log_lines(work_dir: Path) -> list[str]:
    return [line for line in (work_dir / "logs" / "dbt.log").read_text().splitlines() if "partial pars" in line]


def test_a_new_as_of_date_keeps_partial_parsing_and_reaches_the_sql(tmp_path, monkeypatch):
    first = _compile(tmp_path, monkeypatch, "2026-11-26", {})
    assert "cast('2026-11-26' as date)" in first
    second = _compile(tmp_path, monkeypatch, "2026-11-27", {})
    assert "cast('2026-11-27' as date)" in second and "2026-11-26" not in second
    parse_lines = _parse_log_lines(tmp_path)
    assert "saved manifest not found" in parse_lines[0]  # the first run parses everything
    assert "Unable to do partial parsing" not in " ".join(parse_lines[1:]), parse_lines


def test_a_pinned_var_wins_over_the_environment(tmp_path, monkeypatch):
    compiled = _compile(tmp_path, monkeypatch, "2026-11-26", {"as_of_date": "2026-03-02"})
    assert "cast('2026-03-02' as date)" in compiled and "2026-11-26" not in compiled
