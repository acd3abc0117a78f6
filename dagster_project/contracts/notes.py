"""Visit notes: what the therapist documented for each billed code of a visit, and when it was signed.

One row per visit and CPT code the note documents. The nightly note audit compares them with the
visit's charge lines (minutes and units under the payer's unit method, codes billed but not
documented) and with the signing window. Free note text never leaves the EHR: only minutes, counts and
timestamps are exported. The block of time documented for a code (local start and end) or a separate-session
marker is what allows a distinct-service modifier (59/XU/...) on a code an NCCI edit bundles.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ._types import Contract, Id, Maybe, UtcDatetime
from .scheduling import HHMM


class VisitNote(Contract):
    __source__ = "ehr"
    __entity__ = "visit_notes"
    __primary_key__ = ("visit_id", "cpt_code")
    __doc_purpose__ = (
        "The note of a visit, per CPT code documented: direct minutes, plan-of-care goals addressed, "
        "and the note's signature state (repeated on each row of the visit)."
    )

    visit_id: Id
    cpt_code: str = Field(pattern=r"^\d{4}[0-9A-Z]$")
    documented_minutes: int = Field(ge=0, le=480, description="Direct one-on-one minutes documented for this code")
    goals_addressed: int = Field(ge=0, le=20, description="Plan-of-care goals the note says this visit addressed")
    note_status: Literal["draft", "signed", "addended"]
    signed_at: Maybe(UtcDatetime) = None
    signed_by_provider_id: Maybe(Id) = None
    time_block_start: Maybe(Annotated[str, Field(pattern=HHMM)]) = Field(
        None, description="Local wall-clock start of the direct time documented for this code, HH:MM (24 h)"
    )
    time_block_end: Maybe(Annotated[str, Field(pattern=HHMM)]) = Field(
        None, description="Local wall-clock end of that time, HH:MM (24 h), after time_block_start"
    )
    separate_session: Maybe(bool) = Field(
        None, description="The note documents this code in a session separate from the visit's other codes"
    )

    @model_validator(mode="after")
    def _time_block_is_ordered(self):
        if (self.time_block_start is None) != (self.time_block_end is None):
            raise ValueError("time_block_start and time_block_end come together")
        if self.time_block_start is not None and self.time_block_end <= self.time_block_start:
            raise ValueError("time_block_end is not after time_block_start")
        return self
