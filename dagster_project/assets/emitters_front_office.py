"""Front-office emitter assets (issue 6): eligibility check tasks, coverage-change alerts, referral
call-backs, family nudges, physician order faxes, records requests, note-fix tasks and plan-of-care signature
requests, each from its flag mart into the action ledger (idempotent on flag_id)."""


import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import location_names, query_rows, sync_metadata
from dagster_project.resources import LedgerResource, WarehouseResource

# Patient fields a fax or records request needs to identify the child; never logged, never in titles.
_PATIENT_SQL = ("select patient_id, first_name, last_name, date_of_birth, primary_care_physician_npi "
                "from marts.dim_patients where patient_id in (select patient_id from marts.{flag})")






def build_front_office_emitter_assets(dbt_models: dg.AssetsDefinition) -> list[dg.AssetsDefinition]:
    def key(model: str) -> dg.AssetKey:
        return get_asset_key_for_model([dbt_models], model)

    locations_key = key("dim_locations")
    patients_key = key("dim_patients")

    @dg.asset(name="eligibility_check_task_drafts", group_name="emitters",
              deps=[key("flag_eligibility_checks_due"), locations_key], kinds={"python", "sqlite"},
              description="One front-desk task per visit in the lookahead that needs an eligibility check now.")
    def eligibility_check_task_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                      ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.eligibility_alerts import CHECK_ACTION_TYPE, draft_check_tasks

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_eligibility_checks_due order by flag_id")
            names = location_names(con)
        drafts = draft_check_tasks(rows, names)
        result = ledger.open().sync_drafts(CHECK_ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="coverage_change_alert_drafts", group_name="emitters",
              deps=[key("flag_coverage_changes"), locations_key], kinds={"python", "sqlite"},
              description="One front-desk alert per patient whose eligibility answer shows a coverage change.")
    def coverage_change_alert_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                     ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.eligibility_alerts import CHANGE_ACTION_TYPE, draft_coverage_alerts

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_coverage_changes order by flag_id")
            names = location_names(con)
        drafts = draft_coverage_alerts(rows, names)
        result = ledger.open().sync_drafts(CHANGE_ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="referral_callback_drafts", group_name="emitters",
              deps=[key("flag_referral_responses_overdue"), locations_key], kinds={"python", "sqlite"},
              description="One call-back task per referral past its first-response target.")
    def referral_callback_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                 ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.referral_callback import ACTION_TYPE, draft_callbacks

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_referral_responses_overdue order by flag_id")
            names = location_names(con)
        drafts = draft_callbacks(rows, names)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="intake_item_drafts", group_name="emitters",
              deps=[key("flag_referral_packet_items_missing"), locations_key, patients_key], kinds={"python", "sqlite"},
              description="Per missing intake item: a family nudge naming only that item, a fax to the physician "
                          "for the order, or a records request with the signed release attached.")
    def intake_item_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                           ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters import intake_nudge, records_request, referral_fax

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_referral_packet_items_missing order by flag_id")
            locations = {r["location_id"]: r for r in query_rows(con, "select * from marts.dim_locations")}
            patients = {r["patient_id"]: r for r in query_rows(con, _PATIENT_SQL.format(flag="flag_referral_packet_items_missing"))}
        names = {k: v["location_name"] for k, v in locations.items()}
        book = ledger.open()
        metadata = {"flag_rows": len(rows)}
        for action_type, drafts in (
            (intake_nudge.ACTION_TYPE, intake_nudge.draft_nudges(rows, names, patients)),
            (referral_fax.ACTION_TYPE, referral_fax.draft_faxes(rows, locations, patients)),
            (records_request.ACTION_TYPE, records_request.draft_requests(rows, locations, patients)),
        ):
            result = book.sync_drafts(action_type, drafts, run_id=context.run_id)
            metadata[f"{action_type}_drafts"] = len(drafts)
            metadata[f"{action_type}_drafted"] = result.drafted
            metadata[f"{action_type}_auto_resolved"] = result.auto_resolved
        return dg.MaterializeResult(metadata=metadata)

    @dg.asset(name="note_fix_task_drafts", group_name="emitters",
              deps=[key("flag_note_audit_failures"), locations_key], kinds={"python", "sqlite"},
              description="One note-fix task per visit failing the nightly note audit (the claim is held).")
    def note_fix_task_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                             ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.note_fix import ACTION_TYPE, draft_note_fixes

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_note_audit_failures order by flag_id")
            names = location_names(con)
        drafts = draft_note_fixes(rows, names)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="poc_signature_request_drafts", group_name="emitters",
              deps=[key("flag_plan_of_care_followups"), locations_key, patients_key], kinds={"python", "sqlite"},
              description="Per plan of care: the progress report or recertification to the physician for "
                          "signature, and follow-ups on an unsigned plan until it is signed.")
    def poc_signature_request_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                     ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.poc_signature_request import ACTION_TYPE, draft_signature_requests

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_plan_of_care_followups order by flag_id")
            locations = {r["location_id"]: r for r in query_rows(con, "select * from marts.dim_locations")}
            patients = {r["patient_id"]: r for r in query_rows(con, _PATIENT_SQL.format(flag="flag_plan_of_care_followups"))}
        drafts = draft_signature_requests(rows, locations, patients)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    return [eligibility_check_task_drafts, coverage_change_alert_drafts, referral_callback_drafts, intake_item_drafts,
            note_fix_task_drafts, poc_signature_request_drafts]
