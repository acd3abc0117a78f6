"""A document dated the day a person approves it, not the day the pipeline drafted it.

A letter or statement carries a date. Drafted with the run's as-of date, every draft in the queue would read a
new date each night and be redrafted for that alone (tens of thousands of rewrites and audit events a night
at a large group). A type whose text needs no other as-of value writes APPROVAL_DATE where the date goes; the
coordinator reads the placeholder on the board, and the ledger fills it in, in the body that is approved and
sent, with the approval day in the group's time zone (ledger/decisions.py). An X12 interchange (a drafted 837P)
has its envelope dated the same way.
"""

from __future__ import annotations

from datetime import date

APPROVAL_DATE = "[date of approval]"


def approval_date_text(day: date) -> str:
    """'December 5, 2026': how a family or a payer reads a letter's date."""
    return f"{day:%B} {day.day}, {day.year}"


def date_on_approval(text: str, day: date) -> str:
    """The text with every approval-date placeholder replaced by the approval day, or, for an X12 interchange,
    its envelope dated that day."""
    if is_x12_interchange(text):
        return x12_dated(text, day)
    return text.replace(APPROVAL_DATE, approval_date_text(day))


# An X12 interchange opens with a fixed-width ISA segment of 106 characters: its 4th character separates the
# elements and its 106th ends the segment. Its envelope (ISA09, GS04, BHT04) says when the file was made, which
# for a drafted 837P is the day a person approves it; a fixed width has no room for a placeholder, so the draft
# carries a date of its own data (emitters/claim_837.py) and approval writes the day over it.
_ISA_LENGTH = 106
_ENVELOPE_DATES = {"ISA": (9, "%y%m%d"), "GS": (4, "%Y%m%d"), "BHT": (4, "%Y%m%d")}


def is_x12_interchange(text: str) -> bool:
    """Whether the text opens with an ISA segment: 16 elements split by a non-alphanumeric separator, never a
    letter that happens to start with "ISA"."""
    if not text.startswith("ISA") or len(text) <= _ISA_LENGTH or text[3].isalnum() or text[3].isspace():
        return False
    return len(text[: _ISA_LENGTH - 1].split(text[3])) == 17


def x12_dated(text: str, day: date) -> str:
    """The interchange with the dates of its ISA, GS and BHT segments set to `day`; every other character as it
    was (the ISA keeps its width: ISA09 is six characters either way)."""
    separator, terminator = text[3], text[_ISA_LENGTH - 1]
    segments = text.split(terminator)
    for index, segment in enumerate(segments):
        body = segment.lstrip()
        elements = body.split(separator)
        if elements[0] in _ENVELOPE_DATES:
            position, layout = _ENVELOPE_DATES[elements[0]]
            if len(elements) > position:
                elements[position] = day.strftime(layout)
                segments[index] = segment[: len(segment) - len(body)] + separator.join(elements)
    return terminator.join(segments)
