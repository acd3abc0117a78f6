"""Who may decide (edit, approve, reject, snooze) each action type.

One definition, read by the ledger when a person decides and by the dispatcher when it sends, so the
UI, the ledger and the send path can never disagree. An action type missing here can be approved by no one.
"""

from __future__ import annotations

from .models import User

ACTION_APPROVER_ROLES: dict[str, frozenset[str]] = {
    "reauth_packet": frozenset({"front_desk", "billing", "admin"}),
    "claim_audit_fix": frozenset({"billing", "admin"}),
    "corrected_claim": frozenset({"billing", "admin"}),
    "appeal_letter": frozenset({"billing", "admin"}),
    "denial_followup": frozenset({"billing", "admin"}),
    # Claims (issue 3): disputes, timely-filing alerts and secondary claims carry money a director may sign off
    "underpayment_dispute": frozenset({"billing", "director", "admin"}),
    "timely_filing_alert": frozenset({"billing", "director", "admin"}),
    "secondary_claim": frozenset({"billing", "director", "admin"}),
    "slot_offer": frozenset({"front_desk", "admin"}),
    "booking_alert": frozenset({"front_desk", "admin"}),
    "attendance_letter": frozenset({"front_desk", "director", "admin"}),
    "visit_reminder": frozenset({"front_desk", "admin"}),
    "missed_visit_fee": frozenset({"billing", "admin"}),
    "schedule_patient_outreach": frozenset({"front_desk", "admin"}),
    # Front office (issue 6)
    "eligibility_check_task": frozenset({"front_desk", "admin"}),
    "coverage_change_alert": frozenset({"front_desk", "billing", "admin"}),
    "referral_callback": frozenset({"front_desk", "admin"}),
    "intake_family_nudge": frozenset({"front_desk", "admin"}),
    "referral_order_fax": frozenset({"front_desk", "admin"}),
    "records_request": frozenset({"front_desk", "admin"}),
    "note_fix_task": frozenset({"billing", "director", "admin"}),
    "poc_signature_request": frozenset({"front_desk", "billing", "admin"}),
    # Credentialing and payroll (issue 5); the office manager is the admin role
    "credential_renewal": frozenset({"credentialing", "admin"}),
    "enrollment_followup": frozenset({"credentialing", "admin"}),
    "claim_hold_notice": frozenset({"billing", "credentialing", "admin"}),
    "provider_record_fix": frozenset({"credentialing", "admin"}),
    "payroll_discrepancy_report": frozenset({"admin", "director"}),
}


def can_approve(user: User, action_type: str, location_id: str) -> bool:
    """True when the user's role may decide this action type and the location is in the user's scope."""
    allowed_roles = ACTION_APPROVER_ROLES.get(action_type, frozenset())
    return user.role in allowed_roles and user.can_see(location_id)


# Action types whose drafts may be approved in bulk (one confirmation listing every item) when they are also
# open, unedited and at most the bulk-approve dollar limit: the ledger's `_low_risk_conditions` is the one
# test. Reminders and internal tasks only, nothing sent to a payer. Which types a group deems low-risk is a
# policy choice (UNVERIFIED): RCM_BOARD_LOW_RISK_ACTION_TYPES overrides this default.
LOW_RISK_ACTION_TYPES: frozenset[str] = frozenset({
    "visit_reminder",
    "eligibility_check_task",
    "referral_callback",
    "intake_family_nudge",
    "records_request",
})
