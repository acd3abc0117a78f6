"""Which flags a run has to draft: the ones whose inputs changed since the ledger last drafted them.

A draft is a deterministic function of its flag row and the type's context (as-of date, settings, the packet
rows it reads, the drafting code and templates). Each flag's input hash digests exactly those (a type dated on
approval reads no as-of value, so its hash leaves the as-of date and the columns that follow from it out:
`ActionType.as_of_columns`), and the ledger stores the hash of the inputs its draft was made from. A later run
reads the stored hashes in one query and drafts only the flags that are new, changed, or raised again after
auto-resolving; the rest cost no drafting and no ledger write. A type that reads the ledger's own history or
the clock (`reads_ledger_history`) is drafted whole every run, since its inputs are not all in the warehouse.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from core.vocabulary import LIVE_STATUSES

from .context import DraftContext
from .registry import ActionType

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


# Packet models whose rows a draft looks up by one column of its own flag row (`ctx.indexed` / `ctx.grouped` by
# that column, or a dict on it): a flag's inputs are only the rows carrying its value there, so a new patient's
# row does not redraft every other flag of the type. Any other packet is an input of every flag, whole.
PACKET_KEYS = {
    "packet_appeal_patients": "patient_id",
    "packet_appeal_plans": "flag_id",
    "packet_appeal_visits": "patient_id",
    "packet_claim_audit_failures": "claim_id",
    "packet_claim_rejection_reasons": "flag_id",
    "packet_claim_x12": "claim_id",
    "packet_denied_lines": "claim_id",
    "packet_held_claims": "flag_id",
    "packet_intake_patients": "patient_id",
    "packet_payroll_discrepancy_days": "flag_id",
    "packet_plan_of_care_patients": "patient_id",
    "packet_reauth_checklist_items": "flag_id",
    "packet_reauth_visit_history": "authorization_id",
    "packet_statement_lines": "flag_id",
    "packet_underpayment_patients": "flag_id",
}


def _without(row: Mapping, columns: frozenset[str]) -> Mapping:
    if not columns:
        return row
    return {column: value for column, value in row.items() if column not in columns}


def _row_digest(row: Mapping) -> bytes:
    # repr of the column names and the values: dates, Decimals and datetimes print the same run after run, and it
    # is several times faster than a JSON encoding on the tens of thousands of rows a large group's packets hold.
    # In the row's own column order, unsorted: the rows of one model come from one query and share it.
    return hashlib.sha256(repr((tuple(row), tuple(row.values()))).encode()).digest()


def _set_digest(row_digests: Iterable[bytes]) -> bytes:
    # Order-free: a model rebuilt by the warehouse may return the same rows in another order.
    return hashlib.sha256(b"".join(sorted(row_digests))).digest()


class PacketDigests:
    """The packet models one emitter asset read, each digested once however many of its types read it (and
    leave out the same as-of columns): whole, and (for a model in PACKET_KEYS whose rows all carry the key) by
    key value."""

    def __init__(self, packets: Mapping[str, list[Mapping]]):
        self._packets = packets
        self._digests: dict[tuple[str, frozenset[str]], tuple[bytes, str | None, dict[str, bytes]]] = {}

    def of(self, model: str, left_out: frozenset[str] = frozenset()) -> tuple[bytes, str | None, dict[str, bytes]]:
        """(whole digest, key column or None, key value -> digest of its rows), without the `left_out` columns."""
        if (model, left_out) not in self._digests:
            rows = self._packets[model]
            row_digests = [_row_digest(_without(row, left_out)) for row in rows]
            key = PACKET_KEYS.get(model)
            if key is not None and any(key not in row for row in rows):
                key = None
            grouped: dict[str, list[bytes]] = {}
            if key is not None:
                for row, digest in zip(rows, row_digests, strict=True):
                    grouped.setdefault(str(row[key]), []).append(digest)
            slices = {value: _set_digest(digests) for value, digests in grouped.items()}
            self._digests[model, left_out] = (_set_digest(row_digests), key, slices)
        return self._digests[model, left_out]


class TypeInputs:
    """What the flags of one type are drafted from this run: the shared context digested once, and each keyed
    packet's rows by key value."""

    def __init__(self, declared: ActionType, ctx: DraftContext, packets: PacketDigests | None = None):
        packets = packets or PacketDigests(ctx.packets)
        shared = hashlib.sha256()
        shared.update(drafting_code_version().encode())
        shared.update(declared.name.encode())
        if declared.as_of_columns is None:
            shared.update(ctx.as_of.isoformat().encode())
        self._as_of_columns = frozenset(declared.as_of_columns or ())
        shared.update(ctx.settings.model_dump_json(exclude=_NOT_DRAFTING_SETTINGS).encode())
        self._keyed: dict[str, tuple[str, dict[str, bytes], bytes]] = {}
        for model in sorted(ctx.packets):
            whole, key, slices = packets.of(model, self._as_of_columns)
            if key is None:
                shared.update(model.encode() + whole)
            else:
                self._keyed[model] = (key, slices, whole)
        self._shared = shared.digest()

    def input_hashes(self, rows: Iterable[Mapping]) -> dict[str, str]:
        """flag_id -> the digest of everything its draft is made from."""
        hashes = {}
        for row in rows:
            digest = hashlib.sha256(self._shared)
            digest.update(_row_digest(_without(row, self._as_of_columns)))
            for model, (key, slices, whole) in self._keyed.items():
                # A flag row without the key column: the draft could read any row, so all of them count.
                digest.update(model.encode() + (slices.get(str(row[key]), b"") if key in row else whole))
            hashes[str(row["flag_id"])] = digest.hexdigest()
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
