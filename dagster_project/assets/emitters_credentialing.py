"""Credentialing and payroll emitter assets: each flag mart of the area -> drafted actions in the ledger
(idempotent on flag_id), plus the optional NPPES registry check of every provider's NPI."""

from collections import defaultdict

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import flag_emitter_asset, location_names, query_rows
from dagster_project.resources import WarehouseResource


def _grouped(rows: list[dict], key: str = "flag_id") -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[str(row.pop(key))].append(row)
    return dict(grouped)


def _credential_renewals(con, rows):
    from emitters.credential_renewal import ACTION_TYPE, draft_actions

    return ACTION_TYPE, draft_actions(rows, location_names(con))


def _enrollment_followups(con, rows):
    from emitters.enrollment_followup import ACTION_TYPE, draft_actions

    return ACTION_TYPE, draft_actions(rows, location_names(con))


def _claim_hold_notices(con, rows):
    from emitters.claim_hold_notice import ACTION_TYPE, draft_actions

    claims = query_rows(
        con,
        "select f.flag_id, h.claim_id, h.visit_id, h.date_of_service, h.contracted_amount "
        "from marts.fct_claim_enrollment_holds h join marts.flag_claims_on_enrollment_holds f "
        "using (provider_id, location_id, payer_id, hold_status) order by f.flag_id, h.date_of_service, h.claim_id",
    )
    return ACTION_TYPE, draft_actions(rows, _grouped(claims), location_names(con))


def _provider_record_fixes(con, rows):
    from emitters.provider_record_fix import ACTION_TYPE, draft_actions

    return ACTION_TYPE, draft_actions(rows, location_names(con))


def _payroll_discrepancies(con, rows):
    from emitters.payroll_discrepancy import ACTION_TYPE, draft_actions

    days = query_rows(
        con,
        "select f.flag_id, r.work_date, r.discrepancy_type, r.session_count, r.session_hours, "
        "r.clinical_hours, r.hours_difference from marts.fct_payroll_reconciliation r "
        "join marts.flag_payroll_discrepancies f using (provider_id, pay_period_start) "
        "where r.is_flagged order by f.flag_id, r.work_date",
    )
    return ACTION_TYPE, draft_actions(rows, _grouped(days), location_names(con))


def build_credentialing_emitter_assets(dbt_models: dg.AssetsDefinition) -> list[dg.AssetsDefinition]:
    @dg.asset(name="nppes_registry_check", group_name="emitters",
              deps=[get_asset_key_for_model([dbt_models], "fct_provider_identity")], kinds={"python"},
              description="Optional (RCM_NPPES_LOOKUP): every provider NPI looked up in the NPPES NPI Registry; "
                          "never fails the run when the registry is unreachable.")
    def nppes_registry_check(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from dagster_project.nppes import NppesClient, check_providers
        from core.settings import get_nppes_settings

        settings = get_nppes_settings()
        if not settings.enabled:
            return dg.MaterializeResult(metadata={"enabled": False, "checked": 0})
        with warehouse.connect(read_only=True) as con:
            providers = query_rows(con, "select provider_id, npi, first_name, last_name from staging.stg_ehr__providers "
                                   "order by provider_id")
        with NppesClient(settings.url, timeout_seconds=settings.timeout_seconds, retries=settings.retries) as client:
            checks = check_providers(providers, client)
        by_status: dict[str, int] = defaultdict(int)
        for check in checks:
            by_status[check.status] += 1
        if by_status.get("unreachable"):
            context.log.warning(f"NPPES registry unreachable for {by_status['unreachable']} provider(s); run continues")
        return dg.MaterializeResult(metadata={
            "enabled": True, "checked": len(checks),
            "by_status": dg.MetadataValue.json(dict(sorted(by_status.items()))),
            "needs_review": dg.MetadataValue.json(
                [{"provider_id": c.provider_id, "status": c.status} for c in checks if c.status != "match"]),
        })

    return [
        flag_emitter_asset(dbt_models, name="credential_renewal_drafts", flag_model="flag_credential_renewals",
                           draft=_credential_renewals,
                           description="Renewal reminders and packets at 90/30/7 days, expired or missing "
                                       "(flag_credential_renewals)."),
        flag_emitter_asset(dbt_models, name="enrollment_followup_drafts", flag_model="flag_enrollment_followups",
                           draft=_enrollment_followups,
                           description="Payer-enrollment follow-ups: pending enrollments and booked visits that "
                                       "cannot be billed."),
        flag_emitter_asset(dbt_models, name="claim_hold_notice_drafts", flag_model="flag_claims_on_enrollment_holds",
                           extra_models=("fct_claim_enrollment_holds",), draft=_claim_hold_notices,
                           description="Hold and release notices to billing for the claims of newly enrolled "
                                       "therapists."),
        flag_emitter_asset(dbt_models, name="provider_record_fix_drafts", flag_model="flag_provider_record_fixes",
                           draft=_provider_record_fixes,
                           description="Provider record fixes: NPIs failing the check digit, COTAs without a "
                                       "supervising OTR."),
        flag_emitter_asset(dbt_models, name="payroll_discrepancy_drafts", flag_model="flag_payroll_discrepancies",
                           extra_models=("fct_payroll_reconciliation",), draft=_payroll_discrepancies,
                           description="Payroll discrepancy reports to the office manager, before payroll runs."),
        nppes_registry_check,
    ]
