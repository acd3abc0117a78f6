"""CSV extract contracts: the one definition of every tabular file the product ingests.

A file belongs to an entity by its name: ``<entity>.csv`` or ``<entity>_<anything>.csv`` inside
``data/inbox/<source>/`` (for example ``data/inbox/ehr/appointments_2026-11-26.csv``).
"""

from __future__ import annotations

from ._types import Contract
from .credentialing import Credential, OigExclusion, PayerEnrollment, SamExclusion
from .ehr import (
    Appointment,
    Authorization,
    ChargeLine,
    Coverage,
    IntakeDocument,
    Location,
    Patient,
    PlanOfCare,
    Provider,
    Referral,
    Visit,
    WaitlistEntry,
)
from .eligibility import EligibilityCheck
from .notes import VisitNote
from .payer_contracts import FeeSchedule, Payer
from .payroll import Timesheet
from .scheduling import ScheduleTemplate

CONTRACTS: tuple[type[Contract], ...] = (
    Location,
    Provider,
    Patient,
    Coverage,
    Referral,
    IntakeDocument,
    Appointment,
    Visit,
    ChargeLine,
    Authorization,
    PlanOfCare,
    WaitlistEntry,
    Credential,
    PayerEnrollment,
    OigExclusion,
    SamExclusion,
    Timesheet,
    Payer,
    FeeSchedule,
    ScheduleTemplate,
    EligibilityCheck,
    VisitNote,
)

SOURCES: tuple[str, ...] = tuple(dict.fromkeys(c.__source__ for c in CONTRACTS))


def contracts_for_source(source: str) -> tuple[type[Contract], ...]:
    return tuple(c for c in CONTRACTS if c.__source__ == source)


def contract_for_file(source: str, file_name: str) -> type[Contract] | None:
    """The contract a delivered file follows, by its name; None when no entity matches."""
    stem = file_name.rsplit(".", 1)[0].lower()
    # Longest entity first so "charge_lines_x" is not taken for a shorter entity name.
    for contract in sorted(contracts_for_source(source), key=lambda c: -len(c.__entity__)):
        entity = contract.__entity__
        if stem == entity or stem.startswith(entity + "_"):
            return contract
    return None


__all__ = [
    "EligibilityCheck",
    "VisitNote",
    "CONTRACTS",
    "SOURCES",
    "Contract",
    "contract_for_file",
    "contracts_for_source",
    "Location",
    "Provider",
    "Patient",
    "Coverage",
    "Referral",
    "IntakeDocument",
    "Appointment",
    "Visit",
    "ChargeLine",
    "Authorization",
    "PlanOfCare",
    "WaitlistEntry",
    "Credential",
    "PayerEnrollment",
    "OigExclusion",
    "SamExclusion",
    "Timesheet",
    "Payer",
    "FeeSchedule",
    "ScheduleTemplate",
]
