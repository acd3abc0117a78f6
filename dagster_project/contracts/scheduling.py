"""Scheduling entities of the EHR extract, under data/inbox/ehr/: therapist schedule templates.

A template row is one recurring block of bookable time: a therapist at a location on a weekday, from
start_time to end_time in the clinic's local time zone, cut into slot_minutes slots. The waitlist and the
appointments themselves are in ehr.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ._types import Contract, Id, Maybe, date, known_time_zone

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class ScheduleTemplate(Contract):
    __source__ = "ehr"
    __entity__ = "schedule_templates"
    __primary_key__ = ("template_id",)
    __doc_purpose__ = "A therapist's recurring bookable hours at a location on one weekday (local clinic time)."

    template_id: Id
    provider_id: Id
    location_id: Id
    weekday: Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    start_time: str = Field(pattern=HHMM, description="Local wall-clock start, HH:MM (24 h)")
    end_time: str = Field(pattern=HHMM, description="Local wall-clock end, HH:MM (24 h), after start_time")
    slot_minutes: int = Field(ge=15, le=240, description="Length of one bookable slot")
    service_line: str = Field(min_length=1, max_length=40, description="e.g. ot_peds or feeding")
    timezone: str = Field(description="IANA time zone of the clinic, e.g. America/Chicago")
    effective_date: date
    end_date: Maybe(date) = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_time_zone(value)

    @model_validator(mode="after")
    def _times_are_ordered(self):
        if self.end_time <= self.start_time:
            raise ValueError("end_time is not after start_time")
        if self.end_date is not None and self.end_date < self.effective_date:
            raise ValueError("end_date is before effective_date")
        return self
