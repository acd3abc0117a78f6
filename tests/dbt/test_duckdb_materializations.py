"""The project's DuckDB table and view materializations (dbt/macros/materializations/duckdb_replace.sql), in a
throwaway dbt project that uses only that file: a rebuild replaces the relation in one statement, a model may
switch between view and table, a failed rebuild leaves the old relation as it was, and options these
materializations do not apply are refused instead of ignored."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult

MATERIALIZATIONS = Path(__file__).resolve().parents[2] / "dbt" / "macros" / "materializations" / "duckdb_replace.sql"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "macros").mkdir()
    shutil.copy(MATERIALIZATIONS, tmp_path / "macros")
    (tmp_path / "dbt_project.yml").write_text(
        "name: replace_check\nversion: '1.0'\nconfig-version: 2\nprofile: replace_check\n"
        "flags:\n  send_anonymous_usage_stats: false\n",
        encoding="utf-8",
    )
    (tmp_path / "profiles.yml").write_text(
        "replace_check:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n"
        f"      path: {tmp_path / 'check.duckdb'}\n      threads: 1\n",
        encoding="utf-8",
    )
    return tmp_path


def write_model(project: Path, sql: str, materialized: str = "table", extra_config: str = "") -> None:
    config = f"{{{{ config(materialized='{materialized}'{extra_config}) }}}}\n"
    (project / "models" / "visits.sql").write_text(config + sql, encoding="utf-8")


def build(project: Path) -> dbtRunnerResult:
    return dbtRunner().invoke(
        ["run", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet",
         "--target-path", str(project / "target"), "--log-path", str(project / "logs")]
    )  # fmt: skip


def connect(project: Path) -> duckdb.DuckDBPyConnection:
    # dbt-duckdb keeps its in-process database open; another connection must use the same configuration.
    return duckdb.connect(str(project / "check.duckdb"))


def relations(project: Path) -> list[tuple[str, str]]:
    with connect(project) as con:
        return con.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'main' order by 1"
        ).fetchall()


def rows(project: Path) -> list[tuple]:
    with connect(project) as con:
        return con.execute("select * from visits order by 1").fetchall()


def test_a_rebuilt_table_is_replaced_and_leaves_no_temporary_relations(project):
    write_model(project, "select 1 as visit_id")
    assert build(project).success
    write_model(project, "select 1 as visit_id union all select 2")
    assert build(project).success
    assert rows(project) == [(1,), (2,)]
    assert relations(project) == [("visits", "BASE TABLE")]


@pytest.mark.parametrize(
    ("first", "then", "expected_type"), [("view", "table", "BASE TABLE"), ("table", "view", "VIEW")]
)
def test_a_model_switches_between_view_and_table(project, first, then, expected_type):
    write_model(project, "select 7 as visit_id", materialized=first)
    assert build(project).success
    write_model(project, "select 8 as visit_id", materialized=then)
    assert build(project).success
    assert relations(project) == [("visits", expected_type)]
    assert rows(project) == [(8,)]


def test_a_failed_rebuild_leaves_the_old_table_as_it_was(project):
    write_model(project, "select 1 as visit_id")
    assert build(project).success
    # Fails while the statement runs (DuckDB's error() raises at execution), not while it is parsed or bound.
    write_model(project, "select 2 as visit_id union all select cast(error('rebuild failed') as integer)")
    assert not build(project).success
    assert rows(project) == [(1,)]
    assert relations(project) == [("visits", "BASE TABLE")]


@pytest.mark.parametrize(
    "extra_config",
    [
        ", grants={'select': ['reporter']}",
        ", indexes=[{'columns': ['visit_id']}]",
        ", persist_docs={'relation': true}",
        ", sql_header='set threads = 1'",
        ", contract={'enforced': true}",
    ],
)
def test_options_the_materializations_do_not_apply_are_refused(project, extra_config):
    write_model(project, "select 1 as visit_id", extra_config=extra_config)
    result = build(project)
    assert not result.success
    message = " ".join(str(r.message) for r in result.result or [])
    assert "this project's DuckDB materializations do not apply" in message
    assert "visits" in message
