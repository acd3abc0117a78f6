"""The published serving snapshot: where it is, and one read-only query on it.

`read` is for `dashboards.data.scope` only: every mart query goes through `scoped_query`, which applies the
signed-in user's location scope before anything reaches this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core.settings import PROJECT_ROOT, get_settings


class NoSnapshot(RuntimeError):
    """No serving snapshot has been published yet (or the pointer names a file that is gone)."""


class MartMissing(NoSnapshot):
    """The published snapshot predates a mart the page needs (published by an older pipeline version)."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    published_at: str
    as_of_date: str
    run_id: str


def current_snapshot() -> Snapshot:
    """Read the serving pointer. Raises NoSnapshot with a message a person can act on."""
    settings = get_settings()
    pointer = settings.serving_pointer
    if not pointer.exists():
        raise NoSnapshot(
            "No data has been published yet. Run the pipeline once; the dashboard shows its results "
            "as soon as the publish step finishes."
        )
    try:
        payload = json.loads(pointer.read_text())
        path = Path(payload["snapshot_path"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NoSnapshot(f"The serving pointer {pointer.name} is unreadable ({type(exc).__name__}).") from exc
    if not path.is_absolute():
        # A relative path is read next to the pointer first, then from the project root.
        candidates = [pointer.parent / path, PROJECT_ROOT / path]
        path = next((c for c in candidates if c.exists()), candidates[0])
    if not path.exists():
        raise NoSnapshot("The published snapshot file is missing. Re-run the pipeline's publish step.")
    # The dashboard never opens the pipeline's working file, even read-only (a read-only open still
    # conflicts with the writer's lock).
    if path.resolve() == settings.warehouse_path.resolve():
        raise NoSnapshot("The serving pointer names the pipeline's working warehouse; refusing to open it.")
    return Snapshot(
        path=path,
        published_at=str(payload.get("published_at", "")),
        as_of_date=str(payload.get("as_of_date", "")),
        run_id=str(payload.get("run_id", "")),
    )


def read(sql: str, params: Mapping[str, Any], *, missing_message: str) -> pd.DataFrame:
    """Run one query with named ($name) parameters on a short-lived read-only connection to the snapshot.

    A new connection per query keeps the dashboard from holding a file the publisher may later delete,
    and picks up a newly published snapshot on the next rerun. A table the snapshot lacks is MartMissing.
    """
    snapshot = current_snapshot()
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        try:
            return con.execute(sql, dict(params)).df()
        except duckdb.CatalogException as exc:
            raise MartMissing(missing_message) from exc
