"""Every table a page shows goes through `table`: the frame as a person reads it (`text.people_frame`), with
money in dollars and times in each row's location zone."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.ui.text import people_frame


def location_zones(user) -> dict[str, str]:
    """location_id -> IANA time zone, for the user's locations that carry one (others use the group's zone)."""
    try:
        locations = data.locations(user)
    except data.NoSnapshot:  # the board works from the ledger before anything is published
        return {}
    if "time_zone" not in locations:
        return {}
    return {
        loc: zone
        for loc, zone in zip(locations["location_id"], locations["time_zone"], strict=False)
        if isinstance(zone, str)
    }


def table(
    user,
    frame: pd.DataFrame,
    *,
    key: str,
    columns: list[str] | None = None,
    labels: dict[str, str] | None = None,
    height: int | None = None,
) -> pd.DataFrame:
    """Show `frame` (its `columns`, in order) in plain words; returns what was shown."""
    shown, config = people_frame(frame, columns=columns, labels=labels, zones=location_zones(user))
    column_config = {
        label: st.column_config.NumberColumn(label, format="dollar")
        for label, kind in config.items()
        if kind["type"] == "money"
    }
    kwargs = {"height": height} if height else {}
    st.dataframe(shown, hide_index=True, column_config=column_config, key=key, **kwargs)
    return shown
