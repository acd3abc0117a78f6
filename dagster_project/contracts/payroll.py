"""The payroll extract: timesheet lines, under data/inbox/payroll/."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from ._types import Contract, Id, date


class Timesheet(Contract):
    __source__ = "payroll"
    __entity__ = "timesheets"
    __primary_key__ = ("timesheet_id",)
    __doc_purpose__ = "Hours a provider was paid for on one day."

    timesheet_id: Id
    provider_id: Id
    location_id: Id
    work_date: date
    pay_period_start: date
    pay_period_end: date
    hours: Decimal = Field(ge=0, le=24, max_digits=5, decimal_places=2)
    hours_type: Literal["clinical", "admin", "pto"]
