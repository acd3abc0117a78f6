"""CSV ingest against its physical floor: wall time, peak memory and rows/s, in one run.

    .venv/bin/python bench/ingest_bench.py --inbox /tmp/g-inbox          # an inbox made by dagster_project.synthetic
    .venv/bin/python bench/ingest_bench.py --locations 50 --months 36    # generates the inbox into a scratch dir first

Phases, each in its own process so "peak MB" is that phase's largest resident set:

- ``floor``: DuckDB ``read_csv`` of the same CSV files into tables (no validation): the physical floor.
- ``csv_load``: ``load_source`` for every CSV source (validation, quarantine, bulk load, file ledger).
- ``ge_suites``: the Great Expectations suites the ingest assets run as asset checks, on the loaded tables.
- ``x12_load``: ``load_source`` for the clearinghouse (X12 files read in worker processes, one per core).

"CPU s" is the phase's CPU time with its worker processes': on a shared machine it moves less than wall.

Wall times exclude importing the libraries (shown apart: a running Dagster code location has paid them).
The machine may be shared: run before and after back to back and compare ratios to the floor.

The 835 readers against pyx12 are in ``bench/x12_ingest_bench.py``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSV_SOURCES = ("ehr", "credentialing", "payroll", "contracts")
PHASES = ("floor", "csv_load", "ge_suites", "x12_load")


def _csv_files(inbox: Path) -> list[Path]:
    return sorted(p for s in CSV_SOURCES if (inbox / s).is_dir() for p in (inbox / s).glob("*.csv"))


def _cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _phase(phase: str, inbox: Path, db: Path) -> dict:
    """One phase in this process. Imports are timed apart: a running code location has paid them already."""
    started = time.perf_counter()
    import duckdb

    from dagster_project.contracts import CONTRACTS
    from dagster_project.ingest.expectations import validate_entity
    from dagster_project.ingest.loader import load_source

    imported, cpu = time.perf_counter(), _cpu_s()
    rows = 0
    con = duckdb.connect(str(db))
    if phase == "floor":
        for i, path in enumerate(_csv_files(inbox)):
            con.execute(f"create table t{i} as select * from read_csv('{path}', header = true, all_varchar = true)")
            rows += con.execute(f"select count(*) from t{i}").fetchone()[0]
    elif phase == "csv_load":
        for source in CSV_SOURCES:
            report = load_source(con, source, inbox, db.parent / "quarantine")
            rows += sum(report.rows_loaded_by_table.values())
    elif phase == "ge_suites":
        for contract in CONTRACTS:
            rows += validate_entity(con, contract).rows_checked
    else:
        report = load_source(con, "clearinghouse", inbox, db.parent / "quarantine")
        rows += sum(report.rows_loaded_by_table.values())
    con.close()
    return {
        "wall": time.perf_counter() - imported,
        "cpu": _cpu_s() - cpu,
        "imports": imported - started,
        "rows": rows,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _run_child(phase: str, inbox: Path, db: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--inbox", str(inbox), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"phase {phase} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inbox", type=Path, help="an existing inbox; generated when omitted")
    parser.add_argument("--locations", type=int, default=7)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="end with one line of JSON figures (pipeline_bench)")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(_phase(args.phase, args.inbox, args.db)))
        return

    scratch = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        inbox = args.inbox
        if inbox is None:
            inbox = scratch / "inbox"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "dagster_project.synthetic",
                    "--seed",
                    str(args.seed),
                    "--locations",
                    str(args.locations),
                    "--months",
                    str(args.months),
                    "--out",
                    str(inbox),
                    "--ground-truth",
                    str(scratch / "ground_truth.json"),
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        files = _csv_files(inbox)
        size_mb = sum(p.stat().st_size for p in files) / 2**20
        floor = _run_child("floor", inbox, scratch / "floor.duckdb")
        load = _run_child("csv_load", inbox, scratch / "warehouse.duckdb")
        suites = _run_child("ge_suites", inbox, scratch / "warehouse.duckdb")
        x12 = _run_child("x12_load", inbox, scratch / "warehouse.duckdb")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"CSV inbox: {inbox} ({len(files)} files, {size_mb:.1f} MB, {floor['rows']:,} data rows)")
    print(f"{'phase':<12}{'wall s':>9}{'CPU s':>8}{'peak MB':>10}{'rows/s':>12}{'x floor':>9}{'imports s':>11}")
    for name, figures in (("floor", floor), ("csv_load", load), ("ge_suites", suites), ("x12_load", x12)):
        rate = figures["rows"] / figures["wall"] if figures["wall"] else 0.0
        print(
            f"{name:<12}{figures['wall']:>9.2f}{figures['cpu']:>8.2f}{figures['peak_mb']:>10.0f}{rate:>12,.0f}"
            f"{figures['wall'] / floor['wall']:>9.1f}{figures['imports']:>11.2f}"
        )
    total = load["wall"] + suites["wall"]
    print(f"CSV ingest (load + suites, imports apart): {total:.2f} s, {total / floor['wall']:.1f}x the floor")
    print(
        f"whole ingest (CSV, suites, X12): {total + x12['wall']:.2f} s wall, "
        f"{load['cpu'] + suites['cpu'] + x12['cpu']:.2f} CPU s"
    )
    if args.json:
        print(json.dumps({"floor_s": floor["wall"], "ingest_s": total, "x12_s": x12["wall"], "rows": floor["rows"]}))


if __name__ == "__main__":
    main()
