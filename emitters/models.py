"""The shapes emitters produce and the ledger stores: a drafted action and its checklist items."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.vocabulary import Role


class ChecklistItem(BaseModel):
    """One document or fact a packet needs, and whether the data shows it is there. A `required` item that is
    not present blocks approval until a person checks it (Ledger.check_item)."""

    model_config = ConfigDict(frozen=True)

    item: str
    detail: str = ""
    present: bool
    required: bool = False


def _whole_word(term: str) -> re.Pattern:
    """The term as a whole word, case-insensitive (no letter or digit directly before or after it)."""
    return re.compile(rf"(?<![^\W_]){re.escape(term.strip())}(?![^\W_])", re.IGNORECASE)


class DraftAction(BaseModel):
    """A drafted action for a person to edit, approve, reject or snooze (docs/interfaces.md section 4)."""

    model_config = ConfigDict(frozen=True)

    flag_id: str = Field(min_length=1)
    action_type: str = Field(min_length=1)
    location_id: str = Field(min_length=1)
    payer_id: str | None = None
    patient_id: str | None = None  # a reference only; never logged
    title: str = Field(min_length=1, max_length=200)  # shown in lists and logs: no PHI
    recipient: str = Field(min_length=1)
    body: str = Field(min_length=1)  # the drafted document, plain text
    checklist: list[ChecklistItem] = Field(default_factory=list)
    evidence: list[dict] = Field(default_factory=list)  # JSON-able rows behind the flag
    dollars_at_stake: Decimal = Decimal("0.00")
    due_date: date | None = None
    assigned_role: Role
    # Values that appear in the body but must never reach titles, logs or the audit trail
    # (patient name, date of birth, member id). The ledger masks them in the edit diffs it audits.
    phi_terms: list[str] = Field(default_factory=list)
    # Names in the title that are not about the patient (the location's, the payer's): a child named "Austin" does
    # not make the title "... (Austin clinic)" carry an identifier. Only the title check reads them.
    public_terms: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _title_carries_no_phi(self):
        # Whole identifiers only (a child named "Ed" does not trip on "Pediatric"), outside the public names.
        title = self.title
        for public in sorted((t for t in self.public_terms if t and t.strip()), key=len, reverse=True):
            title = _whole_word(public).sub(" ", title)
        for term in self.phi_terms:
            if term and term.strip() and _whole_word(term).search(title):
                raise ValueError("title contains a patient identifier; titles must carry no PHI")
        return self

