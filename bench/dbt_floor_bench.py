"""The dbt stage against its floor: the same SQL run straight in DuckDB, without dbt around it.

    .venv/bin/python bench/dbt_floor_bench.py --warehouse data/warehouse/rcm.duckdb

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
difference. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
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
        # The same file name: compiled SQL names the database (the file's stem) in every relation.
        copy = scratch / warehouse.name
        shutil.copyfile(warehouse, copy)
        wal = warehouse.with_name(warehouse.name + ".wal")  # rows not yet checkpointed into the file
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(wal.name))
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
    parser.add_argument("--json", action="store_true", help="end with one line of JSON figures (pipeline_bench)")
    args = parser.parse_args()
    figures = measure(args.warehouse, args.compiled, args.manifest, args.run_results, args.seeds_left_out)

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
    if args.json:
        print(json.dumps({key: value for key, value in figures.items() if key != "left_out"}))


if __name__ == "__main__":
    main()
