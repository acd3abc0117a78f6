"""Visit notes: what the therapist documented for each billed code of a visit, and when it was signed.

One row per visit and CPT code the note documents. The nightly note audit compares them with the
visit's charge lines (minutes and units under the payer's unit method, codes billed but not
documented) and with the signing window. Free note text never leaves the EHR: only minutes, counts and
timestamps are exported.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._types import Contract, Id, Maybe, UtcDatetime


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
