"""Move a ledger to PostgreSQL: `python -m ledger.migrate --from sqlite:///data/ledger/ledger.sqlite --to
postgresql+psycopg://rcm:...@db.internal/rcm_ledger`.

A one-off copy for a clinic group whose ledger outgrows one machine. In one transaction on the target it creates
the schema (the same `create_schema` the ledger runs on open: tables, indexes, the append-only audit trigger),
refuses a target that already holds ledger rows, copies every table in foreign-key order with its ids, control
numbers and timestamps as they are, moves each id sequence past the highest id the source ever issued (SQLite's
AUTOINCREMENT high-water mark included, so a deleted row's id is never issued again), then checks every table's
row count and checksum against the source before it commits. Anything wrong rolls the whole copy back.

The source is read in one read transaction, a consistent snapshot; stop the pipeline, the dispatcher and the
dashboard first, since whatever they write to the source afterwards stays behind. The audit chain's hashes are
copied untouched, so `python -m ledger verify --url <target>` (with the same audit key file) verifies the moved
trail against the same anchors.

Errors name the table, and the row by its primary key, never a row's content (drafts hold patient details).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from .audit import canonical_json
from .schema import audit_events, create_schema_in, make_engine, metadata

BATCH_ROWS = 1000
CHECKSUM_MODULUS = 2**256
APPEND_ONLY_TRIGGER = "audit_events_append_only"  # created by create_schema (ledger/schema.py)


class MigrationError(Exception):
    """The ledger was not moved; the target is as it was before."""


@dataclass(frozen=True)
class CopiedTable:
    name: str
    rows: int
    checksum: str  # order-independent digest of every row's values (see table_digest)
    next_id: int | None  # the id the target's sequence issues next; None for tables without one


def migrate_ledger(source_url: str, target_url: str, *, batch_rows: int = BATCH_ROWS) -> list[CopiedTable]:
    """Copy the ledger at source_url into the empty PostgreSQL database at target_url; returns what was copied."""
    target = make_engine(target_url)
    if target.dialect.name != "postgresql":
        raise MigrationError(f"the target must be a PostgreSQL URL (postgresql+psycopg://...), got {_shown(target)}")
    source = _open_source(source_url)
    try:
        # One read transaction: the copy is one consistent snapshot of the source. ledger_write takes the
        # target's writer lock, so no ledger process writes there while the copy runs.
        with source.connect() as read, read.begin():
            _check_source_schema(read)
            with target.execution_options(ledger_write=True).begin() as write:
                create_schema_in(write)
                _refuse_non_empty(write)
                copied = [_copy_table(read, write, table, batch_rows) for table in metadata.sorted_tables]
                high_water = _sqlite_high_water(read)
                copied = [_advance_sequence(write, entry, high_water) for entry in copied]
                _verify(write, copied)
    except sa.exc.OperationalError as exc:
        raise MigrationError(f"cannot reach a ledger database: {_driver_message(exc)}") from None
    finally:
        source.dispose()
        target.dispose()
    return copied


def _open_source(url: str) -> sa.Engine:
    engine = make_engine(url)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and (not database or database == ":memory:"):
        raise MigrationError("the source must be a ledger file (sqlite:///path/to/ledger.sqlite)")
    if engine.dialect.name == "sqlite" and not database.startswith("file:") and not Path(database).is_file():
        raise MigrationError(f"no ledger file at {database}")
    return engine


def _check_source_schema(read: sa.Connection) -> None:
    """Every table and column of this version's ledger is in the source, and nothing else is (it would stay
    behind unnoticed)."""
    inspector = sa.inspect(read)
    present = {name for name in inspector.get_table_names() if not name.startswith("sqlite_")}
    problems = [f"table {name} is missing" for name in metadata.tables if name not in present]
    for name in sorted(present - set(metadata.tables)):
        problems.append(f"table {name} is not a ledger table this version knows (it would not be copied)")
    for name, table in metadata.tables.items():
        if name in present:
            columns = {column["name"] for column in inspector.get_columns(name)}
            missing = [column.name for column in table.columns if column.name not in columns]
            if missing:
                problems.append(f"table {name} lacks column(s) {', '.join(missing)}")
    if problems:
        raise MigrationError(
            "the source ledger does not match this version's schema: "
            + "; ".join(problems)
            + ". Open it once with this version (python -m ledger verify --url <source>) to add what is missing."
        )


def _refuse_non_empty(write: sa.Connection) -> None:
    holding = [
        f"{table.name} ({count:,} {'row' if count == 1 else 'rows'})"
        for table in metadata.sorted_tables
        if (count := write.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    ]
    if holding:
        raise MigrationError(
            "the target already holds a ledger: "
            + ", ".join(holding)
            + ". The migration copies into an empty database only; nothing was changed."
        )


def _copy_table(read: sa.Connection, write: sa.Connection, table: sa.Table, batch_rows: int) -> CopiedTable:
    digest, rows, last_key = 0, 0, None
    result = read.execution_options(yield_per=batch_rows).execute(sa.select(table).order_by(*table.primary_key))
    while True:
        try:
            batch = [dict(row._mapping) for row in result.fetchmany(batch_rows)]
        except (ValueError, TypeError, sa.exc.SQLAlchemyError) as exc:
            after = f" after the row {_key_text(table, last_key)}" if last_key else ""
            raise MigrationError(
                f"table {table.name}: a source row{after} could not be read ({_driver_message(exc)})"
            ) from None
        if not batch:
            return CopiedTable(table.name, rows, _hex(digest), None)
        _insert(write, table, batch)
        digest = (digest + sum(_row_digest(row.values()) for row in batch)) % CHECKSUM_MODULUS
        rows += len(batch)
        last_key = batch[-1]


def _insert(write: sa.Connection, table: sa.Table, batch: list[dict]) -> None:
    """Insert a batch; when the target refuses it, find the first row it refuses and name it by its key."""
    try:
        with write.begin_nested():
            write.execute(table.insert(), batch)
        return
    except sa.exc.DBAPIError as batch_error:
        for row in batch:
            try:
                with write.begin_nested():
                    write.execute(table.insert(), [row])
            except sa.exc.DBAPIError as exc:
                raise MigrationError(
                    f"table {table.name}: the row {_key_text(table, row)} was refused by the target "
                    f"({_driver_message(exc)})"
                ) from None
        raise MigrationError(
            f"table {table.name}: the target refused a batch ({_driver_message(batch_error)})"
        ) from None


def _sqlite_high_water(read: sa.Connection) -> dict[str, int]:
    """SQLite's AUTOINCREMENT high-water mark per table: above the largest id still present when the newest
    rows were deleted (an unlock deletes sign-in failures, for example)."""
    if read.dialect.name != "sqlite":
        return {}
    return dict(read.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all())


def _advance_sequence(write: sa.Connection, copied: CopiedTable, high_water: dict[str, int]) -> CopiedTable:
    table = metadata.tables[copied.name]
    column = table.autoincrement_column
    if column is None:
        return copied
    highest = max(write.execute(sa.select(sa.func.max(column))).scalar_one() or 0, high_water.get(table.name, 0))
    if highest:
        write.execute(
            sa.text("SELECT setval(pg_get_serial_sequence(:table, :column), :highest, true)"),
            {"table": table.name, "column": column.name, "highest": highest},
        )
    return CopiedTable(copied.name, copied.rows, copied.checksum, highest + 1)


def _verify(write: sa.Connection, copied: Sequence[CopiedTable]) -> None:
    """Before commit: every table reads back with the source's row count and checksum, and the audit trail is
    append-only on the target."""
    for entry in copied:
        rows, checksum = table_digest(write, metadata.tables[entry.name])
        if (rows, checksum) != (entry.rows, entry.checksum):
            raise MigrationError(
                f"table {entry.name}: the copy reads back as {rows:,} rows, checksum {checksum[:16]}, the source "
                f"as {entry.rows:,} rows, checksum {entry.checksum[:16]}; nothing was changed"
            )
    enabled = write.execute(
        sa.text("SELECT tgenabled FROM pg_trigger WHERE tgrelid = CAST(:table AS regclass) AND tgname = :name"),
        {"table": audit_events.name, "name": APPEND_ONLY_TRIGGER},
    ).scalar()
    if enabled != "O":  # O: fires in every ordinary session
        raise MigrationError("the audit trail's append-only trigger is not in force on the target; nothing was changed")


def table_digest(conn: sa.Connection, table: sa.Table) -> tuple[int, str]:
    """Row count and an order-independent checksum of a table's values as the ledger reads them (the sum of
    each row's SHA-256 modulo 2**256): equal on SQLite and PostgreSQL whatever order or collation they use."""
    rows, digest = 0, 0
    result = conn.execution_options(yield_per=BATCH_ROWS).execute(sa.select(table))
    for row in result:
        digest = (digest + _row_digest(row)) % CHECKSUM_MODULUS
        rows += 1
    return rows, _hex(digest)


def _row_digest(values: Iterable) -> int:
    return int.from_bytes(hashlib.sha256(canonical_json(list(values)).encode("utf-8")).digest(), "big")


def _hex(digest: int) -> str:
    return f"{digest:064x}"


def _key_text(table: sa.Table, row: dict) -> str:
    return ", ".join(f"{column.name}={row[column.name]}" for column in table.primary_key)


def _driver_message(exc: BaseException) -> str:
    """The driver's one-line reason (PostgreSQL's primary message has no row values), never the statement or
    its parameters, which SQLAlchemy's own message includes."""
    original = getattr(exc, "orig", None) or exc
    diag = getattr(original, "diag", None)
    primary = getattr(diag, "message_primary", None)
    return primary or (str(original).strip().splitlines() or [type(original).__name__])[0]


def _shown(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _summary(source_url: str, target_url: str, copied: Sequence[CopiedTable], seconds: float) -> str:
    shown = (sa.make_url(url).render_as_string(hide_password=True) for url in (source_url, target_url))
    lines = [
        "ledger moved from {} to {} in {:.1f} s".format(*shown, seconds),
        f"{'table':<30} {'rows':>10}  {'checksum':<16}  next id",
    ]
    for entry in copied:
        next_id = "" if entry.next_id is None else f"{entry.next_id:,}"
        lines.append(f"{entry.name:<30} {entry.rows:>10,}  {entry.checksum[:16]}  {next_id}")
    lines += [
        f"{len(copied)} tables, {sum(e.rows for e in copied):,} rows: every row count and checksum matches the "
        "source; the audit trail is append-only on the target.",
        "Next: python -m ledger verify --url <target> (with the same RCM_AUDIT_KEY_FILE), then point "
        "RCM_LEDGER_URL at the target.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ledger.migrate",
        description="Copy a ledger (SQLite) into an empty PostgreSQL database, verified table by table.",
    )
    parser.add_argument("--from", dest="source", required=True, help="the ledger's SQLAlchemy URL (sqlite:///...)")
    parser.add_argument(
        "--to", dest="target", required=True, help="an empty PostgreSQL database (postgresql+psycopg://...)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        copied = migrate_ledger(args.source, args.target)
    except (MigrationError, sa.exc.ArgumentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(_summary(args.source, args.target, copied, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
