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


# The SAM public extract writes its dates MM/DD/YYYY; a termination date may be "Indefinite".
_MMDDYYYY = r"^\d{2}/\d{2}/\d{4}$"
_SAM_HEADER = {
    "Classification": "classification",
    "Name": "name",
    "Prefix": "prefix",
    "First": "first",
    "Middle": "middle",
    "Last": "last",
    "Suffix": "suffix",
    "Address 1": "address_1",
    "Address 2": "address_2",
    "Address 3": "address_3",
    "Address 4": "address_4",
    "City": "city",
    "State / Province": "state_province",
    "Country": "country",
    "Zip Code": "zip_code",
    "Open Data Flag": "open_data_flag",
    "Blank (Deprecated)": "blank_deprecated",
    "Unique Entity ID": "unique_entity_id",
    "Exclusion Program": "exclusion_program",
    "Excluding Agency": "excluding_agency",
    "CT Code": "ct_code",
    "Exclusion Type": "exclusion_type",
    "Additional Comments": "additional_comments",
    "Active Date": "active_date",
    "Termination Date": "termination_date",
    "Record Status": "record_status",
    "Cross-Reference": "cross_reference",
    "SAM Number": "sam_number",
    "CAGE": "cage",
    "NPI": "npi",
    "Creation_Date": "creation_date",
}


class SamExclusion(Contract):
    """One record of the SAM.gov Exclusions public extract (V2), as downloaded.

    Download the daily "Exclusions Public Extract V2" from SAM.gov Data Services, unzip it and save the CSV into
    the credentialing inbox as ``sam_exclusions.csv`` (or ``sam_exclusions_<date>.csv``); its header line is
    read as SAM writes it ("Active Date", "State / Province", ...). Each delivery is the whole list: staging
    keeps the latest file only. Firms, vessels and special entity designations are loaded too; only
    individuals are screened against staff. SAM carries no date of birth: a name match without an NPI is a
    possible match a person confirms.
    """

    __source__ = "credentialing"
    __entity__ = "sam_exclusions"
    __primary_key__ = ("sam_number",)
    __doc_purpose__ = (
        'The SAM.gov exclusions extract as downloaded (its own header line, e.g. "Active Date", is read as '
        "SAM writes it), screened monthly against every provider."
    )
    __header_aliases__ = _SAM_HEADER

    classification: str = Field(min_length=1, max_length=40, description="Individual, Firm, Vessel, ...")
    name: Maybe(str) = Field(default=None, max_length=400, description="Firm or entity name (blank for people)")
    prefix: Maybe(str) = Field(default=None, max_length=20)
    first: Maybe(str) = Field(default=None, max_length=100)
    middle: Maybe(str) = Field(default=None, max_length=100)
    last: Maybe(str) = Field(default=None, max_length=100)
    suffix: Maybe(str) = Field(default=None, max_length=20)
    address_1: Maybe(str) = Field(default=None, max_length=200)
    address_2: Maybe(str) = Field(default=None, max_length=200)
    address_3: Maybe(str) = Field(default=None, max_length=200)
    address_4: Maybe(str) = Field(default=None, max_length=200)
    city: Maybe(str) = Field(default=None, max_length=100)
    state_province: Maybe(str) = Field(default=None, max_length=40)
    country: Maybe(str) = Field(default=None, max_length=3)
    zip_code: Maybe(str) = Field(default=None, max_length=12)
    open_data_flag: Maybe(str) = Field(default=None, max_length=10)
    blank_deprecated: Maybe(str) = Field(default=None, max_length=40)
    unique_entity_id: Maybe(str) = Field(default=None, max_length=12)
    exclusion_program: Maybe(str) = Field(default=None, max_length=40, description="Reciprocal, Procurement, ...")
    excluding_agency: Maybe(str) = Field(default=None, max_length=40, description="HHS, OPM, GSA, ...")
    ct_code: Maybe(str) = Field(default=None, max_length=10)
    exclusion_type: str = Field(min_length=1, max_length=60, description="e.g. Ineligible (Proceedings Completed)")
    additional_comments: Maybe(str) = Field(default=None, max_length=4000)
    active_date: str = Field(pattern=_MMDDYYYY, description="Day the exclusion took effect, MM/DD/YYYY")
    termination_date: Maybe(str) = Field(
        default=None, pattern=r"^(\d{2}/\d{2}/\d{4}|Indefinite)$", description="MM/DD/YYYY or Indefinite"
    )
    record_status: Maybe(str) = Field(default=None, max_length=20)
    cross_reference: Maybe(str) = Field(default=None, max_length=1000)
    sam_number: str = Field(min_length=1, max_length=20, description="SAM's own record number")
    cage: Maybe(str) = Field(default=None, max_length=10)
    npi: Maybe(str) = Field(default=None, pattern=r"^\d{10}$")
    creation_date: Maybe(str) = Field(default=None, max_length=10, description="YYYY-MM-DD the record was created")
