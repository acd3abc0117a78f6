"""Wall time and peak memory per pipeline stage, at a chosen size.

    .venv/bin/python bench/pipeline_bench.py                       # default size: 7 locations, 12 months
    .venv/bin/python bench/pipeline_bench.py --locations 50 --months 36

Each stage runs in its own process under /usr/bin/time, so "peak MB" is that stage's largest
resident set (dbt runs as a child of its stage and is included). Data goes to a scratch directory,
never to the repo's data/. Prints a table; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("ingest", "dbt", "emitters", "publish")
WHOLE = "whole_job"


def _run_stage(stage: str) -> None:
    """Inside a stage process: materialize one slice of the asset graph."""
    import dagster as dg

    from dagster_project.definitions import defs

    selections = {
        "ingest": dg.AssetSelection.groups("ingest"),
        "dbt": dg.AssetSelection.all() - dg.AssetSelection.groups("ingest", "emitters", "serving"),
        "emitters": dg.AssetSelection.groups("emitters"),
        "publish": dg.AssetSelection.groups("serving"),
        WHOLE: dg.AssetSelection.all(),
    }
    graph = defs.resolve_asset_graph()
    keys = list(selections[stage].resolve(graph))
    result = defs.resolve_job_def("daily_leak_job").execute_in_process(asset_selection=keys, raise_on_error=False)
    if not result.success:
        sys.exit(f"stage {stage} failed")


def _timed(cmd: list[str], env: dict) -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return wall, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locations", type=int, default=7)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor-date", default="2026-11-26")
    parser.add_argument("--stage", choices=(*STAGES, WHOLE), help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    if args.stage:
        _run_stage(args.stage)
        return

    scratch = Path(tempfile.mkdtemp(prefix=f"rcm-bench-{args.locations}x{args.months}-"))
    py = sys.executable

    def env_for(run_dir: Path) -> dict:
        (run_dir / "dagster_home").mkdir(parents=True, exist_ok=True)
        return {
            **os.environ,
            "RCM_DATA_DIR": str(run_dir),
            "RCM_INBOX_DIR": str(scratch / "inbox"),
            "RCM_AS_OF_DATE": args.anchor_date,
            "DAGSTER_HOME": str(run_dir / "dagster_home"),
        }

    rows = [
        (
            "generate",
            *_timed(
                [
                    py,
                    "-m",
                    "dagster_project.synthetic",
                    "--seed",
                    str(args.seed),
                    "--anchor-date",
                    args.anchor_date,
                    "--locations",
                    str(args.locations),
                    "--months",
                    str(args.months),
                    "--out",
                    str(scratch / "inbox"),
                    "--ground-truth",
                    str(scratch / "ground_truth.json"),
                ],
                env_for(scratch),
            ),
        )
    ]
    # The job as a person runs it: one process, all stages (on its own copy of the outputs).
    whole = _timed([py, __file__, "--stage", WHOLE], env_for(scratch / "whole"))
    # The same job stage by stage, each in a fresh process, to see where time and memory go.
    staged_env = env_for(scratch / "staged")
    for stage in STAGES:
        rows.append((stage, *_timed([py, __file__, "--stage", stage], staged_env)))

    inbox_mb = sum(p.stat().st_size for p in (scratch / "inbox").rglob("*") if p.is_file()) / 2**20
    warehouse = scratch / "whole" / "warehouse" / "rcm.duckdb"
    print(
        f"\nsize: --locations {args.locations} --months {args.months}  "
        f"(inbox {inbox_mb:.1f} MB, warehouse {warehouse.stat().st_size / 2**20:.1f} MB)"
    )
    print(f"{'stage':<22} {'wall s':>8} {'peak MB':>9}")
    for name, wall, peak in rows:
        print(f"{name:<22} {wall:>8.1f} {peak:>9.0f}")
    print(f"{'whole job, 1 process':<22} {whole[0]:>8.1f} {whole[1]:>9.0f}")
    print(f"{'end to end':<22} {rows[0][1] + whole[0]:>8.1f}   (generate + whole job)")
    print("(stage rows include ~each process's Python/Dagster start-up; the whole-job row pays it once)")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"kept {scratch}")


if __name__ == "__main__":
    main()
