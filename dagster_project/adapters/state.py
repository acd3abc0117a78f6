"""The adapter's own state: every delivered table accumulated in one DuckDB file per system.

Delivery semantics live here and nowhere else:
- incremental tables: a row flagged new or updated replaces the stored row with the same unique id
  (delete, then insert); a row flagged removed deletes it; a row that is simply absent (outside a rolling
  window such as WebPT's 14 days back / 14 forward) is kept, so a narrower window never loses history;
- snapshot tables: each delivery is the whole table and replaces it;
- a file already applied (same SHA-256) changes nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from .mapping import DeliveredTable, SourceMapping

LEDGER_DDL = """
create table if not exists deliveries (
    file_sha256 varchar primary key,
    file_name varchar not null,
    table_name varchar not null,
    applied_at timestamp not null,
    rows_new integer not null,
    rows_updated integer not null,
    rows_removed integer not null
)
"""


@dataclass
class DeliveryOutcome:
    file_name: str
    table: str
    status: str  # applied | already_applied | redelivered | rejected
    counts: Counter = field(default_factory=Counter)  # new / updated / removed / no_unique_id / unknown_flag
    reason: str = ""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def state_table(table: str) -> str:
    return _quote(f"table_{table}")


def table_for_file(mapping: SourceMapping, file_name: str) -> str | None:
    """The delivered table a file belongs to by its name (longest table file name first)."""
    stem = file_name.rsplit(".", 1)[0].lower()
    for name, table in sorted(mapping.tables.items(), key=lambda item: -len(item[1].file)):
        prefix = table.file.lower()
        if stem == prefix or stem.startswith(prefix + "_"):
            return name
    return None


class AdapterState:
    """Open with ``AdapterState(path, mapping)``; use as a context manager."""

    def __init__(self, path: Path, mapping: SourceMapping):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.mapping = mapping
        self.con = duckdb.connect(str(path))
        self.con.execute(LEDGER_DDL)
        for name, table in mapping.tables.items():
            columns = ", ".join(f"{_quote(c)} varchar" for c in table.columns)
            self.con.execute(
                f"create table if not exists {state_table(name)} ({columns}, _file_name varchar, _file_sha256 varchar)"
            )
            existing = {
                row[0]
                for row in self.con.execute(
                    "select column_name from information_schema.columns where table_name = ?", [f"table_{name}"]
                ).fetchall()
            }
            for column in table.columns:  # a column added to the mapping later
                if column not in existing:
                    self.con.execute(f"alter table {state_table(name)} add column {_quote(column)} varchar")

    def __enter__(self) -> AdapterState:
        return self

    def __exit__(self, *exc) -> None:
        self.con.close()

    def applied_as(self, sha: str) -> str | None:
        """The name the file with these bytes was applied under, or None when it never was."""
        rows = self.con.execute("select file_name from deliveries where file_sha256 = ?", [sha]).fetchall()
        return rows[0][0] if rows else None

    def apply_file(self, path: Path, table_name: str) -> DeliveryOutcome:
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        outcome = DeliveryOutcome(path.name, table_name, "applied")
        if (earlier := self.applied_as(sha)) is not None:
            # The same file still in the folder from an earlier run, or the same bytes sent again.
            outcome.status = "already_applied" if earlier == path.name else "redelivered"
            return outcome
        table = self.mapping.tables[table_name]
        try:
            frame = pl.read_csv(data, infer_schema=False)
        except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
            outcome.status, outcome.reason = "rejected", f"not a readable CSV: {type(exc).__name__}"
            return outcome
        missing = [c for c in table.columns if c not in frame.columns]
        if missing:
            outcome.status, outcome.reason = "rejected", f"missing column(s) {', '.join(missing)}"
            return outcome
        frame = frame.select(table.columns).with_columns(pl.col(table.columns).str.strip_chars().replace("", None))
        self.con.execute("begin")
        try:
            self._apply(frame, table, table_name, path.name, sha, outcome.counts)
            self.con.execute(
                "insert into deliveries values (?, ?, ?, ?, ?, ?, ?)",
                [
                    sha,
                    path.name,
                    table_name,
                    datetime.now(UTC).replace(tzinfo=None),
                    outcome.counts["new"],
                    outcome.counts["updated"],
                    outcome.counts["removed"],
                ],
            )
            self.con.execute("commit")
        except Exception:
            self.con.execute("rollback")
            raise
        return outcome

    def _apply(
        self, frame: pl.DataFrame, table: DeliveredTable, name: str, file_name: str, sha: str, counts: Counter
    ) -> None:
        has_id = pl.all_horizontal(pl.col(table.unique_id).is_not_null())
        counts["no_unique_id"] = frame.filter(~has_id).height
        frame = frame.filter(has_id)
        if table.change_flag:
            values = self.mapping.change_flag_values
            known = [*values.get("new", []), *values.get("updated", []), *values.get("removed", [])]
            flag = pl.col(table.change_flag)
            counts["unknown_flag"] = frame.filter(~flag.is_in(known) | flag.is_null()).height
            frame = frame.filter(flag.is_in(known))
            # Within one file the last row of an id is its latest state.
            frame = frame.unique(subset=table.unique_id, keep="last", maintain_order=True)
            removed = frame.filter(flag.is_in(values.get("removed", [])))
            upserts = frame.filter(~flag.is_in(values.get("removed", [])))
            counts["new"] = upserts.filter(flag.is_in(values.get("new", []))).height
            counts["updated"] = upserts.height - counts["new"]
        else:
            frame = frame.unique(subset=table.unique_id, keep="last", maintain_order=True)
            removed, upserts = frame.clear(), frame
        target = state_table(name)
        if table.delivery == "snapshot":
            # Stored ids missing from the new snapshot are removals; the rest are replaced as updates.
            self.con.register("snapshot_ids", upserts.select(table.unique_id).to_arrow())
            ids = ", ".join(map(_quote, table.unique_id))
            stored, kept = self.con.execute(
                f"select count(*), count(snapshot_ids.{_quote(table.unique_id[0])}) from {target} "
                f"left join snapshot_ids using ({ids})"
            ).fetchall()[0]
            self.con.unregister("snapshot_ids")
            self.con.execute(f"delete from {target}")
            counts["removed"], counts["updated"], counts["new"] = stored - kept, kept, upserts.height - kept
        else:
            join = " and ".join(f"{target}.{_quote(c)} = incoming.{_quote(c)}" for c in table.unique_id)
            # Removed: only ids the state actually held count (a removal of an unknown id is a no-op).
            self.con.register("removed_ids", removed.select(table.unique_id).to_arrow())
            counts["removed"] = self.con.execute(
                f"select count(*) from {target} join removed_ids using ({', '.join(map(_quote, table.unique_id))})"
            ).fetchall()[0][0]
            self.con.unregister("removed_ids")
            # Delete-then-insert by unique id, for every id in the file (new, updated and removed).
            self.con.register("incoming", frame.select(table.unique_id).to_arrow())
            self.con.execute(f"delete from {target} using incoming where {join}")
            self.con.unregister("incoming")
        if upserts.height:
            rows = upserts.select(table.columns).with_columns(
                pl.lit(file_name).alias("_file_name"), pl.lit(sha).alias("_file_sha256")
            )
            self.con.register("upserts", rows.to_arrow())
            cols = ", ".join(_quote(c) for c in rows.columns)
            self.con.execute(f"insert into {target} ({cols}) select {cols} from upserts")
            self.con.unregister("upserts")

    def frame(self, table_name: str) -> pl.DataFrame:
        table = self.mapping.tables[table_name]
        cols = ", ".join(_quote(c) for c in table.columns)
        return self.con.sql(f"select {cols} from {state_table(table_name)}").pl()

    def row_count(self, table_name: str) -> int:
        return self.con.execute(f"select count(*) from {state_table(table_name)}").fetchall()[0][0]
