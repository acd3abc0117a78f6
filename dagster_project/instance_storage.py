"""Dagster's SQLite event log, with each database's connection kept open between events.

Dagster's own SQLite event log (the embedded default, one database file per run plus an index) builds a
SQLAlchemy engine, opens the file, commits with a full sync and closes it again for every event it stores.
A daily run stores about 3,000 events (every dbt model and test is one or two), and on this project's 2-core
reference machine that cost 3.4-5.7 ms of CPU and 6-45 ms of wall time per event: more than dbt itself
took. This class changes only how connections are made, never what is stored or read:

- one engine per database file, kept for the most recent few files (the index and the runs being written),
  its connection reused under the storage's existing lock;
- ``synchronous=NORMAL`` on those connections. The files stay in WAL mode, as Dagster sets them: a crash of
  any process loses nothing committed; a power cut can lose the last events of a run, never corrupt a file;
- after each write to a run's file, its modification time is touched: the Dagster UI follows a running run
  by watching that file change, which a closing connection's checkpoint used to do.

Configured in ``dagster_project/instance/dagster.yaml`` with the Dagster home folder; the files live where
Dagster's default puts them (``<home>/storage``), so the UI reads older runs as before. It overrides ``_connect``, a
private method of Dagster's class (dagster is pinned in requirements.lock; tests/dagster_project pins this
behaviour, so an upgrade that changes it fails there first).

Kept free of the project's other modules: every Dagster process (daemon, web UI, runs) imports it when it
loads the instance.
"""

from __future__ import annotations

import os
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from dagster import StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

OPEN_FILES = 4  # the index and the runs a process is writing; older ones are closed
_LIVE: weakref.WeakSet[PooledSqliteEventLogStorage] = weakref.WeakSet()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        _LIVE.add(self)
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        # where Dagster's default SQLite storage keeps them, so the UI reads older runs as before
        return cls(base_dir=os.path.join(config_value["dagster_home"], "storage"), inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                # one connection kept (Dagster's set-up of a new file opens a second one inside the first;
                # extra connections are closed when returned), used by whichever thread holds the lock
                pool_size=1,
                max_overflow=4,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _sync_normally)
            while len(self._engines) >= OPEN_FILES:
                self._engines.popitem(last=False)[1].dispose()
        self._engines[shard] = engine  # most recently used last
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                sqlite = conn.connection.dbapi_connection
                changes = sqlite.total_changes
                with conn.begin():
                    yield conn
                wrote = sqlite.total_changes != changes
            if wrote and shard != INDEX_SHARD_NAME:
                with suppress(FileNotFoundError):
                    os.utime(self.path_for_shard(shard))

    def has_table(self, table_name: str) -> bool:
        # Dagster asks this before storing every asset-check result and tagged asset event, opening the index
        # with a new engine each time (about a tenth of a dbt run's event handling). A table, once there, stays
        # (wipe() deletes rows, not tables), so a yes is remembered; a no is asked again.
        if table_name not in self._tables_present and super().has_table(table_name):
            self._tables_present.add(table_name)
        return table_name in self._tables_present

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def _forget_engines_in_child(self) -> None:
        # A forked process must not use, or close, its parent's SQLite connections (closing one could
        # checkpoint and remove a WAL file the parent still writes); it opens its own if it needs any.
        for engine in self._engines.values():
            engine.dispose(close=False)
        self._engines = OrderedDict()

    def wipe(self) -> None:
        self._close_engines()  # the run files are deleted: no connection may stay open on them
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()


def _sync_normally(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _forget_all_in_child() -> None:
    for storage in list(_LIVE):
        storage._forget_engines_in_child()


os.register_at_fork(after_in_child=_forget_all_in_child)
