"""Wall time and peak memory of every pipeline stage, the next day on a built warehouse, and the floors.

    .venv/bin/python bench/pipeline_bench.py                   # the default size (7 locations, 12 months)
    .venv/bin/python bench/pipeline_bench.py --size large      # 50 locations, 36 months (many minutes)
    .venv/bin/python bench/pipeline_bench.py --size all        # both, one table

Per size, in a scratch directory (never the repo's data/):

1. generate the extracts, then hold back the newest day of the append-only extracts (the last rows of the
   visit, appointment, charge-line and timesheet files, the newest clearinghouse files) as "the next day";
2. run the daily job stage by stage (ingest, dbt, emitters, publish), each in its own process: wall time
   and peak memory (the summed resident set of the stage's process tree, dbt included, sampled from /proc);
3. deliver the next day and run the stages again on the built warehouse (incremental staging);
4. the physical floors over the same files: DuckDB's own read_csv of the CSV extracts vs our CSV load
   (bench/ingest_bench.py), and for the 835s the readers alone vs readers + bulk load vs pyx12's
   validation (bench/x12_ingest_bench.py).

Prints figures; asserts nothing. On a shared machine read the ratios more than the seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("ingest", "dbt", "emitters", "publish")
SIZES = {"default": (7, 12), "large": (50, 36)}
# The append-only extracts a day adds to (CSV entity file stems); clearinghouse files are held back whole.
DAILY_CSV = {"ehr": ("visits", "appointments", "charge_lines"), "payroll": ("timesheets",)}


def _run_stage(stage: str) -> None:
    """Inside a stage process: materialize one slice of the daily job's asset graph."""
    import dagster as dg

    from dagster_project.definitions import defs

    selections = {
        "ingest": dg.AssetSelection.groups("ingest"),
        "dbt": dg.AssetSelection.all() - dg.AssetSelection.groups("ingest", "emitters", "serving"),
        "emitters": dg.AssetSelection.groups("emitters"),
        "publish": dg.AssetSelection.groups("serving"),
    }
    keys = list(selections[stage].resolve(defs.resolve_asset_graph()))
    result = defs.resolve_job_def("daily_leak_job").execute_in_process(asset_selection=keys, raise_on_error=False)
    if not result.success:
        sys.exit(f"stage {stage} failed")


def _tree_rss_bytes(root_pid: int) -> int:
    """Resident set of a process and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = int(statm[1]) * page
    total, to_visit = 0, [root_pid]
    while to_visit:
        pid = to_visit.pop()
        total += rss.get(pid, 0)
        to_visit.extend(children.get(pid, []))
    return total


@dataclass
class Measured:
    wall: float
    peak_mb: float
    stdout: str
    cpu: float = 0.0  # user + system seconds of the whole process tree: steadier than wall on a shared CPU


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(cmd: list[str], env: dict) -> Measured:
    started, cpu_before = time.perf_counter(), _children_cpu()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, _tree_rss_bytes(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(out[-3000:] + err[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return Measured(wall, peak / 2**20, out, _children_cpu() - cpu_before)


def _say(line: str) -> None:
    print(line, flush=True)


def _hold_back_next_day(inbox: Path, next_day: Path, days: int) -> None:
    """Move the newest day of the append-only extracts from the inbox to next_day/ (same folders)."""
    for source, stems in DAILY_CSV.items():
        for stem in stems:
            path = inbox / source / f"{stem}.csv"
            if not path.exists():
                continue
            header, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
            keep = len(rows) - max(1, len(rows) // days)
            path.write_text(header + "".join(rows[:keep]), encoding="utf-8")
            (next_day / source).mkdir(parents=True, exist_ok=True)
            (next_day / source / f"{stem}_next_day.csv").write_text(header + "".join(rows[keep:]), encoding="utf-8")
    files = sorted(p for p in (inbox / "clearinghouse").iterdir() if p.is_file())
    (next_day / "clearinghouse").mkdir(parents=True, exist_ok=True)
    for path in files[len(files) - max(1, len(files) // days) :]:
        shutil.move(path, next_day / "clearinghouse" / path.name)


def _deliver(next_day: Path, inbox: Path) -> None:
    for path in next_day.rglob("*"):
        if path.is_file():
            target = inbox / path.relative_to(next_day)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _bench_size(
    name: str, locations: int, months: int, seed: int, anchor: str, keep: bool, inbox_copy: Path | None
) -> None:
    scratch = Path(tempfile.mkdtemp(prefix=f"rcm-bench-{locations}x{months}-"))
    inbox, data = scratch / "inbox", scratch / "data"
    (data / "dagster_home").mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RCM_DATA_DIR": str(data),
        "RCM_INBOX_DIR": str(inbox),
        "RCM_AS_OF_DATE": anchor,
        "DAGSTER_HOME": str(data / "dagster_home"),
    }
    py = sys.executable

    def row(label: str, measured: Measured, note: str = "") -> None:
        _say(f"{name:<8} {label:<26} {measured.wall:>8.1f} {measured.cpu:>8.1f} {measured.peak_mb:>9,.0f}  {note}")

    if inbox_copy is None:
        generated = _measure(
            [py, "-m", "dagster_project.synthetic", "--seed", str(seed), "--anchor-date", anchor,
             "--locations", str(locations), "--months", str(months), "--out", str(inbox),
             "--ground-truth", str(scratch / "ground_truth.json")],
            env,
        )  # fmt: skip
    else:
        began = time.perf_counter()
        shutil.copytree(inbox_copy, inbox)
        generated = Measured(time.perf_counter() - began, 0.0, "")
    _hold_back_next_day(inbox, scratch / "next_day", days=months * 30)
    inbox_mb = sum(p.stat().st_size for p in inbox.rglob("*") if p.is_file()) / 2**20
    row("generate" if inbox_copy is None else "copy --inbox", generated, f"inbox {inbox_mb:,.0f} MB")

    def job(label: str) -> Measured:
        stages = [_measure([py, __file__, "--stage", stage], env) for stage in STAGES]
        for stage, measured in zip(STAGES, stages, strict=True):
            row(f"{label}{stage}", measured)
        return Measured(sum(m.wall for m in stages), max(m.peak_mb for m in stages), "", sum(m.cpu for m in stages))

    row("daily job (4 stages)", job(""), "first build")
    _deliver(scratch / "next_day", inbox)
    row("next day (4 stages)", job("next day: "), "on the built warehouse")

    floors = _measure([py, "bench/ingest_bench.py", "--inbox", str(inbox)], env)
    x12 = _measure([py, "bench/x12_ingest_bench.py", "--inbox", str(inbox), "--pyx12-sample", "20"], env)
    _say("")
    _say(f"{name}: CSV extracts against DuckDB's read_csv of the same files (bench/ingest_bench.py)")
    for line in floors.stdout.strip().splitlines():
        _say("  " + line)
    _say(f"{name}: 835 readers alone, readers + bulk load, pyx12 validation (bench/x12_ingest_bench.py)")
    for line in x12.stdout.strip().splitlines():
        if line.strip():
            _say("  " + line)
    _say("")
    if keep:
        _say(f"kept {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=(*SIZES, "all"), default="default")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor-date", default="2026-11-26")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directories")
    parser.add_argument(
        "--inbox", type=Path, help="copy this generated inbox (of the one --size) instead of generating one"
    )
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        _run_stage(args.stage)
        return
    sizes = list(SIZES) if args.size == "all" else [args.size]
    if args.inbox and len(sizes) > 1:
        parser.error("--inbox goes with one --size")
    print(f"{'size':<8} {'stage':<26} {'wall s':>8} {'cpu s':>8} {'peak MB':>9}")
    for size in sizes:
        locations, months = SIZES[size]
        _bench_size(f"{locations}x{months}", locations, months, args.seed, args.anchor_date, args.keep, args.inbox)
    print(
        "peak MB: the stage's whole process tree (Dagster and dbt together), sampled every 0.2 s; "
        "cpu s: its user + system time"
    )


if __name__ == "__main__":
    main()
