"""Segments and the ISA/GS/ST..SE/GE/IEA envelope of an X12 file, walked once for every reader.

Real files (docs/domain-reference.md section 7, "What real files look like") come with a UTF-8
byte-order mark, CR/LF and indentation between segments, everything on one line, or no ISA envelope at all.
The delimiters are read from the ISA (element separator = 4th character, repetition = ISA11 in 5010,
component = ISA16, segment terminator = the character right after ISA16) and only guessed when there is no ISA.

``walk_envelope`` splits the file and hands back its transaction sets (ST..SE) with their control
numbers, segment positions and what was wrong with their envelope. Envelope bookkeeping that
disagrees (SE/GE/IEA counts, control numbers, a missing GE or IEA after complete transactions) is a
warning: the segments are all there. A transaction that cannot be complete (no SE before the next ST
or the end of the file, the file cut inside a segment, a piece that is not a segment) carries an
error, so that transaction alone is quarantined.

Written by hand rather than with pyx12's reader: ``pyx12.x12file.X12Reader`` stops at the first
structural problem, and we need every problem reported with its segment position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import compress, count, repeat
from operator import itemgetter, not_

from dagster_project.ingest.x12.errors import X12Issue

SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
ISA_ELEMENT_COUNT = 16
NEWLINE = "\n"
# Used when a file has no ISA to read them from: the X12 defaults.
DEFAULT_ELEMENT, DEFAULT_SEGMENT, DEFAULT_COMPONENT = "*", "~", ":"
ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})
NOT_A_SEGMENT = ""  # the id of a piece that does not start with a segment ID


@dataclass(frozen=True)
class Delimiters:
    element: str
    component: str
    segment: str  # "\n" when segments end at line breaks
    repetition: str | None = None  # ISA11 in 5010; 4010 has no repetition separator


class Segment(tuple):
    """One segment: ``(position, elements)``, ``position`` its 1-based ordinal in the file and
    ``elements[0]`` its ID, so ``element(1)`` is e.g. CLP01. Elements are stripped of padding once, when
    the file is split. A bare tuple subclass: a file holds hundreds of thousands of segments, and
    these are built at C speed. Identical segments of a file share one ``elements`` list: never change it."""

    __slots__ = ()
    position: int = property(itemgetter(0))  # type: ignore[assignment]
    elements: list[str] = property(itemgetter(1))  # type: ignore[assignment]

    @classmethod
    def of(cls, position: int, elements: list[str]) -> Segment:
        return cls((position, elements))

    @property
    def id(self) -> str:
        return self[1][0]

    def element(self, index: int) -> str:
        """The element's value, "" when absent."""
        elements = self[1]
        return elements[index] if index < len(elements) else ""

    def padded(self, count: int) -> list[str]:
        """The elements with "" for absent ones up to index ``count - 1``: direct indexing in hot readers."""
        elements = self[1]
        return elements if len(elements) >= count else [*elements, *([""] * (count - len(elements)))]

    def __repr__(self) -> str:
        return f"Segment({self[0]}, {self[1][0]!r})"


@dataclass(frozen=True)
class InterchangeHeader:
    control_number: str  # ISA13
    sender: str  # ISA06
    position: int


@dataclass(frozen=True)
class GroupHeader:
    functional_id: str  # GS01 (HP 835, HC 837, HB 271)
    control_number: str  # GS06
    version: str  # GS08
    position: int
    created: str = ""  # GS04 (CCYYMMDD): the only date a 999 carries


@dataclass
class TransactionSet:
    """One ST..SE with its envelope. ``body`` holds the segments between ST and SE."""

    file_name: str
    delimiters: Delimiters
    transaction_set: str  # ST01
    control_number: str  # ST02
    version: str  # ST03, else GS08
    interchange: InterchangeHeader | None
    group: GroupHeader | None
    start_position: int  # of the ST
    body: list[Segment] = field(default_factory=list)
    end_position: int = 0  # of the SE, or of the last segment read when there is none
    issues: list[X12Issue] = field(default_factory=list)  # envelope findings for this transaction

    def row_key(self, file_hash: str) -> str:
        """``<file sha256 prefix>-<ISA13>-<GS06>-<ST02>``: the id every reader gives this transaction's rows."""
        return "-".join(
            [
                file_hash,
                self.interchange.control_number if self.interchange else "",
                self.group.control_number if self.group else "",
                self.control_number,
            ]
        )


@dataclass
class EnvelopeWalk:
    file_name: str
    delimiters: Delimiters | None
    has_envelope: bool
    transactions: list[TransactionSet] = field(default_factory=list)
    issues: list[X12Issue] = field(default_factory=list)  # findings that belong to no one transaction


@dataclass
class SplitResult:
    delimiters: Delimiters | None
    segments: list[Segment] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # each segment's ID, in file order
    issues: list[X12Issue] = field(default_factory=list)
    has_envelope: bool = True
    truncated: X12Issue | None = None  # the file ends inside this segment (not read)
    has_bad_ids: bool = False  # some pieces do not start with a segment ID (kept as NOT_A_SEGMENT)


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

    Reports (does not raise) a file that is not X12 and a truncated last segment. A piece between
    terminators that does not start with a segment ID is kept as a segment with id ``NOT_A_SEGMENT``
    so that it is counted and reported where it stands.
    """
    text = decode(data).lstrip()
    if text.startswith("ISA") and len(text) > 3:
        delimiters = _isa_delimiters(text)
        if delimiters is None:
            issue = X12Issue(
                file_name,
                1,
                "ISA",
                "error",
                "the ISA header is cut short: it does not have its 16 elements and a segment terminator",
            )
            return SplitResult(None, issues=[issue])
        result = SplitResult(delimiters)
    elif text.startswith("ST") and len(text) > 2 and not text[2].isalnum():
        delimiters = _guess_delimiters(text)
        result = SplitResult(delimiters, has_envelope=False)
        result.issues.append(
            X12Issue(
                file_name,
                1,
                "ST",
                "warning",
                f"the file has no ISA/GS envelope; read it with element separator {delimiters.element!r}, "
                f"segment terminator {delimiters.segment!r} and component separator {delimiters.component!r}",
            )
        )
    else:
        start = text[:3].encode("unicode_escape").decode("ascii")
        issue = X12Issue(
            file_name,
            None,
            None,
            "error",
            f"this is not an X12 file: it should start with ISA (or ST) but starts with {start!r}",
        )
        return SplitResult(None, issues=[issue])

    if delimiters.segment == NEWLINE:
        text = text.replace("\r\n", NEWLINE).replace("\r", NEWLINE)
    pieces = text.split(delimiters.segment)
    tail = pieces.pop().strip()  # after the last terminator: a segment only when lines end segments
    if tail and delimiters.segment == NEWLINE:
        pieces.append(tail)
        tail = ""
    separator = delimiters.element
    # Strip and split each distinct piece once, at C speed (map, compress, filter): a remittance repeats
    # most of its segments word for word (DTM, CAS, AMT, ...). The element lists are only ever read, so
    # identical segments share one. A blank piece (between two terminators) maps to None and is dropped.
    distinct = list(dict.fromkeys(pieces))
    stripped = list(map(str.strip, distinct))
    elements_of = dict(zip(distinct, map(str.split, stripped, repeat(separator)), strict=True))
    elements_of.update(dict.fromkeys(compress(distinct, map(not_, stripped))))
    split = list(filter(None, map(elements_of.__getitem__, pieces)))
    # ISA elements are fixed-width (padded); most files pad nothing else, so look once for the rest.
    first_end = text.find(delimiters.segment)
    padded = text.count("ISA" + separator) > 1 or any(
        text.find(marker, first_end) >= 0 for marker in (" " + separator, separator + " ")
    )
    if padded:
        split = [[element.strip() for element in elements] for elements in split]
    elif split and split[0][0] == "ISA":
        split[0] = [element.strip() for element in split[0]]
    segments = list(map(Segment, enumerate(split, 1)))
    result.ids = list(map(itemgetter(0), split))
    bad_ids = {segment_id for segment_id in set(result.ids) if not SEGMENT_ID.match(segment_id)}
    if bad_ids:
        segments = [
            Segment.of(seg.position, [NOT_A_SEGMENT]) if seg.elements[0] in bad_ids else seg for seg in segments
        ]
        result.ids = [NOT_A_SEGMENT if segment_id in bad_ids else segment_id for segment_id in result.ids]
        result.has_bad_ids = True
    result.segments = segments
    if tail:
        position = len(segments) + 1
        segment_id = tail.split(separator, 1)[0].strip()
        shown = segment_id if SEGMENT_ID.match(segment_id) else None
        result.truncated = X12Issue(
            file_name,
            position,
            shown,
            "error",
            f"the file ends inside segment {position}"
            + (f" ({shown})" if shown else "")
            + f" before its terminator {delimiters.segment!r}: the file looks truncated",
        )
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


class _Walker:
    """Keeps the open ISA, GS and ST while the segments go by once."""

    def __init__(self, split: SplitResult, file_name: str):
        assert split.delimiters is not None
        self.file_name = file_name
        self.split = split
        self.walk = EnvelopeWalk(file_name, split.delimiters, split.has_envelope, issues=list(split.issues))
        self.isa: InterchangeHeader | None = None
        self.isa_groups = 0
        self.gs: GroupHeader | None = None
        self.gs_transactions = 0
        self.st: TransactionSet | None = None
        self.stray: list[Segment] = []  # data segments outside any transaction, reported in runs

    def file_issue(self, severity: str, position: int | None, segment_id: str | None, message: str) -> None:
        self.walk.issues.append(X12Issue(self.file_name, position, segment_id, severity, message))

    def run(self) -> EnvelopeWalk:
        segments = self.split.segments
        # Only envelope segments change state; what lies between two of them goes in one slice.
        marks = list(compress(count(), map(ENVELOPE_IDS.__contains__, self.split.ids)))  # at C speed
        previous = 0
        for index in [*marks, len(segments)]:
            if index > previous:
                self.between(segments[previous:index])
            if index < len(segments):
                seg = segments[index]
                self.flush_stray()
                getattr(self, "on_" + seg[1][0].lower())(seg)
            previous = index + 1
        self.flush_stray()
        self.close_at_end(segments[-1].position if segments else 0)
        return self.walk

    def between(self, chunk: list[Segment]) -> None:
        """Segments between two envelope segments: the open transaction's body, or stray."""
        if self.st is None:
            self.stray.extend(chunk)
            return
        self.st.body.extend(chunk)
        if self.split.has_bad_ids:
            for seg in chunk:
                if seg[1][0] == NOT_A_SEGMENT:
                    self.st.issues.append(
                        X12Issue(
                            self.file_name,
                            seg.position,
                            None,
                            "error",
                            f"segment {seg.position} does not start with a segment ID (2-3 capital letters or digits)",
                        )
                    )

    # -- data outside any transaction ------------------------------------------------------------
    def flush_stray(self) -> None:
        if not self.stray:
            return
        first, last = self.stray[0].position, self.stray[-1].position
        ids = sorted({s.id for s in self.stray if s.id != NOT_A_SEGMENT})
        where = f"segment {first}" if first == last else f"segments {first}-{last}"
        what = f" ({', '.join(ids)})" if ids else ""
        self.file_issue(
            "error",
            first,
            self.stray[0].id or None,
            f"{where}{what} stand outside any transaction (no open ST before them) and were not read",
        )
        self.stray = []

    # -- interchange and group -------------------------------------------------------------------
    def on_isa(self, seg: Segment) -> None:
        if self.st is not None:
            self.close_open_transaction(seg)
        if self.isa is not None:
            self.file_issue(
                "warning",
                seg.position - 1,
                None,
                f"the ISA at segment {self.isa.position} (control number {self.isa.control_number!r}) "
                f"has no IEA trailer before the next ISA",
            )
            self.gs = None
        self.isa, self.isa_groups = InterchangeHeader(seg.element(13), seg.element(6), seg.position), 0

    def on_iea(self, seg: Segment) -> None:
        if self.st is not None:
            self.close_open_transaction(seg)
        if self.gs is not None:
            self.missing_ge(seg.position - 1)
        if self.isa is None:
            self.file_issue("warning", seg.position, "IEA", "IEA trailer without an ISA header before it")
            return
        self.check_trailer(seg, "functional groups", "interchange", self.isa_groups, "ISA13", self.isa.control_number)
        self.isa = None

    def on_gs(self, seg: Segment) -> None:
        if self.st is not None:
            self.close_open_transaction(seg)
        if self.gs is not None:
            self.missing_ge(seg.position - 1)
        if self.isa is None:
            self.file_issue("warning", seg.position, "GS", "GS header outside an interchange (no ISA before it)")
        else:
            self.isa_groups += 1
        self.gs = GroupHeader(seg.element(1), seg.element(6), seg.element(8), seg.position, seg.element(4))
        self.gs_transactions = 0

    def on_ge(self, seg: Segment) -> None:
        if self.st is not None:
            self.close_open_transaction(seg)
        if self.gs is None:
            self.file_issue("warning", seg.position, "GE", "GE trailer without a GS header before it")
            return
        self.check_trailer(seg, "transactions", "group", self.gs_transactions, "GS06", self.gs.control_number)
        self.gs = None

    def check_trailer(
        self, seg: Segment, counted: str, envelope: str, count: int, header: str, control: str, issues=None
    ) -> None:
        """An SE, GE or IEA trailer: element 1 counts what the envelope holds, element 2 repeats its control
        number. Warnings go to ``issues`` (a transaction's) or else to the file's."""
        problems = []
        if seg.element(1) != str(count):
            problems.append(f"{seg.id}01 says {seg.element(1) or 'nothing'} {counted} but the {envelope} has {count}")
        if seg.element(2) != control:
            problems.append(f"{seg.id}02 control number {seg.element(2)!r} does not match {header} {control!r}")
        target = self.walk.issues if issues is None else issues
        target.extend(X12Issue(self.file_name, seg.position, seg.id, "warning", problem) for problem in problems)

    def missing_ge(self, last_position: int) -> None:
        assert self.gs is not None
        self.file_issue(
            "warning",
            last_position,
            None,
            f"the GS at segment {self.gs.position} (control number {self.gs.control_number!r}) has no GE trailer",
        )
        self.gs = None

    # -- transactions ----------------------------------------------------------------------------
    def on_st(self, seg: Segment) -> None:
        if self.st is not None:
            self.close_open_transaction(seg)
        if self.gs is not None:
            self.gs_transactions += 1
        st = TransactionSet(
            file_name=self.file_name,
            delimiters=self.walk.delimiters,
            transaction_set=seg.element(1),
            control_number=seg.element(2),
            version=seg.element(3) or (self.gs.version if self.gs else ""),
            interchange=self.isa,
            group=self.gs,
            start_position=seg.position,
        )
        if self.gs is None and self.walk.has_envelope:
            st.issues.append(
                X12Issue(
                    self.file_name,
                    seg.position,
                    "ST",
                    "warning",
                    "ST header outside a functional group (no GS before it)",
                )
            )
        self.st = st

    def on_se(self, seg: Segment) -> None:
        st = self.st
        if st is None:
            self.file_issue("warning", seg.position, "SE", "SE trailer without an ST header before it")
            return
        st.end_position = seg.position
        count = len(st.body) + 2  # SE01 counts ST and SE too
        self.check_trailer(seg, "segments", "transaction", count, "ST02", st.control_number, st.issues)
        self.walk.transactions.append(st)
        self.st = None

    def close_open_transaction(self, next_segment: Segment) -> None:
        """An ST whose SE never came: what follows may belong to it, so it cannot be trusted whole."""
        st = self.st
        assert st is not None
        last = st.body[-1].position if st.body else st.start_position
        self.end_without_se(
            last,
            last,
            f" before segment {next_segment.position} ({next_segment.id}): the transaction may be incomplete",
        )

    def end_without_se(self, end_position: int, issue_position: int, what_happened: str) -> None:
        """Keep the open transaction, ended at ``end_position``, with the error that its SE never came."""
        st = self.st
        assert st is not None
        st.end_position = end_position
        st.issues.append(
            X12Issue(
                self.file_name,
                issue_position,
                None,
                "error",
                f"the ST at segment {st.start_position} (control number {st.control_number!r}) has no SE trailer"
                + what_happened,
            )
        )
        self.walk.transactions.append(st)
        self.st = None

    def close_at_end(self, last_position: int) -> None:
        truncated = self.split.truncated
        if self.st is not None:
            end = truncated.segment_position if truncated else last_position
            if truncated is not None:
                self.st.issues.append(truncated)
            self.end_without_se(
                end, last_position, f": the file ends at segment {end} and the transaction looks truncated"
            )
        elif truncated is not None:
            # Cut inside a GE or IEA: every transaction is complete, only the trailer is lost.
            trailer_only = truncated.segment_id in ("GE", "IEA")
            self.walk.issues.append(
                X12Issue(
                    truncated.file_name,
                    truncated.segment_position,
                    truncated.segment_id,
                    "warning" if trailer_only else "error",
                    truncated.message,
                )
            )
        if self.walk.has_envelope:
            if self.gs is not None:
                self.missing_ge(last_position)
            if self.isa is not None:
                self.file_issue(
                    "warning",
                    last_position,
                    None,
                    f"the ISA at segment {self.isa.position} (control number "
                    f"{self.isa.control_number!r}) has no IEA trailer",
                )
        if not self.split.segments and truncated is None:
            self.file_issue("error", None, None, "the file holds no X12 segments")
        elif not self.walk.transactions:
            self.file_issue("error", None, None, "the file holds no transaction set (no ST segment)")


def walk_envelope(data: bytes, file_name: str) -> EnvelopeWalk:
    """Every transaction set in the file, in file order, with the envelope findings."""
    split = split_segments(data, file_name)
    if split.delimiters is None:
        return EnvelopeWalk(file_name, None, split.has_envelope, issues=list(split.issues))
    return _Walker(split, file_name).run()
