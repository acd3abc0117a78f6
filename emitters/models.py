"""The shapes emitters produce and the ledger stores: a drafted action and its checklist items."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from typing import Literal

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


# Who a fax or text goes to, by the id the extracts know them by (packet_recipient_addresses).
RecipientKind = Literal["payer_fax", "referral_physician_fax", "plan_physician_fax", "guardian_mobile"]
FAX_KINDS = frozenset({"payer_fax", "referral_physician_fax", "plan_physician_fax"})
TEXT_KINDS = frozenset({"guardian_mobile"})


def address_fingerprint(address: str | None) -> str | None:
    """SHA-256 of a number's digits (a leading North American 1 dropped), so '(312) 555-0147' and
    '+1 312 555 0147' are the same number; None when there is no number."""
    digits = re.sub(r"\D", "", address or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return hashlib.sha256(digits.encode()).hexdigest() if digits else None


class RecipientRef(BaseModel):
    """Where the action goes, by reference: the number itself is read from the serving snapshot at send time.

    `address_sha256` fingerprints the number the draft was written against; the approval binds it (the ledger's
    approval digest covers the whole ref), so a number that changes after approval is refused, not used."""

    model_config = ConfigDict(frozen=True)

    kind: RecipientKind
    id: str = Field(min_length=1)
    address_sha256: str | None = None  # None: no number on file when drafted


def _whole_word(term: str) -> re.Pattern:
    """The term as a whole word, case-insensitive (no letter or digit directly before or after it)."""
    return re.compile(rf"(?<![^\W_]){re.escape(term.strip())}(?![^\W_])", re.IGNORECASE)


def _may_contain(text: str, term: str) -> bool:
    """False only when `term` cannot occur in `text` as `_whole_word` matches it, without compiling a pattern:
    every draft names its own patient, and a compiled pattern per name would fill re's cache tens of thousands of
    times over in a large run. Exact for ASCII, where case-insensitive matching is matching in lower case;
    anything else goes to the pattern."""
    return not (text.isascii() and term.isascii()) or term.strip().lower() in text.lower()


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
    recipient_ref: RecipientRef | None = None  # fax and text actions: whose number the gateway looks up
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
            if _may_contain(title, public):
                title = _whole_word(public).sub(" ", title)
        for term in self.phi_terms:
            if term and term.strip() and _may_contain(title, term) and _whole_word(term).search(title):
                raise ValueError("title contains a patient identifier; titles must carry no PHI")
        return self
