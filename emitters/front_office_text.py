"""Shared wording and the minimum-necessary guard of the front-office emitters.

A text to a family names only the missing item and the clinic: never the child's name, date of birth,
member id, a diagnosis or procedure code, or any clinical detail. `assert_family_safe` enforces it on every
family draft before it becomes a DraftAction (tests/emitters/test_front_office_emitters.py proves it).
"""

from __future__ import annotations

import re
from datetime import date

# records_request, referral_fax and poc_signature_request load their templates as `templates()`:
# the one plain-text environment.
from core.templating import text_environment as templates  # noqa: F401

from .values import as_date, fmt_date  # noqa: F401  (re-exported to this area's emitters)
from .values import jsonable as json_value

# Packet items as a family or a physician's office would call them.
ITEM_LABELS: dict[str, str] = {
    "physician_order": "the physician's referral/order for an occupational therapy evaluation",
    "insurance_card": "a photo of the front and back of the insurance card",
    "developmental_history": "the developmental history form",
    "sensory_questionnaire": "the parent questionnaire form",
    "prior_therapy_records": "records from prior therapy",
    "school_iep": "the current school IEP",
    "release_of_information": "the signed release of information form",
}

ICD10_PATTERN = re.compile(r"\b[A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?\b")
CPT_PATTERN = re.compile(r"\b9[0-9]{4}\b")
CLINICAL_WORDS = (
    "diagnos",
    "autism",
    "adhd",
    "delay",
    "disorder",
    "icd",
    "cpt",
    "goal",
    "plan of care",
    "sensory",
    "evaluation result",
    "member id",
    "member number",
    "medicaid id",
    "authorization",
    "treatment plan",
)


class FamilyTextViolation(ValueError):
    """A family-facing text carries something it must not."""


def assert_family_safe(text: str, identifiers: list[str]) -> str:
    lowered = text.lower()
    for term in identifiers:
        if term and str(term).strip() and str(term).strip().lower() in lowered:
            raise FamilyTextViolation("a family text contains a patient identifier")
    if ICD10_PATTERN.search(text) or CPT_PATTERN.search(text):
        raise FamilyTextViolation("a family text contains a diagnosis- or procedure-code-like token")
    for word in CLINICAL_WORDS:
        if re.search(r"\b" + re.escape(word), lowered):
            raise FamilyTextViolation(f"a family text contains clinical wording ({word!r})")
    return text


def identifiers(row: dict) -> list[str]:
    keys = (
        "first_name",
        "last_name",
        "patient_first_name",
        "patient_last_name",
        "member_id",
        "date_of_birth",
        "patient_date_of_birth",
        "diagnosis_codes",
    )
    found: list[str] = []
    for key in keys:
        value = row.get(key)
        if value:
            found.extend(p for p in str(value).split("|") if p)
            if isinstance(value, date):
                found.append(fmt_date(value))
    return found


def jsonable(row: dict, columns: tuple[str, ...]) -> dict:
    """The named columns of a flag row, JSON-safe, for the evidence."""
    return {column: json_value(row.get(column)) for column in columns}
