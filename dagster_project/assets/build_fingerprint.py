"""When the nightly dbt build must rebuild everything instead of incrementally.

The incremental models recompute only the claims (or keys) whose *data* changed since their last build. What
they cannot see is a change of the rules themselves: a seed such as a payment policy or the CPT list, a macro,
a model's SQL, dbt_project.yml or a rule setting passed as a dbt var. For those the rule is simple and safe:
the build's fingerprint (a digest of all of them and the warehouse kind) is recorded in a file beside the
warehouse after every successful build, and a build whose fingerprint differs from the recorded one runs
with --full-refresh. No record (a first build, or a full rebuild that failed) also means a full rebuild.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

# What defines the models' answers besides the delivered data. Data tests and docs do not.
FINGERPRINTED_PATHS = ("dbt_project.yml", "models", "macros", "seeds")
FINGERPRINT_SUFFIX = ".dbt-build-fingerprint"


def build_fingerprint(dbt_project_dir: Path, project_vars: Mapping[str, object], warehouse_kind: str) -> str:
    """A digest of the dbt project's rule-defining files (path and bytes), the project vars and the warehouse."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"vars": project_vars, "warehouse": warehouse_kind}, sort_keys=True).encode())
    for name in FINGERPRINTED_PATHS:
        root = dbt_project_dir / name
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            digest.update(b"\0" + path.relative_to(dbt_project_dir).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + FINGERPRINT_SUFFIX)


def needs_full_refresh(warehouse_path: Path, fingerprint: str) -> bool:
    """Rebuild everything unless the last successful build ran the same rules (none recorded: rebuild)."""
    path = fingerprint_path(warehouse_path)
    return not path.is_file() or path.read_text().strip() != fingerprint


def record_fingerprint(warehouse_path: Path, fingerprint: str) -> None:
    """After a successful build only: the next build may then go incremental."""
    fingerprint_path(warehouse_path).write_text(fingerprint + "\n")


def forget_fingerprint(warehouse_path: Path) -> None:
    """Before a full rebuild: if it fails half-way, some tables hold the new rules and some the old, so the
    next build must rebuild everything again even if the rules went back to the recorded ones. (A failed
    incremental build needs nothing: each incremental model finds its changed claims again next time.)"""
    fingerprint_path(warehouse_path).unlink(missing_ok=True)
