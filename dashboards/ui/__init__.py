"""How the dashboard shows things: the sign-in gate and page header, filters, money and rate formatting,
inert text for Markdown-rendering elements, and audited, formula-safe downloads.

Views import this package and `dashboards.data`, nothing else (tests/dashboards/test_dashboard_conventions.py).
"""

from __future__ import annotations

from dashboards.ui.assessment import render_assessment
from dashboards.ui.exports import audited_download, csv_download, csv_text
from dashboards.ui.page import (
    location_filter,
    location_names,
    payer_filter,
    payer_names,
    published_snapshot,
    require_user,
)
from dashboards.ui.text import format_money, money_delta, percent, plain

__all__ = [
    "audited_download", "csv_download", "csv_text", "format_money", "location_filter", "location_names",
    "money_delta", "payer_filter", "payer_names", "percent", "plain", "published_snapshot", "render_assessment",
    "require_user",
]
