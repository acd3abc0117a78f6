"""Claims area: pre-submission claim audit, denials, underpayments, remits and the claims payment flags.
Ids, codes and money only, no patient data."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboards.data.actions import actions
from dashboards.data.scope import any_of, scoped_query

DENIAL_ACTION_TYPES = ("corrected_claim", "appeal_letter", "denial_followup")

CLAIMS_PAYMENT_ACTION_TYPES = {
    "flag_underpayment_disputes": "underpayment_dispute",
    "flag_timely_filing_alerts": "timely_filing_alert",
    "flag_secondary_claims_due": "secondary_claim",
}

CLAIMS_PAYMENT_FLAG_COLUMNS = {
    "flag_underpayment_disputes": (
        "flag_id",
        "claim_id",
        "line_number",
        "location_id",
        "payer_name",
        "procedure_code",
        "contracted_allowed_amount",
        "paid_allowed_amount",
        "dollars_at_risk",
        "due_date",
        "days_left",
    ),
    "flag_timely_filing_alerts": (
        "flag_id",
        "claim_id",
        "visit_id",
        "location_id",
        "payer_name",
        "service_date",
        "alert_reason",
        "carcs",
        "timely_filing_days",
        "dollars_at_risk",
        "due_date",
        "days_left",
    ),
    "flag_secondary_claims_due": (
        "flag_id",
        "claim_id",
        "location_id",
        "primary_payer_name",
        "payer_name",
        "primary_payment_date",
        "primary_paid_amount",
        "dollars_at_risk",
        "due_date",
        "days_left",
    ),
}


def claim_clean_rate(
    user, *, location_ids: Sequence[str] | None = None, payer_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per location, payer and month of service in scope: claims, clean claims, clean-claim rate."""
    payers_sql, payer_params = any_of("payer_id", payer_ids, "payer")
    return scoped_query(
        user,
        "select location_id, payer_id, payer_name, service_month, claim_count, clean_claim_count, failed_claim_count, "
        "failed_charge_amount, clean_claim_rate, benchmark_rate "
        f"from fct_claim_clean_rate where {{scope}} and {payers_sql} order by location_id, payer_id, service_month",
        payer_params,
        chosen_locations=location_ids,
    )


def claim_audit_failures(
    user,
    *,
    location_ids: Sequence[str] | None = None,
    payer_ids: Sequence[str] | None = None,
    rule_names: Sequence[str] | None = None,
    open_only: bool = False,
) -> pd.DataFrame:
    """One row per claim line and failed audit rule in scope (claim ids, codes and the fix; no patient data)."""
    payers_sql, payer_params = any_of("payer_id", payer_ids, "payer")
    rules_sql, rule_params = any_of("rule_name", rule_names, "rule")
    open_sql = "not is_remitted" if open_only else "true"
    return scoped_query(
        user,
        "select claim_id, line_number, location_id, payer_id, payer_name, service_date, procedure_code, modifiers, "
        "units, charge_amount, place_of_service, rule_name, failure_detail, fix, is_remitted "
        f"from fct_claim_audit_failures where {{scope}} and {payers_sql} and {rules_sql} and {open_sql} "
        "order by service_date desc, claim_id, line_number, rule_name",
        {**payer_params, **rule_params},
        chosen_locations=location_ids,
    )


def claim_audit_claims_at_risk(
    user, *, location_ids: Sequence[str] | None = None, payer_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per unanswered claim in scope that fails the audit, with its dollars at risk: what its contract
    allows (the priced amount), the figure the Overview's claims area counts for it."""
    payers_sql, payer_params = any_of("payer_id", payer_ids, "payer")
    return scoped_query(
        user,
        "select claim_id, location_id, payer_id, dollars_at_risk "
        f"from flag_claim_audit_failures where {{scope}} and {payers_sql} order by claim_id",
        payer_params,
        chosen_locations=location_ids,
    )


def denials(
    user,
    *,
    location_ids: Sequence[str] | None = None,
    payer_ids: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per denied claim line in scope (claim ids and codes, no patient data), with whether a drafted
    action for it is being worked in the ledger (work_status: the action's status, or 'not drafted')."""
    payers_sql, payer_params = any_of("payer_id", payer_ids, "payer")
    category_sql, category_params = any_of("denial_category", categories, "category")
    frame = scoped_query(
        user,
        "select work_flag_id, claim_id, line_number, location_id, payer_id, payer_name, service_date, procedure_code, "
        "denial_group_code, denial_carc, remark_codes, denial_category, route, has_appeal_rights, dollars_at_risk, "
        "denial_date, days_since_denial, aging_bucket, deadline_date, days_left, is_past_deadline "
        f"from fct_denials where {{scope}} and {payers_sql} and {category_sql} "
        "order by days_left nulls last, claim_id, line_number",
        {**payer_params, **category_params},
        chosen_locations=location_ids,
    )
    return _with_work_status(user, frame, "work_flag_id", DENIAL_ACTION_TYPES)


def underpayments(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per paid claim line in scope paid below the contracted allowed amount, with the variance."""
    return scoped_query(
        user,
        "select claim_id, line_number, location_id, payer_id, payer_name, service_date, procedure_code, billed_units, "
        "payment_date, contracted_allowed_amount, paid_allowed_amount, variance_amount "
        "from fct_underpayments where {scope} order by variance_amount desc, claim_id",
        chosen_locations=location_ids,
    )


def unbalanced_remits(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per 835 line, claim or transaction in scope that breaks a balancing rule
    (file, ST, CLP, rule, difference)."""
    return scoped_query(
        user,
        "select source_file_name, transaction_control_number, payment_date, payer_name, location_id, claim_id, "
        "line_number, balancing_rule, rule_text, expected_amount, reported_amount, difference_amount "
        "from fct_unbalanced_remits where {scope} "
        "order by payment_date desc, source_file_name, claim_id nulls first, line_number nulls first",
        chosen_locations=location_ids,
    )


def unmatched_remits(user) -> pd.DataFrame:
    """835 service lines that answer no claim we sent (no location until their claim arrives): group-wide."""
    return scoped_query(
        user,
        "select source_file_name, payment_date, payer_claim_control_number, claim_id, service_date, "
        "procedure_code, modifiers, units_paid, charge_amount, paid_amount "
        "from fct_unmatched_remits order by payment_date desc, source_file_name, claim_id",
        location_column=None,
    )


def visit_claim_reconciliation(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per visit (or claim with no visit) in scope: reconciliation status against claims and payments."""
    return scoped_query(
        user,
        "select visit_id, claim_id, location_id, service_date, appointment_status, reconciliation_status, "
        "is_exception, "
        "charge_amount, claim_charge_amount, net_paid_amount, latest_payment_date "
        "from fct_visit_claim_reconciliation where {scope} order by is_exception desc, service_date desc, claim_id",
        chosen_locations=location_ids,
    )


def claims_payment_flags(user, flag_model: str, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows in scope of one claims payment flag mart (ids, codes, money and deadlines; no patient data)."""
    columns = CLAIMS_PAYMENT_FLAG_COLUMNS[flag_model]  # a fixed list: the model name never comes from a user
    frame = scoped_query(
        user,
        f"select {', '.join(columns)} from {flag_model} where {{scope}} order by due_date nulls last, claim_id",
        chosen_locations=location_ids,
    )
    return _with_work_status(user, frame, "flag_id", (CLAIMS_PAYMENT_ACTION_TYPES[flag_model],))


def _with_work_status(user, frame: pd.DataFrame, flag_column: str, action_types: Sequence[str]) -> pd.DataFrame:
    """Add `work_status`: the status of the drafted action for each row's flag in the ledger, or 'not drafted'."""
    status_by_flag = {a["flag_id"]: a["status"] for a in actions(user, action_types=action_types)}
    frame["work_status"] = [status_by_flag.get(f, "not drafted") for f in frame[flag_column]]
    return frame
