"""Issues found while reading an X12 file, in words a billing coordinator can act on.

Messages name segment positions, segment IDs, element names and amounts, never patient names,
member ids or dates of birth, so they are safe to log and to show on the quarantine page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class X12Issue:
    """One problem in one file. ``segment_position`` is the 1-based segment ordinal in the file."""

    file_name: str
    segment_position: int | None
    segment_id: str | None
    severity: Severity
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = f"segment {self.segment_position}" if self.segment_position is not None else "file"
        what = f" ({self.segment_id})" if self.segment_id else ""
        return f"{self.file_name}: {where}{what}: {self.severity}: {self.message}"
