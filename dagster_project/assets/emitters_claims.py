"""Claims-area emitter assets: flag marts -> drafted actions in the ledger (idempotent on flag_id)."""

from collections import defaultdict
from datetime import date

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import location_names, query_rows, sync_metadata
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
        drafts = {
            corrected_claim.ACTION_TYPE: corrected_claim.draft_actions(
                by_route.get("corrected_claim", []), dict(by_claim), texts, locations, today),
            appeal_letter.ACTION_TYPE: appeal_letter.draft_actions(
                by_route.get("appeal", []), dict(by_claim), patients, plans, dict(visits), locations, today),
            denial_followup.ACTION_TYPE: denial_followup.draft_actions(
                [f for f in flags if f["route"] in denial_followup.ROUTE_TITLES], dict(by_claim), locations),
        }
        metadata: dict = {"flag_rows": len(flags)}
        for action_type, items in drafts.items():
            result = ledger.open().sync_drafts(action_type, items, run_id=context.run_id)
            metadata[f"{action_type}_drafted"] = result.drafted
            metadata[f"{action_type}_unchanged"] = result.unchanged
            metadata[f"{action_type}_auto_resolved"] = result.auto_resolved
        metadata["drafted"] = sum(v for k, v in metadata.items() if k.endswith("_drafted"))
        return dg.MaterializeResult(metadata=metadata)

    return denial_work_drafts
