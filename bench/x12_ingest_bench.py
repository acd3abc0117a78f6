"""835 ingest speed next to pyx12's own validation of the same files, in the same run.

    .venv/bin/python bench/x12_ingest_bench.py                          # 50 locations, 36 months (the issue's size)
    .venv/bin/python bench/x12_ingest_bench.py --locations 7 --months 12 --pyx12-sample 40

Generates the data set into a scratch directory (never the repo's data/), then times, over the 835
files: (1) our reader alone (parse_835: bytes -> rows + issues), (2) our reader plus the load into
DuckDB raw tables (load_source, one transaction per file, file ledger), and (3) pyx12's implementation-
guide validation. pyx12 is much slower, so by default it validates a sample of files and the rate is
per claim and per segment of that sample. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _count(paths: list[Path]) -> tuple[int, int]:
    claims = segments = 0
    for path in paths:
        text = path.read_text(encoding="ascii")
        segments += text.count("~")
        claims += text.count("~CLP*") + text.count("\nCLP*")
    return claims, segments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locations", type=int, default=50)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pyx12-sample", type=int, default=60, help="835 files pyx12 validates (0 = all)")
    args = parser.parse_args()

    import duckdb

    from dagster_project.ingest.loader import load_source
    from dagster_project.ingest.x12 import parse_835
    from dagster_project.ingest.x12.validate import validate_with_pyx12
    from dagster_project.synthetic import GeneratorConfig, generate

    scratch = Path(tempfile.mkdtemp(prefix="x12bench_"))
    try:
        began = time.perf_counter()
        generate(GeneratorConfig(seed=args.seed, anchor_date=date(2026, 11, 26), locations=args.locations,
                                 months=args.months, future_weeks=4, out=scratch / "inbox",
                                 ground_truth=scratch / "truth.json"))
        generated = time.perf_counter() - began
        source = scratch / "inbox" / "clearinghouse"
        remits = sorted(source.glob("*.835"))
        claims, segments = _count(remits)
        mb = sum(p.stat().st_size for p in remits) / 1e6
        print(f"data set: {args.locations} locations x {args.months} months, generated in {generated:.1f}s")
        print(f"835 files: {len(remits)} ({mb:.1f} MB), {claims:,} claims (CLP), {segments:,} segments")

        began = time.perf_counter()
        for path in remits:
            parse_835(path.read_bytes(), path.name)
        parse_s = time.perf_counter() - began

        only_835 = scratch / "only835" / "clearinghouse"
        only_835.mkdir(parents=True)
        for path in remits:
            shutil.copyfile(path, only_835 / path.name)
        con = duckdb.connect(str(scratch / "bench.duckdb"))
        began = time.perf_counter()
        load_source(con, "clearinghouse", only_835.parent, scratch / "quarantine")
        load_s = time.perf_counter() - began
        con.close()

        sample = remits if args.pyx12_sample == 0 else sorted(
            random.Random(args.seed).sample(remits, min(args.pyx12_sample, len(remits))))
        sample_claims, sample_segments = _count(sample)
        began = time.perf_counter()
        invalid = sum(1 for path in sample if validate_with_pyx12(path))
        pyx12_s = time.perf_counter() - began

        print()
        print(f"{'step':<34}{'files':>7}{'seconds':>10}{'claims/s':>12}{'segments/s':>13}")
        rows = [("our reader (parse_835)", len(remits), parse_s, claims, segments),
                ("our reader + DuckDB load", len(remits), load_s, claims, segments),
                (f"pyx12 validation ({'all' if sample is remits else 'sample'})", len(sample), pyx12_s,
                 sample_claims, sample_segments)]
        for name, files, seconds, c, s in rows:
            print(f"{name:<34}{files:>7}{seconds:>10.2f}{c / seconds:>12,.0f}{s / seconds:>13,.0f}")
        print(f"\npyx12 found errors in {invalid} of {len(sample)} files")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
