"""The PostgreSQL warehouse seam: raw tables travel DuckDB -> PostgreSQL and marts PostgreSQL -> a DuckDB snapshot
with their values intact (NULL stays NULL, an empty string stays a string, money stays exact), and a column type
with no mapping fails naming the table and column."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import psycopg
import pytest

from dagster_project.warehouse.postgres_warehouse import PostgresWarehouse, UnsupportedColumnType, duckdb_type


@pytest.fixture
def working_file(tmp_path):
    path = tmp_path / "rcm.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw_ehr")
    con.execute("create schema ingest")
    con.execute(
        'create table raw_ehr.visits (visit_id varchar, "NOTE" varchar, amount decimal(12, 2), '
        "is_billable boolean, visit_date date, _loaded_at timestamp, units integer)"
    )
    con.execute(
        "insert into raw_ehr.visits values "
        "('V1', '', 12.50, true, '2026-03-02', '2026-03-02 06:00:00', 4), "
        "('V2', null, null, null, null, null, null), "
        "('V3', 'says \"hi\", then, leaves', 0.10, false, '2026-02-28', '2026-03-01 23:59:59.5', -1)"
    )
    con.execute("create table ingest.file_supersessions (superseded_sha256 varchar)")
    con.execute("create table main.scratch (x integer)")  # not a raw or ingest table: stays behind
    con.close()
    return path


@pytest.fixture
def warehouse(postgres_cluster, postgres_database, working_file):
    return PostgresWarehouse(postgres_cluster.dsn(postgres_database), working_file)


def test_raw_and_ingest_tables_arrive_with_their_values(warehouse):
    copied = warehouse.prepare_models()
    assert copied == {"ingest.file_supersessions": 0, "raw_ehr.visits": 3}
    with psycopg.connect(warehouse.conninfo) as pg:
        rows = pg.execute(
            "select visit_id, note, amount, is_billable, visit_date, _loaded_at, units "
            "from raw_ehr.visits order by visit_id"
        ).fetchall()
        assert pg.execute("select to_regclass('public.scratch')").fetchone() == (None,)
    assert rows == [
        ("V1", "", Decimal("12.50"), True, date(2026, 3, 2), datetime(2026, 3, 2, 6), 4),
        ("V2", None, None, None, None, None, None),
        (
            "V3",
            'says "hi", then, leaves',
            Decimal("0.10"),
            False,
            date(2026, 2, 28),
            datetime(2026, 3, 1, 23, 59, 59, 500000),
            -1,
        ),
    ]


def test_a_second_copy_replaces_the_first(warehouse, working_file):
    warehouse.prepare_models()
    con = duckdb.connect(str(working_file))
    con.execute("delete from raw_ehr.visits where visit_id = 'V2'")
    con.close()
    assert warehouse.prepare_models()["raw_ehr.visits"] == 2
    with psycopg.connect(warehouse.conninfo) as pg:
        assert pg.execute("select count(*) from raw_ehr.visits").fetchone() == (2,)


def test_marts_come_back_into_the_snapshot_with_exact_types(warehouse, tmp_path):
    with psycopg.connect(warehouse.conninfo) as pg:
        pg.execute("create schema marts")
        pg.execute(
            "create table marts.fct_money as select 'L1' as location_id, cast(10.25 as numeric(12, 2)) as charged, "
            "sum(cast(1.5 as numeric(12, 2))) as total, '' as note, true as flag, cast('2026-03-01' as date) as day, "
            "1.0 / 3 as ratio"
        )
        pg.execute("insert into marts.fct_money values (null, null, null, null, null, null, null)")
        pg.execute("create table marts.fct_empty (flag_id text)")
    snapshot = duckdb.connect(str(tmp_path / "snapshot.duckdb"))
    assert warehouse.copy_marts(snapshot, "wh") == ["fct_empty", "fct_money"]
    types = dict(
        snapshot.execute(
            "select column_name, data_type from duckdb_columns() where table_name = 'fct_money'"
        ).fetchall()
    )
    assert types == {
        "location_id": "VARCHAR",
        "charged": "DECIMAL(12,2)",
        "total": "DECIMAL(38,2)",  # an unconstrained numeric takes the largest scale its values carry
        "note": "VARCHAR",
        "flag": "BOOLEAN",
        "day": "DATE",
        "ratio": "DOUBLE",  # a ratio carries more decimals than money ever does
    }
    rows = snapshot.execute("select * from fct_money order by location_id nulls last").fetchall()
    assert rows[0][:6] == ("L1", Decimal("10.25"), Decimal("1.50"), "", True, date(2026, 3, 1))
    assert rows[0][6] == pytest.approx(1 / 3)
    assert rows[1] == (None,) * 7
    assert snapshot.execute("select count(*) from fct_empty").fetchone() == (0,)


def test_a_type_without_a_mapping_names_the_table_and_column():
    with pytest.raises(UnsupportedColumnType, match=r"marts\.fct_x\.tags: PostgreSQL type ARRAY"):
        duckdb_type("ARRAY", None, None, None, "marts.fct_x.tags")


def test_mart_digests_move_with_content_only_and_a_copy_can_be_limited_to_the_changed_marts(warehouse, tmp_path):
    with psycopg.connect(warehouse.conninfo) as pg:
        pg.execute("create schema marts")
        pg.execute("create table marts.fct_a as select g as id, 'x' || g as code from generate_series(1, 5) as g")
        pg.execute("create table marts.fct_b as select 1 as id")
    snapshot = duckdb.connect(str(tmp_path / "snapshot.duckdb"))
    before = warehouse.mart_fingerprints(snapshot, "wh")
    assert set(before) == {"fct_a", "fct_b"} and warehouse.mart_fingerprints(snapshot, "wh") == before
    with psycopg.connect(warehouse.conninfo) as pg:
        pg.execute("update marts.fct_a set code = 'changed' where id = 3")  # same rows, other content
        pg.execute("create table marts.fct_a_copy as select * from marts.fct_a order by id desc")
    after = warehouse.mart_fingerprints(snapshot, "wh")
    assert after["fct_b"] == before["fct_b"] and after["fct_a"] != before["fct_a"]
    assert after["fct_a_copy"] == after["fct_a"]  # the same rows in another order
    assert warehouse.copy_marts(snapshot, "wh", only={"fct_a"}) == ["fct_a"]
    assert snapshot.execute("select code from fct_a where id = 3").fetchone() == ("changed",)


def test_missing_tables_names_the_relations_the_server_does_not_hold(warehouse):
    warehouse.prepare_models()
    wanted = [("raw_ehr", "visits"), ("reference", "cpt_codes"), ("raw_ehr", "appointments")]
    assert warehouse.missing_tables(wanted) == ["reference.cpt_codes", "raw_ehr.appointments"]
