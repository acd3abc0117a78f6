"""DDL for the raw tables, derived from the contracts so the two can never drift.

Raw tables live in schema ``raw_<source>`` and are named after the entity. Every row carries where it
came from (file, content hash, line) and when it was loaded; staging keeps the latest row per key.
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from decimal import Decimal

import polars as pl

from dagster_project.contracts import CONTRACTS, Contract

LINEAGE_COLUMNS: dict[str, str] = {
    "_file_name": "VARCHAR",
    "_file_sha256": "VARCHAR",
    "_line_number": "INTEGER",
    "_loaded_at": "TIMESTAMP",
}


def _sql_type(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _sql_type(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _sql_type(args[0])
    if origin is typing.Literal:
        return "VARCHAR"
    if annotation is bool:
        return "BOOLEAN"
    if annotation is int:
        return "INTEGER"
    if annotation is Decimal:
        return "DECIMAL(12, 2)"
    if annotation is datetime:
        return "TIMESTAMP"  # naive, always UTC (the contract converts on the way in)
    if annotation is date:
        return "DATE"
    return "VARCHAR"


def column_types(contract: type[Contract]) -> dict[str, str]:
    return {name: _sql_type(field.annotation) for name, field in contract.model_fields.items()}


# Every SQL type a raw table uses (contracts, X12 tables, lineage columns) as the Polars type that inserts unchanged.
POLARS_TYPES = {
    "VARCHAR": pl.Utf8,
    "INTEGER": pl.Int32,
    "BOOLEAN": pl.Boolean,
    "DATE": pl.Date,
    "TIMESTAMP": pl.Datetime("us"),
    "DECIMAL(12, 2)": pl.Decimal(12, 2),
    "DECIMAL(9, 2)": pl.Decimal(9, 2),
}


def polars_schema(contract: type[Contract]) -> dict[str, pl.DataType]:
    """The contract's columns as Polars types that insert into the raw table unchanged."""
    return {name: POLARS_TYPES[sql] for name, sql in column_types(contract).items()}


def raw_table(contract: type[Contract]) -> str:
    return f"raw_{contract.__source__}.{contract.__entity__}"


# Which delivered file replaced which (a corrected redelivery): staging ignores the rows of a superseded
# file, so it lives beside the raw tables it qualifies. Rows are only ever added.
SUPERSESSION_DDL = """
create schema if not exists ingest;
create table if not exists ingest.file_supersessions (
    superseded_sha256 varchar not null,
    superseded_file_name varchar not null,
    superseding_sha256 varchar not null,
    superseding_file_name varchar not null,
    source varchar not null,
    entity varchar,
    recorded_at timestamp not null
);
"""


def create_raw_tables(con) -> None:
    """Create every raw table (CSV contracts and X12 transactions) and the supersession record if missing."""
    con.execute(SUPERSESSION_DDL)
    for contract in CONTRACTS:
        con.execute(f"create schema if not exists raw_{contract.__source__}")
        cols = {**column_types(contract), **LINEAGE_COLUMNS}
        ddl = ", ".join(f'"{name}" {sql}' for name, sql in cols.items())
        con.execute(f"create table if not exists {raw_table(contract)} ({ddl})")
    from dagster_project.ingest.x12_tables import create_x12_tables

    create_x12_tables(con)


def insert_frame(con, table: str, frame) -> None:
    """Append a Polars or Arrow frame to ``table``, column by name, through DuckDB's scan of the frame."""
    columns = frame.column_names if hasattr(frame, "column_names") else frame.columns
    names = ", ".join(f'"{name}"' for name in columns)
    con.register("incoming_rows", frame)
    try:
        con.execute(f"insert into {table} ({names}) select {names} from incoming_rows")
    finally:
        con.unregister("incoming_rows")
