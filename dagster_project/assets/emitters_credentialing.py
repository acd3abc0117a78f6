"""Credentialing and payroll emitter assets: each flag mart of the area -> drafted actions in the ledger
(idempotent on flag_id), plus the optional NPPES registry check of every provider's NPI."""

from collections import defaultdict

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import location_names, query_rows, sync_metadata
from dagster_project.resources import LedgerResource, WarehouseResource








def _grouped(rows: list[dict], key: str = "flag_id") -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[str(row.pop(key))].append(row)
    return dict(grouped)


def build_credentialing_emitter_assets(dbt_models: dg.AssetsDefinition) -> list[dg.AssetsDefinition]:
    def key(model: str):
        return get_asset_key_for_model([dbt_models], model)

    locations_key = key("dim_locations")

    @dg.asset(name="credential_renewal_drafts", group_name="emitters",
              deps=[key("flag_credential_renewals"), locations_key], kinds={"python", "sqlite"},
              description="Renewal reminders and packets at 90/30/7 days, expired or missing (flag_credential_renewals).")
    def credential_renewal_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                  ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.credential_renewal import ACTION_TYPE, draft_actions

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_credential_renewals order by flag_id")
            locations = location_names(con)
        drafts = draft_actions(rows, locations)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="enrollment_followup_drafts", group_name="emitters",
              deps=[key("flag_enrollment_followups"), locations_key], kinds={"python", "sqlite"},
              description="Payer-enrollment follow-ups: pending enrollments and booked visits that cannot be billed.")
    def enrollment_followup_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                   ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.enrollment_followup import ACTION_TYPE, draft_actions

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_enrollment_followups order by flag_id")
            locations = location_names(con)
        drafts = draft_actions(rows, locations)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="claim_hold_notice_drafts", group_name="emitters",
              deps=[key("flag_claims_on_enrollment_holds"), key("fct_claim_enrollment_holds"), locations_key],
              kinds={"python", "sqlite"},
              description="Hold and release notices to billing for the claims of newly enrolled therapists.")
    def claim_hold_notice_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                 ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.claim_hold_notice import ACTION_TYPE, draft_actions

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_claims_on_enrollment_holds order by flag_id")
            claims = query_rows(
                con,
                "select f.flag_id, h.claim_id, h.visit_id, h.date_of_service, h.contracted_amount "
                "from marts.fct_claim_enrollment_holds h join marts.flag_claims_on_enrollment_holds f "
                "using (provider_id, location_id, payer_id, hold_status) order by f.flag_id, h.date_of_service, h.claim_id",
            )
            locations = location_names(con)
        drafts = draft_actions(rows, _grouped(claims), locations)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="provider_record_fix_drafts", group_name="emitters",
              deps=[key("flag_provider_record_fixes"), locations_key], kinds={"python", "sqlite"},
              description="Provider record fixes: NPIs failing the check digit, COTAs without a supervising OTR.")
    def provider_record_fix_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                   ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.provider_record_fix import ACTION_TYPE, draft_actions

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_provider_record_fixes order by flag_id")
            locations = location_names(con)
        drafts = draft_actions(rows, locations)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="payroll_discrepancy_drafts", group_name="emitters",
              deps=[key("flag_payroll_discrepancies"), key("fct_payroll_reconciliation"), locations_key],
              kinds={"python", "sqlite"},
              description="Payroll discrepancy reports to the office manager, before payroll runs.")
    def payroll_discrepancy_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                   ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.payroll_discrepancy import ACTION_TYPE, draft_actions

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_payroll_discrepancies order by flag_id")
            days = query_rows(
                con,
                "select f.flag_id, r.work_date, r.discrepancy_type, r.session_count, r.session_hours, "
                "r.clinical_hours, r.hours_difference from marts.fct_payroll_reconciliation r "
                "join marts.flag_payroll_discrepancies f using (provider_id, pay_period_start) "
                "where r.is_flagged order by f.flag_id, r.work_date",
            )
            locations = location_names(con)
        drafts = draft_actions(rows, _grouped(days), locations)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="nppes_registry_check", group_name="emitters", deps=[key("fct_provider_identity")],
              kinds={"python"},
              description="Optional (RCM_NPPES_LOOKUP): every provider NPI looked up in the NPPES NPI Registry; "
                          "never fails the run when the registry is unreachable.")
    def nppes_registry_check(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from dagster_project.nppes import NppesClient, check_providers
        from dagster_project.settings import get_nppes_settings

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

    return [credential_renewal_drafts, enrollment_followup_drafts, claim_hold_notice_drafts,
            provider_record_fix_drafts, payroll_discrepancy_drafts, nppes_registry_check]
