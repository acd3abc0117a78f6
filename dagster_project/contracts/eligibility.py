"""Eligibility results for systems that export them as CSV instead of X12 271 files.

The same facts a 271 carries (docs/domain-reference.md sections 6 and 7), one row per check of one
patient's coverage, so the eligibility sweep reads both forms through one intermediate model
(``int_front_office__eligibility_checks``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._types import Contract, Id, Maybe, UtcDatetime


class EligibilityCheck(Contract):
    __source__ = "ehr"
    __entity__ = "eligibility_checks"
    __primary_key__ = ("eligibility_check_id",)
    __doc_purpose__ = (
        "One eligibility check (270/271 run through a portal or the EHR) exported as CSV: the coverage "
        "status the payer returned, the plan or managed-care organization it reported, another payer "
        "(coordination of benefits) and visits remaining."
    )

    eligibility_check_id: Id
    patient_id: Id
    payer_id: Id = Field(description="The payer asked (the coverage on file)")
    checked_at: UtcDatetime
    coverage_status: Literal["active", "inactive", "rejected"] = Field(
        description="271 EB01 1 = active, 6 = inactive; rejected = the payer answered with an AAA"
    )
    reported_plan_payer_id: Maybe(Id) = Field(
        default=None, description="The plan or MCO the payer reports the child is assigned to (2120C), by payer_id"
    )
    other_payer_name: Maybe(str) = Field(default=None, description="Another payer reported (271 EB01 R)")
    ot_visits_remaining: Maybe(int) = Field(
        default=None, ge=0, le=999, description="Occupational therapy visits remaining (EB01 F, AD, 29)"
    )
    reject_reason_code: Maybe(str) = Field(default=None, pattern=r"^[0-9A-Z]{2}$", description="AAA03")
