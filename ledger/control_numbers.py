"""Outgoing X12 interchange control numbers (ISA13 / GS06): one per flag for good, from one sequence."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from .schema import interchange_control_numbers

MAX_INTERCHANGE_CONTROL_NUMBER = 999_999_999  # ISA13 is nine digits


class ControlNumbers:
    """Ledger method for control numbers; mixed into Ledger (uses its writer)."""

    def control_numbers(self, flag_ids: Iterable[str]) -> dict[str, int]:
        """The interchange control number of each flag's outgoing 837P, allocating the next ones for new flags."""
        wanted = sorted(set(flag_ids))
        if not wanted:
            return {}
        table = interchange_control_numbers
        with self._writer.begin() as conn:
            known = dict(
                conn.execute(
                    sa.select(table.c.flag_id, table.c.control_number).where(table.c.flag_id.in_(wanted))
                ).all()
            )
            for flag_id in wanted:
                if flag_id not in known:
                    number = conn.execute(table.insert().values(flag_id=flag_id)).inserted_primary_key[0]
                    if number > MAX_INTERCHANGE_CONTROL_NUMBER:
                        raise RuntimeError("interchange control numbers are exhausted (nine digits)")
                    known[flag_id] = number
        return known
