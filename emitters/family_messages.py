"""Minimum-necessary guard for anything the scheduling emitters send to families (texts, call scripts,
letters): no diagnosis, member id, child's name or clinical detail may appear. Every family-facing draft
passes through `assert_minimum_necessary` before it becomes a DraftAction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# ICD-10-CM shaped tokens (F82, R27.8, F84.0) and CPT-shaped five-digit procedure codes.
ICD10_PATTERN = re.compile(r"\b[A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?\b")
CPT_PATTERN = re.compile(r"\b9[0-9]{4}\b")
CLINICAL_WORDS = (
    "diagnos",
    "autism",
    "asd",
    "adhd",
    "delay",
    "disorder",
    "icd",
    "cpt",
    "goal",
    "plan of care",
    "treatment plan",
    "sensory",
    "motor",
    "evaluation result",
    "member id",
    "member number",
    "medicaid id",
    "authorization number",
)


class MinimumNecessaryViolation(ValueError):
    """A family-facing text carries something it must not."""


def assert_minimum_necessary(text: str, forbidden_terms: Iterable[str] = ()) -> str:
    """Return the text unchanged, or raise when it carries a diagnosis, code, clinical word or any of the
    given identifiers (member id, child's name, authorization number)."""
    lowered = text.lower()
    for term in forbidden_terms:
        if term and str(term).strip() and str(term).lower() in lowered:
            raise MinimumNecessaryViolation("a family message contains a patient identifier")
    if ICD10_PATTERN.search(text):
        raise MinimumNecessaryViolation("a family message contains a diagnosis-code-like token")
    if CPT_PATTERN.search(text):
        raise MinimumNecessaryViolation("a family message contains a procedure-code-like token")
    for word in CLINICAL_WORDS:
        if re.search(r"\b" + re.escape(word), lowered):
            raise MinimumNecessaryViolation(f"a family message contains clinical wording ({word!r})")
    return text


def forbidden_terms(row: dict) -> list[str]:
    """Identifiers from a flag row that must never reach a family message."""
    keys = (
        "member_id",
        "patient_first_name",
        "patient_last_name",
        "first_name",
        "last_name",
        "authorization_number",
        "diagnosis_codes",
        "patient_date_of_birth",
        "date_of_birth",
    )
    terms: list[str] = []
    for key in keys:
        value = row.get(key)
        if value:
            terms.extend(part for part in str(value).split("|") if part)
    return terms


def clock_time(minute_of_day: int) -> str:
    hour, minute = divmod(int(minute_of_day), 60)
    suffix = "AM" if hour < 12 else "PM"
    return f"{(hour - 1) % 12 + 1}:{minute:02d} {suffix}"
