"""Which flags a run has to draft: the ones whose inputs changed since the ledger last drafted them.

A draft is a deterministic function of its flag row and the type's context (as-of date, settings, packet rows,
the drafting code and templates). Each flag's `input_hash` digests exactly those, and the ledger stores the hash
of the inputs its draft was made from. A later run compares the hashes in one query and drafts only the flags
that are new, changed, back after auto-resolving, or whose stored draft came from other inputs; the rest cost
no drafting and no ledger write. A type that reads the ledger's own history or the clock (`reads_ledger_history`)
is drafted whole every run, since its inputs are not all in the warehouse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from core.vocabulary import LIVE_STATUSES

from .context import DraftContext
from .registry import ActionType

_PROJECT = Path(__file__).resolve().parent.parent
# The code a draft's content comes from: the draft modules and templates, and the neutral helpers they render with.
_DRAFTING_CODE = ("emitters/**/*.py", "emitters/templates/*.j2", "core/templating.py", "core/money.py")


@cache
def drafting_code_version() -> str:
    """A digest of the drafting code: a deployment that changes how drafts read redrafts them all."""
    digest = hashlib.sha256()
    for path in sorted({path for pattern in _DRAFTING_CODE for path in _PROJECT.glob(pattern)}):
        digest.update(str(path.relative_to(_PROJECT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _canonical(value) -> bytes:
    # Dates, Decimals and datetimes as their str(): the warehouse hands back the same types run after run.
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":")).encode()


def context_digest(declared: ActionType, ctx: DraftContext) -> str:
    """What every flag of the type is drafted with besides its own row."""
    digest = hashlib.sha256()
    digest.update(drafting_code_version().encode())
    digest.update(declared.name.encode())
    digest.update(ctx.as_of.isoformat().encode())
    digest.update(ctx.settings.model_dump_json().encode())
    for model in sorted(ctx.packets):
        digest.update(model.encode())
        digest.update(_canonical(ctx.packets[model]))
    return digest.hexdigest()


def input_hashes(rows: Iterable[Mapping], context: str) -> dict[str, str]:
    """flag_id -> the digest of the flag row and the type's context."""
    prefix = context.encode()
    return {str(row["flag_id"]): hashlib.sha256(prefix + _canonical(dict(row))).hexdigest() for row in rows}


def rows_to_draft(
    declared: ActionType, rows: list[dict], hashes: Mapping[str, str], held: Mapping[str, tuple[str | None, str]]
) -> list[dict]:
    """The flag rows this run drafts, given what the ledger holds (flag_id -> (input_hash, status)).

    A flag is skipped when the ledger's draft of it was made from the same inputs and is still live or was
    decided by a person (a decision is never overwritten, so drafting it again is wasted work). A row that
    shares its `batch_key` with a row to draft is drafted with it, since a draft function sees its batch whole.
    """
    if declared.reads_ledger_history:
        return rows

    def needs_draft(flag_id: str) -> bool:
        stored = held.get(flag_id)
        if stored is None:
            return True
        stored_hash, status = stored
        if status in LIVE_STATUSES:
            return stored_hash != hashes[flag_id]
        return status == "auto_resolved"  # the flag is raised again: its draft reopens

    batches = {row[declared.batch_key] for row in rows if needs_draft(str(row["flag_id"]))}
    return [row for row in rows if row[declared.batch_key] in batches]
