"""Helpers shared by the credentialing and payroll emitters (credential_renewal, enrollment_followup,
claim_hold_notice, provider_record_fix, payroll_discrepancy).

These actions concern staff (therapists) and payers, not patients: no patient name, date of birth,
member id or diagnosis ever enters a body, title or evidence row. Patient ids appear only as references
in claim evidence, as elsewhere in the ledger.
"""

from __future__ import annotations

from .values import as_date, fmt_date, jsonable  # noqa: F401  (re-exported to this area's emitters)

CREDENTIAL_LABELS = {
    "state_license": "State OT license",
    "nbcot_certification": "NBCOT certification",
    "cpr_bls": "CPR/BLS card",
    "hipaa_training": "HIPAA workforce training",
    "caqh_attestation": "CAQH ProView attestation",
    "liability_insurance": "Professional liability insurance",
    "dea": "DEA registration",
}
TIER_LABELS = {"90_days": "90-day", "30_days": "30-day", "7_days": "7-day", "expired": "expired", "missing": "missing"}


def evidence_row(row: dict, columns: tuple[str, ...]) -> dict:
    return {column: jsonable(row.get(column)) for column in columns if column in row}


def label(credential_type: str) -> str:
    return CREDENTIAL_LABELS.get(credential_type, credential_type.replace("_", " "))
