"""What an emitter asset reads from the warehouse, and how little: each flag row and each packet slice is
digested by the warehouse's own SQL, Python reads a few narrow columns per flag (the flag index), and whole rows
only of the flags a run drafts and of the packet rows those flags read. A night's Python work then follows the
flags whose inputs changed (emitters/changes.py), not the size of the queue.

The same SQL runs on DuckDB and PostgreSQL: `con` is either warehouse's connection, answering `.execute(sql)`
with a cursor that has `.description` and `.fetchall()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import psycopg

from .drafting import query_rows
from .registry import ActionType

# Packet models whose rows a draft looks up by one column of its own flag row (`ctx.indexed` / `ctx.grouped` by
# that column, or a dict on it): a flag's inputs are only the rows carrying its value there, so a new patient's
# row does not redraft every other flag of the type, and a run reads only its drafted flags' rows. Any other
# packet is an input of every flag, read whole.
PACKET_KEYS = {
    "packet_appeal_patients": "patient_id",
    "packet_appeal_plans": "flag_id",
    "packet_appeal_visits": "flag_id",
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


def quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def as_text(column: str) -> str:
    """The column's value as text, in SQL both warehouses read the same."""
    return f"cast({quoted(column)} as varchar)"


def row_digest_sql(columns: Iterable[str]) -> str:
    """SQL for the md5 of a row's values. Each value is written with its length in front and a null as '-', so no
    two different rows share a text ('a|b', 'c' and 'a', 'b|c' differ; so do null, '' and '-'). Our own rather than
    an engine's row hash because it must be the same SQL on every warehouse dbt builds in."""
    parts = [
        f"coalesce(cast(length({as_text(column)}) as varchar) || ':' || {as_text(column)}, '-')" for column in columns
    ]
    return "md5(" + (" || '|' || ".join(parts) or "''") + ")"


def set_digest_sql(row_digest: str) -> str:
    """SQL aggregating row digests into one, whatever order the warehouse returns the rows in."""
    return f"md5(coalesce(string_agg({row_digest}, '' order by {row_digest}), ''))"


class WarehouseInputs:
    """The relations of one emitter asset (`marts.<model>`), read through `con`. Each relation's columns are read
    once, and each digest once however many of the asset's types use it."""

    def __init__(self, con):
        self._con = con
        self._columns: dict[str, tuple[str, ...]] = {}
        self._digests: dict[tuple, object] = {}

    def columns(self, model: str) -> tuple[str, ...]:
        if model not in self._columns:
            cursor = self._con.execute(f"select * from marts.{model} limit 0")
            self._columns[model] = tuple(d[0] for d in cursor.description)
        return self._columns[model]

    def kept_columns(self, model: str, left_out: frozenset[str]) -> tuple[str, ...]:
        return tuple(column for column in self.columns(model) if column not in left_out)

    def packet_key(self, model: str, flag_model: str) -> str | None:
        """The column a flag reads this packet's rows by, when both relations carry it; else None (every flag
        reads the packet whole)."""
        key = PACKET_KEYS.get(model)
        if key is None or key not in self.columns(model) or key not in self.columns(flag_model):
            return None
        return key

    # ----- digests ------------------------------------------------------------------------------------------

    def flag_digests(self, model: str, left_out: frozenset[str]) -> dict[str, str]:
        """flag_id -> the digest of its flag row, without the `left_out` columns."""
        digest = row_digest_sql(self.kept_columns(model, left_out))
        return self._cached(("flag", model, left_out), lambda: self._pairs(f"{as_text('flag_id')}, {digest}", model))

    def packet_slices(self, model: str, key: str, left_out: frozenset[str]) -> dict[str | None, str]:
        """key value (as text) -> the digest of the packet rows carrying it."""
        digest = set_digest_sql(row_digest_sql(self.kept_columns(model, left_out)))
        return self._cached(
            ("slices", model, key, left_out), lambda: self._pairs(f"{as_text(key)}, {digest}", model, "group by 1")
        )

    def packet_whole(self, model: str, left_out: frozenset[str]) -> str:
        digest = set_digest_sql(row_digest_sql(self.kept_columns(model, left_out)))
        return self._cached(
            ("whole", model, left_out), lambda: self._con.execute(f"select {digest} from marts.{model}").fetchone()[0]
        )

    def _pairs(self, selected: str, model: str, rest: str = "") -> dict:
        return dict(self._con.execute(f"select {selected} from marts.{model} {rest}").fetchall())

    def _cached(self, key: tuple, compute: Callable[[], object]):
        if key not in self._digests:
            self._digests[key] = compute()
        return self._digests[key]

    # ----- rows -----------------------------------------------------------------------------------------------

    def flag_index(self, types: tuple[ActionType, ...]) -> list[dict]:
        """One narrow row per flag of the types' flag model, sorted by flag_id: the flag id, the batch and packet
        keys (as text, as the slices are keyed), the dollars and the as-of date; what choosing the flags to draft
        reads, never a whole row."""
        flag_model = types[0].flag_model
        keys = {"flag_id"} | {declared.batch_key for declared in types}
        keys |= {
            key for declared in types for model in declared.packet_models if (key := self.packet_key(model, flag_model))
        }
        values = {declared.dollars_field for declared in types if declared.dollars_field} | {"as_of_date"}
        present = set(self.columns(flag_model))
        selected = [f"{as_text(column)} as {quoted(column)}" for column in sorted(keys & present)]
        selected += [quoted(column) for column in sorted((values - keys) & present)]
        rows = query_rows(self._con, f"select {', '.join(selected)} from marts.{flag_model}")
        return sorted(rows, key=lambda row: row["flag_id"])

    def rows(self, model: str, column: str | None = None, values: Iterable[str | None] | None = None) -> list[dict]:
        """`select * from marts.<model>`: every row, or those whose `column` (as text) is one of `values`."""
        if column is None or values is None:
            return query_rows(self._con, f"select * from marts.{model}")
        values = set(values)
        wanted = sorted(value for value in values if value is not None)
        # One list parameter, whatever its length; each warehouse's driver has its own placeholder.
        placeholder = "%s" if isinstance(self._con, psycopg.Connection) else "?"
        condition = f"{as_text(column)} in (select unnest({placeholder}::varchar[]))"
        if None in values:  # a flag without a key value reads the rows without one
            condition += f" or {quoted(column)} is null"
        cursor = self._con.execute(f"select * from marts.{model} where {condition}", [wanted])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def inputs_to_draft(self, declared: ActionType, index_rows: list[dict], flag_count: int) -> tuple[list, dict]:
        """The whole flag rows of `index_rows` (sorted by flag_id) and the packet rows their drafts read: a keyed
        packet's rows of their key values only, any other packet whole."""
        if len(index_rows) == flag_count:  # every flag: one plain read is cheaper than a list of every id
            flags = self.rows(declared.flag_model)
        else:
            flags = self.rows(declared.flag_model, "flag_id", (row["flag_id"] for row in index_rows))
        packets = {}
        for model in declared.packet_models:
            key = self.packet_key(model, declared.flag_model)
            if key is None or len(index_rows) == flag_count:
                packets[model] = self._whole_packet(model)
            else:
                packets[model] = self.rows(model, key, (row[key] for row in index_rows))
        return sorted(flags, key=lambda row: str(row["flag_id"])), packets

    def _whole_packet(self, model: str) -> list[dict]:
        # Read once per asset: several types may share a packet (the letterhead, the recipients).
        return self._cached(("rows", model), lambda: self.rows(model))
