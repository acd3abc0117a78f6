"""Scheduling emitter assets: slot offers (one at a time per slot), booking-mismatch alerts,
attendance-policy letters, 48-hour visit reminders, missed-visit fees (where the policy allows) and
schedule-this-patient tasks (open plan of care, nothing booked), each
from its flag mart into the action ledger (idempotent on flag_id)."""

from datetime import datetime, timezone

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import query_rows, sync_metadata
from dagster_project.resources import LedgerResource, WarehouseResource
from dagster_project.settings import get_settings


def build_scheduling_emitter_assets(dbt_models: dg.AssetsDefinition) -> list[dg.AssetsDefinition]:
    offers_key = get_asset_key_for_model([dbt_models], "flag_open_slot_offers")
    mismatches_key = get_asset_key_for_model([dbt_models], "flag_booking_mismatches")
    attendance_key = get_asset_key_for_model([dbt_models], "flag_attendance_letters")
    reminders_key = get_asset_key_for_model([dbt_models], "flag_visit_reminders")
    fees_key = get_asset_key_for_model([dbt_models], "flag_missed_visit_fees")
    to_schedule_key = get_asset_key_for_model([dbt_models], "flag_patients_to_schedule")

    @dg.asset(name="slot_offer_drafts", group_name="emitters", deps=[offers_key], kinds={"python", "sqlite"},
              description="Fill-the-slot offers: the next ranked family per open slot, one offer at a time.")
    def slot_offer_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                          ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.slot_offer import ACTION_TYPE, draft_slot_offers, prior_offers

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_open_slot_offers order by slot_id, match_rank")
        book = ledger.open()
        drafts = draft_slot_offers(rows, prior_offers(book.engine), datetime.now(timezone.utc),
                                   get_settings().scheduling_offer_window_minutes)
        result = book.sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="booking_alert_drafts", group_name="emitters", deps=[mismatches_key], kinds={"python", "sqlite"},
              description="One front-desk alert per booked visit that breaks a credential or authorization check.")
    def booking_alert_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                             ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.booking_alert import ACTION_TYPE, draft_booking_alerts

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_booking_mismatches order by flag_id")
        drafts = draft_booking_alerts(rows)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="attendance_letter_drafts", group_name="emitters", deps=[attendance_key],
              kinds={"python", "sqlite"},
              description="One attendance-policy letter per child under the group's attendance policy.")
    def attendance_letter_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                 ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.attendance_letter import ACTION_TYPE, draft_attendance_letters

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_attendance_letters order by flag_id")
        drafts = draft_attendance_letters(rows)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="visit_reminder_drafts", group_name="emitters", deps=[reminders_key], kinds={"python", "sqlite"},
              description="One reminder per booked visit in the next 48 hours that knows the authorization.")
    def visit_reminder_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                              ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.visit_reminder import ACTION_TYPE, draft_visit_reminders

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_visit_reminders order by flag_id")
        drafts = draft_visit_reminders(rows)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    @dg.asset(name="missed_visit_fee_drafts", group_name="emitters", deps=[fees_key], kinds={"python", "sqlite"},
              description="No-show / late-cancel fee notices where the group's policy allows; never for Medicaid.")
    def missed_visit_fee_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.missed_visit_fee import ACTION_TYPE, draft_missed_visit_fees

        settings = get_settings()
        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_missed_visit_fees order by flag_id")
        drafts = draft_missed_visit_fees(rows, settings.scheduling_no_show_fee_policy,
                                         settings.scheduling_no_show_fee_amount)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        metadata = sync_metadata(rows, drafts, result)
        metadata["fee_policy"] = settings.scheduling_no_show_fee_policy
        return dg.MaterializeResult(metadata=metadata)

    @dg.asset(name="schedule_patient_drafts", group_name="emitters", deps=[to_schedule_key],
              kinds={"python", "sqlite"},
              description="One front-desk task per child with an open plan of care and no visit booked ahead.")
    def schedule_patient_drafts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                                ledger: LedgerResource) -> dg.MaterializeResult:
        from emitters.schedule_patient import ACTION_TYPE, draft_schedule_patient_tasks

        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, "select * from marts.flag_patients_to_schedule order by flag_id")
        drafts = draft_schedule_patient_tasks(rows)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(rows, drafts, result))

    return [slot_offer_drafts, booking_alert_drafts, attendance_letter_drafts, visit_reminder_drafts,
            missed_visit_fee_drafts, schedule_patient_drafts]
