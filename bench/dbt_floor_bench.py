"""The dbt stage against its floors: the same SQL run straight in DuckDB, without dbt around it, and (with
--empty-build) the same dbt build with no rows, dbt around every node but no data to work on.

    .venv/bin/python bench/dbt_floor_bench.py --warehouse data/warehouse/rcm.duckdb
    .venv/bin/python bench/dbt_floor_bench.py --warehouse data/warehouse/rcm.duckdb --empty-build

After a build (the last one wrote its compiled SQL to dbt/target/last_run/compiled), on a copy of the built
warehouse, one DuckDB connection with the pipeline's memory limit and threads runs, one after another:

- every table model's compiled SELECT into a table of a scratch schema, then a checkpoint (so writing the rows
  into the file counts, as it does in the dbt stage);
- every data test's compiled query, counted (the failing rows a test returns are what dbt counts too).

Views (a `create view` costs DuckDB next to nothing) and incremental models (their SQL reads the temporary
relations dbt's materialization makes first) are left out and counted apart, so the floor is a little low for a
night whose incremental models have much to merge. With --run-results (dbt's run_results.json of that build,
written when RCM_DBT_WRITE_ARTIFACTS=true) it also sums dbt's own time per node of the same kinds, over both
dbt threads: what dbt spent around the same statements (compiling, its materialization, events) shows as the
difference.

--empty-build runs, on another copy of the warehouse, the build a night runs when its rules did not change
(the pipeline's own arguments: no seeds, incremental models merged, dbt's JSON log on its output as dagster-dbt
asks for it) with dbt's ``--empty``: every ref and source reads no rows, so every node is still compiled,
materialized, tested and logged, but on nothing. Its wall time is what dbt costs for this project's nodes
whatever the data, the part of the dbt stage that follows the number of nodes, not the rows. dbt parses the
project first, untimed (the copy's path is one of the build's vars, and changed vars make dbt parse again). A
data test that needs a row (a seed's "has one default") fails on no rows and dbt skips what depends on it;
the counts say so. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from core.settings import get_warehouse_engine_settings

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt"
SCRATCH_SCHEMA = "dbt_floor_bench"


def _compiled_path(compiled: Path, node: dict) -> Path:
    if node["resource_type"] == "test" and node.get("test_metadata"):  # a generic test, compiled under its yml
        return compiled / node["package_name"] / node["original_file_path"] / node["path"]
    return compiled / node["package_name"] / node["original_file_path"]


def _reads_a_seed(node: dict) -> bool:
    return any(parent.startswith("seed.") for parent in node["depends_on"]["nodes"])


def _nodes(manifest: dict, seeds_left_out: bool) -> tuple[list[dict], list[dict], dict[str, int]]:
    """Table models and data tests, in the manifest's order; the models left out, counted by materialization.
    With ``seeds_left_out`` (a night whose rules did not change builds no seed), no data test that reads a seed:
    dbt's indirect selection leaves them out of such a build too."""
    tables, tests, left_out = [], [], {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test":
            if not (seeds_left_out and _reads_a_seed(node)):
                tests.append(node)
        elif node["resource_type"] == "model":
            materialized = node["config"]["materialized"]
            if materialized == "table":
                tables.append(node)
            else:
                left_out[materialized] = left_out.get(materialized, 0) + 1
    return tables, tests, left_out


def _timed(con: duckdb.DuckDBPyConnection, statements: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (DuckDB's threads are this process's) of running ``statements`` in order."""
    wall, cpu = time.perf_counter(), time.process_time()
    for sql in statements:
        con.execute(sql).fetchall()
    return time.perf_counter() - wall, time.process_time() - cpu


def _dbt_seconds(run_results: Path, unique_ids: set[str]) -> float:
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    return sum(r["execution_time"] for r in results if r["unique_id"] in unique_ids)


def measure(
    warehouse: Path, compiled: Path, manifest_path: Path, run_results: Path | None, seeds_left_out: bool
) -> dict:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tables, tests, left_out = _nodes(manifest, seeds_left_out)
    # Compiled SQL stays from earlier builds; a node without any was never built (a model added since).
    tables = [node for node in tables if _compiled_path(compiled, node).exists()]
    tests = [node for node in tests if _compiled_path(compiled, node).exists()]
    if not tables:
        raise SystemExit(f"no compiled table model under {compiled}: run a build first (make pipeline)")

    # The closing parenthesis on a line of its own: compiled SQL may end in a -- comment.
    def sql_of(node: dict) -> str:
        return f"(\n{_compiled_path(compiled, node).read_text()}\n)"

    table_sql = [f'create or replace table {SCRATCH_SCHEMA}."{node["alias"]}" as {sql_of(node)}' for node in tables]
    test_sql = [f"select count(*) from {sql_of(node)} as failures" for node in tests]

    engine = get_warehouse_engine_settings()
    scratch = Path(tempfile.mkdtemp(prefix="dbt-floor-"))
    try:
        copy = _copy_warehouse(warehouse, scratch)
        con = duckdb.connect(str(copy), config=engine.duckdb_config())
        con.execute(f"create schema {SCRATCH_SCHEMA}")
        # CHECKPOINT writes the tables into the file, as dbt's closing the warehouse does after its build.
        tables_wall, tables_cpu = _timed(con, [*table_sql, "checkpoint"])
        tests_wall, tests_cpu = _timed(con, test_sql)
        con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    figures = {
        "tables": len(tables),
        "tables_s": tables_wall,
        "tables_cpu_s": tables_cpu,
        "tests": len(tests),
        "tests_s": tests_wall,
        "tests_cpu_s": tests_cpu,
        "left_out": left_out,
        "duckdb_threads": engine.threads,
    }
    if run_results is not None:
        figures["dbt_tables_s"] = _dbt_seconds(run_results, {node["unique_id"] for node in tables})
        figures["dbt_tests_s"] = _dbt_seconds(run_results, {node["unique_id"] for node in tests})
        figures["dbt_elapsed_s"] = json.loads(run_results.read_text(encoding="utf-8"))["elapsed_time"]
    return figures


def _copy_warehouse(warehouse: Path, scratch: Path) -> Path:
    """A copy under ``scratch`` with the same file name (compiled SQL names the database by the file's stem)."""
    copy = scratch / warehouse.name
    shutil.copyfile(warehouse, copy)
    wal = warehouse.with_name(warehouse.name + ".wal")  # rows not yet checkpointed into the file
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(wal.name))
    return copy


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _node_statuses(json_log: str) -> dict[str, int]:
    """How many nodes dbt reported per status ("success", "pass", "fail", "skipped", ...), from its JSON log."""
    counts: dict[str, int] = {}
    for line in json_log.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event["info"]["name"] in ("LogModelResult", "LogTestResult", "LogSkipBecauseError"):
            status = "skipped" if event["info"]["name"] == "LogSkipBecauseError" else event["data"]["status"]
            counts[status] = counts.get(status, 0) + 1
    return counts


def empty_build(warehouse: Path) -> dict:
    """Wall and CPU seconds of the nightly dbt build with ``--empty``, on a copy of ``warehouse``."""
    from core.settings import dbt_environment
    from dagster_project.assets.dbt import dbt_build_args

    dbt = Path(sys.executable).with_name("dbt")
    scratch = Path(tempfile.mkdtemp(prefix="dbt-empty-"))
    try:
        copy = _copy_warehouse(warehouse, scratch)
        build = dbt_build_args(copy, full_refresh=False, load_seeds=False)
        common = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path", str(scratch / "t")]
        env = {**os.environ, **dbt_environment()}
        vars_at = build.index("--vars")
        parsed = subprocess.run(
            [str(dbt), "parse", *common, "--vars", build[vars_at + 1]], env=env, capture_output=True, text=True
        )
        if parsed.returncode != 0:
            output = parsed.stdout[-3000:] + parsed.stderr[-3000:]
            raise SystemExit(f"dbt parse failed before the empty build:\n{output}")
        command = [str(dbt), *build, *common, "--log-format", "json", "--empty"]
        wall, cpu = time.perf_counter(), _children_cpu()
        # dbt exits 1 when a test fails on no rows; what ran is read from its log, not its exit code.
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        wall, cpu = time.perf_counter() - wall, _children_cpu() - cpu
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    statuses = _node_statuses(done.stdout)
    if statuses.get("error") or not statuses or done.returncode not in (0, 1):
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(
            f"the empty build failed (exit {done.returncode}): {statuses.get('error', 0)} node(s) ended in an error, "
            f"{sum(statuses.values())} reported"
        )
    return {"empty_build_s": wall, "empty_build_cpu_s": cpu, "empty_build_nodes": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True, help="a warehouse the last build built")
    parser.add_argument("--compiled", type=Path, default=DBT_DIR / "target" / "last_run" / "compiled")
    parser.add_argument("--manifest", type=Path, default=DBT_DIR / "target" / "manifest.json")
    parser.add_argument("--run-results", type=Path, help="dbt's run_results.json of the same build")
    parser.add_argument(
        "--seeds-left-out",
        action="store_true",
        help="the build left the seeds out (a night with unchanged rules): so are the data tests that read one",
    )
    parser.add_argument(
        "--empty-build",
        action="store_true",
        help="also time the nightly dbt build with --empty (every node, no rows) on another copy",
    )
    parser.add_argument("--json", action="store_true", help="end with one line of JSON figures (pipeline_bench)")
    args = parser.parse_args()
    figures = measure(args.warehouse, args.compiled, args.manifest, args.run_results, args.seeds_left_out)
    if args.empty_build:
        figures.update(empty_build(args.warehouse))

    left_out = ", ".join(f"{count} {kind}" for kind, count in sorted(figures["left_out"].items()))
    print(f"the build's SQL straight in DuckDB ({figures['duckdb_threads']} threads; models left out: {left_out})")
    print(f"  {'nodes':<34}{'count':>6}{'wall s':>9}{'CPU s':>8}{'dbt s':>9}")
    for kind, label in (("tables", "table models (CTAS)"), ("tests", "data tests")):
        dbt_s = figures.get(f"dbt_{kind}_s")
        dbt_text = f"{dbt_s:>9.2f}" if dbt_s is not None else f"{'':>9}"
        print(f"  {label:<34}{figures[kind]:>6}{figures[f'{kind}_s']:>9.2f}{figures[f'{kind}_cpu_s']:>8.2f}{dbt_text}")
    if "dbt_elapsed_s" in figures:
        print(
            f"  dbt s: dbt's own time for the same nodes, summed over its threads (the build took "
            f"{figures['dbt_elapsed_s']:.1f} s)"
        )
    if "empty_build_s" in figures:
        nodes = ", ".join(f"{count} {status}" for status, count in sorted(figures["empty_build_nodes"].items()))
        print(
            f"the nightly dbt build with --empty (no rows): {figures['empty_build_s']:.2f} s wall, "
            f"{figures['empty_build_cpu_s']:.2f} s CPU; nodes: {nodes}"
        )
    if args.json:
        print(json.dumps({key: value for key, value in figures.items() if key != "left_out"}))


if __name__ == "__main__":
    main()
