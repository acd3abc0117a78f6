"""How values read on a page: money, rates, and data-derived text made inert for Markdown-rendering elements."""

from __future__ import annotations

import pandas as pd

from core.money import format_money
from dashboards.markdown_text import plain

__all__ = ["format_money", "money_delta", "percent", "plain"]


def percent(value) -> str:
    """'12.5%' for a rate between 0 and 1; 'n/a' when it was not measured."""
    return "n/a" if value is None or pd.isna(value) else f"{float(value) * 100:.1f}%"


def money_delta(now, before) -> str | None:
    """'+$12.00 vs last month' (or '-$...'), None when either side was not measured."""
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    change = float(now) - float(before)
    return f"{'-' if change < 0 else '+'}{format_money(abs(change))} vs last month"
