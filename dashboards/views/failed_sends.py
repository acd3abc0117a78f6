"""Failed sends, shown at the top of the approval board: what failed, on which channel, why, and a retry.

A component, not a page: the board calls `render_failed_sends(user)`. Nothing is shown when nothing failed.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

COLUMNS = ["title", "location_id", "channel", "http_status", "error", "tries", "finished_at", "action_id"]


def render_failed_sends(user) -> None:
    flash = st.session_state.pop("failed_sends_flash", None)
    if flash:
        st.success(flash)
    failed = data.failed_sends(user)
    if not failed:
        return
    with st.expander(f"Failed sends: {len(failed)} approved action(s) did not reach the receiver", expanded=True):
        st.caption(
            "Each send was retried automatically before it was listed here. Retry puts the action back in "
            "the dispatcher's queue; it goes out on the next dispatch with the same idempotency key."
        )
        ui.table(
            user,
            pd.DataFrame(failed),
            columns=COLUMNS,
            key="failed_sends_table",
            labels={"finished_at": "Last try", "tries": "Tries"},
        )
        for row in failed:
            label_col, button_col = st.columns([4, 1])
            label_col.text(f"{row['title']} · {row['channel']} · {row['error']}")
            blocked = None if row["can_retry"] else "Only a role that may approve this action here can retry it."
            if button_col.button(
                "Retry", key=f"failed_send_retry_{row['action_id']}", disabled=bool(blocked), help=blocked
            ):
                _retry(user, row)


def _retry(user, row: dict) -> None:
    try:
        data.retry_send(user, row["action_id"])
    except data.DecisionRefused as exc:
        st.error(f"Retry failed: {ui.plain(exc)}")
        return
    st.session_state["failed_sends_flash"] = f"Queued for the next dispatch: {ui.plain(row['title'])}"
    st.rerun()
