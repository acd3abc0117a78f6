"""Every file a person can download from the app goes through `audited_download`.

It renders `st.download_button` and, when the person downloads, appends an `export` event to the audit
trail: who, what, the file name, the row count and the location ids. Never the file's content.

Streamlit 1.67: a callable `on_click` runs on the server when the button is clicked (the browser
downloads the file and the app reruns with the callback run first), so the event is written per
download, not per render.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboards import data as dashboard_data

EXPORT_EVENT = "export"


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


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text (no index), the one spelling of a CSV export in the app."""
    return frame.to_csv(index=False)


def _record_export(*, user, what: str, file_name: str, location_ids: list[str], row_count: int) -> None:
    # One location -> the event carries it, so a location-scoped audit reader sees it; several -> the list.
    dashboard_data.record_view(
        user,
        event_type=EXPORT_EVENT,
        location_id=location_ids[0] if len(location_ids) == 1 else None,
        detail={"what": what, "file_name": file_name, "row_count": row_count, "location_ids": location_ids},
    )
