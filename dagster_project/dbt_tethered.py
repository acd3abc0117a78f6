#!/usr/bin/env python3
"""Start dbt so that it dies with the run process that started it.

dagster-dbt starts dbt with a plain ``subprocess.Popen``. If the run process is killed outright (SIGKILL,
the out-of-memory killer), an ordinary child would live on, still holding the DuckDB write lock, and
every later run would fail to open the warehouse. Dagster starts this file as "the dbt executable"; on
Linux it asks the kernel to SIGKILL it when its parent dies (``PR_SET_PDEATHSIG``, which survives
``exec``) and then replaces itself with the real dbt, so dbt has the same process id, output and exit
code as if started directly. (The kernel watches the thread that started dbt; Dagster's in-process
executor runs every step, and so starts dbt, on the run's main thread.)

Standard library only: it runs under whatever ``python3`` the shebang finds. The real dbt comes from
``RCM_DBT_EXECUTABLE``; ``RCM_DBT_PARENT_PID`` names the process that asked for it, so a dbt whose
parent died before the death signal was armed exits at once instead of running unowned. On other
systems dbt is started as is.
"""

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def tie_to_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    expected = os.environ.get("RCM_DBT_PARENT_PID")
    if expected and os.getppid() != int(expected):
        sys.exit("dbt not started: the run that asked for it has already ended")


def main(argv: list[str]) -> None:
    if argv[:1] in (["-h"], ["--help"]):  # dagster-dbt never asks dbt for help; a person asks this file
        sys.stdout.write(__doc__.strip() + "\n")
        return
    dbt = os.environ.get("RCM_DBT_EXECUTABLE") or "dbt"
    if Path(dbt).resolve() == Path(__file__).resolve():
        sys.exit("RCM_DBT_EXECUTABLE names this launcher, not dbt")
    if sys.platform.startswith("linux"):
        tie_to_parent()
    os.execvp(dbt, [dbt, *argv])  # noqa: S606 - dbt's own arguments, no shell


if __name__ == "__main__":
    main(sys.argv[1:])
