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
        "state_license", "nbcot_certification", "cpr_bls", "hipaa_training", "caqh_attestation",
        "liability_insurance", "dea",
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
