"""Delimiters and segment splitting for X12 interchanges, tolerant of what real files look like.

Real files (domain-rules.md 7.4) come with a UTF-8 byte-order mark, CR/LF and indentation between
segments, everything on one line, or no ISA envelope at all. The delimiters are read from the ISA
(element separator = 4th character, repetition = ISA11 in 5010, component = ISA16, segment terminator =
the character right after ISA16) and only guessed when there is no ISA.

Written by hand rather than with pyx12's reader: ``pyx12.x12file.X12Reader`` stops at the first
structural problem, and we need every problem reported with its segment position so the file can be
quarantined with a plain-language reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dagster_project.ingest.x12.errors import X12Issue

SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
ISA_ELEMENT_COUNT = 16
NEWLINE = "\n"
# Used when a file has no ISA to read them from: the X12 defaults.
DEFAULT_ELEMENT, DEFAULT_SEGMENT, DEFAULT_COMPONENT = "*", "~", ":"


@dataclass(frozen=True)
class Delimiters:
    element: str
    component: str
    segment: str  # "\n" when segments end at line breaks
    repetition: str | None = None  # ISA11 in 5010; 4010 has no repetition separator


@dataclass(frozen=True)
class Segment:
    """One segment. ``elements[0]`` is the segment ID, so ``element(1)`` is e.g. CLP01."""

    position: int  # 1-based ordinal in the file
    elements: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.elements[0]

    def element(self, index: int) -> str:
        """The element's value with padding stripped, "" when absent."""
        return self.elements[index].strip() if index < len(self.elements) else ""


@dataclass
class SplitResult:
    delimiters: Delimiters | None
    segments: list[Segment] = field(default_factory=list)
    issues: list[X12Issue] = field(default_factory=list)
    has_envelope: bool = True


def decode(data: bytes) -> str:
    """Text of the file without a byte-order mark. X12 is ASCII; latin-1 keeps odd bytes readable."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _isa_delimiters(text: str) -> Delimiters | None:
    """Delimiters from an ISA at the start of ``text``; None when the ISA is cut short."""
    element = text[3]
    index = 3  # the separator in front of ISA01
    for _ in range(ISA_ELEMENT_COUNT - 1):
        index = text.find(element, index + 1)
        if index < 0:
            return None
    # ``index`` is now the separator in front of ISA16: ISA16 and the terminator follow it.
    if index + 2 >= len(text):
        return None
    component, segment = text[index + 1], text[index + 2]
    if segment in "\r\n":
        segment = NEWLINE
    elements = text[: index + 1].split(element)
    version = elements[12].strip() if len(elements) > 12 else ""
    repetition = elements[11].strip() if len(elements) > 11 else ""
    has_repetition = version >= "00501" and len(repetition) == 1 and not repetition.isalnum()
    return Delimiters(element, component, segment, repetition if has_repetition else None)


def _guess_delimiters(text: str) -> Delimiters:
    """Delimiters for a file that starts at ST: element = the character after "ST", terminator =
    the first character after ST's elements that is not a letter, digit or the element separator,
    component = the character after the SVC01 qualifier (``HC:97530``), else ":"."""
    element = text[2] if len(text) > 2 else DEFAULT_ELEMENT
    segment = DEFAULT_SEGMENT
    for char in text[3:]:
        if not (char.isalnum() or char == element or char == " "):
            segment = NEWLINE if char in "\r\n" else char
            break
    component = DEFAULT_COMPONENT
    svc = re.search(re.escape(element) + r"SVC" + re.escape(element) + r"[A-Z0-9]{2}(\W)", text)
    if svc is None:
        svc = re.search(r"(?:^|\s)SVC" + re.escape(element) + r"[A-Z0-9]{2}(\W)", text)
    if svc and svc.group(1) not in (element, segment):
        component = svc.group(1)
    return Delimiters(element, component, segment, None)


def split_segments(data: bytes, file_name: str) -> SplitResult:
    """Split a file into segments, numbering them from 1 in file order.

    Reports (does not raise) a file that is not X12, a truncated last segment and garbage between
    segments; the caller decides what those mean for the file.
    """
    text = decode(data).lstrip()
    if text.startswith("ISA") and len(text) > 3:
        delimiters = _isa_delimiters(text)
        if delimiters is None:
            issue = X12Issue(file_name, 1, "ISA", "error",
                             "the ISA header is cut short: it does not have its 16 elements and a segment terminator")
            return SplitResult(None, issues=[issue])
        result = SplitResult(delimiters)
    elif text.startswith("ST") and len(text) > 2 and not text[2].isalnum():
        delimiters = _guess_delimiters(text)
        result = SplitResult(delimiters, has_envelope=False)
        result.issues.append(X12Issue(
            file_name, 1, "ST", "warning",
            f"the file has no ISA/GS envelope; read it with element separator {delimiters.element!r}, "
            f"segment terminator {delimiters.segment!r} and component separator {delimiters.component!r}",
        ))
    else:
        start = text[:3].encode("unicode_escape").decode("ascii")
        issue = X12Issue(file_name, None, None, "error",
                         f"this is not an X12 file: it should start with ISA (or ST) but starts with {start!r}")
        return SplitResult(None, issues=[issue])

    if delimiters.segment == NEWLINE:
        text = text.replace("\r\n", NEWLINE).replace("\r", NEWLINE)
    pieces = text.split(delimiters.segment)
    last_terminated = len(pieces) - 1  # the piece after the last terminator has no terminator
    position = 0
    for index, piece in enumerate(pieces):
        raw = piece.strip()
        if not raw:
            continue
        position += 1
        elements = tuple(raw.split(delimiters.element))
        segment_id = elements[0].strip()
        if index == last_terminated and delimiters.segment != NEWLINE:
            shown = segment_id if SEGMENT_ID.match(segment_id) else None
            result.issues.append(X12Issue(
                file_name, position, shown, "error",
                f"the file ends inside segment {position}"
                + (f" ({shown})" if shown else "")
                + f" before its terminator {delimiters.segment!r}: the file looks truncated",
            ))
            break
        if not SEGMENT_ID.match(segment_id):
            result.issues.append(X12Issue(
                file_name, position, None, "error",
                f"segment {position} does not start with a segment ID (2-3 capital letters or digits)",
            ))
            continue
        result.segments.append(Segment(position, (segment_id, *elements[1:])))
    return result


def split_composite(value: str, delimiters: Delimiters) -> tuple[list[str], bool]:
    """Components of a composite element such as SVC01 ``HC:97530:GO``.

    Some senders use a component separator other than ISA16; when the declared one is absent and the
    value looks like ``<2-char qualifier><: or >>...``, split on that instead and say so (second item).
    """
    if delimiters.component in value:
        return value.split(delimiters.component), False
    if len(value) > 3 and value[:2].isalnum() and value[2] in ":>" and value[2] != delimiters.component:
        return value.split(value[2]), True
    return [value], False
