"""Time to compute the waitlist matches for every open slot, at a chosen size.

    .venv/bin/python bench/schedule_match_bench.py --locations 50 --months 36 --waitlist-size 5000
    .venv/bin/python bench/schedule_match_bench.py --warehouse /path/to/rcm.duckdb --anchor-date 2026-11-26

Without --warehouse it generates the data (with the waitlist topped up to --waitlist-size children) and builds
a warehouse by running the ingest and dbt stages once (bench/pipeline_bench.py stage processes). With
--warehouse it reuses a built warehouse (e.g. one bench/pipeline_bench.py --keep left behind, or
data/warehouse/rcm.duckdb) and never writes to it: the matching models run on a copy.

What is timed: `dbt run` of the matching models only (template slots -> open slots -> slot x waitlist
matches -> open slots with their top matches -> slot-offer flags) in its own process under /usr/bin/time,
so "peak MB" is that process's largest resident set. dbt's own per-model times are printed too (the wall
time also pays dbt's start-up and project parse). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline_bench import ROOT, _measure  # noqa: E402  (one way to time a child process)

MATCH_MODELS = (
    "int_scheduling__template_slots",
    "int_scheduling__open_slots",
    "fct_waitlist_slot_matches",
    "fct_open_slots",
    "flag_open_slot_offers",
)


def _build_warehouse(args, scratch: Path) -> Path:
    py = sys.executable
    env = {
        **os.environ,
        "RCM_DATA_DIR": str(scratch / "run"),
        "RCM_INBOX_DIR": str(scratch / "inbox"),
        "RCM_AS_OF_DATE": args.anchor_date,
        "DAGSTER_HOME": str(scratch / "run" / "dagster_home"),
    }
    (scratch / "run" / "dagster_home").mkdir(parents=True, exist_ok=True)
    wall = _measure(
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
            "--waitlist-size",
            str(args.waitlist_size),
            "--out",
            str(scratch / "inbox"),
            "--ground-truth",
            str(scratch / "ground_truth.json"),
        ],
        env,
    ).wall
    print(
        f"generated --locations {args.locations} --months {args.months} --waitlist-size {args.waitlist_size} "
        f"in {wall:.1f}s"
    )
    for stage in ("ingest", "dbt"):
        wall = _measure([py, str(ROOT / "bench" / "pipeline_bench.py"), "--stage", stage], env).wall
        print(f"built warehouse: {stage} stage in {wall:.1f}s")
    return scratch / "run" / "warehouse" / "rcm.duckdb"


def _counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        one = lambda sql: int(con.execute(sql).fetchone()[0])  # noqa: E731
        return {
            "locations": one("select count(distinct location_id) from marts.fct_open_slots"),
            "open slots": one("select count(*) from marts.fct_open_slots"),
            "slots with a match": one("select count(*) from marts.fct_open_slots where valid_match_count > 0"),
            "waiting children": one("select count(*) from staging.stg_ehr__waitlist_entries where status = 'waiting'"),
            "slot x child rows": one("select count(*) from marts.fct_waitlist_slot_matches"),
            "valid matches": one("select count(*) from marts.fct_waitlist_slot_matches where is_valid_match"),
            "offer candidates": one("select count(*) from marts.flag_open_slot_offers"),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locations", type=int, default=7)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--waitlist-size", type=int, default=5000, help="waiting children across the group")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor-date", default="2026-11-26", help="the as-of date the matches are computed at")
    parser.add_argument("--warehouse", type=Path, help="reuse this built warehouse (read only: a copy is used)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="rcm-match-bench-"))
    source = args.warehouse or _build_warehouse(args, scratch)
    if not source.exists():
        raise SystemExit(f"no warehouse at {source}")
    work = scratch / "match.duckdb"
    shutil.copyfile(source, work)
    env = {**os.environ, "RCM_DUCKDB_PATH": str(work)}
    cmd = [
        str(Path(sys.executable).with_name("dbt")),
        "run",
        "--project-dir",
        str(ROOT / "dbt"),
        "--profiles-dir",
        str(ROOT / "dbt"),
        "--target-path",
        str(scratch / "target"),
        "--log-path",
        str(scratch / "logs"),
        "--select",
        *MATCH_MODELS,
        "--vars",
        json.dumps({"as_of_date": args.anchor_date}),
    ]
    measured = _measure(cmd, env)
    wall, peak = measured.wall, measured.peak_mb
    results = json.loads((scratch / "target" / "run_results.json").read_text())["results"]
    per_model = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}

    print(f"\nwarehouse: {source} ({source.stat().st_size / 2**20:.1f} MB), as of {args.anchor_date}")
    for name, value in _counts(work).items():
        print(f"{name:<22} {value:>12,}")
    print(f"{'model':<34} {'dbt s':>8}")
    for name in MATCH_MODELS:
        print(f"{name:<34} {per_model.get(name, float('nan')):>8.2f}")
    print(f"{'matching models (dbt)':<34} {sum(per_model.values()):>8.2f}")
    print(f"{'dbt run wall (incl. start-up)':<34} {wall:>8.1f}   peak {peak:.0f} MB")
    if args.keep:
        print(f"kept {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
