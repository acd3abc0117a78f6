"""The printable leak assessment of one location: HTML from the project's one HTML Jinja2 environment
(autoescape on: location names come from an extract), with print CSS so a director prints it from the browser."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.templating import render_html
from dashboards import data
from dashboards.ui.text import percent


def render_assessment(
    *,
    location_id: str,
    location_name: str,
    as_of_date: str,
    monthly: pd.DataFrame,
    kpis: pd.DataFrame,
    goals: Mapping[tuple[str, str], float],
) -> str:
    """The printable leak assessment of one location (HTML)."""
    ranked = data.rank_areas(monthly[monthly["location_id"] == location_id])
    kpi_rows = data.kpi_summary(kpis[kpis["location_id"] == location_id], goals, location_id)
    worth = ranked["annualized"].dropna()
    return render_html(
        "leak_assessment.html",
        location_id=location_id,
        location_name=location_name,
        as_of_date=as_of_date,
        areas=ranked.to_dict("records"),
        annual_total=float(worth.sum()) if not worth.empty else None,
        kpis=kpi_rows.to_dict("records"),
        percent=percent,
    )
