"""Stream rows to the contract CSV files, formatted the way the contracts parse them."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from dagster_project.contracts import Contract


def format_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # naive datetimes here are always UTC
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


class ContractWriter:
    """One open CSV file per contract under ``<out>/<source>/<entity>.csv``."""

    def __init__(self, out_dir: Path, contract: type[Contract]):
        self.contract = contract
        self.columns = list(contract.model_fields)
        self._known = frozenset(self.columns)
        self.path = out_dir / contract.__source__ / f"{contract.__entity__}.csv"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(self.columns)
        self.rows = 0

    def write(self, row: dict) -> None:
        if not self._known.issuperset(row):
            raise KeyError(f"{self.contract.__entity__}: unknown columns {sorted(set(row) - self._known)}")
        self._writer.writerow([format_cell(row.get(column)) for column in self.columns])
        self.rows += 1

    def write_many(self, rows) -> None:
        for row in rows:
            self.write(row)

    def close(self) -> None:
        self._file.close()
