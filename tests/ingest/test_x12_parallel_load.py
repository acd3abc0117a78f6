"""Reading clearinghouse files in worker processes loads exactly what reading them in one process does:
the same rows and ids, the same ledger, the same quarantine, and a remittance re-sent in a later file is
still recognised across the chunks the workers read. Where the loader cuts its write batches changes nothing
either; a batch is written while the next is read, and a write that fails stops the load without losing a file."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest import x12_frames, x12_loader
from dagster_project.ingest.loader import load_source
from dagster_project.ingest.x12.readers import all_x12_tables

FIXTURES = Path(__file__).parent / "x12" / "fixtures"


def _inbox(tmp_path: Path) -> Path:
    target = tmp_path / "inbox" / "clearinghouse"
    target.mkdir(parents=True)
    for fixture in sorted(FIXTURES.iterdir()):
        data = fixture.read_bytes()
        (target / fixture.name).write_bytes(data)
        (target / f"truncated_{fixture.name}").write_bytes(data[: len(data) * 2 // 3])
    clean = (FIXTURES / "clean_5010.835").read_bytes()
    # The same remittance in a new envelope (another interchange control number), in a later chunk.
    (target / "zz_resent.835").write_bytes(clean.replace(b"*000000101", b"*000000777"))
    return tmp_path / "inbox"


def _load(tmp_path: Path, inbox: Path, workers: int, monkeypatch, label: str = "") -> dict[str, list[tuple]]:
    monkeypatch.setattr(x12_frames, "CHUNK_FILES", 2)
    monkeypatch.setattr(x12_frames, "_workers", lambda: workers)
    con = duckdb.connect(str(tmp_path / f"w{workers}{label}.duckdb"))
    load_source(con, "clearinghouse", inbox, tmp_path / f"quarantine{workers}{label}")
    return _contents(con)


def _contents(con) -> dict[str, list[tuple]]:
    """Every raw clearinghouse row, ledger row and quarantine row, without the load times."""
    found = {
        table: con.execute(f"select * exclude (_loaded_at) from raw_clearinghouse.{table} order by all").fetchall()
        for table in all_x12_tables()
    }
    found["ledger"] = con.execute("select * exclude (received_at) from ingest.file_ledger order by all").fetchall()
    found["quarantine"] = con.execute(
        "select * exclude (quarantined_at) from ingest.quarantine order by all"
    ).fetchall()
    return found


def test_a_pool_of_workers_loads_what_one_process_loads(tmp_path, monkeypatch):
    inbox = _inbox(tmp_path)
    alone = _load(tmp_path, inbox, 1, monkeypatch)
    pooled = _load(tmp_path, inbox, 2, monkeypatch)
    assert alone["remit_claims"] and alone["claim_lines"], "the fixtures load remits and claims"
    assert any(row[4] in ("rejected", "loaded_with_rejects") for row in alone["ledger"]), "truncated files quarantine"
    assert any("re-sends the remittance" in row[4] for row in alone["quarantine"])
    assert pooled == alone


def test_a_write_after_every_chunk_loads_what_one_write_loads(tmp_path, monkeypatch):
    inbox = _inbox(tmp_path)
    one_write = _load(tmp_path, inbox, 1, monkeypatch)
    writes = []
    monkeypatch.setattr(x12_loader._Batch, "write", _counting(x12_loader._Batch.write, writes))
    monkeypatch.setattr(x12_loader, "BATCH_ROWS", 1)  # every chunk of two files is its own transaction
    many_writes = _load(tmp_path, inbox, 1, monkeypatch, label="-many")
    assert len(writes) > 3, "the inbox was written in many batches"
    assert many_writes == one_write


def _counting(write, calls: list):
    def counted(batch, con):
        calls.append(batch.row_count)
        return write(batch, con)

    return counted


def test_the_next_chunk_is_read_while_a_batch_is_written(tmp_path, monkeypatch):
    inbox = _inbox(tmp_path)
    one_write = _load(tmp_path, inbox, 1, monkeypatch)
    next_chunk_read = threading.Event()
    chunks_read, seen_by_writes = [], []
    read_chunk = x12_frames.read_chunk

    def reading(files, with_pyx12):
        chunks_read.append(files)
        if len(chunks_read) == 2:
            next_chunk_read.set()
        return read_chunk(files, with_pyx12)

    write = x12_loader._Batch.write

    def waiting_write(batch, con):
        # The first batch (the first chunk) waits until the second chunk is being read: a loader that
        # writes on its reading thread never gets there, and the wait times out.
        if not seen_by_writes:
            seen_by_writes.append(next_chunk_read.wait(timeout=10))
        return write(batch, con)

    monkeypatch.setattr(x12_frames, "read_chunk", reading)
    monkeypatch.setattr(x12_loader._Batch, "write", waiting_write)
    monkeypatch.setattr(x12_loader, "BATCH_ROWS", 1)
    overlapped = _load(tmp_path, inbox, 1, monkeypatch, label="-overlapped")
    assert seen_by_writes == [True]
    assert overlapped == one_write


def test_a_failed_write_stops_the_load_and_the_next_run_loads_every_file(tmp_path, monkeypatch):
    inbox = _inbox(tmp_path)
    one_write = _load(tmp_path, inbox, 1, monkeypatch)
    write = x12_loader._Batch.write
    writes = []

    def failing_second_write(batch, con):
        writes.append(len(batch.ledger))
        if len(writes) == 2:
            raise duckdb.IOException("disk full")
        return write(batch, con)

    monkeypatch.setattr(x12_loader._Batch, "write", failing_second_write)
    monkeypatch.setattr(x12_loader, "BATCH_ROWS", 1)
    con = duckdb.connect(str(tmp_path / "failed.duckdb"))
    with pytest.raises(duckdb.IOException, match="disk full"):
        load_source(con, "clearinghouse", inbox, tmp_path / "quarantine-failed")
    assert len(writes) == 2, "nothing is written after the failed batch"
    ledger = con.execute("select count(*) from ingest.file_ledger").fetchone()[0]
    assert ledger == writes[0], "only the first batch's files are recorded as loaded"
    con.close()

    monkeypatch.setattr(x12_loader._Batch, "write", write)
    con = duckdb.connect(str(tmp_path / "failed.duckdb"))
    load_source(con, "clearinghouse", inbox, tmp_path / "quarantine-failed")
    assert _contents(con) == one_write
