"""How the dashboard shows things: the sign-in gate and page header, filters, plain-words tables, money, rate,
date and time formatting, inert text for Markdown-rendering elements, and audited, formula-safe downloads.

Views import this package and `dashboards.data`, nothing else (tests/dashboards/test_dashboard_conventions.py).
"""

from __future__ import annotations

from dashboards.ui.assessment import render_assessment
from dashboards.ui.charts import bar_chart, line_chart
from dashboards.ui.exports import audited_download, csv_download, csv_text
from dashboards.ui.page import (
    location_filter,
    location_names,
    payer_filter,
    payer_names,
    published_snapshot,
    require_user,
)
from dashboards.ui.tables import location_zones, table
from dashboards.ui.text import (
    column_label,
    format_date,
    format_datetime,
    format_money,
    money_delta,
    payer_label,
    percent,
    plain,
    readable_reason,
    short_clinic_name,
    value_label,
)

__all__ = [
    "audited_download",
    "bar_chart",
    "line_chart",
    "column_label",
    "readable_reason",
    "csv_download",
    "csv_text",
    "format_date",
    "format_datetime",
    "format_money",
    "location_filter",
    "location_names",
    "location_zones",
    "money_delta",
    "payer_filter",
    "payer_label",
    "payer_names",
    "percent",
    "plain",
    "published_snapshot",
    "render_assessment",
    "require_user",
    "short_clinic_name",
    "table",
    "value_label",
]
