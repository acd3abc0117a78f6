"""Reading clearinghouse files in worker processes loads exactly what reading them in one process does:
the same rows and ids, the same ledger, the same quarantine, and a remittance re-sent in a later file is
still recognised across the chunks the workers read. Where the loader cuts its write batches changes nothing
either."""

from __future__ import annotations

from pathlib import Path

import duckdb

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
