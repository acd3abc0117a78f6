"""The column_rules data test (dbt/data-tests/generic/column_rules.sql) means what dbt's built-in not_null, unique,
accepted_values and relationships mean, and what a unique-combination and an expression test mean, on DuckDB and on
PostgreSQL; and the project keeps its simple column rules in it.

A throwaway dbt project holds the generic test and a few seeds, each breaking one rule; the test's failing rows
are stored (--store-failures) and read back.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import psycopg
import pytest
import yaml
from dbt.cli.main import dbtRunner

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERIC_TEST = REPO_ROOT / "dbt" / "data-tests" / "generic" / "column_rules.sql"
SIMPLE_RULES = {"not_null", "unique", "accepted_values", "relationships"}

# Each seed is one case. The nulls in `status`, `priority` and `code` of `clean` pass: dbt's accepted_values and
# unique ignore nulls, and two nulls are not a duplicate.
SEEDS = {
    "clean": "id,status,priority,code\n1,open,1,A\n2,closed,2,\n3,,,\n",
    "null_id": "id,status,priority,code\n1,open,1,A\n,closed,2,B\n",
    "duplicate_code": "id,status,priority,code\n1,open,1,B\n2,open,1,B\n3,open,1,B\n4,open,1,C\n",
    "unlisted_status": "id,status,priority,code\n1,open,1,A\n2,pending,1,B\n3,pending,1,C\n",
    "unlisted_priority": "id,status,priority,code\n1,open,3,A\n",
    "every_breach": "id,status,priority,code\n1,open,1,A\n1,pending,9,A\n,closed,2,B\n",
    "null_pair": "id,status,priority,code\n1,,1,\n2,,2,\n",  # two rows alike down to their nulls repeat
    "unknown_code": "id,status,priority,code\n1,open,1,A\n2,open,1,Z\n3,closed,2,Y\n",
}
# The codes every seed's `code` must be one of (the `references` rule); a seed without tests of its own.
KNOWN_CODES = "code\nA\nB\nC\n"
RULES = {
    "not_null": ["id"],
    "unique": ["id", "code"],
    "accepted_values": {"status": ["open", "closed"], "priority": {"values": [1, 2], "quote": False}},
    "unique_together": [["status", "code"]],
    # A null result passes (priority or status null), as a `where not (expression)` test.
    "expressions": ["priority <> 9", "status <> 'pending'"],
    "references": {"code": {"to": "ref('known_codes')", "field": "code"}},
}
# (column, rule, failing rows) each seed's test returns.
EXPECTED = {
    "clean": set(),
    "null_id": {("id", "not_null", 1)},
    "duplicate_code": {("code", "unique", 2), ("status, code", "unique_together", 2)},
    "unlisted_status": {("status", "accepted_values", 2), ("status <> 'pending'", "expression_is_true", 2)},
    "unlisted_priority": {("priority", "accepted_values", 1)},
    "every_breach": {
        ("id", "not_null", 1),
        ("id", "unique", 1),
        ("code", "unique", 1),
        ("status", "accepted_values", 1),
        ("priority", "accepted_values", 1),
        ("priority <> 9", "expression_is_true", 1),
        ("status <> 'pending'", "expression_is_true", 1),
    },
    "null_pair": {("status, code", "unique_together", 1)},
    "unknown_code": {("code", "relationships", 2)},
}


def _scratch_project(root: Path, profile: dict) -> Path:
    (root / "data-tests" / "generic").mkdir(parents=True)
    shutil.copy(GENERIC_TEST, root / "data-tests" / "generic" / GENERIC_TEST.name)
    (root / "seeds" / "cases").mkdir(parents=True)
    for name, rows in SEEDS.items():
        (root / "seeds" / "cases" / f"{name}.csv").write_text(rows)
    (root / "seeds" / "known_codes.csv").write_text(KNOWN_CODES)
    project = {
        "name": "column_rules_check",
        "version": "1.0.0",
        "config-version": 2,
        "profile": "column_rules_check",
        "seed-paths": ["seeds"],
        "test-paths": ["data-tests"],
        "seeds": {
            "column_rules_check": {
                "cases": {
                    "+column_types": {
                        "id": "integer",
                        "priority": "integer",
                        "status": "varchar(10)",
                        "code": "varchar(10)",
                    }
                },
                "known_codes": {"+column_types": {"code": "varchar(10)"}},
            }
        },
        "flags": {"send_anonymous_usage_stats": False},
    }
    (root / "dbt_project.yml").write_text(yaml.safe_dump(project))
    # Aliased so the stored failures land in a table named after the seed.
    seeds = [
        {"name": name, "data_tests": [{"column_rules": {"arguments": RULES, "config": {"alias": f"rules_{name}"}}}]}
        for name in SEEDS
    ]
    (root / "seeds" / "seeds.yml").write_text(yaml.safe_dump({"version": 2, "seeds": seeds}))
    (root / "profiles.yml").write_text(
        yaml.safe_dump({"column_rules_check": {"target": "scratch", "outputs": {"scratch": profile}}})
    )
    return root


def _build(project: Path) -> dict[str, str]:
    """dbt build --store-failures; the status of each seed's column_rules test."""
    dirs = ["--project-dir", str(project), "--profiles-dir", str(project)]
    dirs += ["--target-path", str(project / "target"), "--log-path", str(project / "logs")]
    result = dbtRunner().invoke(["build", "--store-failures", *dirs])
    assert result.exception is None, result.exception
    return {
        r.node.config.alias.removeprefix("rules_"): str(r.status)
        for r in result.result
        if r.node.resource_type == "test"
    }


def _assert_each_case(statuses: dict[str, str], stored: dict[str, set]) -> None:
    assert statuses == {name: "pass" if not rows else "fail" for name, rows in EXPECTED.items()}
    assert stored == EXPECTED


def test_column_rules_fail_on_each_breach_and_pass_on_clean_data_on_duckdb(tmp_path):
    warehouse = tmp_path / "scratch.duckdb"
    project = _scratch_project(tmp_path / "project", {"type": "duckdb", "path": str(warehouse), "threads": 1})
    statuses = _build(project)
    # dbt-duckdb keeps its in-process connection open; a second one must use the same configuration.
    con = duckdb.connect(str(warehouse))
    try:
        stored = {
            name: set(con.execute(f"select * from main_dbt_test__audit.rules_{name}").fetchall()) for name in SEEDS
        }
    finally:
        con.close()
    _assert_each_case(statuses, stored)


def test_column_rules_fail_on_each_breach_and_pass_on_clean_data_on_postgresql(
    tmp_path, postgres_cluster, postgres_database
):
    env = postgres_cluster.warehouse_env(postgres_database)
    profile = {
        "type": "postgres",
        "host": env["RCM_PG_HOST"],
        "port": int(env["RCM_PG_PORT"]),
        "user": env["RCM_PG_USER"],
        "password": env["RCM_PG_PASSWORD"],
        "dbname": postgres_database,
        "schema": "public",
        "threads": 1,
    }
    statuses = _build(_scratch_project(tmp_path / "project", profile))
    with psycopg.connect(postgres_cluster.dsn(postgres_database)) as pg:
        stored = {
            name: {tuple(row) for row in pg.execute(f"select * from public_dbt_test__audit.rules_{name}").fetchall()}
            for name in SEEDS
        }
    _assert_each_case(statuses, stored)


def _column_tests(path: Path):
    """(node, column, test entry) for every column-level data test in one properties file."""
    doc = yaml.safe_load(path.read_text()) or {}
    nodes = [*doc.get("models", []), *doc.get("seeds", [])]
    nodes += [table for source in doc.get("sources", []) for table in source.get("tables", [])]
    for node in nodes:
        for column in node.get("columns") or []:
            for entry in column.get("data_tests") or []:
                yield node["name"], column["name"], entry


@pytest.mark.parametrize("folder", ["models", "seeds"])
def test_simple_column_rules_live_in_the_models_column_rules_test(folder):
    """A not_null, unique, accepted_values or relationships test on a column is one more dbt node; it belongs in the
    model's column_rules of its severity (its warnings in a second column_rules with severity warn). Only one with a
    config of its own beyond its severity (a where) stays on the column, and so does a model's relationships test to
    a seed: a nightly build without the seeds leaves out every test that reads one."""
    seeds = {path.stem for path in (REPO_ROOT / "dbt" / "seeds").rglob("*.csv")}
    strays = []
    for path in sorted((REPO_ROOT / "dbt" / folder).rglob("*.yml")):
        for node, column, entry in _column_tests(path):
            name = entry if isinstance(entry, str) else next(iter(entry))
            settings = {} if isinstance(entry, str) else (entry[name] or {})
            own_config = {k: v for k, v in (settings.get("config") or {}).items() if k != "severity"}
            if name == "relationships" and node not in seeds:
                target = str((settings.get("arguments") or {}).get("to", ""))
                if target.removeprefix("ref('").removesuffix("')") in seeds:
                    continue
            if name in SIMPLE_RULES and not own_config and "name" not in settings:
                strays.append(f"{path.relative_to(REPO_ROOT)}: {node}.{column} {name}")
    assert strays == []


def test_each_column_rules_test_is_an_asset_check_of_its_model_or_seed():
    """dagster-dbt turns a data test into an asset check of the one node it is attached to: a model-level
    column_rules test must still land on its model (or seed)."""
    from dagster_project.dbt_project import dbt_project
    from dagster_project.definitions import defs

    nodes = json.loads(dbt_project().manifest_path.read_text())["nodes"]
    expected = {
        (nodes[test["attached_node"]]["name"], test["name"])
        for test in nodes.values()
        if (test.get("test_metadata") or {}).get("name") == "column_rules"
        and nodes.get(test["attached_node"], {}).get("resource_type") in ("model", "seed")
    }
    checks = {
        (key.asset_key.path[-1], key.name)
        for key in defs.resolve_asset_graph().asset_check_keys
        if key.name.startswith("column_rules_")
    }
    assert len(expected) > 100
    assert checks == expected
