"""PostgreSQL as the warehouse dbt builds in.

Raw tables travel DuckDB -> PostgreSQL before the build, and marts PostgreSQL -> DuckDB snapshot at publish,
both as CSV through COPY (DuckDB's postgres extension is a download; COPY needs nothing but psycopg). Each
table is created from the source's column types mapped explicitly, so a type this module does not know fails
loudly with the table and column named instead of arriving as text.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from dagster_project.warehouse.base import INGEST_SCHEMA, MARTS_SCHEMA, RAW_SCHEMA_PREFIX

COPY_CHUNK_BYTES = 1 << 20
# An unconstrained PostgreSQL numeric (a sum, a ratio) becomes a DuckDB DECIMAL with the largest scale its
# values carry, up to this; past it the column holds ratios and becomes DOUBLE, as DuckDB's division gives.
MAX_DECIMAL_SCALE = 6

_DUCKDB_TO_POSTGRES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
}

_POSTGRES_TO_DUCKDB = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "character": "VARCHAR",
    "boolean": "BOOLEAN",
    "smallint": "SMALLINT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "real": "FLOAT",
    "double precision": "DOUBLE",
    "date": "DATE",
    "time without time zone": "TIME",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ",
    "interval": "INTERVAL",
    "uuid": "UUID",
}


class UnsupportedColumnType(TypeError):
    """A column whose type has no mapping between the two warehouses."""


def postgres_type(duckdb_type: str, where: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    try:
        return _DUCKDB_TO_POSTGRES[duckdb_type]
    except KeyError:
        raise UnsupportedColumnType(f"{where}: DuckDB type {duckdb_type} has no PostgreSQL mapping") from None


def duckdb_type(data_type: str, precision: int | None, scale: int | None, max_scale: int | None, where: str) -> str:
    if data_type == "numeric":
        if precision is not None:
            return f"DECIMAL({precision}, {scale or 0})"
        if max_scale is not None and max_scale > MAX_DECIMAL_SCALE:
            return "DOUBLE"
        return f"DECIMAL(38, {max_scale or 0})"
    try:
        return _POSTGRES_TO_DUCKDB[data_type]
    except KeyError:
        raise UnsupportedColumnType(f"{where}: PostgreSQL type {data_type} has no DuckDB mapping") from None


class PostgresWarehouse:
    kind = "postgres"

    def __init__(self, conninfo: str, duckdb_path: Path):
        self.conninfo = conninfo
        self.duckdb_path = Path(duckdb_path)  # the working file ingest writes

    def connect(self, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, **kwargs)

    def missing_tables(self, tables: list[tuple[str, str]]) -> list[str]:
        with self.connect() as pg:
            held = set(pg.execute("select table_schema, table_name from information_schema.tables").fetchall())
        return [f"{schema}.{table}" for schema, table in tables if (schema, table) not in held]

    # -- raw tables in ---------------------------------------------------------------------------------

    def prepare_models(self) -> dict[str, int]:
        """Replace the raw and ingest tables in PostgreSQL with the working DuckDB file's, in one transaction
        (dbt never sees half a copy). Views dbt built on them go with them; the build recreates them."""
        with duckdb.connect(str(self.duckdb_path), read_only=True) as duck:
            return self._copy_raw_in(duck)

    def _copy_raw_in(self, duck: duckdb.DuckDBPyConnection) -> dict[str, int]:
        tables = duck.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() and (schema_name like ? or schema_name = ?) order by 1, 2",
            [RAW_SCHEMA_PREFIX + "%", INGEST_SCHEMA],
        ).fetchall()
        copied: dict[str, int] = {}
        with tempfile.TemporaryDirectory(prefix="rcm-copy-") as tmp, self.connect() as pg, pg.transaction():
            for schema in sorted({schema for schema, _ in tables}):
                pg.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            for schema, table in tables:
                copied[f"{schema}.{table}"] = self._copy_table_in(duck, pg, schema, table, Path(tmp) / "table.csv")
        return copied

    def _copy_table_in(self, duck, pg: psycopg.Connection, schema: str, table: str, csv_path: Path) -> int:
        columns = duck.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = current_database() and schema_name = ? and table_name = ? order by column_index",
            [schema, table],
        ).fetchall()
        target = sql.Identifier(schema, table)
        # Lower case: the models name columns unquoted, which PostgreSQL folds to lower case (DuckDB ignores case).
        definition = sql.SQL(", ").join(
            sql.SQL("{} {}").format(
                sql.Identifier(name.lower()), sql.SQL(postgres_type(kind, f"{schema}.{table}.{name}"))
            )
            for name, kind in columns
        )
        pg.execute(sql.SQL("drop table if exists {} cascade").format(target))
        pg.execute(sql.SQL("create table {} ({})").format(target, definition))
        # DuckDB writes NULL as an empty field and an empty string as "": PostgreSQL's CSV reads them back so.
        duck.execute(f'copy (select * from "{schema}"."{table}") to \'{csv_path}\' (format csv, header false)')
        with pg.cursor().copy(sql.SQL("copy {} from stdin (format csv)").format(target)) as copy:
            _stream(csv_path, copy.write)
        pg.execute(sql.SQL("analyze {}").format(target))  # the planner needs statistics to join these well
        return duck.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]

    # -- marts out ------------------------------------------------------------------------------------

    def mart_fingerprints(self, snapshot: duckdb.DuckDBPyConnection, duckdb_alias: str) -> dict[str, str]:
        # The same parts as DuckDB's digest (columns, row count, a sum of row hashes), computed in PostgreSQL.
        with self.connect() as pg:
            fingerprints = {}
            for table in _marts(pg):
                columns = pg.execute(
                    "select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) "
                    "from information_schema.columns where table_schema = %s and table_name = %s",
                    [MARTS_SCHEMA, table],
                ).fetchone()[0]
                rows, content = pg.execute(
                    sql.SQL(
                        "select count(*), coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) from {} as t"
                    ).format(sql.Identifier(MARTS_SCHEMA, table))
                ).fetchone()
                fingerprints[table] = f"{columns}|{rows}|{content}"
            return fingerprints

    def copy_marts(
        self, snapshot: duckdb.DuckDBPyConnection, duckdb_alias: str, only: set[str] | None = None
    ) -> list[str]:
        with tempfile.TemporaryDirectory(prefix="rcm-copy-") as tmp, self.connect() as pg:
            tables = [table for table in _marts(pg) if only is None or table in only]
            for table in tables:
                self._copy_table_out(pg, snapshot, table, Path(tmp) / "table.csv")
        return tables

    def _copy_table_out(self, pg: psycopg.Connection, snapshot, table: str, csv_path: Path) -> None:
        columns = pg.execute(
            "select column_name, data_type, numeric_precision, numeric_scale from information_schema.columns "
            "where table_schema = %s and table_name = %s order by ordinal_position",
            [MARTS_SCHEMA, table],
        ).fetchall()
        source = sql.Identifier(MARTS_SCHEMA, table)
        unconstrained = [name for name, kind, precision, _ in columns if kind == "numeric" and precision is None]
        max_scales = dict.fromkeys(unconstrained)
        if unconstrained:
            row = pg.execute(
                sql.SQL("select {} from {}").format(
                    sql.SQL(", ").join(sql.SQL("max(scale({}))").format(sql.Identifier(c)) for c in unconstrained),
                    source,
                )
            ).fetchone()
            max_scales = dict(zip(unconstrained, row, strict=True))
        definition = ", ".join(
            f'"{name}" {duckdb_type(kind, precision, scale, max_scales.get(name), f"{MARTS_SCHEMA}.{table}.{name}")}'
            for name, kind, precision, scale in columns
        )
        with (
            csv_path.open("wb") as out,
            pg.cursor().copy(sql.SQL("copy (select * from {}) to stdout (format csv)").format(source)) as copy,
        ):
            for chunk in copy:
                out.write(chunk)
        snapshot.execute(f'create table main."{table}" ({definition})')
        if csv_path.stat().st_size == 0:
            return  # an empty mart: nothing for DuckDB's reader to read
        # PostgreSQL's CSV dialect, stated rather than sniffed; it writes NULL as an empty field and an empty
        # string as "", so a quoted empty field stays a string.
        snapshot.execute(
            f"copy main.\"{table}\" from '{csv_path}' (format csv, header false, delimiter ',', quote '\"', "
            "escape '\"', auto_detect false, allow_quoted_nulls false)"
        )


def _marts(pg: psycopg.Connection) -> list[str]:
    listed = pg.execute(
        "select table_name from information_schema.tables "
        "where table_schema = %s and table_type = 'BASE TABLE' order by 1",
        [MARTS_SCHEMA],
    ).fetchall()
    return [name for (name,) in listed]


def _stream(path: Path, write) -> None:
    with path.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK_BYTES):
            write(chunk)
