"""The shapes emitters produce and the ledger stores: a drafted action and its checklist items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.vocabulary import Role


class ChecklistItem(BaseModel):
    """One document or fact a packet needs, and whether the data shows it is there."""

    model_config = ConfigDict(frozen=True)

    item: str
    detail: str = ""
    present: bool


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

    @model_validator(mode="after")
    def _title_carries_no_phi(self):
        lowered = self.title.lower()
        for term in self.phi_terms:
            if term and term.lower() in lowered:
                raise ValueError("title contains a patient identifier; titles must carry no PHI")
        return self


def __getattr__(name: str):
    # emitters.roles still imports User from here; it lives in ledger.accounts. Resolved on first use, not at
    # import, because the ledger imports emitters.roles back.
    if name == "User":
        from ledger.accounts import User

        return User
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
