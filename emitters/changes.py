"""Which flags a run has to draft: the ones whose inputs changed since the ledger last drafted them.

A draft is a deterministic function of its flag row and the type's context (as-of date, settings, the packet
rows it reads, the drafting code and templates). Each flag's input hash digests exactly those (a type dated on
approval reads no as-of value, so its hash leaves the as-of date and the columns that follow from it out:
`ActionType.as_of_columns`), and the ledger stores the hash of the inputs its draft was made from. A later run
reads the stored hashes in one query and drafts only the flags that are new, changed, or raised again after
auto-resolving; the rest cost no drafting and no ledger write. A type that reads the ledger's own history or
the clock (`reads_ledger_history`) is drafted whole every run, since its inputs are not all in the warehouse.

The rows are digested where they live (emitters/warehouse_inputs.py): the warehouse's SQL hashes every flag row
and every packet slice, and a run reads whole rows only of the flags it drafts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from pathlib import Path

from core.settings import Settings
from core.vocabulary import LIVE_STATUSES

from .registry import ActionType
from .warehouse_inputs import WarehouseInputs

_PROJECT = Path(__file__).resolve().parent.parent
# The code a draft's content comes from: the draft modules and templates, and the neutral helpers they render with.
_DRAFTING_CODE = ("emitters/**/*.py", "emitters/templates/*.j2", "core/templating.py", "core/money.py")


# Settings no draft reads: where files live (moving the data folder must not redraft the queue) and a secret; and
# the as-of date, which reaches a draft only as ctx.as_of (hashed below for the types that read it).
_NOT_DRAFTING_SETTINGS = {
    "as_of_date",
    "data_dir",
    "inbox_dir",
    "quarantine_dir",
    "outbox_dir",
    "warehouse_path",
    "serving_pointer",
    "ledger_url",
    "demo_password",
}


@cache
def drafting_code_version() -> str:
    """A digest of the drafting code: a deployment that changes how drafts read redrafts them all."""
    digest = hashlib.sha256()
    for path in sorted({path for pattern in _DRAFTING_CODE for path in _PROJECT.glob(pattern)}):
        digest.update(str(path.relative_to(_PROJECT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class TypeInputs:
    """What the flags of one type are drafted from this run: the shared context digested once, and each keyed
    packet's slices by key value."""

    def __init__(self, declared: ActionType, as_of: date, settings: Settings, warehouse: WarehouseInputs):
        left_out = frozenset(declared.as_of_columns or ())
        shared = hashlib.sha256()
        shared.update(drafting_code_version().encode())
        shared.update(declared.name.encode())
        if declared.as_of_columns is None:
            shared.update(as_of.isoformat().encode())
        shared.update(settings.model_dump_json(exclude=_NOT_DRAFTING_SETTINGS).encode())
        for model in declared.inputs:  # a renamed or added column is a new input
            shared.update(repr((model, warehouse.kept_columns(model, left_out))).encode())
        self._keyed: dict[str, tuple[str, dict[str | None, str]]] = {}
        for model in sorted(declared.packet_models):
            key = warehouse.packet_key(model, declared.flag_model)
            if key is None:
                shared.update(model.encode() + warehouse.packet_whole(model, left_out).encode())
            else:
                self._keyed[model] = (key, warehouse.packet_slices(model, key, left_out))
        self._flag_digests = warehouse.flag_digests(declared.flag_model, left_out)
        self._shared = shared.digest()

    def input_hashes(self, rows: Iterable[Mapping]) -> dict[str, str]:
        """flag_id -> the digest of everything its draft is made from (`rows`: the flag index)."""
        hashes = {}
        for row in rows:
            flag_id = row["flag_id"]
            digest = hashlib.sha256(self._shared)
            digest.update(self._flag_digests[flag_id].encode())
            for model, (key, slices) in self._keyed.items():
                digest.update(model.encode() + slices.get(row[key], "").encode())
            hashes[flag_id] = digest.hexdigest()
        return hashes


def rows_to_draft(
    declared: ActionType, rows: list[dict], hashes: Mapping[str, str], stored: Mapping[str, tuple[str | None, str]]
) -> list[dict]:
    """The flag rows this run drafts, given what the ledger holds (flag_id -> (input_hash, status)).

    A flag is skipped when its live draft in the ledger was made from the same inputs, or when a person already
    decided its action (a later run never overrides a decision, so drafting it again would be wasted work). A row that
    shares its `batch_key` with a row to draft is drafted with it, since a draft function sees its batch whole.
    """
    if declared.reads_ledger_history:
        return rows

    def needs_draft(flag_id: str) -> bool:
        if flag_id not in stored:
            return True
        stored_hash, status = stored[flag_id]
        if status in LIVE_STATUSES:
            return stored_hash != hashes[flag_id]
        return status == "auto_resolved"  # the flag is raised again: its draft reopens

    batches = {row[declared.batch_key] for row in rows if needs_draft(str(row["flag_id"]))}
    return [row for row in rows if row[declared.batch_key] in batches]
