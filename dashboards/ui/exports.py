"""Every file a person can download from the app goes through `audited_download`; every CSV is built by
`csv_text`, which neutralises spreadsheet formulas.

`audited_download` renders `st.download_button` and, when the person downloads, appends an `export` event to
the audit trail: who, what, the file name, the row count and the location ids. Never the file's content.
Streamlit 1.67: a callable `on_click` runs on the server when the button is clicked (the browser downloads the
file and the app reruns with the callback run first), so the event is written per download, not per render.
Streamlit's own table toolbar download (which nobody would audit) is switched off in
`dashboards/.streamlit/config.toml` (`client.disableDataExport`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboards import data

EXPORT_EVENT = "export"
# OWASP CSV injection: a cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def audited_download(
    user,
    *,
    label: str,
    data: str | bytes,
    file_name: str,
    mime: str,
    what: str,
    location_ids: Sequence[str],
    row_count: int,
    key: str | None = None,
) -> None:
    """A download button whose every click is an audited `export` event (HIPAA audit controls)."""
    st.download_button(
        label,
        data=data,
        file_name=file_name,
        mime=mime,
        key=key,
        on_click=_record_export,
        kwargs={
            "user": user,
            "what": what,
            "file_name": file_name,
            "location_ids": sorted({str(location) for location in location_ids}),
            "row_count": int(row_count),
        },
    )


def csv_download(
    user, frame: pd.DataFrame, *, what: str, file_name: str, key: str, label: str = "Download as CSV"
) -> None:
    """The frame as an audited, formula-safe CSV download; its locations are read from `location_id`."""
    locations = frame["location_id"].dropna().unique() if "location_id" in frame else []
    audited_download(
        user,
        label=label,
        data=csv_text(frame),
        file_name=file_name,
        mime="text/csv",
        what=what,
        location_ids=list(locations),
        row_count=len(frame),
        key=key,
    )


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text (no index), the one spelling of a CSV export in the app.

    Text cells (and headers) starting with = + - @ tab or carriage return get a leading single quote, so a
    spreadsheet shows them instead of running them; numbers stay numbers (a negative amount is not touched).
    """
    safe = frame.rename(columns=lambda column: _inert(column) if isinstance(column, str) else column)
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_datetime64_any_dtype(safe[column])):
            safe[column] = safe[column].map(_inert, na_action="ignore")
    # CRLF rows (RFC 4180): a cell holding a line break of either kind is then quoted, never split.
    return safe.to_csv(index=False, lineterminator="\r\n")


def _inert(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _record_export(*, user, what: str, file_name: str, location_ids: list[str], row_count: int) -> None:
    # One location -> the event carries it, so a location-scoped audit reader sees it; several -> the list.
    data.record_view(
        user,
        event_type=EXPORT_EVENT,
        location_id=location_ids[0] if len(location_ids) == 1 else None,
        detail={"what": what, "file_name": file_name, "row_count": row_count, "location_ids": location_ids},
    )
