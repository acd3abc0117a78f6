"""Every repository path and Python name the docs give in backticks exists, so a reader who follows one finds it.

Covers README.md, CONTRIBUTING.md and docs/*.md. A path is a backticked string that starts with one of the
project's top-level folders; patterns with a placeholder (`<entity>`), a glob (`*`) or braces are skipped, and
so is anything after a space (`path.py --flag`) and a trailing `::name`. Folders the tools write at run time
(dbt's `target/`) are not in a clone and are skipped too. A dotted name such as `ledger.digest.BOUND_COLUMNS`
or `emitters.registry.can_approve(...)` must resolve to a module file of the repository, and what follows the
module must be a name that file defines or imports. File names (`ledger.py`) are not dotted names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = sorted([REPO / "README.md", REPO / "CONTRIBUTING.md", *(REPO / "docs").glob("*.md")])
TOP_LEVEL = ("dashboards", "emitters", "ledger", "dagster_project", "dbt", "core", "delivery", "bench", "tests", "docs")
BACKTICKED = re.compile(r"`([^`\n]+)`")
PATH = re.compile(rf"^(?:{'|'.join(TOP_LEVEL)})/[\w./-]*$")
GENERATED = ("dbt/target/", "dbt/dbt_packages/", "dbt/logs/")
PACKAGES = ("core", "ledger", "delivery", "emitters", "dashboards", "dagster_project")
DOTTED = re.compile(rf"^(?:{'|'.join(PACKAGES)})(?:\.\w+)+")
FILE_SUFFIXES = {"py", "md", "yml", "yaml", "csv", "json", "jsonl", "html", "sql", "txt", "toml", "lock"}


def repo_paths(text: str) -> set[str]:
    """The backticked strings of `text` that name a path in the repository (placeholders and globs skipped)."""
    found = set()
    for quoted in BACKTICKED.findall(text):
        candidate = quoted.strip().split()[0].split("::")[0].rstrip(":,.")
        if any(mark in candidate for mark in "<*{"):
            continue
        if PATH.match(candidate) and not candidate.startswith(GENERATED):
            found.add(candidate)
    return found


def dotted_names(text: str) -> set[str]:
    """The backticked `package.module.name` references of `text` (call arguments and `=` values cut off)."""
    names = {match.group(0) for quoted in BACKTICKED.findall(text) if (match := DOTTED.match(quoted.strip()))}
    return {name for name in names if name.rsplit(".", 1)[1] not in FILE_SUFFIXES}


def unresolved(dotted: str) -> str | None:
    """Why `dotted` does not name a module of the repository (and a name it defines), or None when it does."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        base = REPO.joinpath(*parts[:split])
        module = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if module.is_file():
            break
    else:
        return "no such module"
    rest = parts[split:]
    if rest and not re.search(rf"\b{re.escape(rest[0])}\b", module.read_text(encoding="utf-8")):
        return f"{module.relative_to(REPO)} has no {rest[0]}"
    return None


def test_the_extractor_finds_paths_and_skips_patterns():
    text = (
        "see `ledger/audit.py`, `dbt/models/staging/<source>/`, `dbt/models/marts/actions/flag_*`, `x.py`, "
        "`dbt/target/last_run/` and `core/`"
    )
    assert repo_paths(text) == {"ledger/audit.py", "core/"}


def test_dotted_names_resolve_to_a_module_and_a_name_it_defines():
    text = (
        "`ledger.digest.BOUND_COLUMNS`, `core.vocabulary.leak_areas()`, `python -m ledger`, `ledger.py`, "
        "`pandas.read_csv`, `emitters.roles.x`"
    )
    assert dotted_names(text) == {"ledger.digest.BOUND_COLUMNS", "core.vocabulary.leak_areas", "emitters.roles.x"}
    assert unresolved("ledger.digest.BOUND_COLUMNS") is None
    assert unresolved("core.vocabulary.leak_areas") is None
    assert unresolved("emitters.roles.can_approve") == "emitters/__init__.py has no roles"
    assert unresolved("ledger.digest.NOT_DEFINED_ANYWHERE") == "ledger/digest.py has no NOT_DEFINED_ANYWHERE"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(REPO)))
def test_every_backticked_repo_path_exists(doc: Path):
    missing = sorted(path for path in repo_paths(doc.read_text(encoding="utf-8")) if not (REPO / path).exists())
    assert not missing, f"{doc.relative_to(REPO)} names paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(REPO)))
def test_every_backticked_python_name_exists(doc: Path):
    problems = sorted(
        f"{name}: {why}" for name in dotted_names(doc.read_text(encoding="utf-8")) if (why := unresolved(name))
    )
    assert not problems, f"{doc.relative_to(REPO)} names modules that do not exist: {problems}"
