"""Charts with a title and axis titles, always (Altair; Streamlit's quick charts name neither)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

_FORMATS = {"$": "$,.0f", "%": ".0%", None: ",.0f"}


def _chart(
    frame: pd.DataFrame,
    mark,
    *,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    y_format: str | None,
    x_type: str,
    sort=None,
    key: str,
) -> None:
    chart = getattr(alt.Chart(frame, title=title), mark)().encode(
        x=alt.X(f"{x}:{x_type}", title=x_title, sort=sort, axis=alt.Axis(labelLimit=0, labelAngle=0)),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=_FORMATS[y_format])),
        tooltip=[
            alt.Tooltip(f"{x}:{x_type}", title=x_title),
            alt.Tooltip(f"{y}:Q", title=y_title, format=_FORMATS[y_format].replace(".0f", ".2f")),
        ],
    )
    st.altair_chart(chart, key=key)


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    y_format: str | None = None,
    sort=None,
    key: str,
) -> None:
    _chart(
        frame,
        "mark_bar",
        x=x,
        y=y,
        title=title,
        x_title=x_title,
        y_title=y_title,
        y_format=y_format,
        x_type="N",
        sort=sort,
        key=key,
    )


def line_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    y_format: str | None = None,
    key: str,
) -> None:
    _chart(
        frame,
        "mark_line",
        x=x,
        y=y,
        title=title,
        x_title=x_title,
        y_title=y_title,
        y_format=y_format,
        x_type="T",
        key=key,
    )
