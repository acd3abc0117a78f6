"""Where bad input goes, with a reason a person can read.

Reasons name the file, the line or segment and what was wrong, but never echo the offending value:
a bad date of birth or member id is PHI, and reasons are shown on the dashboard and in run logs.
The quarantined file itself (under data/quarantine/, outside git) keeps the original bytes.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class QuarantineEntry:
    source: str
    file_name: str
    file_sha256: str
    line_number: int | None  # CSV line or X12 segment position; None for a whole-file problem
    reason: str
    quarantined_at: datetime
    severity: str = "error"  # error: not loaded | warning: loaded, but something was off
    transaction_set: str | None = None  # X12 ST01 of the transaction concerned
    transaction_control_number: str | None = None  # X12 ST02


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def quarantine_whole_file(path: Path, quarantine_dir: Path, source: str, sha256: str, reasons: list[str]) -> Path:
    """Copy a rejected file (original bytes) and write its reasons next to it."""
    target_dir = quarantine_dir / source
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{sha256[:12]}__{path.name}"
    shutil.copyfile(path, target)
    target.with_name(target.name + ".reason.txt").write_text("\n".join(reasons) + "\n", encoding="utf-8")
    return target


def quarantine_rows(
    path: Path,
    quarantine_dir: Path,
    source: str,
    sha256: str,
    header: list[str],
    rejected: list[tuple[int, list[str], str]],
) -> Path:
    """Write rejected CSV rows (original cells, line number, reason) to one file per delivery."""
    target_dir = quarantine_dir / source
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{sha256[:12]}__{path.stem}.rejected.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["_line_number", "_reason", *header])
        for line_number, cells, reason in rejected:
            writer.writerow([line_number, reason, *cells])
    return target
