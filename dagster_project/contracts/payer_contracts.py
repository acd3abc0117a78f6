"""The payer-contract extract: payers and fee schedules, under data/inbox/contracts/."""

from __future__ import annotations

from pydantic import Field

from ._types import Contract, Id, Maybe, Money, date
from .ehr import PayerType


class Payer(Contract):
    __source__ = "contracts"
    __entity__ = "payers"
    __primary_key__ = ("payer_id",)
    __doc_purpose__ = "The payers the group bills, with the payer id used on X12 files."

    payer_id: Id
    payer_name: str
    payer_type: PayerType
    is_medicaid: bool
    x12_payer_id: str = Field(min_length=2, max_length=80)
    fax_number: Maybe(str) = Field(
        default=None,
        pattern=r"^\+?[0-9()\- ]{7,20}$",
        description="Where re-authorization requests, appeals and disputes are faxed",
    )


class FeeSchedule(Contract):
    __source__ = "contracts"
    __entity__ = "fee_schedules"
    __primary_key__ = ("payer_id", "cpt_code", "modifier", "effective_date")
    __doc_purpose__ = "Contracted allowed amount per unit by payer, CPT and modifier, over a date window."

    payer_id: Id
    cpt_code: str = Field(pattern=r"^\d{4}[0-9A-Z]$")
    modifier: Maybe(str) = Field(default=None, pattern=r"^[0-9A-Z]{2}$")
    allowed_amount: Money = Field(le=1000, description="Per unit; above 1,000 is a keying error")
    effective_date: date
    termination_date: Maybe(date) = None
