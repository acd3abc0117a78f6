"""Wall time, CPU time and peak memory of every pipeline stage, the next day on a built warehouse, and the floors.

    .venv/bin/python bench/pipeline_bench.py                        # the default size (7 locations, 12 months)
    .venv/bin/python bench/pipeline_bench.py --size large           # 50 locations, 36 months (many minutes)
    .venv/bin/python bench/pipeline_bench.py --size all             # both, one table
    .venv/bin/python bench/pipeline_bench.py --warehouse postgres   # dbt in a throwaway PostgreSQL cluster
    .venv/bin/python bench/pipeline_bench.py --warehouse both       # DuckDB and PostgreSQL on the same extracts
    .venv/bin/python bench/pipeline_bench.py --busy-day             # the next day brings claims, acks and ERAs too
    .venv/bin/python bench/pipeline_bench.py --record               # keep the figures, rewrite the README's tables

Per size, in a scratch directory (never the repo's data/):

1. generate the extracts, then hold back the newest day as "the next day": the visits of the newest date of
   service with their appointments and charge lines, the newest day's timesheets and clearinghouse files (with
   --busy-day, the newest files of every clearinghouse kind); the first build runs as of the day before the
   anchor date, the next day as of the anchor date;
2. per warehouse, parse the dbt project with its settings, as `make manifest` does before a machine's first job
   (timed apart: a new warehouse path makes dbt parse the whole project once), then run the daily job stage by
   stage (ingest, dbt, emitters, publish), each in its own process: wall time, CPU time and peak memory (the
   summed resident set of the stage's process tree, dbt included, sampled from /proc). On PostgreSQL (a
   throwaway cluster started as the tests start theirs, tests/postgres_cluster.py) the raw copy into the server
   is also timed as a stage of its own (the dbt stage does it again before `dbt build`, so the job's total counts
   it once), publish copies the marts back, and the server's own CPU time and peak memory (proportional set size
   of its processes) get two more columns;
3. deliver the next day and run the stages again on the built warehouse (incremental staging); then, on
   another fresh copy, the first build and the next day each as one run (the whole job in one process, as
   the schedule runs it: one Dagster start-up instead of four);
4. the physical floors over the same files: DuckDB's own read_csv of the CSV extracts vs our CSV load
   (bench/ingest_bench.py), and for the 835s the readers alone vs readers + bulk load vs pyx12's
   validation (bench/x12_ingest_bench.py), and the next day's dbt SQL run straight in DuckDB, without dbt,
   and the next day's dbt build on no rows (`--empty`), dbt without the data (bench/dbt_floor_bench.py); then
   one table of ratios: against the floors, PostgreSQL against DuckDB, the
   next day against the first build.

Prints figures; asserts nothing. On a shared machine read CPU seconds, memory and the ratios more than wall time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"default": (7, 12), "large": (50, 36)}
WAREHOUSES = ("duckdb", "postgres")
JOB_STAGES = ("ingest", "dbt", "emitters", "publish")
JOB = "job"  # the whole daily job in one process, as the schedule runs it (in-process executor)
RAW_COPY = "raw_copy"  # PostgreSQL only: the dbt stage's copy of the raw tables, timed on its own
# dbt's parse of the project with this warehouse's settings, as `make manifest` runs it before a machine's first job
# (and again only when a model, macro, seed or setting changes): timed apart, not part of any job's figures.
PARSE = "parse"
STAGE_LABELS = {RAW_COPY: "raw copy (also in dbt)", "dbt": "dbt"}
FILE_DATE = re.compile(r"_(\d{8})")  # the first date in a clearinghouse file's name (era_<payer>_<YYYYMMDD>_...)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
LOAD_AT_START = os.getloadavg()[0]  # recorded with the figures: a busy machine explains slow ones


def _run_stage(stage: str) -> None:
    """Inside a stage process: materialize one slice of the daily job's asset graph (or copy the raw tables)."""
    if stage == PARSE:
        from dagster_project.dbt_project import dbt_project, parse_for_the_next_build

        parse_for_the_next_build(dbt_project())
        return
    if stage == RAW_COPY:
        from core.settings import get_settings
        from dagster_project.warehouse import get_warehouse

        get_warehouse(get_settings().warehouse_path).prepare_models()
        return

    import dagster as dg

    from dagster_project.definitions import defs

    selections = {
        JOB: dg.AssetSelection.all(),
        "ingest": dg.AssetSelection.groups("ingest"),
        "dbt": dg.AssetSelection.all() - dg.AssetSelection.groups("ingest", "emitters", "serving"),
        "emitters": dg.AssetSelection.groups("emitters"),
        "publish": dg.AssetSelection.groups("serving"),
    }
    keys = list(selections[stage].resolve(defs.resolve_asset_graph()))
    # The instance a real run writes its events to (DAGSTER_HOME, with the committed settings), not an
    # in-memory one: storing ~3,000 events a run is part of what the job costs.
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("daily_leak_job").execute_in_process(
            asset_selection=keys, raise_on_error=False, instance=instance
        )
    if not result.success:
        sys.exit(f"stage {stage} failed")


# ----- processes, from /proc (Linux) ----------------------------------------------------------------------------


def _process_table() -> tuple[dict[int, list[int]], dict[int, list[str]]]:
    """Children by parent pid, and each process's /proc/<pid>/stat fields after the command name."""
    children: dict[int, list[int]] = {}
    stat_fields: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stat_fields[int(entry)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children, stat_fields


def _tree(root_pid: int, children: dict[int, list[int]]) -> list[int]:
    found, to_visit = [], [root_pid]
    while to_visit:
        pid = to_visit.pop()
        found.append(pid)
        to_visit.extend(children.get(pid, []))
    return found


def _tree_rss_bytes(root_pid: int) -> int:
    """Resident set of a process and all its descendants."""
    total = 0
    for pid in _tree(root_pid, _process_table()[0]):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
        except OSError:
            continue
    return total


class PostgresServer:
    """The throwaway cluster's processes: CPU time and memory outside the stage's own process tree."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir

    def _postmaster(self) -> int:
        return int((self.data_dir / "postmaster.pid").read_text().split()[0])

    def cpu_seconds(self) -> float:
        """User + system time of the server's live processes plus the exited backends it has reaped."""
        children, stat_fields = _process_table()
        root = self._postmaster()
        ticks = sum(int(stat_fields[pid][11]) + int(stat_fields[pid][12]) for pid in _tree(root, children))
        ticks += int(stat_fields[root][13]) + int(stat_fields[root][14])  # cutime + cstime: reaped backends
        return ticks / CLOCK_TICKS

    def memory_bytes(self) -> int:
        """Proportional set size of the server's processes: shared buffers counted once, not once per backend."""
        total = 0
        for pid in _tree(self._postmaster(), _process_table()[0]):
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            total += next((int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Pss:")), 0)
        return total


# ----- measuring -------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    wall: float
    peak_mb: float
    stdout: str
    cpu: float = 0.0  # user + system seconds of the whole process tree: steadier than wall on a shared CPU
    server_cpu: float | None = None  # PostgreSQL's own processes (not in the stage's tree)
    server_peak_mb: float | None = None


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(cmd: list[str], env: dict, server: PostgresServer | None = None) -> Measured:
    started, cpu_before = time.perf_counter(), _children_cpu()
    server_cpu_before = server.cpu_seconds() if server else 0.0
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = server_peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, server_peak
        while not done.wait(0.2):
            peak = max(peak, _tree_rss_bytes(proc.pid))
            if server:
                server_peak = max(server_peak, server.memory_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(out[-3000:] + err[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    measured = Measured(wall, peak / 2**20, out, _children_cpu() - cpu_before)
    if server:
        measured.server_cpu = server.cpu_seconds() - server_cpu_before
        measured.server_peak_mb = server_peak / 2**20
    return measured


def _total(stages: list[Measured]) -> Measured:
    """A job of stages run one after another: times add up, the peak is the largest stage's."""
    total = Measured(sum(m.wall for m in stages), max(m.peak_mb for m in stages), "", sum(m.cpu for m in stages))
    if stages[0].server_cpu is not None:
        total.server_cpu = sum(m.server_cpu for m in stages)
        total.server_peak_mb = max(m.server_peak_mb for m in stages)
    return total


def _say(line: str) -> None:
    print(line, flush=True)


def _row(name: str, label: str, measured: Measured, note: str = "") -> None:
    server = (
        f"{measured.server_cpu:>9.1f} {measured.server_peak_mb:>8,.0f}"
        if measured.server_cpu is not None
        else f"{'':>9} {'':>8}"
    )
    times = f"{measured.wall:>8.1f} {measured.cpu:>8.1f} {measured.peak_mb:>9,.0f}"
    _say(f"{name:<14} {label:<34} {times} {server}  {note}")


# ----- the data set ----------------------------------------------------------------------------------------------


def _hold_back_next_day(inbox: Path, next_day: Path, busy_day: bool = False) -> None:
    """Move the newest day out of the inbox into next_day/ (same folders): the visits of the newest date of
    service with their appointments and charge lines, the timesheets of the newest work date, and the
    clearinghouse files of the newest file date. By date, not by position: the files are grouped by location,
    so their last rows are one location's history, whose remits are already in the inbox.

    The generated clearinghouse files come weekly by kind (claims and acknowledgements on one weekday, each
    payer's ERA on its own), so the newest file date may hold one kind only. A busy day holds back the newest
    file date of every kind (837P claims, 999/277CA acknowledgements, 835 ERAs, eligibility): a day on which all
    of them arrive."""
    ehr, payroll = inbox / "ehr", inbox / "payroll"
    visits = _read_csv(ehr / "visits.csv")
    newest_visit_day = max(row["date_of_service"] for row in visits)
    held_visits = {row["visit_id"] for row in visits if row["date_of_service"] == newest_visit_day}
    held_appointments = {row["appointment_id"] for row in visits if row["visit_id"] in held_visits}
    timesheets = _read_csv(payroll / "timesheets.csv")
    newest_work_day = max(row["work_date"] for row in timesheets)
    rules = {
        ehr / "visits.csv": lambda row: row["visit_id"] in held_visits,
        ehr / "charge_lines.csv": lambda row: row["visit_id"] in held_visits,
        ehr / "appointments.csv": lambda row: row["appointment_id"] in held_appointments,
        payroll / "timesheets.csv": lambda row: row["work_date"] == newest_work_day,
    }
    for path, held in rules.items():
        header, *lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        rows = csv.DictReader([header, *lines])
        kept, moved = [], []
        for line, row in zip(lines, rows, strict=True):
            (moved if held(row) else kept).append(line)
        path.write_text(header + "".join(kept), encoding="utf-8")
        (next_day / path.parent.name).mkdir(parents=True, exist_ok=True)
        (next_day / path.parent.name / f"{path.stem}_next_day.csv").write_text(header + "".join(moved), "utf-8")
    dated = {p: m for p in (inbox / "clearinghouse").iterdir() if p.is_file() and (m := FILE_DATE.search(p.name))}

    def kind(path: Path) -> str:  # claims_, ack_, era_, eligibility_ (the whole folder is one kind on a usual day)
        return path.name.split("_")[0] if busy_day else ""

    newest = {}
    for path, match in dated.items():
        newest[kind(path)] = max(newest.get(kind(path), ""), match.group(1))
    (next_day / "clearinghouse").mkdir(parents=True, exist_ok=True)
    for path, match in dated.items():
        if match.group(1) == newest[kind(path)]:
            shutil.move(path, next_day / "clearinghouse" / path.name)


def _day_before(env: dict) -> dict:
    """The environment of the build before the next day: the as-of date one day earlier, as on a real night
    (every date-relative rule and drafted letter moves on by a day)."""
    as_of = date.fromisoformat(env["RCM_AS_OF_DATE"])
    return {**env, "RCM_AS_OF_DATE": (as_of - timedelta(days=1)).isoformat()}


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _deliver(next_day: Path, inbox: Path) -> None:
    for path in next_day.rglob("*"):
        if path.is_file():
            target = inbox / path.relative_to(next_day)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _figures(measured: Measured) -> dict:
    """The JSON line a sub-bench ends with (--json)."""
    return json.loads(measured.stdout.strip().splitlines()[-1])


def _echo(measured: Measured) -> None:
    for line in measured.stdout.strip().splitlines()[:-1]:  # the last line is the JSON figures
        if line.strip():
            _say("  " + line)


# ----- one size --------------------------------------------------------------------------------------------------


@dataclass
class JobFigures:
    first: Measured  # the four stages summed
    next_day: Measured
    first_stages: dict[str, Measured]  # by stage (the raw copy too, on PostgreSQL)
    next_day_stages: dict[str, Measured]
    one_run_first: Measured
    one_run_next_day: Measured

    @property
    def dbt_first(self) -> Measured:
        return self.first_stages["dbt"]

    @property
    def dbt_next_day(self) -> Measured:
        return self.next_day_stages["dbt"]


def _job_home(scratch: Path, folder: str, env: dict) -> tuple[Path, dict]:
    """A fresh copy of the generated inbox and an empty data folder with the committed Dagster settings."""
    home = scratch / folder
    inbox, data = home / "inbox", home / "data"
    shutil.copytree(scratch / "generated", inbox)
    (data / "dagster_home").mkdir(parents=True)
    shutil.copy(ROOT / "dagster_project" / "instance" / "dagster.yaml", data / "dagster_home" / "dagster.yaml")
    env = {
        **env,
        "RCM_DATA_DIR": str(data),
        "RCM_INBOX_DIR": str(inbox),
        "DAGSTER_HOME": str(data / "dagster_home"),
    }
    return inbox, env


def _run_job(
    name: str, warehouse: str, scratch: Path, env: dict, one_run_env: dict, server: PostgresServer | None
) -> JobFigures:
    """The daily job stage by stage on a fresh copy of the generated inbox, then the next day on the built
    warehouse; then both again as one run each (the whole job in one process, as the schedule runs it) on
    another fresh copy (on PostgreSQL, another database)."""
    inbox, env = _job_home(scratch, warehouse, env)
    stages = (JOB_STAGES[0], RAW_COPY, *JOB_STAGES[1:]) if server else JOB_STAGES
    label = f"{name} {warehouse}"

    def parse(env: dict) -> None:
        # Each job home is a new warehouse path, which dbt's partial parse does not survive: without this, the
        # first build would pay a whole parse that a machine's jobs pay once, in `make manifest`.
        _row(
            label,
            "dbt parse (make manifest)",
            _measure([sys.executable, __file__, "--stage", PARSE], env),
            "not in the job",
        )

    def job(prefix: str, env: dict) -> tuple[Measured, dict[str, Measured]]:
        measured = {}
        for stage in stages:
            measured[stage] = _measure([sys.executable, __file__, "--stage", stage], env, server)
            _row(label, prefix + STAGE_LABELS.get(stage, stage), measured[stage])
        return _total([measured[stage] for stage in JOB_STAGES]), measured

    parse(_day_before(env))
    first, by_stage = job("", _day_before(env))
    _row(label, "daily job (4 stages)", first, "first build")
    _deliver(scratch / "next_day", inbox)
    next_day, next_day_by_stage = job("next day: ", env)
    _row(label, "next day (4 stages)", next_day, "on the built warehouse")

    one_run_inbox, one_run_env = _job_home(scratch, f"{warehouse}-one-run", one_run_env)
    parse(_day_before(one_run_env))
    one_run_first = _measure([sys.executable, __file__, "--stage", JOB], _day_before(one_run_env), server)
    _row(label, "daily job as one run", one_run_first, "first build")
    _deliver(scratch / "next_day", one_run_inbox)
    one_run_next_day = _measure([sys.executable, __file__, "--stage", JOB], one_run_env, server)
    _row(label, "next day as one run", one_run_next_day, "on the built warehouse")
    return JobFigures(first, next_day, by_stage, next_day_by_stage, one_run_first, one_run_next_day)


def _bench_size(
    size: str,
    seed: int,
    anchor: str,
    warehouses: list[str],
    cluster,
    keep: bool,
    inbox_copy: Path | None,
    busy_day: bool = False,
) -> tuple[str, dict] | None:
    """Bench one size; its name and figures to record (None without DuckDB, whose figures the README shows)."""
    locations, months = SIZES[size]
    name = f"{locations}x{months}"
    scratch = Path(tempfile.mkdtemp(prefix=f"rcm-bench-{name}-"))
    generated = scratch / "generated"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RCM_AS_OF_DATE": anchor}
    if inbox_copy is None:
        made = _measure(
            [sys.executable, "-m", "dagster_project.synthetic", "--seed", str(seed), "--anchor-date", anchor,
             "--locations", str(locations), "--months", str(months), "--out", str(generated),
             "--ground-truth", str(scratch / "ground_truth.json")],
            env,
        )  # fmt: skip
    else:
        began = time.perf_counter()
        shutil.copytree(inbox_copy, generated)
        made = Measured(time.perf_counter() - began, 0.0, "")
    _hold_back_next_day(generated, scratch / "next_day", busy_day)
    inbox_mb = sum(p.stat().st_size for p in generated.rglob("*") if p.is_file()) / 2**20
    _row(name, "generate" if inbox_copy is None else "copy --inbox", made, f"inbox {inbox_mb:,.0f} MB")

    jobs: dict[str, JobFigures] = {}
    dbt_floor = None
    for warehouse in warehouses:
        if warehouse == "postgres":
            database, one_run_database = f"bench_{name}", f"bench_{name}_one_run"
            cluster.create_database(database)
            cluster.create_database(one_run_database)
            server = PostgresServer(cluster.socket_dir / "data")
            jobs[warehouse] = _run_job(
                name, warehouse, scratch, {**env, **cluster.warehouse_env(database)},
                {**env, **cluster.warehouse_env(one_run_database)}, server,
            )  # fmt: skip
        else:
            jobs[warehouse] = _run_job(name, warehouse, scratch, env, env, None)
            # Now, while dbt/target holds the SQL the DuckDB build compiled (a PostgreSQL build compiles its own):
            # the last build was the next day as one run; its stage-by-stage twin holds the same rows.
            dbt_floor = _measure(
                [sys.executable, "bench/dbt_floor_bench.py", "--warehouse",
                 str(scratch / "duckdb" / "data" / "warehouse" / "rcm.duckdb"), "--seeds-left-out", "--empty-build",
                 "--json"],
                env,
            )  # fmt: skip

    full_inbox = scratch / warehouses[-1] / "inbox"  # the generated extracts plus the next day
    floors = _measure([sys.executable, "bench/ingest_bench.py", "--inbox", str(full_inbox), "--json"], env)
    x12 = _measure(
        [sys.executable, "bench/x12_ingest_bench.py", "--inbox", str(full_inbox), "--pyx12-sample", "20", "--json"],
        env,
    )
    _say("")
    _say(f"{name}: CSV extracts against DuckDB's read_csv of the same files (bench/ingest_bench.py)")
    _echo(floors)
    _say(f"{name}: 835 readers alone, readers + bulk load, pyx12 validation (bench/x12_ingest_bench.py)")
    _echo(x12)
    if dbt_floor is not None:
        _say(f"{name}: the next day's dbt SQL straight in DuckDB (bench/dbt_floor_bench.py)")
        _echo(dbt_floor)
    _say("")
    _ratios(name, _figures(floors), _figures(x12), jobs, _figures(dbt_floor) if dbt_floor else None)
    _say("")
    if keep:
        _say(f"kept {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    if "duckdb" not in jobs:
        return None
    return name, _recorded(jobs["duckdb"], inbox_mb, _figures(floors), _figures(x12), _figures(dbt_floor))


def _recorded(job: JobFigures, inbox_mb: float, csv: dict, x12: dict, dbt_floor: dict) -> dict:
    """One size's figures as bench/results.json keeps them (bench/readme_table.py renders them)."""

    def figures(measured: Measured) -> dict:
        return {"wall": round(measured.wall, 3), "cpu": round(measured.cpu, 3), "peak_mb": round(measured.peak_mb)}

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "measured_on": date.today().isoformat(),
        "commit": commit.stdout.strip() or "unknown",
        "cpus": os.cpu_count(),
        "load_average": round(LOAD_AT_START, 2),
        "inbox_mb": round(inbox_mb),
        "first_build": {stage: figures(job.first_stages[stage]) for stage in JOB_STAGES},
        "next_day": {stage: figures(job.next_day_stages[stage]) for stage in JOB_STAGES},
        "one_run": {"first_build": figures(job.one_run_first), "next_day": figures(job.one_run_next_day)},
        "floors": {
            "csv_load_s": round(csv["ingest_s"], 2),
            "read_csv_s": round(csv["floor_s"], 2),
            "x12_load_s": round(csv["x12_s"], 2),
            "reader_claims_per_s": round(x12["reader_claims_per_s"]),
            "reader_load_claims_per_s": round(x12["reader_load_claims_per_s"]),
            "pyx12_claims_per_s": round(x12["pyx12_claims_per_s"]),
            "dbt_next_day_s": round(job.dbt_next_day.wall, 2),
            "dbt_sql_s": round(dbt_floor["tables_s"] + dbt_floor["tests_s"], 2),
            "dbt_empty_s": round(dbt_floor["empty_build_s"], 2),
        },
    }


def _job_cpu(measured: Measured) -> float:
    """CPU seconds of a job or stage, the PostgreSQL server's included."""
    return measured.cpu + (measured.server_cpu or 0.0)


def _ratios(name: str, csv: dict, x12: dict, jobs: dict[str, JobFigures], dbt_floor: dict | None) -> None:
    """One table: each figure against its floor or reference (ratio = first / second; below 1 is faster)."""
    rows = [
        ("CSV load + GE suites / DuckDB read_csv (wall)", f"{csv['ingest_s']:.2f} s", f"{csv['floor_s']:.2f} s",
         csv["ingest_s"] / csv["floor_s"]),
        ("835 readers + bulk load / readers alone (per claim)", f"{x12['reader_load_claims_per_s']:,.0f} claims/s",
         f"{x12['reader_claims_per_s']:,.0f} claims/s", x12["reader_claims_per_s"] / x12["reader_load_claims_per_s"]),
        ("835 readers + bulk load / pyx12 validation (per claim)", f"{x12['reader_load_claims_per_s']:,.0f} claims/s",
         f"{x12['pyx12_claims_per_s']:,.0f} claims/s", x12["pyx12_claims_per_s"] / x12["reader_load_claims_per_s"]),
    ]  # fmt: skip
    for warehouse, job in jobs.items():
        rows += [
            (f"{warehouse}: next day / first build (job CPU s)", f"{_job_cpu(job.next_day):.1f} s",
             f"{_job_cpu(job.first):.1f} s", _job_cpu(job.next_day) / _job_cpu(job.first)),
            (f"{warehouse}: one run / 4 stage processes (first build, wall)", f"{job.one_run_first.wall:.1f} s",
             f"{job.first.wall:.1f} s", job.one_run_first.wall / job.first.wall),
            (f"{warehouse}: one run / 4 stage processes (next day, wall)", f"{job.one_run_next_day.wall:.1f} s",
             f"{job.next_day.wall:.1f} s", job.one_run_next_day.wall / job.next_day.wall),
        ]  # fmt: skip
    if dbt_floor is not None:
        floor_s = dbt_floor["tables_s"] + dbt_floor["tests_s"]
        dbt_s = jobs["duckdb"].dbt_next_day.wall
        rows.append(
            ("duckdb: next day dbt stage / its SQL alone (wall)", f"{dbt_s:.1f} s", f"{floor_s:.1f} s",
             dbt_s / floor_s)
        )  # fmt: skip
        empty_s = dbt_floor["empty_build_s"]
        rows.append(
            ("duckdb: next day dbt stage / its dbt build on no rows (wall)", f"{dbt_s:.1f} s", f"{empty_s:.1f} s",
             dbt_s / empty_s)
        )  # fmt: skip
    if {"duckdb", "postgres"} <= jobs.keys():
        duck, pg = jobs["duckdb"], jobs["postgres"]
        rows += [
            ("dbt stage: PostgreSQL / DuckDB (CPU s, server included)", f"{_job_cpu(pg.dbt_first):.1f} s",
             f"{_job_cpu(duck.dbt_first):.1f} s", _job_cpu(pg.dbt_first) / _job_cpu(duck.dbt_first)),
            ("daily job: PostgreSQL / DuckDB (CPU s, server included)", f"{_job_cpu(pg.first):.1f} s",
             f"{_job_cpu(duck.first):.1f} s", _job_cpu(pg.first) / _job_cpu(duck.first)),
        ]  # fmt: skip
    if "postgres" in jobs:
        pg = jobs["postgres"]
        rows.append(
            ("raw copy into PostgreSQL / dbt stage on PostgreSQL (wall)", f"{pg.first_stages[RAW_COPY].wall:.1f} s",
             f"{pg.dbt_first.wall:.1f} s", pg.first_stages[RAW_COPY].wall / pg.dbt_first.wall)
        )  # fmt: skip
    _say(f"{name}: ratios (first / second; below 1 the first is faster)")
    _say(f"  {'measure':<58} {'first':>18} {'second':>18} {'ratio':>8}")
    for measure, first, second, ratio in rows:
        _say(f"  {measure:<58} {first:>18} {second:>18} {ratio:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=(*SIZES, "all"), default="default")
    parser.add_argument("--warehouse", choices=(*WAREHOUSES, "both"), default="duckdb")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor-date", default="2026-11-26")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directories")
    parser.add_argument(
        "--inbox", type=Path, help="copy this generated inbox (of the one --size) instead of generating one"
    )
    parser.add_argument(
        "--busy-day",
        action="store_true",
        help="the next day brings the newest clearinghouse files of every kind (claims, acknowledgements, ERAs), "
        "not only those of the newest file date",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="keep the DuckDB figures in bench/results.json and rewrite README.md's tables from them "
        "(not with --busy-day, whose next day is not the one the README shows)",
    )
    parser.add_argument("--stage", choices=(*JOB_STAGES, RAW_COPY, PARSE, JOB), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        _run_stage(args.stage)
        return
    sizes = list(SIZES) if args.size == "all" else [args.size]
    if args.inbox and len(sizes) > 1:
        parser.error("--inbox goes with one --size")
    if args.record and (args.busy_day or args.warehouse == "postgres"):
        parser.error("--record keeps the usual next day on DuckDB: not with --busy-day or --warehouse postgres")
    warehouses = list(WAREHOUSES) if args.warehouse == "both" else [args.warehouse]
    measured: dict[str, dict] = {}
    cluster = cluster_root = None
    if "postgres" in warehouses:
        sys.path.insert(0, str(ROOT))
        from tests.postgres_cluster import start_cluster, stop_cluster

        cluster, cluster_root = start_cluster()
    try:
        _say(f"{'size':<14} {'stage':<34} {'wall s':>8} {'cpu s':>8} {'peak MB':>9} {'db cpu s':>9} {'db MB':>8}")
        for size in sizes:
            figures = _bench_size(
                size, args.seed, args.anchor_date, warehouses, cluster, args.keep, args.inbox, args.busy_day
            )
            if figures is not None:
                measured[figures[0]] = figures[1]
    finally:
        if cluster_root is not None:
            stop_cluster(cluster_root)
    _say(
        "peak MB: the stage's whole process tree (Dagster and dbt together), sampled every 0.2 s; cpu s: its user + "
        "system time; db cpu s / db MB: the PostgreSQL server's processes (CPU time, proportional set size)"
    )
    if args.record:
        from readme_table import RESULTS_PATH, record

        record(measured)
        _say(f"recorded {', '.join(measured)} in {RESULTS_PATH.relative_to(ROOT)} and rewrote README.md's tables")


if __name__ == "__main__":
    main()
