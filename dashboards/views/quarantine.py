"""What ingest quarantined and why, and every file the pipeline received."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui

user = ui.require_user()
st.title("Quarantined input")
st.caption("Bad files and rows never stop the pipeline: they wait here with a plain-language reason.")

try:
    snapshot = data.current_snapshot()
    quarantined = data.quarantine(user)
    files = data.file_ledger(user)
except data.NoSnapshot as exc:
    st.info(str(exc))
    st.stop()
except data.NotAllowed as exc:
    st.info(str(exc))
    st.stop()

st.caption(f"Data as of {ui.format_date(snapshot.as_of_date)} · published {ui.format_datetime(snapshot.published_at)}")

files_col, rows_col, quarantined_col = st.columns(3)
files_col.metric("Files received", len(files))
rows_col.metric("Rows loaded", int(files["rows_loaded"].fillna(0).sum()) if not files.empty else 0)
quarantined_col.metric("Rows or files quarantined", len(quarantined))

sources = sorted(quarantined["source"].dropna().unique()) if not quarantined.empty else []
chosen_sources = st.multiselect("Source", sources, key="quarantine_filter_sources")
file_search = st.text_input("File name contains", key="quarantine_filter_file")

shown = quarantined
if chosen_sources:
    shown = shown[shown["source"].isin(chosen_sources)]
if file_search.strip():
    shown = shown[shown["file_name"].str.contains(file_search.strip(), case=False, regex=False)]

st.subheader("Quarantined")
if shown.empty:
    st.success("Nothing quarantined matches." if len(quarantined) else "Nothing has been quarantined.")
else:
    ui.table(
        user,
        shown.assign(reason=shown["reason"].map(ui.readable_reason)),  # the CSV keeps the file's own headers
        key="quarantine_table",
        columns=["quarantined_at", "source", "file_name", "line_number", "reason"],
        labels={"reason": "Why it was quarantined"},
    )
    ui.csv_download(
        user,
        shown,
        what="quarantined input",
        file_name=f"quarantine_{snapshot.as_of_date}.csv",
        key="quarantine_export",
    )

st.subheader("Files received")
ui.table(user, files, key="quarantine_files")
