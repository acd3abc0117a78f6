"""CMS 8-minute rule (Medicare Claims Processing Manual ch. 5 section 20.2; docs/domain-reference.md 2.2)."""

from __future__ import annotations


def total_timed_units(total_minutes: int) -> int:
    """Units billable for the day's total timed minutes: 8-22 -> 1, 23-37 -> 2, ..."""
    return (total_minutes + 7) // 15 if total_minutes >= 8 else 0


def assign_timed_units(minutes_by_code: list[tuple[str, int]]) -> list[int]:
    """Units per timed code, in the order given.

    Each code first gets its whole 15-minute blocks; the units left over from the total go to the codes
    with the most remaining minutes (earlier code wins a tie). Two codes of 7 minutes or less that
    together reach 8 therefore bill one unit of the longer one.
    """
    units = [minutes // 15 for _, minutes in minutes_by_code]
    leftover = total_timed_units(sum(m for _, m in minutes_by_code)) - sum(units)
    by_remainder = sorted(range(len(minutes_by_code)), key=lambda i: (-(minutes_by_code[i][1] - 15 * units[i]), i))
    for index in by_remainder[:leftover]:
        units[index] += 1
    return units
