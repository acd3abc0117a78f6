"""The payroll extract: timesheet lines, under data/inbox/payroll/."""

from __future__ import annotations

from typing import Literal

from ._types import Contract, Hours, Id, date


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
    hours: Hours
    hours_type: Literal["clinical", "admin", "pto"]
