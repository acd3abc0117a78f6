"""The director's overview: locations, open items at risk now, monthly leak and KPI marts, drill-down rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from core import vocabulary
from dashboards.data.scope import any_of, scoped_query

MONTHLY_MISSING = "The published data has no monthly leak figures yet. Re-run the pipeline once to build them."


def leak_area_label(leak_area: str) -> str:
    """The person-facing name of a leak area (from the leak-areas seed)."""
    return vocabulary.leak_areas().get(leak_area, leak_area.replace("_", " "))


def locations(user) -> pd.DataFrame:
    """The user's locations: id, name, city, state, and `time_zone` when the published marts carry it."""
    return scoped_query(user, "select * from dim_locations where {scope} order by location_id")


def leak_summary(user) -> pd.DataFrame:
    """One row per location and leak area in scope, with flagged counts and dollars at risk."""
    return scoped_query(
        user,
        "select location_id, location_name, leak_area, flagged_count, active_count, dollars_at_risk, as_of_date "
        "from fct_location_leak_summary where {scope} order by location_id, leak_area",
    )


def leak_monthly(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Dollars leaked per location, leak area and month (twelve months to the as-of month), in scope."""
    return scoped_query(
        user,
        "select location_id, location_name, leak_area, month_start, months_back, is_as_of_month, is_measured, "
        "event_count, leaked_amount from fct_location_leak_monthly "
        "where {scope} order by location_id, leak_area, month_start",
        chosen_locations=location_ids, missing_message=MONTHLY_MISSING,
    )


def kpis_monthly(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """KPIs per location and month in scope, with numerator, denominator, benchmark and its source."""
    return scoped_query(
        user,
        "select location_id, location_name, month_start, months_back, kpi, kpi_label, numerator, denominator, "
        "kpi_value, benchmark_value, higher_is_better, benchmark_population, benchmark_denominator, "
        "benchmark_source, benchmark_verification from fct_location_kpis_monthly where {scope} "
        "order by location_id, kpi, month_start",
        chosen_locations=location_ids, missing_message=MONTHLY_MISSING,
    )


def leak_events(user, *, location_ids: Sequence[str] | None = None, leak_areas: Sequence[str] | None = None,
                month_start: date | None = None, limit: int = 5000) -> pd.DataFrame:
    """The rows behind a monthly leak figure (ids, dates, reason, dollars; no patient data), most money first."""
    unknown = set(leak_areas or ()) - set(vocabulary.leak_areas())
    if unknown:
        raise ValueError(f"unknown leak areas: {sorted(unknown)}")
    areas, area_params = any_of("leak_area", leak_areas, "leak_area")
    month_sql, month_params = ("month_start = $month_start", {"month_start": month_start}) if month_start \
        else ("true", {})
    return scoped_query(
        user,
        "select leak_area, location_id, payer_id, event_date, record_type, record_id, leak_reason, leaked_amount "
        f"from fct_leak_events where {{scope}} and {areas} and {month_sql} "
        "order by leaked_amount desc, event_date, record_id limit $row_limit",
        {**area_params, **month_params, "row_limit": int(limit)},
        chosen_locations=location_ids, missing_message=MONTHLY_MISSING,
    )


def leaked_to_day(user, month_start: date, through_day: int, *,
                  location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Dollars leaked per location in the first `through_day` days of the month starting `month_start` (the
    same days as the partial as-of month, so a partial month is never compared with a whole one)."""
    return scoped_query(
        user,
        "select location_id, sum(leaked_amount) as leaked_amount from fct_leak_events "
        "where {scope} and month_start = $month_start and extract(day from event_date) <= $through_day "
        "group by location_id order by location_id",
        {"month_start": month_start, "through_day": int(through_day)},
        chosen_locations=location_ids, missing_message=MONTHLY_MISSING,
    )
