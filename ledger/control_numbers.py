"""Outgoing X12 interchange control numbers (ISA13 / GS06) from one sequence, one per key for good: an 837P
takes its flag's number; a 270 batch takes the numbers of the checks it asks for the first time."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from .schema import interchange_control_numbers

MAX_INTERCHANGE_CONTROL_NUMBER = 999_999_999  # ISA13 is nine digits


class ControlNumbers:
    """Ledger methods for control numbers; mixed into Ledger (uses its writer)."""

    def control_numbers(self, flag_ids: Iterable[str]) -> dict[str, int]:
        """The interchange control number of each flag's outgoing 837P, allocating the next ones for new flags."""
        known, new = self._allocate(flag_ids)
        return {**known, **new}

    def new_control_numbers(self, keys: Iterable[str]) -> dict[str, int]:
        """Numbers for the keys never seen before, allocated now; keys already holding a number are left out
        (they went out in an earlier interchange)."""
        return self._allocate(keys)[1]

    def _allocate(self, keys: Iterable[str]) -> tuple[dict[str, int], dict[str, int]]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}, {}
        table = interchange_control_numbers
        new: dict[str, int] = {}
        with self._writer.begin() as conn:
            known = dict(
                conn.execute(
                    sa.select(table.c.flag_id, table.c.control_number).where(table.c.flag_id.in_(wanted))
                ).all()
            )
            for key in wanted:
                if key not in known:
                    number = conn.execute(table.insert().values(flag_id=key)).inserted_primary_key[0]
                    if number > MAX_INTERCHANGE_CONTROL_NUMBER:
                        raise RuntimeError("interchange control numbers are exhausted (nine digits)")
                    new[key] = number
        return known, new
