"""Helpers: write vendor deliveries by hand and run an adapter into a temporary inbox."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from dagster_project.adapters import load_mapping, mapping_path, run_adapter


@pytest.fixture
def workspace(tmp_path):
    class Workspace:
        drop = tmp_path / "drop"
        state = tmp_path / "state"
        inbox = tmp_path / "inbox"

        def deliver(self, name: str, rows: list[dict]) -> Path:
            self.drop.mkdir(parents=True, exist_ok=True)
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            path = self.drop / name
            path.write_text(out.getvalue())
            return path

        def run(self, system: str):
            return run_adapter(
                load_mapping(mapping_path(system)), drop_dir=self.drop, state_dir=self.state, inbox_dir=self.inbox
            )

        def output(self, source: str, entity: str, system: str) -> list[dict]:
            with (self.inbox / source / f"{entity}_{system}.csv").open(newline="") as handle:
                return list(csv.DictReader(handle))

    return Workspace()
