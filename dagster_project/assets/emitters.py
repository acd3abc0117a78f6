"""Emitter assets: flag marts -> drafted actions in the ledger (idempotent on flag_id)."""


from collections import defaultdict

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import location_names, query_rows, sync_metadata
from dagster_project.resources import LedgerResource, WarehouseResource


def build_reauth_packet_asset(dbt_models: dg.AssetsDefinition) -> dg.AssetsDefinition:
    flag_key = get_asset_key_for_model([dbt_models], "flag_auths_needing_reauth")
    history_key = get_asset_key_for_model([dbt_models], "fct_authorization_visit_history")
    locations_key = get_asset_key_for_model([dbt_models], "dim_locations")

    @dg.asset(
        name="reauth_packet_drafts",
        group_name="emitters",
        deps=[flag_key, history_key, locations_key],
        kinds={"python", "sqlite"},
        description="One drafted re-authorization packet per flag in flag_auths_needing_reauth.",
    )
    def reauth_packet_drafts(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, ledger: LedgerResource
    ) -> dg.MaterializeResult:
        from emitters.reauth_packet import draft_actions

        with warehouse.connect(read_only=True) as con:
            flags = query_rows(con, "select * from marts.flag_auths_needing_reauth order by flag_id")
            history_rows = query_rows(
                con,
                "select h.* from marts.fct_authorization_visit_history h "
                "join marts.flag_auths_needing_reauth f using (authorization_id) "
                "order by h.authorization_id, h.date_of_service, h.appointment_id",
            )
            locations = location_names(con)
        history: dict[str, list[dict]] = defaultdict(list)
        for row in history_rows:
            history[row["authorization_id"]].append(row)
        drafts = draft_actions(flags, dict(history), locations)
        result = ledger.open().sync_drafts("reauth_packet", drafts, run_id=context.run_id)
        return dg.MaterializeResult(metadata=sync_metadata(flags, drafts, result))

    return reauth_packet_drafts

