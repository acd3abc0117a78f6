"""Front-office emitter assets (issue 6): eligibility check tasks, coverage-change alerts, referral
call-backs, family nudges, physician order faxes, records requests, note-fix tasks and plan-of-care signature
requests, each from its flag mart into the action ledger (idempotent on flag_id)."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import flag_emitter_asset, location_names, query_rows
from dagster_project.resources import LedgerResource, WarehouseResource

# Patient fields a fax or records request needs to identify the child; never logged, never in titles.
_PATIENT_SQL = ("select patient_id, first_name, last_name, date_of_birth, primary_care_physician_npi "
                "from marts.dim_patients where patient_id in (select patient_id from marts.{flag})")


def _locations_by_id(con) -> dict[str, dict]:
    return {r["location_id"]: r for r in query_rows(con, "select * from marts.dim_locations")}


def _patients_of(con, flag_model: str) -> dict[str, dict]:
    return {r["patient_id"]: r for r in query_rows(con, _PATIENT_SQL.format(flag=flag_model))}


def _eligibility_checks(con, rows):
    from emitters.eligibility_alerts import CHECK_ACTION_TYPE, draft_check_tasks

    return CHECK_ACTION_TYPE, draft_check_tasks(rows, location_names(con))


def _coverage_changes(con, rows):
    from emitters.eligibility_alerts import CHANGE_ACTION_TYPE, draft_coverage_alerts

    return CHANGE_ACTION_TYPE, draft_coverage_alerts(rows, location_names(con))


def _referral_callbacks(con, rows):
    from emitters.referral_callback import ACTION_TYPE, draft_callbacks

    return ACTION_TYPE, draft_callbacks(rows, location_names(con))


def _note_fixes(con, rows):
    from emitters.note_fix import ACTION_TYPE, draft_note_fixes

    return ACTION_TYPE, draft_note_fixes(rows, location_names(con))


def _signature_requests(con, rows):
    from emitters.poc_signature_request import ACTION_TYPE, draft_signature_requests

    return ACTION_TYPE, draft_signature_requests(rows, _locations_by_id(con),
                                                 _patients_of(con, "flag_plan_of_care_followups"))


def build_front_office_emitter_assets(dbt_models: dg.AssetsDefinition) -> list[dg.AssetsDefinition]:
    def key(model: str) -> dg.AssetKey:
        return get_asset_key_for_model([dbt_models], model)

    # One flag row can need three kinds of draft (family nudge, physician fax, records request), so this
    # asset syncs three action types and does not fit flag_emitter_asset.
    @dg.asset(name="intake_item_drafts", group_name="emitters",
              deps=[key("flag_referral_packet_items_missing"), key("dim_locations"), key("dim_patients")],
              kinds={"python", "sqlite"},
              description="Per missing intake item: a family nudge naming only that item, a fax to the physician "
                          "for the order, or a records request with the signed release attached.")
    def intake_item_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                           ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters import intake_nudge, records_request, referral_fax

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_referral_packet_items_missing order by flag_id")
            locations = _locations_by_id(con)
            patients = _patients_of(con, "flag_referral_packet_items_missing")
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

    return [
        flag_emitter_asset(dbt_models, name="eligibility_check_task_drafts", flag_model="flag_eligibility_checks_due",
                           draft=_eligibility_checks,
                           description="One front-desk task per visit in the lookahead that needs an eligibility "
                                       "check now."),
        flag_emitter_asset(dbt_models, name="coverage_change_alert_drafts", flag_model="flag_coverage_changes",
                           draft=_coverage_changes,
                           description="One front-desk alert per patient whose eligibility answer shows a coverage "
                                       "change."),
        flag_emitter_asset(dbt_models, name="referral_callback_drafts", flag_model="flag_referral_responses_overdue",
                           draft=_referral_callbacks,
                           description="One call-back task per referral past its first-response target."),
        intake_item_drafts,
        flag_emitter_asset(dbt_models, name="note_fix_task_drafts", flag_model="flag_note_audit_failures",
                           draft=_note_fixes,
                           description="One note-fix task per visit failing the nightly note audit (the claim is "
                                       "held)."),
        flag_emitter_asset(dbt_models, name="poc_signature_request_drafts", flag_model="flag_plan_of_care_followups",
                           extra_models=("dim_patients",), draft=_signature_requests,
                           description="Per plan of care: the progress report or recertification to the physician "
                                       "for signature, and follow-ups on an unsigned plan until it is signed."),
    ]
