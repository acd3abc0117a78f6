"""Implementation-guide validation with pyx12 (codes, required elements, loop structure).

This complements ``remit_835.parse_835``: pyx12 checks a file against the 835 maps it ships
(005010X221A1 and 004010X091A1) but stops at structural damage and does not return rows; the
hand-written reader is tolerant and returns our table shapes with Decimal money.

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


# Segments whose values can be names, addresses or member ids: pyx12 quotes the bad value in its
# message, so we withhold it there.
SEGMENTS_WITH_PHI = frozenset({"NM1", "N3", "N4", "DMG", "REF", "PER"})


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
            issues.append(X12Issue(file_name, isa.get("cur_line"), "ISA", "error", err["err_str"]))
        for gs in isa.get("groups", []):
            for err in gs.get("errors", []):
                issues.append(X12Issue(file_name, gs.get("cur_line"), "GS", "error", err["err_str"]))
            for st in gs.get("transactions", []):
                for err in st.get("errors", []):
                    issues.append(X12Issue(file_name, st.get("cur_line"), "ST", "error", err["err_str"]))
                for seg in st.get("segments", []):
                    issues.extend(_element_issues(file_name, seg))
    return issues


def validate_with_pyx12(path: Path) -> list[X12Issue]:
    """Every implementation-guide error pyx12 finds in ``path``; an empty list means it is valid.

    ``segment_position`` is pyx12's ``cur_line``: the 1-based segment ordinal in the file, the same
    numbering as ``parse_835``.
    """
    import pyx12.errors
    import pyx12.params
    import pyx12.x12n_document

    path = Path(path)
    report = io.StringIO()
    try:
        with _pyx12_logging_silenced():
            valid = pyx12.x12n_document.x12n_document(
                pyx12.params.params(), str(path), fd_997=None, fd_html=None, fd_xmldoc=None, fd_json=report
            )
    except (pyx12.errors.X12Error, pyx12.errors.EngineError) as exc:
        return [X12Issue(path.name, None, None, "error", f"pyx12 could not validate the file: {exc}")]
    issues = _issues_from_report(path.name, json.loads(report.getvalue())) if report.getvalue() else []
    if not valid and not issues:
        issues.append(X12Issue(path.name, None, None, "error",
                               "pyx12 rejected the file (it could not read it as an X12 interchange)"))
    return issues
