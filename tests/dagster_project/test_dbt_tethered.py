"""dbt dies with the run process that started it: a run killed with SIGKILL leaves no dbt holding the
DuckDB write lock. The parent below starts dbt exactly as the dbt asset does (DbtCliResource.cli after
tether_dbt_to_this_process) with a stand-in dbt that records its pid and sleeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dagster_project.dbt_project import TETHERED_DBT

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
        from dagster_project.dbt_project import tether_dbt_to_this_process
        tether_dbt_to_this_process()
        resource = DbtCliResource(project_dir={str(project)!r}, dbt_executable={dbt_executable!r})
        resource.cli(["build"], manifest={{"nodes": {{}}, "sources": {{}}, "metadata": {{}}}},
                     target_path=__import__("pathlib").Path({str(tmp_path / "target")!r}))
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


def test_the_launcher_refuses_to_run_dbt_for_a_parent_that_is_gone(tmp_path):
    env = {**os.environ, "RCM_DBT_EXECUTABLE": "/bin/true", "RCM_DBT_PARENT_PID": "1"}
    finished = subprocess.run([str(TETHERED_DBT), "build"], env=env, capture_output=True, text=True, timeout=30)
    assert finished.returncode != 0 and "already ended" in finished.stderr


def test_the_launcher_execs_the_real_dbt_with_its_arguments_and_exit_code(tmp_path):
    env = {**os.environ, "RCM_DBT_EXECUTABLE": "/bin/sh", "RCM_DBT_PARENT_PID": ""}
    finished = subprocess.run(
        [str(TETHERED_DBT), "-c", "echo ran $0; exit 3", "with-arg"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (finished.returncode, finished.stdout.strip()) == (3, "ran with-arg")
