"""A document dated the day a person approves it, not the day the pipeline drafted it.

A letter or statement carries a date. Drafted with the run's as-of date, every draft in the queue would read a
new date each night and be redrafted for that alone (tens of thousands of rewrites and audit events a night
at a large group). A type whose text needs no other as-of value writes APPROVAL_DATE where the date goes; the
coordinator reads the placeholder on the board, and the ledger fills it in, in the body that is approved and
sent, with the approval day in the group's time zone (ledger/decisions.py).
"""

from __future__ import annotations

from datetime import date

APPROVAL_DATE = "[date of approval]"


def approval_date_text(day: date) -> str:
    """'December 5, 2026': how a family or a payer reads a letter's date."""
    return f"{day:%B} {day.day}, {day.year}"


def date_on_approval(text: str, day: date) -> str:
    """The text with every approval-date placeholder replaced by the approval day."""
    return text.replace(APPROVAL_DATE, approval_date_text(day))
