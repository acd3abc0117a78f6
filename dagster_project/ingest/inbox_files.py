"""Which inbox files were read before, without reading them again.

An inbox keeps every file it was ever delivered (a clearinghouse mailbox of three years at 50 clinics: about
25,000 files, 700 MB), and a file is new or not by the SHA-256 of its bytes (the file ledger), so a rename or
a second copy of the same bytes is still a re-delivery. Hashing the whole inbox every night reads every byte
of its history; instead each file's name, size and modification time (to the nanosecond) is kept with the
hash it had, and a file whose three are unchanged is taken to have the same bytes, the rule `make` and the
folder sensor (sensors.py) already use. Any change of size or time, a copy, a restore or a rewrite, sends the
file through the hash again, so the shortcut can only cost a read, never skip a new file.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pyarrow as pa

from dagster_project.ingest.raw_schema import insert_frame

STATS_DDL = """
create schema if not exists ingest;
create table if not exists ingest.inbox_file_stats (
    source varchar not null,
    file_name varchar not null,
    size_bytes bigint not null,
    modified_ns bigint not null,
    file_sha256 varchar not null,
    primary key (source, file_name)
);
"""


class InboxFiles:
    """The files of one source's inbox folder that the ledger already holds, and the hash of every file read."""

    def __init__(self, con, source: str):
        con.execute(STATS_DDL)
        self.source = source
        self.seen = {row[0] for row in con.execute("select file_sha256 from ingest.file_ledger").fetchall()}
        self._stats = {
            name: (size, modified, sha)
            for name, size, modified, sha in con.execute(
                "select file_name, size_bytes, modified_ns, file_sha256 from ingest.inbox_file_stats where source = ?",
                [source],
            ).fetchall()
        }
        self._read: dict[str, tuple[int, int, str]] = {}

    def unseen(self, path: Path) -> tuple[bytes, str] | None:
        """The bytes of ``path`` and their SHA-256 when the ledger does not hold them yet (a new delivery), else
        None; a file unchanged since a run hashed it is not read at all."""
        known = self._stats.get(path.name)
        if known is not None and known[:2] == _size_and_time(path) and known[2] in self.seen:
            return None
        data, sha = self.read(path)
        return None if sha in self.seen else (data, sha)

    def read(self, path: Path) -> tuple[bytes, str]:
        """The file's bytes and their SHA-256, remembered with the size and time it had before it was read."""
        size_and_time = _size_and_time(path)
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        self._read[path.name] = (*size_and_time, sha)
        return data, sha

    def save(self, con) -> None:
        """Store what this run read, after the ledger rows it points at. A run that stops before this only
        reads those files once more next time."""
        if not self._read:
            return
        names = list(self._read)
        con.execute(
            "delete from ingest.inbox_file_stats where source = ? and file_name in (select unnest(?::varchar[]))",
            [self.source, names],
        )
        rows = pa.table(
            {
                "source": [self.source] * len(names),
                "file_name": names,
                "size_bytes": pa.array([self._read[n][0] for n in names], pa.int64()),
                "modified_ns": pa.array([self._read[n][1] for n in names], pa.int64()),
                "file_sha256": [self._read[n][2] for n in names],
            }
        )
        insert_frame(con, "ingest.inbox_file_stats", rows)
        self._stats.update(self._read)
        self._read.clear()


def _size_and_time(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns
