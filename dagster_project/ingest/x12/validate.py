"""Implementation-guide validation with pyx12 (codes, required elements, loop structure).

This complements the readers (``readers.parse_x12``): pyx12 checks a file against the maps it ships
(835 005010X221A1 and 004010X091A1, 837P 005010X222A1, ...) but stops at structural damage and does
not return rows; the hand-written readers are tolerant and return our table shapes with Decimal money.

Validation never stops ingest. What pyx12 finds inside a segment (a code, a required element) is an
error of the transaction it sits in; what it says about the envelope (counts, control numbers) is a
warning, as it is for the readers; and what it cannot do (no map for 837P 005010X222A2 or 271
005010X279A1, no ISA envelope, anything pyx12 stops on) is a warning saying the file was not
validated. pyx12 reads the file without its byte-order mark, as the readers do.

pyx12 writes nothing here: its 997/999, HTML and XML outputs are switched off and its JSON error
report goes to an in-memory buffer.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster_project.ingest.x12.envelope import decode
from dagster_project.ingest.x12.errors import X12Issue


@contextmanager
def _pyx12_logging_silenced() -> Iterator[None]:
    """pyx12 logs each error with the offending value, which may be a patient name or member id;
    our issues carry the same findings without the values going to the log."""
    # pyx12 logs through "pyx12" and child loggers such as "pyx12.error_handler": a handler that
    # drops everything on the parent, with propagation cut, keeps all of them off every handler.
    logger = logging.getLogger("pyx12")
    sink = logging.NullHandler()
    was_propagating = logger.propagate
    logger.addHandler(sink)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(sink)
        logger.propagate = was_propagating


# Segments whose values can be names, addresses, member ids, dates, diagnoses or account numbers: pyx12
# quotes the bad value in its message, so we withhold it there.
SEGMENTS_WITH_PHI = frozenset({"NM1", "N3", "N4", "DMG", "REF", "PER", "DTM", "DTP", "HI", "CLM", "CLP"})


def _message(seg_id: str | None, err: dict[str, Any]) -> str:
    text, value = err["err_str"], err.get("err_val")
    if seg_id in SEGMENTS_WITH_PHI and value:
        # pyx12 quotes values as (value) or "value"; replacing only those keeps element names intact.
        text = text.replace(f"({value})", "(<value withheld>)").replace(f'"{value}"', '"<value withheld>"')
    return text


def _element_issues(file_name: str, seg: dict[str, Any]) -> Iterator[X12Issue]:
    position, seg_id = seg.get("cur_line"), seg.get("seg_id")
    for err in seg.get("errors", []):
        yield X12Issue(file_name, position, seg_id, "error", f"{seg_id}: {_message(seg_id, err)}")
    for element in seg.get("elements", []):
        for err in element.get("errors", []):
            where = f"{seg_id}{element['ele_pos']:02d}"
            yield X12Issue(file_name, position, seg_id, "error", f"{where}: {_message(seg_id, err)}")


def _issues_from_report(file_name: str, report: dict[str, Any]) -> list[X12Issue]:
    issues: list[X12Issue] = []
    for isa in report.get("interchanges", []):
        for err in isa.get("errors", []):
            issues.append(X12Issue(file_name, isa.get("cur_line"), "ISA", "warning", err["err_str"]))
        for gs in isa.get("groups", []):
            for err in gs.get("errors", []):
                issues.append(X12Issue(file_name, gs.get("cur_line"), "GS", "warning", err["err_str"]))
            for st in gs.get("transactions", []):
                for err in st.get("errors", []):
                    issues.append(X12Issue(file_name, st.get("cur_line"), "ST", "warning", err["err_str"]))
                for seg in st.get("segments", []):
                    issues.extend(_element_issues(file_name, seg))
    return issues


def _not_validated(file_name: str, why: str) -> list[X12Issue]:
    return [X12Issue(file_name, None, None, "warning", f"pyx12 did not validate the file: {why}")]


def validate_with_pyx12(source: Path | bytes, file_name: str | None = None) -> list[X12Issue]:
    """What pyx12 finds in a file (a path, or its bytes and name); an empty list means it is valid.

    ``segment_position`` is pyx12's ``cur_line``: the 1-based segment ordinal in the file, the same
    numbering as the readers. Never raises for the file's content.
    """
    import pyx12.errors
    import pyx12.params
    import pyx12.x12n_document

    if isinstance(source, bytes):
        data, name = source, file_name or "file"
    else:
        data, name = Path(source).read_bytes(), file_name or Path(source).name
    text = decode(data).lstrip()
    if not text.startswith("ISA"):
        return _not_validated(name, "pyx12 reads only files with an ISA envelope")
    report = io.StringIO()
    try:
        with _pyx12_logging_silenced():
            valid = pyx12.x12n_document.x12n_document(
                pyx12.params.params(), io.StringIO(text), fd_997=None, fd_html=None, fd_xmldoc=None, fd_json=report
            )
    except pyx12.errors.EngineError as exc:  # e.g. "Map not found. icvn=00501, fic=HB, vriic=005010X279A1"
        return _not_validated(name, f"{exc}".strip())
    except pyx12.errors.X12Error as exc:
        return _not_validated(name, f"pyx12 stopped reading it: {exc}".strip())
    except Exception as exc:  # noqa: BLE001 - pyx12 fails in other ways on files it does not expect; ingest goes on
        return _not_validated(name, f"pyx12 failed with {type(exc).__name__}")
    try:
        issues = _issues_from_report(name, json.loads(report.getvalue())) if report.getvalue() else []
    except (ValueError, KeyError, TypeError):
        return _not_validated(name, "pyx12's report could not be read")
    if not valid and not issues:
        return _not_validated(name, "pyx12 could not read it as an X12 interchange")
    return issues
