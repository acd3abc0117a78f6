"""The credentialing extract (CAQH / credentialing software export), under data/inbox/credentialing/."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ._types import Contract, Id, Maybe, date


class Credential(Contract):
    __source__ = "credentialing"
    __entity__ = "credentials"
    __primary_key__ = ("credential_id",)
    __doc_purpose__ = "One credential a provider holds, with its expiry."

    credential_id: Id
    provider_id: Id
    credential_type: Literal[
        "state_license",
        "nbcot_certification",
        "cpr_bls",
        "hipaa_training",
        "caqh_attestation",
        "liability_insurance",
        "dea",
    ]
    identifier: Maybe(str) = Field(default=None, max_length=60)
    issuing_state: Maybe(str) = Field(default=None, pattern=r"^[A-Z]{2}$")
    issued_date: date
    expiration_date: date
    status: Literal["active", "expired", "pending", "revoked"]

    @model_validator(mode="after")
    def _expires_after_issue(self):
        if self.expiration_date < self.issued_date:
            raise ValueError("expiration_date is before issued_date")
        return self


class PayerEnrollment(Contract):
    __source__ = "credentialing"
    __entity__ = "payer_enrollments"
    __primary_key__ = ("enrollment_id",)
    __doc_purpose__ = "A provider's enrollment with a payer at a location."

    enrollment_id: Id
    provider_id: Id
    payer_id: Id
    location_id: Id
    status: Literal["enrolled", "pending", "terminated", "denied"]
    effective_date: Maybe(date) = None
    termination_date: Maybe(date) = None


_YYYYMMDD = r"^\d{8}$"


class OigExclusion(Contract):
    """One row of the OIG List of Excluded Individuals/Entities (LEIE), as downloaded.

    The file is the OIG's "LEIE Downloadable Database" CSV (https://oig.hhs.gov/exclusions/exclusions_list.asp),
    kept with its own upper-case header; save it into the credentialing inbox as ``oig_leie.csv`` (or
    ``oig_leie_<date>.csv``). Each delivery is the whole list: staging keeps the latest file only, so a person
    the OIG has reinstated drops out. Dates are YYYYMMDD; ``00000000`` means none, as the OIG writes it.
    """

    __source__ = "credentialing"
    __entity__ = "oig_leie"
    __primary_key__ = ("LASTNAME", "FIRSTNAME", "MIDNAME", "BUSNAME", "DOB", "NPI", "EXCLTYPE", "EXCLDATE")
    __doc_purpose__ = "The OIG exclusion list (LEIE) as downloaded, screened monthly against every provider."

    LASTNAME: Maybe(str) = Field(default=None, max_length=100)
    FIRSTNAME: Maybe(str) = Field(default=None, max_length=100)
    MIDNAME: Maybe(str) = Field(default=None, max_length=100)
    BUSNAME: Maybe(str) = Field(default=None, max_length=200)
    GENERAL: Maybe(str) = Field(default=None, max_length=100)
    SPECIALTY: Maybe(str) = Field(default=None, max_length=100)
    UPIN: Maybe(str) = Field(default=None, max_length=20)
    NPI: Maybe(str) = Field(default=None, pattern=r"^\d{10}$", description="0000000000 when the OIG has none")
    DOB: Maybe(str) = Field(default=None, pattern=_YYYYMMDD, description="Date of birth, YYYYMMDD")
    ADDRESS: Maybe(str) = Field(default=None, max_length=200)
    CITY: Maybe(str) = Field(default=None, max_length=100)
    STATE: Maybe(str) = Field(default=None, max_length=2)
    ZIP: Maybe(str) = Field(default=None, max_length=10)
    EXCLTYPE: str = Field(min_length=1, max_length=20, description="Exclusion authority, e.g. 1128a1")
    EXCLDATE: str = Field(pattern=_YYYYMMDD, description="Exclusion date, YYYYMMDD")
    REINDATE: Maybe(str) = Field(default=None, pattern=_YYYYMMDD, description="Reinstatement date; 00000000 = none")
    WAIVERDATE: Maybe(str) = Field(default=None, pattern=_YYYYMMDD, description="Waiver date; 00000000 = none")
    WVRSTATE: Maybe(str) = Field(default=None, max_length=2)
