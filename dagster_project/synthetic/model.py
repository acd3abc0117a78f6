"""In-memory records the generator builds per location before writing them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .reference import AUTH_CPT_CODES, PayerRef


@dataclass(slots=True)
class Provider:
    provider_id: str
    npi: str
    first_name: str
    last_name: str
    credential_type: str  # OTR | COTA
    supervising_provider_id: str | None
    location_id: str
    hire_date: date


@dataclass(slots=True)
class Appt:
    day: date
    hour: int
    minute: int
    duration: int
    kind: str  # evaluation | re_evaluation | treatment
    provider: Provider
    status: str
    appointment_id: str = ""
    # Filled for arrived appointments once billed: [(cpt, modifiers, minutes, units)].
    lines: list[tuple[str, list[str], int, int]] | None = None
    visit_id: str = ""
    claim_id: str = ""


@dataclass(slots=True)
class Plan:
    plan_of_care_id: str
    evaluation_date: date
    start: date
    end: date
    weeks: int
    signed: date | None
    status: str
    # set when the plan is drawn: evaluated by the anchor with its signature dated after it (so sent, unsigned)
    awaiting_signature: bool = False


@dataclass(slots=True)
class Auth:
    authorization_id: str
    authorization_number: str
    start: date
    end: date
    unit_type: str
    approved: int
    status: str = "approved"
    requested_at: datetime | None = None
    cpt_codes: str = AUTH_CPT_CODES  # the services it covers, pipe-separated


@dataclass(slots=True)
class Kid:
    patient_id: str
    location_id: str
    first_name: str
    last_name: str
    dob: date
    sex: str
    guardian_name: str
    guardian_phone: str
    zip: str
    payer: PayerRef
    member_id: str
    coverage_id: str
    coverage_start: date
    secondary: PayerRef | None
    eval_code: str
    eval_date: date
    start: date
    discharge: date
    freq: int
    weekdays: tuple[int, ...]
    hour: int
    duration: int
    provider: Provider
    evaluator: Provider
    diagnosis_codes: str
    goals: str
    physician_npi: str
    auth_unit_type: str
    appts: list[Appt] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    auths: list[Auth] = field(default_factory=list)
    planted: str | None = None  # leak reason or near-miss kind designed on this child
    secondary_member_id: str | None = None  # set with a planted secondary coverage (else drawn when written)
