"""The dashboard's only door to data: the published serving snapshot (read-only DuckDB) and the action ledger.

Location scoping is enforced in this package, in SQL through `scope.scoped_query` (or in the ledger's own
scoped API, re-checked in `actions`), never by hiding widgets: every function takes the signed-in `User` and
returns only rows of the locations that user may see. Views import this package and `dashboards.ui`, nothing
else (tests/dashboards/test_dashboard_conventions.py checks it).
"""

from __future__ import annotations

from core.vocabulary import ALL_LOCATIONS, ROLES, leak_areas
from dashboards.data.actions import (
    AUDIT_ROLES,
    DECIDABLE_STATUSES,
    QUEUE_AGE_FILTERS,
    REASSIGN_SUPERVISOR_ROLES,
    USER_ADMIN_ROLES,
    DecisionRefused,
    action,
    action_events,
    action_queue,
    action_type_label,
    actions,
    approve,
    audit_trail,
    board_settings,
    body_sha256,
    bulk_approve,
    change_user,
    decision_block_reason,
    eligible_assignees,
    failed_sends,
    kpi_goals,
    location_choices,
    low_risk_actions,
    may_approve_type,
    queue_filter_options,
    queue_stats,
    reassign,
    record_view,
    reject,
    retry_send,
    save_draft,
    set_kpi_goal,
    snooze,
    top_open_actions,
    users_for_admin,
    verify_audit_chain,
)
from dashboards.data.authorizations import AUTH_FLAGS, authorization, authorization_burndown, payers
from dashboards.data.claims import (
    CLAIMS_PAYMENT_FLAG_COLUMNS,
    claim_audit_failures,
    claim_clean_rate,
    claims_payment_flags,
    denials,
    underpayments,
    unbalanced_remits,
    visit_claim_reconciliation,
)
from dashboards.data.credentialing import (
    PAYROLL_ROLES,
    claim_holds,
    credential_matrix,
    payroll_discrepancies,
    payroll_productivity,
    provider_enrollments,
    unbillable_scheduled_visits,
)
from dashboards.data.front_office import (
    coverage_changes,
    eligibility_sweep,
    open_referrals,
    plan_of_care_followups,
    referral_funnel,
)
from dashboards.data.goals import GOAL_ROLES, KPIS, GoalNotAllowed
from dashboards.data.leak_figures import area_by_month, kpi_summary, rank_areas
from dashboards.data.overview import leak_area_label, leak_events, leak_monthly, leak_summary, kpis_monthly, locations
from dashboards.data.quarantine import file_ledger, quarantine
from dashboards.data.scheduling import (
    booking_mismatches,
    open_plans_without_future_visit,
    open_slots_this_week,
    schedule_lost_revenue_monthly,
    schedule_rates,
)
from dashboards.data.scope import NotAllowed, scoped_query
from dashboards.data.snapshot import MartMissing, NoSnapshot, Snapshot, current_snapshot

__all__ = [
    "ALL_LOCATIONS", "AUDIT_ROLES", "AUTH_FLAGS", "CLAIMS_PAYMENT_FLAG_COLUMNS", "DECIDABLE_STATUSES", "GOAL_ROLES",
    "KPIS", "PAYROLL_ROLES", "QUEUE_AGE_FILTERS", "REASSIGN_SUPERVISOR_ROLES", "ROLES", "USER_ADMIN_ROLES",
    "DecisionRefused", "GoalNotAllowed", "MartMissing", "NoSnapshot", "NotAllowed", "Snapshot",
    "action", "action_events", "action_queue", "action_type_label", "actions", "approve", "area_by_month",
    "audit_trail", "authorization", "board_settings", "authorization_burndown", "body_sha256", "booking_mismatches", "bulk_approve",
    "change_user", "claim_audit_failures", "claim_clean_rate", "claim_holds", "claims_payment_flags",
    "coverage_changes", "credential_matrix", "current_snapshot", "decision_block_reason", "denials",
    "eligibility_sweep", "eligible_assignees", "failed_sends", "file_ledger", "kpi_goals", "kpi_summary",
    "kpis_monthly", "leak_area_label", "leak_areas", "leak_events", "leak_monthly", "leak_summary",
    "location_choices", "locations", "low_risk_actions", "may_approve_type", "open_plans_without_future_visit",
    "open_referrals", "open_slots_this_week", "payers", "payroll_discrepancies", "payroll_productivity",
    "plan_of_care_followups", "provider_enrollments", "quarantine", "queue_filter_options", "queue_stats",
    "rank_areas", "reassign", "record_view", "referral_funnel", "reject", "retry_send", "save_draft",
    "schedule_lost_revenue_monthly", "schedule_rates", "scoped_query", "set_kpi_goal", "snooze",
    "top_open_actions", "unbalanced_remits", "unbillable_scheduled_visits", "underpayments", "users_for_admin",
    "verify_audit_chain", "visit_claim_reconciliation",
]
