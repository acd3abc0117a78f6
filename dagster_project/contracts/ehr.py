"""The EHR extract contract: one CSV per entity under data/inbox/ehr/.

Each vendor export (WebPT, Raintree, Fusion, ...) is mapped onto these columns once; everything
downstream reads only this shape.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from ._types import (
    Contract,
    CptList,
    Icd10List,
    Id,
    Maybe,
    ModifierList,
    Money,
    Npi,
    PlainText,
    UtcDatetime,
    WeekdayList,
    date,
    known_time_zone,
)

PayerType = Literal["medicaid_mco", "medicaid_ffs", "commercial", "tricare", "medicare", "medicare_advantage"]


class Location(Contract):
    __source__ = "ehr"
    __entity__ = "locations"
    __primary_key__ = ("location_id",)
    __doc_purpose__ = "Each clinic location of the group."

    location_id: Id
    location_name: str
    address_line: str
    city: str
    state: str = Field(pattern=r"^[A-Z]{2}$")
    zip: str = Field(pattern=r"^\d{5}(-\d{4})?$")
    facility_npi: Npi
    service_lines: str = Field(description="Pipe-separated service lines offered, e.g. ot_peds|feeding")
    time_zone: str = Field(
        description="IANA time zone of the location, e.g. America/Chicago (El Paso: "
        "America/Denver); every date and time a person reads is in it"
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_time_zone(value)


class Provider(Contract):
    __source__ = "ehr"
    __entity__ = "providers"
    __primary_key__ = ("provider_id",)
    __doc_purpose__ = "Treating therapists. COTAs name their supervising OTR."

    provider_id: Id
    npi: Npi
    first_name: str
    last_name: str
    credential_type: Literal["OTR", "COTA"]
    supervising_provider_id: Maybe(Id) = None
    primary_location_id: Id
    taxonomy_code: str = Field(pattern=r"^[0-9A-Z]{9}X$")
    hire_date: date
    termination_date: Maybe(date) = None
    # Optional: the monthly exclusion screening confirms a name match on the OIG list by date of birth.
    date_of_birth: Maybe(date) = None


class Patient(Contract):
    __source__ = "ehr"
    __entity__ = "patients"
    __primary_key__ = ("patient_id",)
    __doc_purpose__ = "Children in care (PHI). location_id is the home clinic."

    patient_id: Id
    location_id: Id
    first_name: str
    last_name: str
    date_of_birth: date
    sex: Literal["F", "M", "U"]
    guardian_name: str
    guardian_phone: str = Field(pattern=r"^\+?[0-9()\- ]{7,20}$")
    zip: str = Field(pattern=r"^\d{5}(-\d{4})?$")
    primary_care_physician_npi: Maybe(Npi) = None


class Coverage(Contract):
    __source__ = "ehr"
    __entity__ = "coverages"
    __primary_key__ = ("coverage_id",)
    __doc_purpose__ = "A patient's insurance, primary (1), secondary (2) or tertiary (3)."

    coverage_id: Id
    patient_id: Id
    payer_id: Id
    payer_name: str
    plan_name: str
    payer_type: PayerType
    member_id: str = Field(min_length=1, max_length=40)
    priority: int = Field(ge=1, le=3)
    is_medicaid: bool
    effective_date: date
    termination_date: Maybe(date) = None


class Referral(Contract):
    __source__ = "ehr"
    __entity__ = "referrals"
    __primary_key__ = ("referral_id",)
    __doc_purpose__ = "A request for an OT evaluation, from one of four channels."

    referral_id: Id
    patient_id: Maybe(Id) = None
    location_id: Maybe(Id) = None
    channel: Literal["physician_fax", "parent_phone", "online_form", "school_district"]
    received_at: UtcDatetime
    first_response_at: Maybe(UtcDatetime) = None
    referring_provider_npi: Maybe(Npi) = None
    referring_provider_name: Maybe(str) = None
    referring_provider_fax: Maybe(str) = Field(
        default=None, pattern=r"^\+?[0-9()\- ]{7,20}$", description="Where the order and records requests are faxed"
    )
    status: Literal["new", "contacted", "packet_pending", "evaluation_scheduled", "declined", "closed"]


class IntakeDocument(Contract):
    __source__ = "ehr"
    __entity__ = "intake_documents"
    __primary_key__ = ("document_id",)
    __doc_purpose__ = "One item of a referral's intake packet and whether it has arrived."

    document_id: Id
    referral_id: Id
    document_type: Literal[
        "physician_order",
        "insurance_card",
        "developmental_history",
        "sensory_questionnaire",
        "prior_therapy_records",
        "school_iep",
        "release_of_information",
    ]
    status: Literal["received", "requested", "missing", "not_applicable"]
    requested_date: Maybe(date) = None
    received_date: Maybe(date) = None


AppointmentStatus = Literal["scheduled", "arrived", "cancelled", "late_cancelled", "no_show"]


class Appointment(Contract):
    __source__ = "ehr"
    __entity__ = "appointments"
    __primary_key__ = ("appointment_id",)
    __doc_purpose__ = "Every booked slot, past and future, with its outcome."

    appointment_id: Id
    patient_id: Id
    provider_id: Id
    location_id: Id
    appointment_type: Literal["evaluation", "re_evaluation", "treatment"]
    scheduled_start_at: UtcDatetime
    duration_minutes: int = Field(gt=0, le=240)
    status: AppointmentStatus
    booked_at: UtcDatetime
    cancelled_at: Maybe(UtcDatetime) = None

    @model_validator(mode="after")
    def _cancel_time_matches_status(self):
        cancelled = self.status in ("cancelled", "late_cancelled")
        if cancelled and self.cancelled_at is None:
            raise ValueError(f"status {self.status} needs cancelled_at")
        if not cancelled and self.cancelled_at is not None:
            raise ValueError(f"cancelled_at is set but status is {self.status}")
        return self


class Visit(Contract):
    __source__ = "ehr"
    __entity__ = "visits"
    __primary_key__ = ("visit_id",)
    __doc_purpose__ = "A kept appointment that was documented and billed (the claim header)."

    visit_id: Id
    appointment_id: Id
    patient_id: Id
    provider_id: Id
    location_id: Id
    coverage_id: Id
    claim_id: Id = Field(description="Patient control number sent in 837P CLM01 and echoed in 835 CLP01")
    date_of_service: date
    place_of_service: str = Field(pattern=r"^\d{2}$")
    rendering_npi: Npi
    authorization_number: Maybe(str) = None
    diagnosis_codes: Icd10List
    note_signed_at: Maybe(UtcDatetime) = None
    patient_paid_amount: Maybe(Annotated[Money, Field(le=10000)]) = Field(
        None,
        description="What the family paid toward this visit (a copay or deposit collected at the front desk), which "
        "its patient statement subtracts; empty when nothing was collected",
    )


class ChargeLine(Contract):
    __source__ = "ehr"
    __entity__ = "charge_lines"
    __primary_key__ = ("visit_id", "line_number")
    __doc_purpose__ = (
        "One billed CPT line of a visit. The 837P line that bills it carries the line control number (REF*6R) "
        "`<visit_id>-<line_number>`: that is how a claim line finds its documented minutes, and a timed claim line "
        "whose control number matches no charge line is reported by the claim audit (minutes_not_linked)."
    )

    visit_id: Id
    line_number: int = Field(ge=1, le=50)
    cpt_code: str = Field(pattern=r"^\d{4}[0-9A-Z]$")
    modifiers: Maybe(ModifierList) = None
    minutes: int = Field(ge=0, le=480)
    units: int = Field(ge=0, le=99)
    charge_amount: Money = Field(le=10000, description="Billed amount of the line; above 10,000 is a keying error")
    assistant_minutes: Maybe(Annotated[int, Field(ge=0, le=480)]) = Field(
        None,
        description="Minutes of the line an occupational therapy assistant furnished independently (not "
        "concurrently with the OT), whoever is the rendering provider; empty when not recorded",
    )


class Authorization(Contract):
    __source__ = "ehr"
    __entity__ = "authorizations"
    __primary_key__ = ("authorization_id",)
    __doc_purpose__ = "A payer's prior authorization: visits or units approved inside a date window."

    authorization_id: Id
    authorization_number: str = Field(min_length=1, max_length=50)
    patient_id: Id
    coverage_id: Id
    payer_id: Id
    status: Literal["approved", "pending", "denied"]
    unit_type: Literal["visits", "units"]
    approved_quantity: int = Field(ge=0, le=999)
    start_date: date
    end_date: date
    cpt_codes: CptList
    diagnosis_codes: Icd10List
    requested_at: Maybe(UtcDatetime) = None

    @model_validator(mode="after")
    def _window_is_ordered(self):
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class PlanOfCare(Contract):
    __source__ = "ehr"
    __entity__ = "plans_of_care"
    __primary_key__ = ("plan_of_care_id",)
    __doc_purpose__ = "The certified plan of care that goals, frequency and signatures hang on."

    plan_of_care_id: Id
    patient_id: Id
    provider_id: Id
    evaluation_date: date
    start_date: date
    end_date: date
    frequency_per_week: int = Field(ge=1, le=7)
    duration_weeks: int = Field(ge=1, le=104)
    diagnosis_codes: Icd10List
    functional_goals: PlainText = Field(description="Pipe-separated measurable goals")
    physician_npi: Maybe(Npi) = None
    physician_name: Maybe(str) = None
    physician_fax: Maybe(str) = Field(
        default=None,
        pattern=r"^\+?[0-9()\- ]{7,20}$",
        description="Where the plan is faxed for the physician's signature",
    )
    physician_signed_date: Maybe(date) = None
    status: Literal["active", "discharged", "expired", "draft"]


class WaitlistEntry(Contract):
    __source__ = "ehr"
    __entity__ = "waitlist"
    __primary_key__ = ("waitlist_id",)
    __doc_purpose__ = "A child waiting for a slot, with the family's preferences."

    waitlist_id: Id
    patient_id: Id
    location_id: Id
    service_line: str
    payer_id: Id
    added_date: date
    preferred_days: Maybe(WeekdayList) = None
    preferred_time: Literal["morning", "afternoon", "evening", "any"]
    preferred_provider_id: Maybe(Id) = None
    status: Literal["waiting", "scheduled", "removed"]
