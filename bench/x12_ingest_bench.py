"""835 ingest speed next to pyx12's own validation of the same files, in the same run.

    .venv/bin/python -m dagster_project.synthetic --seed 7 --locations 7 --months 12 --out /tmp/inbox \\
        --ground-truth /tmp/truth.json
    .venv/bin/python bench/x12_ingest_bench.py --inbox /tmp/inbox           # a generated inbox
    .venv/bin/python bench/x12_ingest_bench.py --locations 50 --months 36   # generate into a scratch dir first

Times, over the inbox's 835 files: (1) the readers alone (``parse_x12``: bytes -> transaction sets ->
rows + issues), (2) the readers plus the bulk load into the DuckDB raw tables (``load_source``:
worker processes reading the files, file ledger, quarantine, Arrow inserts, a fresh warehouse), and
(3) pyx12's implementation-guide validation. pyx12 is much slower, so by default it validates a sample of
the files; its rates are per claim and per segment of that sample, and every ratio compares rates. Rates
are per wall second; "CPU s" adds this process's and its worker processes' CPU time, which a shared
machine does not blur. Never writes to the repo's
data/. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children (the load's worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _count(paths: list[Path]) -> tuple[int, int]:
    claims = segments = 0
    for path in paths:
        text = path.read_text(encoding="ascii", errors="replace")
        segments += text.count("~")
        claims += text.count("~CLP*") + text.count("\nCLP*")
    return claims, segments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inbox", type=Path, help="a generated inbox (with clearinghouse/); else generate one")
    parser.add_argument("--locations", type=int, default=7)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pyx12-sample", type=int, default=60, help="835 files pyx12 validates (0 = all)")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON figures (pipeline_bench)")
    args = parser.parse_args()

    import duckdb

    from dagster_project.ingest.loader import load_source
    from dagster_project.ingest.x12 import parse_x12
    from dagster_project.ingest.x12.validate import validate_with_pyx12

    scratch = Path(tempfile.mkdtemp(prefix="x12bench_"))
    try:
        if args.inbox is None:
            from dagster_project.synthetic import GeneratorConfig, generate

            began = time.perf_counter()
            generate(
                GeneratorConfig(
                    seed=args.seed,
                    anchor_date=date(2026, 11, 26),
                    locations=args.locations,
                    months=args.months,
                    future_weeks=4,
                    out=scratch / "inbox",
                    ground_truth=scratch / "truth.json",
                )
            )
            print(
                f"data set: {args.locations} locations x {args.months} months, "
                f"generated in {time.perf_counter() - began:.1f}s"
            )
            inbox = scratch / "inbox"
        else:
            inbox = args.inbox
            print(f"data set: {inbox}")
        remits = sorted((inbox / "clearinghouse").glob("*.835"))
        claims, segments = _count(remits)
        mb = sum(p.stat().st_size for p in remits) / 1e6
        print(f"835 files: {len(remits)} ({mb:.1f} MB), {claims:,} claims (CLP), {segments:,} segments")

        only_835 = scratch / "only835" / "clearinghouse"
        only_835.mkdir(parents=True)
        for path in remits:
            shutil.copyfile(path, only_835 / path.name)

        began, cpu = time.perf_counter(), _cpu_s()
        for path in remits:
            parse_x12(path.read_bytes(), path.name)
        parse_s, parse_cpu = time.perf_counter() - began, _cpu_s() - cpu

        import pyarrow as pa

        pa.array(["warm-up"])  # pyarrow's first conversion imports pandas: once per process, not ingest time
        con = duckdb.connect(str(scratch / "bench.duckdb"))
        con.execute("select 1").fetchall()
        began, cpu = time.perf_counter(), _cpu_s()
        report = load_source(con, "clearinghouse", only_835.parent, scratch / "quarantine")
        load_s, load_cpu = time.perf_counter() - began, _cpu_s() - cpu
        loaded = con.execute("select count(*) from raw_clearinghouse.remit_claims").fetchone()[0]
        con.close()

        sample = (
            remits
            if args.pyx12_sample == 0
            else sorted(random.Random(args.seed).sample(remits, min(args.pyx12_sample, len(remits))))
        )
        sample_claims, sample_segments = _count(sample)
        began, cpu = time.perf_counter(), _cpu_s()
        with_errors = sum(1 for path in sample if any(i.is_error for i in validate_with_pyx12(path)))
        pyx12_s, pyx12_cpu = time.perf_counter() - began, _cpu_s() - cpu

        reader_rate = claims / parse_s
        rows = [
            ("readers alone (parse_x12)", len(remits), parse_s, parse_cpu, claims, segments),
            ("readers + DuckDB bulk load", len(remits), load_s, load_cpu, claims, segments),
            (
                f"pyx12 validation ({'all' if sample is remits else 'sample'})",
                len(sample),
                pyx12_s,
                pyx12_cpu,
                sample_claims,
                sample_segments,
            ),
        ]
        print()
        print(
            f"{'step':<34}{'files':>7}{'seconds':>10}{'CPU s':>8}{'claims/s':>12}{'segments/s':>13}{'vs readers':>12}"
        )
        for name, files, seconds, cpu_s, c, s in rows:
            print(
                f"{name:<34}{files:>7}{seconds:>10.2f}{cpu_s:>8.2f}{c / seconds:>12,.0f}{s / seconds:>13,.0f}"
                f"{(c / seconds) / reader_rate:>11.2f}x"
            )
        print(
            f"\nloaded {loaded:,} claims ({report.count('duplicate')} files were re-sent remittances); "
            f"pyx12 found errors in {with_errors} of {len(sample)} files; "
            f"the readers are {reader_rate / (sample_claims / pyx12_s):,.0f}x faster than pyx12 per claim"
        )
        if args.json:
            rates = {"reader": reader_rate, "reader_load": claims / load_s, "pyx12": sample_claims / pyx12_s}
            print(json.dumps({f"{name}_claims_per_s": rate for name, rate in rates.items()}))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
