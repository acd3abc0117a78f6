"""One declaration per action type: everything else about a type is derived from its entry here.

An entry names the type, the words a coordinator reads for it, the flag mart it drafts from (and any packet
models with the extra rows its documents need), its draft function (one signature for every type:
`draft(rows, ctx) -> list[DraftAction]`), who may approve it, the channel it goes out on, whether it may be
bulk-approved, the leak area its dollars count toward and the flag-mart column that holds those dollars.

Derived from it: the emitter assets (one per flag model, `dagster_project/assets/emitters.py`), who may
approve (the ledger, the dispatcher and the board ask `can_approve`), the default channel routing
(`delivery.channels`), the bulk-approvable list (`core.settings.get_board_settings`) and the dbt exposures
(`python -m emitters.registry exposures` writes `dbt/models/marts/actions/_action_exposures.yml`).

Adding a type: docs/extending.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import yaml

from core.settings import PROJECT_ROOT
from core.vocabulary import ROLES, leak_areas

from . import (
    appeal_letter,
    attendance_letter,
    booking_alert,
    claim_audit_fix,
    claim_hold_notice,
    claim_rejection_fix,
    corrected_claim,
    credential_renewal,
    denial_followup,
    eligibility_alerts,
    enrollment_followup,
    exclusion_task,
    intake_nudge,
    medicaid_balance_write_off,
    medicare_reopening,
    missed_visit_fee,
    note_fix,
    patient_statement,
    payroll_discrepancy,
    poc_signature_request,
    provider_record_fix,
    reauth_packet,
    records_request,
    referral_callback,
    referral_fax,
    retro_auth_request,
    schedule_patient,
    secondary_claim,
    slot_offer,
    timely_filing_alert,
    unauthorized_visit_review,
    underpayment_dispute,
    visit_reminder,
)
from .context import LOCATIONS_PACKET, RECIPIENTS_PACKET, DraftContext
from .models import DraftAction

if TYPE_CHECKING:  # the ledger imports this module to check approvers, so User is for annotations only
    from ledger import User

DraftFunction = Callable[[list[dict], DraftContext], list[DraftAction]]
CHANNELS = ("fax", "text", "email", "clearinghouse", "file")
CHANNEL_WORDS = {
    "fax": "faxed",
    "text": "texted",
    "email": "emailed",
    "clearinghouse": "sent to the clearinghouse",
    "file": "written to the outbox as a work item",
}
EXPOSURES_FILE = PROJECT_ROOT / "dbt" / "models" / "marts" / "actions" / "_action_exposures.yml"
SOURCE_URL = "https://github.com/ot-revenue-leaks/ot-revenue-leaks/tree/main/emitters"
# Who owns an exposure: the first approver role in this order (admin approves nearly everything, so it is last).
_OWNERS = {
    "billing": ("Billing coordinators", "billing@example.org"),
    "front_desk": ("Front-desk and intake coordinators", "frontdesk@example.org"),
    "credentialing": ("Credentialing coordinators", "credentialing@example.org"),
    "director": ("Clinic directors", "directors@example.org"),
    "admin": ("Office managers", "office@example.org"),
}


@dataclass(frozen=True)
class ActionType:
    name: str  # the action_type stored in the ledger
    human_name: str  # what a coordinator reads on the board, e.g. "Re-authorization packet"
    flag_model: str  # the dbt flag mart it drafts from (marts.<flag_model>)
    draft: DraftFunction
    approver_roles: frozenset[str]
    channel: str  # one of CHANNELS; RCM_DELIVERY_CHANNEL_MAP may override it per deployment
    leak_area: str  # a key of core.vocabulary.leak_areas() (the dbt seed leak_areas.csv)
    dollars_field: str | None  # the flag-mart column holding the dollars at stake; None when it has none
    low_risk: bool = False  # reminders and internal tasks only: may be bulk-approved
    packet_models: tuple[str, ...] = ()  # other marts/actions models the draft reads (through ctx.packet)
    asset_name: str = ""  # the emitter asset for its flag model; default "<name>_drafts"
    # Rows that must be drafted together (e.g. every ranked family of one slot); a failing group is set aside
    # together, every other group still drafts.
    batch_key: str = "flag_id"
    reads_ledger_history: bool = False  # ctx.prior_actions holds the ledger's earlier drafts of this type
    # None: the draft reads the as-of date (a deadline's days left, a reminder window), so a new as-of date is a new
    # input of every flag. A tuple: the draft reads no as-of value (its date is filled in on approval,
    # core/approval_date.py), and these columns of its flag and packet rows move with the as-of date (day counts, or a
    # text wording them, from the row's other columns): the draft never reads them, and both are left out of its
    # input hash, so a new day redrafts only the flags whose data changed (emitters/changes.py).
    as_of_columns: tuple[str, ...] | None = None
    # A draft whose flag row has no due date of its own (a task due when it is found: an exclusion match, an NPI
    # that fails its check digit) is due this many days after the as-of date of the run that first drafts it, and
    # the ledger keeps that date while the action waits (ledger/drafts.py). None: every due date comes from the row.
    due_days_after_raised: int | None = None
    metadata: Callable[[DraftContext], dict] | None = None  # extra asset metadata (settings that shaped the drafts)

    def __post_init__(self):
        problems = []
        if self.channel not in CHANNELS:
            problems.append(f"channel {self.channel!r} is not one of {', '.join(CHANNELS)}")
        if not self.approver_roles or not self.approver_roles <= set(ROLES):
            problems.append(f"approver roles {sorted(self.approver_roles)} must be a non-empty subset of {ROLES}")
        if self.leak_area not in leak_areas():
            problems.append(f"leak area {self.leak_area!r} is not in dbt/seeds/leak_areas.csv")
        if not self.flag_model.startswith("flag_"):
            problems.append(f"flag model {self.flag_model!r} must be a marts/actions flag_* model")
        if problems:
            raise ValueError(f"action type {self.name}: " + "; ".join(problems))

    @property
    def emitter_asset(self) -> str:
        return self.asset_name or f"{self.name}_drafts"

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every relation its emitter reads: the flag model, then the packet models."""
        return (self.flag_model, *self.packet_models)


_BILLING = frozenset({"billing", "admin"})
_BILLING_DIRECTOR = frozenset({"billing", "director", "admin"})
_FRONT_DESK = frozenset({"front_desk", "admin"})
_CREDENTIALING = frozenset({"credentialing", "admin"})
_DENIAL_PACKETS = ("packet_denied_lines", LOCATIONS_PACKET)
# A denial's letters and tasks name its deadline, never the days left to it (the board shows it as the due date).
_DENIAL_AS_OF_COLUMNS = ("as_of_date", "days_left")
# The same for a claim to fix before (or after a rejection of) its first submission: the filing deadline, no count.
_FILING_AS_OF_COLUMNS = ("as_of_date", "days_to_filing_deadline")

_DECLARATIONS: tuple[ActionType, ...] = (
    # Authorizations
    ActionType(
        "reauth_packet",
        "Re-authorization packet",
        "flag_auths_needing_reauth",
        reauth_packet.draft,
        frozenset({"front_desk", "billing", "admin"}),
        "fax",
        "authorizations",
        "dollars_at_risk",
        packet_models=(
            "packet_reauth_visit_history",
            "packet_reauth_checklist_items",
            LOCATIONS_PACKET,
            RECIPIENTS_PACKET,
        ),
    ),
    ActionType(
        "unauthorized_visit_review",
        "Unauthorized visit: retro-authorization or write-off",
        "flag_unauthorized_visits",
        unauthorized_visit_review.draft,
        frozenset({"front_desk", "billing", "admin"}),
        "file",
        "authorizations",
        "dollars_at_risk",
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date",),
    ),
    # Claims and denials
    ActionType(
        "claim_audit_fix",
        "Claim fix before submission",
        "flag_claim_audit_failures",
        claim_audit_fix.draft,
        _BILLING,
        "file",
        "claims_denials",
        "dollars_at_risk",
        packet_models=("packet_claim_audit_failures", LOCATIONS_PACKET),
        as_of_columns=_FILING_AS_OF_COLUMNS,
    ),
    ActionType(
        "claim_rejection_fix",
        "Claim rejected at the clearinghouse",
        "flag_claims_rejected_at_clearinghouse",
        claim_rejection_fix.draft,
        _BILLING,
        "file",
        "claims_denials",
        "dollars_at_risk",
        packet_models=(claim_rejection_fix.REASONS_PACKET, LOCATIONS_PACKET),
        as_of_columns=_FILING_AS_OF_COLUMNS,
    ),
    ActionType(
        "corrected_claim",
        "Corrected claim",
        "flag_denials_to_work",
        corrected_claim.draft,
        _BILLING,
        "clearinghouse",
        "claims_denials",
        "dollars_at_risk",
        asset_name="denial_work_drafts",
        packet_models=(*_DENIAL_PACKETS, "packet_claim_x12"),
        as_of_columns=_DENIAL_AS_OF_COLUMNS,  # its 837P envelope is dated on approval (emitters/claim_837.py)
    ),
    ActionType(
        "appeal_letter",
        "Appeal letter",
        "flag_denials_to_work",
        appeal_letter.draft,
        _BILLING,
        "fax",
        "claims_denials",
        "dollars_at_risk",
        asset_name="denial_work_drafts",
        packet_models=(
            *_DENIAL_PACKETS,
            "packet_claim_x12",
            "packet_appeal_patients",
            "packet_appeal_plans",
            "packet_appeal_visits",
            RECIPIENTS_PACKET,
        ),
        as_of_columns=_DENIAL_AS_OF_COLUMNS,
    ),
    ActionType(
        "retro_auth_request",
        "Retro-authorization request",
        "flag_denials_to_work",
        retro_auth_request.draft,
        _BILLING,
        "fax",
        "claims_denials",
        "dollars_at_risk",
        asset_name="denial_work_drafts",
        packet_models=(
            *_DENIAL_PACKETS,
            "packet_claim_x12",
            "packet_appeal_patients",
            "packet_appeal_plans",
            "packet_appeal_visits",
            RECIPIENTS_PACKET,
        ),
        as_of_columns=_DENIAL_AS_OF_COLUMNS,
    ),
    ActionType(
        "medicare_reopening",
        "Medicare reopening request",
        "flag_denials_to_work",
        medicare_reopening.draft,
        _BILLING,
        "file",
        "claims_denials",
        "dollars_at_risk",
        asset_name="denial_work_drafts",
        packet_models=(*_DENIAL_PACKETS, "packet_claim_x12", "packet_appeal_patients"),
        as_of_columns=_DENIAL_AS_OF_COLUMNS,
    ),
    ActionType(
        "denial_followup",
        "Denial follow-up",
        "flag_denials_to_work",
        denial_followup.draft,
        _BILLING,
        "file",
        "claims_denials",
        "dollars_at_risk",
        asset_name="denial_work_drafts",
        packet_models=_DENIAL_PACKETS,
        as_of_columns=_DENIAL_AS_OF_COLUMNS,
    ),
    ActionType(
        "timely_filing_alert",
        "Timely-filing alert",
        "flag_timely_filing_alerts",
        timely_filing_alert.draft,
        _BILLING_DIRECTOR,
        "file",
        "claims_denials",
        "dollars_at_risk",
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date", "days_left"),  # the alert names its deadline, a date of the claim's
    ),
    ActionType(
        "secondary_claim",
        "Claim to the secondary payer",
        "flag_secondary_claims_due",
        secondary_claim.draft,
        _BILLING_DIRECTOR,
        "clearinghouse",
        "claims_denials",
        "dollars_at_risk",
        packet_models=(
            "packet_claim_x12",
            "packet_secondary_claim_lines",
            "packet_secondary_claim_adjustments",
            "packet_secondary_coverages",
            LOCATIONS_PACKET,
        ),
        # its 837P envelope is dated on approval (emitters/claim_837.py); the filing deadline is a date, not a count
        as_of_columns=_DENIAL_AS_OF_COLUMNS,
    ),
    ActionType(
        "patient_statement",
        "Patient statement to the family",
        "flag_patient_statements_due",
        patient_statement.draft,
        _BILLING,
        "file",
        "claims_denials",
        "dollars_at_risk",
        packet_models=("packet_statement_lines", LOCATIONS_PACKET),
        as_of_columns=("as_of_date",),
    ),
    ActionType(
        "medicaid_balance_write_off",
        "Write-off review: Medicaid patient share",
        "flag_medicaid_balance_write_offs",
        medicaid_balance_write_off.draft,
        _BILLING,
        "file",
        "claims_denials",
        "dollars_at_risk",
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date",),
    ),
    # Underpayments
    ActionType(
        "underpayment_dispute",
        "Underpayment dispute letter",
        "flag_underpayment_disputes",
        underpayment_dispute.draft,
        _BILLING_DIRECTOR,
        "fax",
        "underpayments",
        "dollars_at_risk",
        packet_models=(LOCATIONS_PACKET, RECIPIENTS_PACKET, underpayment_dispute.PATIENTS_PACKET),
        as_of_columns=("as_of_date", "days_left"),
    ),
    # Scheduling
    ActionType(
        "slot_offer",
        "Open-slot offer to a waiting family",
        "flag_open_slot_offers",
        slot_offer.draft,
        _FRONT_DESK,
        "text",
        "schedule_gaps",
        None,
        batch_key="slot_id",
        reads_ledger_history=True,
        packet_models=(RECIPIENTS_PACKET,),
    ),
    ActionType(
        "booking_alert",
        "Booking problem alert",
        "flag_booking_mismatches",
        booking_alert.draft,
        _FRONT_DESK,
        "file",
        "credentialing",
        "dollars_at_risk",
        as_of_columns=("as_of_date",),
    ),
    ActionType(
        "attendance_letter",
        "Attendance letter",
        "flag_attendance_letters",
        attendance_letter.draft,
        frozenset({"front_desk", "director", "admin"}),
        "email",
        "schedule_gaps",
        None,
        as_of_columns=("as_of_date",),  # due before the next booked visit
    ),
    ActionType(
        "visit_reminder",
        "Visit reminder text",
        "flag_visit_reminders",
        visit_reminder.draft,
        _FRONT_DESK,
        "text",
        "schedule_gaps",
        None,
        low_risk=True,
        packet_models=(RECIPIENTS_PACKET,),
        as_of_columns=("as_of_date",),  # the text and the due date (the day before the visit) follow the visit
    ),
    ActionType(
        "missed_visit_fee",
        "Missed-visit fee notice",
        "flag_missed_visit_fees",
        missed_visit_fee.draft,
        _BILLING,
        "email",
        "schedule_gaps",
        None,
        as_of_columns=("as_of_date",),  # due a week after the missed visit
        metadata=lambda ctx: {"fee_policy": ctx.settings.scheduling_no_show_fee_policy},
    ),
    ActionType(
        "schedule_patient_outreach",
        "Call to book a child's visits",
        "flag_patients_to_schedule",
        schedule_patient.draft,
        _FRONT_DESK,
        "file",
        "schedule_gaps",
        "dollars_at_risk",
        asset_name="schedule_patient_drafts",
        as_of_columns=("as_of_date", "days_since_last_kept_visit"),
        due_days_after_raised=0,  # a child off the schedule: call the family the day it is found
    ),
    # Front office and intake
    ActionType(
        "eligibility_check_task",
        "Eligibility check before a visit",
        "flag_eligibility_checks_due",
        eligibility_alerts.draft_checks,
        _FRONT_DESK,
        "file",
        "claims_denials",
        "dollars_at_risk",
        low_risk=True,
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date",),
    ),
    ActionType(
        "coverage_change_alert",
        "Coverage change alert",
        "flag_coverage_changes",
        eligibility_alerts.draft_changes,
        frozenset({"front_desk", "billing", "admin"}),
        "file",
        "claims_denials",
        "dollars_at_risk",
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date",),
    ),
    ActionType(
        "referral_callback",
        "Call back a new referral",
        "flag_referral_responses_overdue",
        referral_callback.draft,
        _FRONT_DESK,
        "file",
        "intake",
        "dollars_at_risk",
        low_risk=True,
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date", "hours_overdue"),
    ),
    ActionType(
        "intake_family_nudge",
        "Reminder to a family for an intake item",
        "flag_referral_packet_items_missing",
        intake_nudge.draft,
        _FRONT_DESK,
        "text",
        "intake",
        "dollars_at_risk",
        low_risk=True,
        asset_name="intake_item_drafts",
        packet_models=("packet_intake_patients", LOCATIONS_PACKET, RECIPIENTS_PACKET),
        as_of_columns=("as_of_date",),
    ),
    ActionType(
        "referral_order_fax",
        "Fax to the physician for a referral order",
        "flag_referral_packet_items_missing",
        referral_fax.draft,
        _FRONT_DESK,
        "fax",
        "intake",
        "dollars_at_risk",
        asset_name="intake_item_drafts",
        packet_models=("packet_intake_patients", LOCATIONS_PACKET, RECIPIENTS_PACKET),
        as_of_columns=("as_of_date",),
    ),
    ActionType(
        "records_request",
        "Records request with the signed release",
        "flag_referral_packet_items_missing",
        records_request.draft,
        _FRONT_DESK,
        "fax",
        "intake",
        "dollars_at_risk",
        low_risk=True,
        asset_name="intake_item_drafts",
        packet_models=("packet_intake_patients", LOCATIONS_PACKET),
        as_of_columns=("as_of_date",),
    ),
    ActionType(
        "note_fix_task",
        "Note to fix before billing",
        "flag_note_audit_failures",
        note_fix.draft,
        _BILLING_DIRECTOR,
        "file",
        "claims_denials",
        "dollars_at_risk",
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date",),
    ),
    ActionType(
        "poc_signature_request",
        "Plan of care sent for signature",
        "flag_plan_of_care_followups",
        poc_signature_request.draft,
        frozenset({"front_desk", "billing", "admin"}),
        "fax",
        "authorizations",
        None,
        packet_models=("packet_plan_of_care_patients", LOCATIONS_PACKET, RECIPIENTS_PACKET),
        # The day counts, and the mart's reason text that words them (the fax never reads it).
        as_of_columns=(
            "as_of_date",
            "days_since_plan_start",
            "days_to_recert",
            "signature_age_days",
            "days_to_certification_deadline",
            "flag_reason",
        ),
        due_days_after_raised=0,  # a plan notice, and a request without a payer deadline
    ),
    # Credentialing and payroll (the office manager is the admin role)
    ActionType(
        "credential_renewal",
        "Credential renewal reminder",
        "flag_credential_renewals",
        credential_renewal.draft,
        _CREDENTIALING,
        "email",
        "credentialing",
        None,
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date", "days_to_expiry"),
        due_days_after_raised=0,  # a missing credential; a held one is due by its expiry
    ),
    ActionType(
        "enrollment_followup",
        "Payer enrollment follow-up",
        "flag_enrollment_followups",
        enrollment_followup.draft,
        _CREDENTIALING,
        "email",
        "credentialing",
        "dollars_at_risk",
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date",),
        due_days_after_raised=14,  # a pending enrollment with no unbillable visit booked yet
    ),
    ActionType(
        "claim_hold_notice",
        "Claims on hold for enrollment",
        "flag_claims_on_enrollment_holds",
        claim_hold_notice.draft,
        frozenset({"billing", "credentialing", "admin"}),
        "file",
        "credentialing",
        "dollars_at_risk",
        packet_models=("packet_held_claims", LOCATIONS_PACKET),
        as_of_columns=("as_of_date",),
        due_days_after_raised=0,  # held while the enrollment is pending, with no effective date yet
    ),
    ActionType(
        "provider_record_fix",
        "Provider record fix",
        "flag_provider_record_fixes",
        provider_record_fix.draft,
        _CREDENTIALING,
        "file",
        "credentialing",
        None,
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date",),
        due_days_after_raised=0,  # claims with the record go out wrong until it is fixed
    ),
    ActionType(
        "exclusion_task",
        "Exclusion list match (urgent)",
        "flag_exclusion_matches",
        exclusion_task.draft,
        frozenset({"credentialing", "director", "admin"}),
        "file",
        "credentialing",
        None,
        packet_models=(LOCATIONS_PACKET,),
        as_of_columns=("as_of_date",),
        due_days_after_raised=0,  # verify the person the day the match is found
    ),
    # The seed has no payroll area: payroll discrepancies are worked by the credentialing and payroll office.
    ActionType(
        "payroll_discrepancy_report",
        "Payroll discrepancy report",
        "flag_payroll_discrepancies",
        payroll_discrepancy.draft,
        frozenset({"admin", "director"}),
        "file",
        "credentialing",
        None,
        asset_name="payroll_discrepancy_drafts",
        packet_models=("packet_payroll_discrepancy_days", LOCATIONS_PACKET),
        as_of_columns=("as_of_date",),  # due before the payroll run, a date of its own
    ),
)


def _index(declarations: Iterable[ActionType]) -> MappingProxyType:
    by_name: dict[str, ActionType] = {}
    asset_of_flag: dict[str, str] = {}
    for declared in declarations:
        if declared.name in by_name:
            raise ValueError(f"action type {declared.name} is declared twice")
        if asset_of_flag.setdefault(declared.flag_model, declared.emitter_asset) != declared.emitter_asset:
            raise ValueError(
                f"{declared.flag_model} feeds two emitter assets: types sharing a flag model share its "
                f"asset ({asset_of_flag[declared.flag_model]})"
            )
        by_name[declared.name] = declared
    return MappingProxyType(by_name)


ACTION_TYPES: MappingProxyType = _index(_DECLARATIONS)  # name -> ActionType, read-only


def action_type(name: str) -> ActionType:
    try:
        return ACTION_TYPES[name]
    except KeyError:
        raise KeyError(f"unknown action type {name!r}; registered: {', '.join(sorted(ACTION_TYPES))}") from None


def approver_roles(name: str) -> frozenset[str]:
    """Who may decide (edit, approve, reject, snooze) the type; an unknown type can be approved by no one."""
    declared = ACTION_TYPES.get(name)
    return declared.approver_roles if declared else frozenset()


def can_approve(user: User, action_type: str, location_id: str) -> bool:
    """True when the user's role may decide this action type and the location is in the user's scope."""
    return user.role in approver_roles(action_type) and user.can_see(location_id)


def low_risk_action_types() -> frozenset[str]:
    """The default bulk-approvable types (RCM_BOARD_LOW_RISK_ACTION_TYPES overrides it)."""
    return frozenset(name for name, declared in ACTION_TYPES.items() if declared.low_risk)


def default_channels() -> dict[str, str]:
    """action type -> its declared channel (RCM_DELIVERY_CHANNEL_MAP overrides it per type)."""
    return {name: declared.channel for name, declared in ACTION_TYPES.items()}


def human_name(name: str) -> str:
    """The words the board shows for a type; an unknown type shows its own name rather than failing a page."""
    declared = ACTION_TYPES.get(name)
    return declared.human_name if declared else name


def emitter_groups() -> dict[str, tuple[ActionType, ...]]:
    """flag model -> the types its one emitter asset drafts, in declaration order."""
    groups: dict[str, list[ActionType]] = {}
    for declared in ACTION_TYPES.values():
        groups.setdefault(declared.flag_model, []).append(declared)
    return {flag_model: tuple(types) for flag_model, types in groups.items()}


# ----- dbt exposures --------------------------------------------------------------------------------------


def exposures_yaml() -> str:
    """The exposures file: one exposure per action type, depending on exactly the relations its emitter reads."""
    exposures = []
    for declared in ACTION_TYPES.values():
        owner = next(
            role
            for role in ("billing", "front_desk", "credentialing", "director", "admin")
            if role in declared.approver_roles
        )
        name, email = _OWNERS[owner]
        exposures.append(
            {
                "name": f"{declared.name}_emitter",
                "label": declared.human_name,
                "type": "application",
                "maturity": "medium",
                "url": SOURCE_URL,
                "description": (
                    f"{declared.human_name}: the Dagster asset {declared.emitter_asset} drafts one per row of "
                    f"{declared.flag_model} into the action ledger (idempotent on flag_id), "
                    f"{CHANNEL_WORDS[declared.channel]} only after a person approves it."
                ),
                "depends_on": [f"ref('{model}')" for model in declared.inputs],
                "owner": {"name": name, "email": email},
            }
        )
    header = "# Generated by `python -m emitters.registry exposures` from emitters/registry.py; do not edit.\n"
    return header + yaml.safe_dump({"version": 2, "exposures": exposures}, sort_keys=False, width=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emitters.registry", description="The action-type registry.")
    commands = parser.add_subparsers(dest="command", required=True)
    exposures = commands.add_parser("exposures", help=f"write {EXPOSURES_FILE.relative_to(PROJECT_ROOT)}")
    exposures.add_argument("--check", action="store_true", help="exit 1 when the committed file is stale")
    commands.add_parser("list", help="every registered type with its flag model, channel and approvers")
    draft = commands.add_parser("draft", help="draft one type from the warehouse and print the drafts (no ledger)")
    draft.add_argument("action_type")
    draft.add_argument("--limit", type=int, default=3, help="drafts to print (default 3)")
    draft.add_argument("--warehouse", type=Path, help="the DuckDB file to read (default: RCM_DUCKDB_PATH)")
    draft.add_argument("--body", action="store_true", help="print each draft's body (carries patient identifiers)")
    args = parser.parse_args(argv)

    if args.command == "exposures":
        text = exposures_yaml()
        if args.check:
            current = EXPOSURES_FILE.read_text(encoding="utf-8") if EXPOSURES_FILE.exists() else ""
            if current != text:
                print(f"{EXPOSURES_FILE} is stale: run python -m emitters.registry exposures", file=sys.stderr)
                return 1
            return 0
        EXPOSURES_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {len(ACTION_TYPES)} exposures to {EXPOSURES_FILE}")
        return 0
    if args.command == "list":
        for declared in ACTION_TYPES.values():
            print(
                f"{declared.name:28} {declared.flag_model:36} {declared.channel:13} "
                f"{','.join(sorted(declared.approver_roles))}"
            )
        return 0
    from .preview import preview  # reads the warehouse: only for this command

    return preview(action_type(args.action_type), limit=args.limit, warehouse=args.warehouse, body=args.body)


if __name__ == "__main__":
    raise SystemExit(main())
