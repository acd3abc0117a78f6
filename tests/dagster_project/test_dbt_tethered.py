"""dbt dies with the run process that started it: a run killed with SIGKILL leaves no dbt holding the
DuckDB write lock. The parent below starts dbt exactly as the dbt asset does (DbtCliResource.cli after
tether_dbt_to_this_process wrote the launch file) with a stand-in dbt that records its pid and sleeps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dagster_project.dbt_project import TETHERED_DBT, tether_dbt_to_this_process
from dagster_project.dbt_tethered import LAUNCH_FILE, PIPE_BYTES

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie waiting to be reaped holds no file lock


def _parent_ppid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _start_run_process(tmp_path: Path, dbt_executable: str) -> tuple[subprocess.Popen, int]:
    fake_dbt = tmp_path / "dbt"
    fake_dbt.write_text(
        textwrap.dedent(f"""\
        #!{sys.executable}
        import os, sys, time
        if sys.argv[1:] == ["--version"]:
            print("Core:\\n  - installed: 1.11.16")
            sys.exit(0)
        open({str(tmp_path / "dbt.pid")!r}, "w").write(str(os.getpid()))
        time.sleep(120)
    """)
    )
    fake_dbt.chmod(0o755)
    project = tmp_path / "project"
    project.mkdir()
    (project / "dbt_project.yml").write_text("name: stand_in\nversion: '1.0'\nprofile: stand_in\n")
    parent = textwrap.dedent(f"""\
        import time
        from dagster_dbt import DbtCliResource
        from pathlib import Path
        from dagster_project.dbt_project import tether_dbt_to_this_process
        tether_dbt_to_this_process(Path({str(project)!r}))
        resource = DbtCliResource(project_dir={str(project)!r}, dbt_executable={dbt_executable!r})
        resource.cli(["build"], manifest={{"nodes": {{}}, "sources": {{}}, "metadata": {{}}}},
                     target_path=Path({str(tmp_path / "target")!r}))
        time.sleep(120)
    """)
    env = {**os.environ, "PYTHONPATH": str(REPO), "RCM_DBT_EXECUTABLE": str(fake_dbt)}
    run = subprocess.Popen(
        [sys.executable, "-c", parent], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    pid_file = tmp_path / "dbt.pid"
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        if run.poll() is not None:
            pytest.fail(f"the run process stopped before starting dbt: {run.stderr.read().decode()[-2000:]}")
        assert time.monotonic() < deadline, "dbt was not started within a minute"
        time.sleep(0.1)
    return run, int(pid_file.read_text())


def _kill_run(run: subprocess.Popen) -> None:
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)


def test_dbt_started_through_the_launcher_dies_when_the_run_process_is_killed(tmp_path):
    run, dbt_pid = _start_run_process(tmp_path, str(TETHERED_DBT))
    # The launcher replaced itself with dbt: the run process is dbt's direct parent.
    assert _alive(dbt_pid) and _parent_ppid(dbt_pid) == run.pid
    _kill_run(run)
    deadline = time.monotonic() + 5
    while _alive(dbt_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(dbt_pid), "dbt outlived the killed run process"


def test_without_the_launcher_dbt_outlives_a_killed_run_process(tmp_path):
    # The failure the launcher prevents: started directly, dbt is orphaned and keeps running.
    run, dbt_pid = _start_run_process(tmp_path, str(tmp_path / "dbt"))
    try:
        _kill_run(run)
        time.sleep(1)
        assert _alive(dbt_pid)
    finally:
        os.kill(dbt_pid, signal.SIGKILL)


def _launch(tmp_path: Path, request: dict | str, *argv: str) -> subprocess.CompletedProcess:
    """The launcher started as dagster-dbt starts it: in the dbt project folder, which holds the launch file."""
    (tmp_path / LAUNCH_FILE).parent.mkdir(exist_ok=True)
    (tmp_path / LAUNCH_FILE).write_text(request if isinstance(request, str) else json.dumps(request))
    return subprocess.run([str(TETHERED_DBT), *argv], cwd=tmp_path, capture_output=True, text=True, timeout=30)


def test_the_launcher_refuses_to_run_dbt_for_a_parent_that_is_gone(tmp_path):
    finished = _launch(tmp_path, {"dbt_executable": "/bin/true", "parent_pid": 1}, "build")
    assert finished.returncode != 0 and "already ended" in finished.stderr


def test_the_launcher_execs_the_real_dbt_with_its_arguments_and_exit_code(tmp_path):
    # This test process starts the launcher, so it is the parent the launch file names.
    request = {"dbt_executable": "/bin/sh", "parent_pid": os.getpid()}
    finished = _launch(tmp_path, request, "-c", "echo ran $0; exit 3", "with-arg")
    assert (finished.returncode, finished.stdout.strip()) == (3, "ran with-arg")


def test_the_launcher_names_a_launch_file_it_cannot_read(tmp_path):
    finished = _launch(tmp_path, '{"parent_pid": 12}', "build")
    assert (
        finished.returncode != 0 and "is not a launch file" in finished.stderr and "dbt_executable" in finished.stderr
    )


def test_tethering_writes_the_launch_file_and_leaves_the_environment_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_DBT_EXECUTABLE", "/opt/dbt/bin/dbt")
    environment = dict(os.environ)
    tether_dbt_to_this_process(tmp_path, environment={"RCM_AS_OF_DATE": "2026-11-27"})
    assert dict(os.environ) == environment
    request = json.loads((tmp_path / LAUNCH_FILE).read_text())
    assert request == {
        "dbt_executable": "/opt/dbt/bin/dbt",
        "parent_pid": os.getpid(),
        "environment": {"RCM_AS_OF_DATE": "2026-11-27"},
    }


def test_the_launcher_gives_dbt_the_runs_environment_on_top_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-01-01")  # what the run process inherited: overridden for dbt
    monkeypatch.setenv("RCM_KEPT", "inherited")
    request = {"dbt_executable": "/bin/sh", "parent_pid": os.getpid(), "environment": {"RCM_AS_OF_DATE": "2026-11-27"}}
    finished = _launch(tmp_path, request, "-c", 'echo "$RCM_AS_OF_DATE $RCM_KEPT"')
    assert (finished.returncode, finished.stdout.strip()) == (0, "2026-11-27 inherited")


def test_the_launcher_gives_dbt_a_wide_output_pipe(tmp_path):
    # dbt's threads block on a full pipe while the run process turns earlier log lines into Dagster events.
    request = {"dbt_executable": sys.executable, "parent_pid": os.getpid()}
    report = "import fcntl; print(fcntl.fcntl(1, fcntl.F_GETPIPE_SZ))"
    finished = _launch(tmp_path, request, "-c", report)
    assert finished.returncode == 0, finished.stderr
    assert int(finished.stdout) == PIPE_BYTES > 65536
