#!/usr/bin/env python3
"""Start dbt so that it dies with the run process that started it.

dagster-dbt starts dbt with a plain ``subprocess.Popen``. If the run process is killed outright (SIGKILL,
the out-of-memory killer), an ordinary child would live on, still holding the DuckDB write lock, and
every later run would fail to open the warehouse. Dagster starts this file as "the dbt executable"; on
Linux it asks the kernel to SIGKILL it when its parent dies (``PR_SET_PDEATHSIG``, which survives
``exec``) and then replaces itself with the real dbt, so dbt has the same process id, output and exit
code as if started directly. (The kernel watches the thread that started dbt; Dagster's in-process
executor runs every step, and so starts dbt, on the run's main thread.)

Standard library only: it runs under whatever ``python3`` the shebang finds. Right before it starts dbt,
the run writes a launch file, ``target/launch.json`` in the dbt project folder, which is the working
directory dagster-dbt gives every dbt it starts (its ``dbt --version`` query included): ``dbt_executable``
names the real dbt, ``parent_pid`` the process that asked for it, so a dbt whose parent died before the
death signal was armed exits at once instead of running unowned, and ``environment`` (optional) what
this run adds to the environment dbt inherits (the run's as-of date): dagster-dbt offers no
per-invocation environment, and the run process's own environment stays untouched. Without a launch
file (a person running this file by hand) it starts the ``dbt`` on PATH with no parent check. On other
systems dbt is started as is.
"""

import ctypes
import fcntl
import json
import os
import signal
import stat
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
LAUNCH_FILE = Path("target", "launch.json")  # relative to the dbt project folder
PIPE_BYTES = 1 << 20


def read_launch_file() -> tuple[str, int | None, dict[str, str]]:
    """(the dbt to start, the pid of the process that must be its parent, the variables to add to dbt's
    environment), from the run's launch file."""
    path = Path.cwd() / LAUNCH_FILE
    if not path.exists():
        return "dbt", None, {}
    try:
        request = json.loads(path.read_text(encoding="utf-8"))
        environment = {str(name): str(value) for name, value in request.get("environment", {}).items()}
        return str(request["dbt_executable"]), int(request["parent_pid"]), environment
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        sys.exit(f"dbt not started: {path} is not a launch file ({type(exc).__name__}: {exc})")


def tie_to_parent(expected_parent: int | None) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if expected_parent is not None and os.getppid() != expected_parent:
        sys.exit("dbt not started: the run that asked for it has already ended")


def widen_output_pipe() -> None:
    """Let dbt run ahead of the run process reading its log. dagster-dbt reads dbt's JSON log lines from a
    pipe on the thread that also turns each into a Dagster event; a Linux pipe holds 64 KiB, so dbt's
    threads block on every log write whenever that thread is busy. 1 MiB (the default /proc/sys/fs/
    pipe-max-size) holds the log of a few hundred nodes. Not a pipe, or not allowed: left as it is."""
    try:
        if stat.S_ISFIFO(os.fstat(1).st_mode):
            fcntl.fcntl(1, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass


def main(argv: list[str]) -> None:
    if argv[:1] in (["-h"], ["--help"]):  # dagster-dbt never asks dbt for help; a person asks this file
        sys.stdout.write(__doc__.strip() + "\n")
        return
    dbt, parent_pid, environment = read_launch_file()
    if Path(dbt).resolve() == Path(__file__).resolve():
        sys.exit("the launch file names this launcher, not dbt")
    if sys.platform.startswith("linux"):
        tie_to_parent(parent_pid)
        widen_output_pipe()
    os.execvpe(dbt, [dbt, *argv], {**os.environ, **environment})  # noqa: S606 - dbt's own arguments, no shell


if __name__ == "__main__":
    main(sys.argv[1:])
