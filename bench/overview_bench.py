"""Time the director overview's data calls against an existing pipeline root's serving snapshot.

    .venv/bin/python bench/overview_bench.py                      # the repo's data/ (after `make demo`)
    .venv/bin/python bench/overview_bench.py --root /tmp/rcm-bench-50x36-xxxx/whole --repeats 5

`--root` is a pipeline data directory (RCM_DATA_DIR: warehouse/serving.json, ledger/). pipeline_bench.py
--keep leaves one. Each call runs as the overview page runs it for a group-wide director: "cold" is the
first call in this process (new DuckDB connection, file pages possibly not cached), "warm" the median of
the repeats. Prints a table; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT / "data", help="pipeline data directory (RCM_DATA_DIR)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ["RCM_DATA_DIR"] = str(args.root.resolve())
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore")

    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "no ScriptRunContext" noise outside `streamlit run`

    from dashboards import data, ui
    from ledger import User

    director = User(username="bench_director", display_name="Bench", role="director", locations=frozenset({"*"}))
    snapshot = data.current_snapshot()
    state: dict = {}

    def monthly():
        state["monthly"] = data.leak_monthly(director)
        return state["monthly"]

    def kpis():
        state["kpis"] = data.kpis_monthly(director)
        return state["kpis"]

    def first_location():
        return sorted(state["monthly"]["location_id"].unique())[0]

    calls = [
        ("leak_summary (at risk now)", lambda: data.leak_summary(director)),
        ("leak_monthly", monthly),
        ("kpis_monthly", kpis),
        ("kpi_goals (ledger)", lambda: data.kpi_goals(director)),
        (
            "rank_areas + kpi_summary (group)",
            lambda: (data.rank_areas(state["monthly"]), data.kpi_summary(state["kpis"])),
        ),
        (
            "leak_events (drill-down, 1 area/month)",
            lambda: data.leak_events(
                director, leak_areas=["claims_denials"], month_start=state["monthly"]["month_start"].max()
            ),
        ),
        (
            "render_assessment (1 location)",
            lambda: ui.render_assessment(
                location_id=first_location(),
                location_name="bench",
                as_of_date=snapshot.as_of_date,
                monthly=state["monthly"],
                kpis=state["kpis"],
                goals={},
            ),
        ),
        ("top_open_actions (ledger)", lambda: data.top_open_actions(director, limit=10)),
    ]

    rows = []
    for name, call in calls:
        started = time.perf_counter()
        result = call()
        cold = time.perf_counter() - started
        warm = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            call()
            warm.append(time.perf_counter() - started)
        size = len(result) if hasattr(result, "__len__") else ""
        rows.append((name, cold, statistics.median(warm), size))

    locations = state["monthly"]["location_id"].nunique()
    events = data.leak_events(director, limit=10**9)
    print(
        f"\nsnapshot {snapshot.path.name} (as of {snapshot.as_of_date}, "
        f"{snapshot.path.stat().st_size / 2**20:.1f} MB): "
        f"{locations} locations, {len(state['monthly']):,} monthly leak rows, {len(state['kpis']):,} KPI rows, "
        f"{len(events):,} leak events"
    )
    print(f"{'call':<40} {'cold ms':>9} {'warm ms':>9} {'rows':>8}")
    for name, cold, warm, size in rows:
        print(f"{name:<40} {cold * 1000:>9.1f} {warm * 1000:>9.1f} {size!s:>8}")
    print(f"{'overview total':<40} {sum(r[1] for r in rows) * 1000:>9.1f} {sum(r[2] for r in rows) * 1000:>9.1f}")
    print("(warm = median of --repeats; one new read-only DuckDB connection per call, as the page does)")


if __name__ == "__main__":
    main()
