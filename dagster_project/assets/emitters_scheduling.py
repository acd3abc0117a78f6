"""Scheduling emitter assets: slot offers (one at a time per slot), booking-mismatch alerts,
attendance-policy letters, 48-hour visit reminders, missed-visit fees (where the policy allows) and
schedule-this-patient tasks (open plan of care, nothing booked), each
from its flag mart into the action ledger (idempotent on flag_id)."""

from datetime import datetime, timezone

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import flag_emitter_asset, query_rows, sync_metadata
from dagster_project.resources import LedgerResource, WarehouseResource
from core.settings import get_settings


def _booking_alerts(con, rows):
    from emitters.booking_alert import ACTION_TYPE, draft_booking_alerts

    return ACTION_TYPE, draft_booking_alerts(rows)


def _attendance_letters(con, rows):
    from emitters.attendance_letter import ACTION_TYPE, draft_attendance_letters

    return ACTION_TYPE, draft_attendance_letters(rows)


def _visit_reminders(con, rows):
    from emitters.visit_reminder import ACTION_TYPE, draft_visit_reminders

    return ACTION_TYPE, draft_visit_reminders(rows)


def _missed_visit_fees(con, rows):
    from emitters.missed_visit_fee import ACTION_TYPE, draft_missed_visit_fees

    settings = get_settings()
    return ACTION_TYPE, draft_missed_visit_fees(rows, settings.scheduling_no_show_fee_policy,
                                                settings.scheduling_no_show_fee_amount)


def _schedule_patient_tasks(con, rows):
    from emitters.schedule_patient import ACTION_TYPE, draft_schedule_patient_tasks

    return ACTION_TYPE, draft_schedule_patient_tasks(rows)


def build_scheduling_emitter_assets(dbt_models: dg.AssetsDefinition) -> list[dg.AssetsDefinition]:
    offers_key = get_asset_key_for_model([dbt_models], "flag_open_slot_offers")

    # Slot offers read the ledger too (which families were offered which slot, and when), so this one asset
    # does not fit flag_emitter_asset.
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

    return [
        slot_offer_drafts,
        flag_emitter_asset(dbt_models, name="booking_alert_drafts", flag_model="flag_booking_mismatches",
                           draft=_booking_alerts,
                           description="One front-desk alert per booked visit that breaks a credential or "
                                       "authorization check."),
        flag_emitter_asset(dbt_models, name="attendance_letter_drafts", flag_model="flag_attendance_letters",
                           draft=_attendance_letters,
                           description="One attendance-policy letter per child under the group's attendance policy."),
        flag_emitter_asset(dbt_models, name="visit_reminder_drafts", flag_model="flag_visit_reminders",
                           draft=_visit_reminders,
                           description="One reminder per booked visit in the next 48 hours that knows the "
                                       "authorization."),
        flag_emitter_asset(dbt_models, name="missed_visit_fee_drafts", flag_model="flag_missed_visit_fees",
                           draft=_missed_visit_fees,
                           extra_metadata=lambda: {"fee_policy": get_settings().scheduling_no_show_fee_policy},
                           description="No-show / late-cancel fee notices where the group's policy allows; never "
                                       "for Medicaid."),
        flag_emitter_asset(dbt_models, name="schedule_patient_drafts", flag_model="flag_patients_to_schedule",
                           draft=_schedule_patient_tasks,
                           description="One front-desk task per child with an open plan of care and no visit "
                                       "booked ahead."),
    ]
