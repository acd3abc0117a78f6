"""Every command-line entry point of the project answers --help and does nothing else.

Entry points are found, not listed: every `__main__.py` and every module with an
`if __name__ == "__main__"` block (run with `python -m` inside a package, as a script otherwise).
Each runs from an empty folder with every data path pointed into it; afterwards the folder is still
empty and no file of the repository was written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAIN_BLOCK = re.compile(r"""^if __name__ == ["']__main__["']:""", re.MULTILINE)


def _tracked_python_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True)
    return [REPO / line for line in listed.stdout.splitlines() if not line.startswith("tests/")]


def _command(path: Path) -> list[str]:
    package_dirs = []
    folder = path.parent
    while (folder / "__init__.py").exists():
        package_dirs.insert(0, folder.name)
        folder = folder.parent
    if not package_dirs:
        return [sys.executable, str(path)]
    module = ".".join(package_dirs + ([] if path.name == "__main__.py" else [path.stem]))
    return [sys.executable, "-m", module]


def _entry_points() -> list[Path]:
    found = [
        p
        for p in _tracked_python_files()
        if p.exists() and (p.name == "__main__.py" or MAIN_BLOCK.search(p.read_text(encoding="utf-8")))
    ]
    return sorted(found)


def test_the_entry_points_are_found():
    names = {p.relative_to(REPO).as_posix() for p in _entry_points()}
    assert {
        "dagster_project/run_demo.py",
        "dagster_project/synthetic/__main__.py",
        "ledger/__main__.py",
        "emitters/registry.py",
        "dagster_project/contracts/docs.py",
    } <= names


def _repository_mtimes() -> dict[Path, float]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return {REPO / line: (REPO / line).stat().st_mtime for line in listed.stdout.splitlines() if (REPO / line).exists()}


@pytest.mark.parametrize("entry_point", _entry_points(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_help_answers_without_side_effects(entry_point, tmp_path):
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RCM_", "DAGSTER_"))},
        "PYTHONPATH": str(REPO),
        "RCM_DATA_DIR": str(scratch / "data"),
        "DAGSTER_HOME": str(scratch / "dh"),
        "RCM_DUCKDB_PATH": str(scratch / "wh.duckdb"),
        "RCM_LEDGER_URL": f"sqlite:///{scratch / 'l.sqlite'}",
    }
    before = _repository_mtimes()
    finished = subprocess.run(
        [*_command(entry_point), "--help"], cwd=scratch, env=env, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert finished.stdout.strip(), "no help text"
    assert list(scratch.iterdir()) == []
    after = _repository_mtimes()
    assert [p for p, mtime in before.items() if after.get(p) != mtime] == []
