"""Leak figures for the overview and the printable leak assessment of one location.

Pure pandas over the frames `leak_monthly` / `kpis_monthly` return (already location-scoped), so the
overview, the assessment and the tests share one calculation.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.vocabulary import leak_areas
from dashboards.data.goals import KPIS


def area_by_month(monthly: pd.DataFrame) -> pd.DataFrame:
    """One row per leak area and month, summed over the frame's locations (null when no location measured it)."""
    frame = monthly.assign(leaked_amount=monthly["leaked_amount"].astype(float))
    grouped = (
        frame.groupby(["leak_area", "month_start", "months_back"])[["leaked_amount", "event_count"]]
        .sum(min_count=1)
        .reset_index()
    )
    grouped["leak_area_label"] = grouped["leak_area"].map(leak_areas())
    return grouped.sort_values(["month_start", "leak_area"]).reset_index(drop=True)


def rank_areas(monthly: pd.DataFrame) -> pd.DataFrame:
    """Leak areas ranked by what closing them is worth a year: the measured twelve-month total, scaled to
    twelve months when an area was measured for fewer (schedule gaps: the scheduling lookback window)."""
    by_month = area_by_month(monthly)
    per_area = by_month.groupby("leak_area")["leaked_amount"]
    totals, measured = per_area.sum(min_count=1), per_area.count()
    at = {back: by_month[by_month["months_back"] == back].set_index("leak_area")["leaked_amount"] for back in (0, 1)}
    labels = leak_areas()
    areas = pd.Index(list(labels), name="leak_area")
    measured_months = measured.reindex(areas, fill_value=0).astype(int)
    twelve_month_total = totals.reindex(areas)
    ranked = pd.DataFrame(
        {
            "leak_area": areas,
            "leak_area_label": list(labels.values()),
            "measured_months": measured_months.to_numpy(),
            "twelve_month_total": twelve_month_total.to_numpy(),
            "annualized": (twelve_month_total * 12 / measured_months.where(measured_months > 0)).to_numpy(),
            "this_month": at[0].reindex(areas).to_numpy(),
            "last_month": at[1].reindex(areas).to_numpy(),
        }
    )
    ranked = ranked.sort_values("annualized", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    # None (not NaN) for "not measured", so templates and callers test one thing.
    ranked = ranked.astype(object).where(ranked.notna(), None)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked


def kpi_summary(
    kpis: pd.DataFrame, goals: Mapping[tuple[str, str], float] | None = None, location_id: str | None = None
) -> pd.DataFrame:
    """One row per KPI over the frame's locations: this month, prior month and twelve months (sums of
    numerators over sums of denominators, null when nothing was counted), with benchmark and goal.
    The goal is the location's (when `location_id` is given and one is set), else the benchmark."""
    rows = []
    for kpi, group in kpis.groupby("kpi", sort=False):
        first = group.iloc[0]

        def rate(frame: pd.DataFrame):
            denominator = float(frame["denominator"].sum())
            return float(frame["numerator"].sum()) / denominator if denominator > 0 else None

        benchmark = None if pd.isna(first["benchmark_value"]) else float(first["benchmark_value"])
        goal = (goals or {}).get((location_id, kpi)) if location_id else None
        rows.append(
            {
                "kpi": kpi,
                "kpi_label": first["kpi_label"],
                "this_month": rate(group[group["months_back"] == 0]),
                "prior_month": rate(group[group["months_back"] == 1]),
                "twelve_months": rate(group),
                "benchmark": benchmark,
                "goal": goal if goal is not None else benchmark,
                "goal_is_set": goal is not None,
                "higher_is_better": bool(first["higher_is_better"]),
                "benchmark_population": first["benchmark_population"],
                "benchmark_source": first["benchmark_source"],
                "benchmark_verification": first["benchmark_verification"],
            }
        )
    summary = pd.DataFrame(rows)
    if summary.empty:
        return summary
    # The order of KPIS (claims first, attendance last), unknown KPIs after.
    order = {kpi: i for i, kpi in enumerate(KPIS)}
    summary = summary.sort_values("kpi", key=lambda s: s.map(lambda k: order.get(k, len(order)))).reset_index(drop=True)
    summary["meets_goal"] = [
        None if value is None or goal is None else (value >= goal if higher else value <= goal)
        for value, goal, higher in zip(
            summary["twelve_months"], summary["goal"], summary["higher_is_better"], strict=False
        )
    ]
    return summary
