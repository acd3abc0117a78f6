"""The committed Dagster instance keeps its event logs in Dagster's own SQLite files, only with each file's
connection kept open: runs, their events and asset checks read back exactly as Dagster's default storage
reads them, a run being followed in the UI sees its new events, and a forked process leaves the parent's
connections alone."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from dagster_project.instance_storage import OPEN_FILES, PooledSqliteEventLogStorage

TEMPLATE = Path(__file__).resolve().parents[2] / "dagster_project" / "instance" / "dagster.yaml"


@dg.asset(check_specs=[dg.AssetCheckSpec("rows_present", asset="counted")])
def counted():
    yield dg.MaterializeResult(metadata={"rows": 3})
    yield dg.AssetCheckResult(check_name="rows_present", passed=True)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    (tmp_path / "dagster.yaml").write_text(TEMPLATE.read_text())
    with dg.DagsterInstance.get() as instance:
        yield instance


def test_the_committed_instance_uses_the_pooled_event_log_in_dagsters_own_folder(instance, tmp_path):
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    assert yaml.safe_load(TEMPLATE.read_text())["event_log_storage"]["config"] == {
        "dagster_home": {"env": "DAGSTER_HOME"}
    }
    result = dg.materialize([counted], instance=instance)
    assert result.success
    assert (tmp_path / "storage" / f"{result.run_id}.db").exists()
    assert (tmp_path / "storage" / "index.db").exists()


def test_dagsters_default_storage_reads_what_the_pooled_one_wrote(instance, tmp_path):
    result = dg.materialize([counted], instance=instance)
    written = instance.all_logs(result.run_id)
    stock = SqliteEventLogStorage(str(tmp_path / "storage"))
    read = stock.get_logs_for_run(result.run_id)
    assert [e.dagster_event_type for e in read] == [e.dagster_event_type for e in written]
    assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in {e.dagster_event_type for e in read}
    materialization = stock.get_latest_materialization_events([dg.AssetKey("counted")])[dg.AssetKey("counted")]
    assert materialization.asset_materialization.metadata["rows"] == dg.IntMetadataValue(3)


def test_connections_sync_normally_and_stay_few(instance, tmp_path):
    storage = instance.event_log_storage
    for _ in range(OPEN_FILES + 2):
        dg.materialize([counted], instance=instance)
    assert len(storage._engines) == OPEN_FILES
    with storage.index_connection() as conn:
        assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"


def test_a_table_found_is_not_looked_up_again_a_missing_one_is(instance, monkeypatch):
    storage = instance.event_log_storage
    asked = []
    stock = SqliteEventLogStorage.has_table
    monkeypatch.setattr(SqliteEventLogStorage, "has_table", lambda self, name: asked.append(name) or stock(self, name))
    assert dg.materialize([counted], instance=instance).success  # stores an asset-check result
    assert dg.materialize([counted], instance=instance).success
    assert asked.count("asset_check_executions") == 1
    assert storage.has_table("asset_check_executions")
    assert not storage.has_table("no_such_table")
    assert not storage.has_table("no_such_table")
    assert asked.count("asset_check_executions") == 1
    assert asked.count("no_such_table") == 2


def test_a_write_touches_the_run_file_a_read_does_not(instance, tmp_path):
    result = dg.materialize([counted], instance=instance)
    run_file = tmp_path / "storage" / f"{result.run_id}.db"
    os.utime(run_file, (1_000_000, 1_000_000))
    instance.all_logs(result.run_id)
    assert run_file.stat().st_mtime == 1_000_000
    instance.report_engine_event("written after the run", instance.get_run_by_id(result.run_id))
    assert run_file.stat().st_mtime > 1_000_000


def test_a_watcher_in_another_instance_sees_new_events(instance, tmp_path):
    # How the Dagster UI follows a running run: a file watch on the run's database.
    result = dg.materialize([counted], instance=instance)
    run = instance.get_run_by_id(result.run_id)
    seen = threading.Event()
    with dg.DagsterInstance.get() as follower:

        def on_event(entry, _cursor):
            if entry.dagster_event and entry.dagster_event.message == "one more":
                seen.set()

        follower.event_log_storage.watch(result.run_id, None, on_event)
        instance.report_engine_event("one more", run)
        assert seen.wait(timeout=20)
        follower.event_log_storage.end_watch(result.run_id, on_event)


def test_wipe_closes_every_connection(instance):
    result = dg.materialize([counted], instance=instance)
    assert result.run_id in instance.event_log_storage._engines
    instance.event_log_storage.wipe()
    assert set(instance.event_log_storage._engines) <= {"index"}  # the run files are gone, the index stays
    assert dg.materialize([counted], instance=instance).success


def test_a_forked_child_drops_the_parents_connections_without_closing_them(instance):
    storage = instance.event_log_storage
    dg.materialize([counted], instance=instance)
    assert storage._engines
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its copy must start empty
        os.write(write, str(len(storage._engines)).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 8) == b"0"
    assert storage._engines  # the parent's are untouched
    assert dg.materialize([counted], instance=instance).success
