"""CLI: python -m dagster_project.synthetic --seed 7 --anchor-date 2026-11-26 --locations 7 --months 12 ..."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from .generator import GeneratorConfig, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.synthetic", description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor-date", type=date.fromisoformat, default=None, help="as-of date (default: today)")
    parser.add_argument("--locations", type=int, default=7)
    parser.add_argument("--months", type=int, default=12, help="months of history before the anchor date")
    parser.add_argument(
        "--future-weeks", type=int, default=4, help="weeks of scheduled appointments from the anchor date"
    )
    parser.add_argument(
        "--waitlist-size",
        type=int,
        default=0,
        help="top the group's waitlist up to this many waiting children (default: the natural few)",
    )
    parser.add_argument("--out", type=Path, default=Path("data/inbox"))
    parser.add_argument("--ground-truth", type=Path, default=Path("data/synthetic/ground_truth.json"))
    parser.add_argument(
        "--shape",
        choices=("contract", "webpt"),
        default="contract",
        help="webpt: deliver the EHR data as WebPT Standard Extract nightly files instead",
    )
    parser.add_argument(
        "--adapter-inbox",
        type=Path,
        default=Path("data/adapter_inbox"),
        help="with --shape webpt: the folder the WebPT files go to (<this>/webpt/)",
    )
    args = parser.parse_args(argv)
    if args.locations < 1 or args.months < 3 or args.future_weeks < 1:
        parser.error("need --locations >= 1, --months >= 3 and --future-weeks >= 1")
    config = GeneratorConfig(
        seed=args.seed,
        anchor_date=args.anchor_date or date.today(),
        locations=args.locations,
        months=args.months,
        future_weeks=args.future_weeks,
        out=args.out,
        ground_truth=args.ground_truth,
        waitlist_size=args.waitlist_size,
    )
    began = time.perf_counter()
    summary = generate(config)
    if args.shape == "webpt":
        from .webpt_out import write_webpt_extract

        webpt_rows = write_webpt_extract(config.out, args.adapter_inbox / "webpt", config.anchor_date)
        print(f"wrote {sum(webpt_rows.values())} WebPT Standard Extract rows to {args.adapter_inbox / 'webpt'}")
    # Counts only: no patient data is printed.
    print(
        f"wrote {sum(v for k, v in summary['rows'].items() if k != 'clearinghouse_835_files')} CSV rows and "
        f"{summary['rows']['clearinghouse_835_files']} 835 files to {config.out} "
        f"in {time.perf_counter() - began:.1f}s; "
        f"{summary['auth_leaks']} planted auth leaks, {summary['auth_near_misses']} near-misses "
        f"-> {config.ground_truth}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
