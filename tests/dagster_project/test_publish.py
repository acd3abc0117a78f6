"""Publishing switches the dashboard to a complete snapshot atomically; a reader never sees the
working file, and the last good snapshot keeps serving when a publish fails."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish import publish_snapshot, read_pointer

KEEP_SNAPSHOTS = 3  # the RCM_SERVING_SNAPSHOTS_KEPT default


def _warehouse(path, rows: int) -> None:
    con = duckdb.connect(str(path))
    con.execute(
        "create schema if not exists marts; create schema if not exists staging; create schema if not exists ingest"
    )
    con.execute("create or replace table marts.fct_demo as select range as id from range(?)", [rows])
    con.execute("create or replace table staging.not_published as select 1 as x")
    con.execute("create or replace table ingest.quarantine as select 'f.csv' as file_name, 'why' as reason")
    con.close()


def test_publish_copies_marts_and_ingest_bookkeeping_and_switches_the_pointer(tmp_path):
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    _warehouse(warehouse, 3)
    result = publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-1")

    payload = read_pointer(pointer)
    assert payload["snapshot_path"] == str(result.snapshot_path)
    assert payload["as_of_date"] == "2026-11-26"
    con = duckdb.connect(payload["snapshot_path"], read_only=True)
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert tables == {"fct_demo", "ingest_quarantine"}
    assert con.execute("select count(*) from fct_demo").fetchone()[0] == 3
    with pytest.raises(duckdb.Error):
        con.execute("insert into fct_demo values (99)")  # the snapshot is opened read-only
    con.close()


def test_a_second_publish_leaves_the_first_snapshot_intact_and_prunes_old_ones(tmp_path):
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    paths = []
    for n in range(KEEP_SNAPSHOTS + 2):
        _warehouse(warehouse, n + 1)
        paths.append(publish_snapshot(warehouse, pointer, date(2026, 11, 26), f"run-{n}").snapshot_path)
    assert read_pointer(pointer)["snapshot_path"] == str(paths[-1])
    remaining = sorted((tmp_path / "snapshots").glob("serving_*.duckdb"))
    assert len(remaining) == KEEP_SNAPSHOTS and paths[-1] in remaining and paths[0] not in remaining
    con = duckdb.connect(str(paths[-2]), read_only=True)  # an older snapshot a session may still read
    assert con.execute("select count(*) from fct_demo").fetchone()[0] == KEEP_SNAPSHOTS + 1
    con.close()


def test_a_failed_publish_keeps_the_last_good_snapshot_serving(tmp_path):
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    _warehouse(warehouse, 2)
    good = publish_snapshot(warehouse, pointer, date(2026, 11, 26), "good").snapshot_path
    before = pointer.read_text()
    with pytest.raises(FileNotFoundError):
        publish_snapshot(tmp_path / "missing.duckdb", pointer, date(2026, 11, 27), "bad")
    assert pointer.read_text() == before
    assert json.loads(before)["snapshot_path"] == str(good)
    assert not list((tmp_path / "snapshots").glob("*.partial"))
    assert len(list((tmp_path / "snapshots").glob("serving_*.duckdb"))) == 1


def _snapshots(tmp_path):
    return sorted((tmp_path / "snapshots").glob("serving_*.duckdb"))


def test_files_a_killed_publish_left_half_written_are_removed_by_the_next_publish(tmp_path):
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    _warehouse(warehouse, 2)
    publish_snapshot(warehouse, pointer, date(2026, 11, 26), "good")
    snapshots = tmp_path / "snapshots"
    leftovers = [
        snapshots / "serving_20261126T050000000000Z_killed00.partial",
        snapshots / "serving_20261126T050000000000Z_killed00.partial.wal",
        pointer.with_suffix(".json.tmp"),
    ]
    for leftover in leftovers:
        leftover.write_bytes(b"half written")
    newest = publish_snapshot(warehouse, pointer, date(2026, 11, 27), "next").snapshot_path
    assert not [p for p in leftovers if p.exists()]
    assert read_pointer(pointer)["snapshot_path"] == str(newest)


def test_the_number_of_snapshots_kept_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_SERVING_SNAPSHOTS_KEPT", "2")
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    _warehouse(warehouse, 1)
    paths = [publish_snapshot(warehouse, pointer, date(2026, 11, 26), f"run-{n}").snapshot_path for n in range(4)]
    assert _snapshots(tmp_path) == paths[-2:]


def test_fewer_than_two_snapshots_kept_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_SERVING_SNAPSHOTS_KEPT", "1")
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    _warehouse(warehouse, 1)
    with pytest.raises(ValueError, match="RCM_SERVING_SNAPSHOTS_KEPT"):
        publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run")


def test_the_snapshot_the_pointer_named_before_is_kept_even_when_it_is_not_among_the_newest(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_SERVING_SNAPSHOTS_KEPT", "2")
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    _warehouse(warehouse, 1)
    first, second = (
        publish_snapshot(warehouse, pointer, date(2026, 11, 26), f"run-{n}").snapshot_path for n in range(2)
    )
    # Someone switched the dashboard back to the first snapshot; sessions may be reading it now.
    pointer.write_text(json.dumps(json.loads(pointer.read_text()) | {"snapshot_path": str(first)}))
    third = publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-2").snapshot_path
    assert _snapshots(tmp_path) == [first, second, third]
    fourth = publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-3").snapshot_path
    assert _snapshots(tmp_path) == [third, fourth]  # no longer named by the pointer: pruned


def _contents(path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    names = sorted(r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall())
    contents = {name: sorted(con.execute(f'select * from main."{name}"').fetchall()) for name in names}
    con.close()
    return contents


def test_a_publish_copies_only_the_tables_that_changed_and_serves_what_a_full_copy_would(tmp_path):
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    _warehouse(warehouse, 3)
    con = duckdb.connect(str(warehouse))
    con.execute("create table marts.fct_gone as select 1 as id")
    con.close()
    first = publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-1")
    assert first.reused == [] and first.copied == ["fct_demo", "fct_gone", "ingest_quarantine"]

    quiet = publish_snapshot(warehouse, pointer, date(2026, 11, 27), "run-2")
    assert quiet.copied == [] and quiet.reused == ["fct_demo", "fct_gone", "ingest_quarantine"]
    assert quiet.snapshot_path != first.snapshot_path and _contents(quiet.snapshot_path) == _contents(
        first.snapshot_path
    )

    con = duckdb.connect(str(warehouse))
    con.execute("update marts.fct_demo set id = id + 10 where id = 0")  # same row count, other content
    con.execute("drop table marts.fct_gone")
    con.execute("create table marts.fct_new as select 'x' as code")
    con.close()
    changed = publish_snapshot(warehouse, pointer, date(2026, 11, 28), "run-3")
    assert changed.copied == ["fct_demo", "fct_new"] and changed.reused == ["ingest_quarantine"]
    assert read_pointer(pointer)["tables"] == {"fct_demo": 3, "fct_new": 1, "ingest_quarantine": 1}

    scratch_pointer = tmp_path / "scratch" / "serving.json"
    scratch_pointer.parent.mkdir()
    from_scratch = publish_snapshot(warehouse, scratch_pointer, date(2026, 11, 28), "scratch")
    assert from_scratch.reused == []
    assert _contents(changed.snapshot_path) == _contents(from_scratch.snapshot_path)
    assert _contents(changed.snapshot_path)["fct_demo"] == [(1,), (2,), (10,)]


def test_a_column_type_change_with_the_same_values_is_copied_again(tmp_path):
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    _warehouse(warehouse, 3)
    publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-1")
    con = duckdb.connect(str(warehouse))
    con.execute("create or replace table marts.fct_demo as select range::integer as id from range(3)")
    con.close()
    result = publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-2")
    assert result.copied == ["fct_demo"]
    con = duckdb.connect(str(result.snapshot_path), read_only=True)
    assert con.execute("select data_type from duckdb_columns() where table_name = 'fct_demo'").fetchone() == (
        "INTEGER",
    )
    con.close()


def test_a_previous_snapshot_without_digests_or_gone_from_disk_means_a_full_copy(tmp_path):
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    _warehouse(warehouse, 2)
    first = publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-1")
    payload = json.loads(pointer.read_text())
    del payload["fingerprints"]  # a pointer written before publishes recorded digests
    pointer.write_text(json.dumps(payload))
    assert publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-2").reused == []
    second = read_pointer(pointer)["snapshot_path"]
    first.snapshot_path.unlink(missing_ok=True)
    Path(second).unlink()
    result = publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-3")
    assert result.reused == [] and _contents(result.snapshot_path)["fct_demo"] == [(0,), (1,)]


def test_a_snapshot_grown_by_replaced_tables_is_written_afresh(tmp_path):
    warehouse, pointer = tmp_path / "rcm.duckdb", tmp_path / "serving.json"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts; create table marts.fct_small as select 1 as id")
    con.execute("create table marts.fct_big as select range as id, md5(range::varchar) as pad from range(100000)")
    con.close()
    publish_snapshot(warehouse, pointer, date(2026, 11, 26), "run-1")
    fresh_rewrites, sizes = 0, []
    for n in range(2, 6):  # the big table changes every run, the small one never
        con = duckdb.connect(str(warehouse))
        con.execute(f"update marts.fct_big set pad = md5(id::varchar || '{n}')")
        con.close()
        result = publish_snapshot(warehouse, pointer, date(2026, 11, 26), f"run-{n}")
        fresh_rewrites += result.reused == []
        sizes.append(result.snapshot_path.stat().st_size)
        check = duckdb.connect(str(result.snapshot_path), read_only=True)
        free, used = check.execute("select free_blocks, used_blocks from pragma_database_size()").fetchone()
        assert (
            check.execute("select count(*), max(pad) from fct_big").fetchone()
            == check.execute(f"select count(*), max(md5(id::varchar || '{n}')) from fct_big").fetchone()
        )
        check.close()
        assert free <= used  # a copy carrying too much free space was rewritten afresh
    assert fresh_rewrites >= 1 and max(sizes) < 2.5 * min(sizes)
