"""Claims-area emitter assets: flag marts -> drafted actions in the ledger (idempotent on flag_id)."""

from collections import defaultdict
from datetime import date

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import flag_emitter_asset, location_names, query_rows, sync_metadata
from dagster_project.resources import LedgerResource, WarehouseResource


def build_claim_audit_fix_asset(dbt_models: dg.AssetsDefinition) -> dg.AssetsDefinition:
    flag_key = get_asset_key_for_model([dbt_models], "flag_claim_audit_failures")
    failures_key = get_asset_key_for_model([dbt_models], "fct_claim_audit_failures")
    locations_key = get_asset_key_for_model([dbt_models], "dim_locations")

    @dg.asset(
        name="claim_audit_fix_drafts",
        group_name="emitters",
        deps=[flag_key, failures_key, locations_key],
        kinds={"python", "sqlite"},
        description="One drafted claim fix (for billing) per claim in flag_claim_audit_failures.",
    )
    def claim_audit_fix_drafts(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, ledger: LedgerResource
    ) -> dg.MaterializeResult:
        from emitters.claim_audit_fix import ACTION_TYPE, draft_actions

        with warehouse.connect(read_only=True) as con:
            flags = query_rows(con, "select * from marts.flag_claim_audit_failures order by flag_id")
            failure_rows = query_rows(
                con,
                "select f.* from marts.fct_claim_audit_failures f "
                "join marts.flag_claim_audit_failures g using (claim_id) order by f.claim_id, f.line_number, f.rule_name",
            )
            locations = location_names(con)
        failures: dict[str, list[dict]] = defaultdict(list)
        for row in failure_rows:
            failures[row["claim_id"]].append(row)
        drafts = draft_actions(flags, dict(failures), locations)
        result = ledger.open().sync_drafts(ACTION_TYPE, drafts, run_id=context.run_id)
        by_rule: dict[str, int] = defaultdict(int)
        for row in failure_rows:
            by_rule[row["rule_name"]] += 1
        return dg.MaterializeResult(metadata={
            **sync_metadata(flags, drafts, result), "failure_rows": len(failure_rows),
            "failures_by_rule": dg.MetadataValue.json(dict(sorted(by_rule.items()))),
        })

    return claim_audit_fix_drafts


def build_denial_work_asset(dbt_models: dg.AssetsDefinition) -> dg.AssetsDefinition:
    flag_key = get_asset_key_for_model([dbt_models], "flag_denials_to_work")
    denials_key = get_asset_key_for_model([dbt_models], "fct_denials")
    locations_key = get_asset_key_for_model([dbt_models], "dim_locations")

    @dg.asset(
        name="denial_work_drafts",
        group_name="emitters",
        deps=[flag_key, denials_key, locations_key],
        kinds={"python", "sqlite"},
        description=("One draft per row of flag_denials_to_work: a corrected 837P claim (frequency 7), an appeal "
                     "letter, or a follow-up (retro-auth or write-off, re-bill the right payer, fix enrollment)."),
    )
    def denial_work_drafts(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, ledger: LedgerResource
    ) -> dg.MaterializeResult:
        from emitters import appeal_letter, corrected_claim, denial_followup

        with warehouse.connect(read_only=True) as con:
            flags = query_rows(con, "select * from marts.flag_denials_to_work order by flag_id")
            denied = query_rows(con, """
                select d.*, l.documented_minutes
                from marts.fct_denials d
                join marts.flag_denials_to_work f on d.work_flag_id = f.flag_id
                left join intermediate.int_claim_lines_submitted l on d.claim_line_id = l.claim_line_id
                order by d.claim_id, d.line_number""")
            texts = {r["claim_id"]: (r["claim_x12"], r["billing_x12"]) for r in query_rows(con, """
                select distinct l.claim_id, h.claim_x12, t.billing_x12
                from marts.flag_denials_to_work f
                join intermediate.int_claim_lines_submitted l on f.claim_id = l.claim_id
                join staging.stg_clearinghouse__claim_headers h on l.claim_record_id = h.claim_record_id
                join staging.stg_clearinghouse__claim_transactions t on h.claim_transaction_id = t.claim_transaction_id
                where f.route = 'corrected_claim' and h.claim_x12 is not null and t.billing_x12 is not null""")}
            patients = {r["patient_id"]: r for r in query_rows(con, """
                select p.patient_id, p.first_name, p.last_name, p.date_of_birth, c.member_id
                from staging.stg_ehr__patients p
                join (select distinct patient_id from marts.flag_denials_to_work where route = 'appeal') f using (patient_id)
                left join staging.stg_ehr__coverages c on c.patient_id = p.patient_id and c.priority = 1""")}
            plans = {r["patient_id"]: r for r in query_rows(con, """
                select pl.* from intermediate.int_plans_of_care_latest pl
                join (select distinct patient_id from marts.flag_denials_to_work where route = 'appeal') f using (patient_id)""")}
            visit_rows = query_rows(con, """
                select v.patient_id, v.date_of_service from staging.stg_ehr__visits v
                join (select distinct patient_id from marts.flag_denials_to_work where route = 'appeal') f using (patient_id)""")
            locations = location_names(con)
            as_of = con.execute("select max(as_of_date) from marts.fct_denials").fetchone()[0]
        by_claim: dict[str, list[dict]] = defaultdict(list)
        for row in denied:
            by_claim[row["claim_id"]].append(row)
        visits: dict[str, list] = defaultdict(list)
        for row in visit_rows:
            visits[row["patient_id"]].append(row["date_of_service"])
        today = as_of or date.today()
        by_route = {route: [f for f in flags if f["route"] == route] for route in {f["route"] for f in flags}}
        book = ledger.open()
        control_numbers = book.control_numbers(f["flag_id"] for f in by_route.get("corrected_claim", []))
        drafts = {
            corrected_claim.ACTION_TYPE: corrected_claim.draft_actions(
                by_route.get("corrected_claim", []), dict(by_claim), texts, locations, today, control_numbers),
            appeal_letter.ACTION_TYPE: appeal_letter.draft_actions(
                by_route.get("appeal", []), dict(by_claim), patients, plans, dict(visits), locations, today),
            denial_followup.ACTION_TYPE: denial_followup.draft_actions(
                [f for f in flags if f["route"] in denial_followup.ROUTE_TITLES], dict(by_claim), locations),
        }
        metadata: dict = {"flag_rows": len(flags)}
        for action_type, items in drafts.items():
            result = book.sync_drafts(action_type, items, run_id=context.run_id)
            metadata[f"{action_type}_drafted"] = result.drafted
            metadata[f"{action_type}_unchanged"] = result.unchanged
            metadata[f"{action_type}_auto_resolved"] = result.auto_resolved
        metadata["drafted"] = sum(v for k, v in metadata.items() if k.endswith("_drafted"))
        return dg.MaterializeResult(metadata=metadata)

    return denial_work_drafts


def _as_of(con, flag_model: str) -> date:
    return con.execute(f"select max(as_of_date) from marts.{flag_model}").fetchone()[0] or date.today()


def _underpayment_disputes(con, flags):
    from emitters import underpayment_dispute

    return underpayment_dispute.ACTION_TYPE, underpayment_dispute.draft_actions(
        flags, location_names(con), _as_of(con, "flag_underpayment_disputes"))


def _timely_filing_alerts(con, flags):
    from emitters import timely_filing_alert

    return timely_filing_alert.ACTION_TYPE, timely_filing_alert.draft_actions(flags, location_names(con))


def _secondary_claims(con, flags, *, ledger):
    from emitters import secondary_claim

    texts = {r["claim_id"]: (r["claim_x12"], r["billing_x12"]) for r in query_rows(con, """
        select distinct l.claim_id, h.claim_x12, t.billing_x12
        from marts.flag_secondary_claims_due f
        join intermediate.int_claim_lines_submitted l on f.claim_id = l.claim_id
        join staging.stg_clearinghouse__claim_headers h on l.claim_record_id = h.claim_record_id
        join staging.stg_clearinghouse__claim_transactions t on h.claim_transaction_id = t.claim_transaction_id
        where h.claim_x12 is not null and t.billing_x12 is not null""")}
    answers: dict[str, dict[int, dict]] = defaultdict(dict)
    for row in query_rows(con, """
            select p.claim_id, p.line_number, p.latest_paid_amount as paid_amount, p.procedure_code, p.modifiers,
                   coalesce(p.units_paid, p.billed_units) as units, p.latest_remit_line_id
            from marts.fct_remit_line_positions p
            join marts.flag_secondary_claims_due f using (claim_id)
            order by p.claim_id, p.line_number"""):
        answers[row["claim_id"]][row["line_number"]] = {**row, "adjustments": []}
    by_remit_line = {a["latest_remit_line_id"]: a for lines in answers.values() for a in lines.values()}
    for adj in query_rows(con, """
            select a.remit_line_id, a.group_code, a.reason_code, a.amount
            from staging.stg_clearinghouse__remit_adjustments a
            join marts.fct_remit_line_positions p on a.remit_line_id = p.latest_remit_line_id
            join marts.flag_secondary_claims_due f using (claim_id)
            order by a.remit_adjustment_id"""):
        by_remit_line[adj["remit_line_id"]]["adjustments"].append(adj)
    member_ids = dict(con.execute("""
        select c.coverage_id, c.member_id from staging.stg_ehr__coverages c
        join marts.flag_secondary_claims_due f on c.coverage_id = f.secondary_coverage_id""").fetchall())
    return secondary_claim.ACTION_TYPE, secondary_claim.draft_actions(
        flags, texts, dict(answers), member_ids, location_names(con), _as_of(con, "flag_secondary_claims_due"),
        ledger.control_numbers(f["flag_id"] for f in flags))


def build_claims_payment_assets(dbt_models: dg.AssetsDefinition) -> list[dg.AssetsDefinition]:
    """Underpayment disputes, timely-filing alerts and secondary claims: one emitter asset each."""
    return [
        flag_emitter_asset(dbt_models, name="underpayment_dispute_drafts", flag_model="flag_underpayment_disputes",
                           extra_models=("fct_underpayments",), draft=_underpayment_disputes,
                           description="One payment dispute letter (for billing) per line in flag_underpayment_disputes."),
        flag_emitter_asset(dbt_models, name="timely_filing_alert_drafts", flag_model="flag_timely_filing_alerts",
                           extra_models=("fct_visit_claim_reconciliation", "fct_denials"), draft=_timely_filing_alerts,
                           description="One alert (for billing) per claim in flag_timely_filing_alerts: file before the deadline."),
        flag_emitter_asset(dbt_models, name="secondary_claim_drafts", flag_model="flag_secondary_claims_due",
                           extra_models=("fct_remit_line_positions",), draft=_secondary_claims, with_ledger=True,
                           description="One 837P to the secondary payer, carrying the primary's adjudication, per claim in "
                                       "flag_secondary_claims_due."),
    ]
