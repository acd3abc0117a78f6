"""The authorization area's emitter asset: flag_auths_needing_reauth -> re-auth packets in the ledger."""

from collections import defaultdict

import dagster as dg

from dagster_project.assets.emitter_support import flag_emitter_asset, location_names, query_rows


def _reauth_packets(con, flags):
    from emitters.reauth_packet import ACTION_TYPE, draft_actions

    history: dict[str, list[dict]] = defaultdict(list)
    for row in query_rows(
        con,
        "select h.* from marts.fct_authorization_visit_history h "
        "join marts.flag_auths_needing_reauth f using (authorization_id) "
        "order by h.authorization_id, h.date_of_service, h.appointment_id",
    ):
        history[row["authorization_id"]].append(row)
    return ACTION_TYPE, draft_actions(flags, dict(history), location_names(con))


def build_reauth_packet_asset(dbt_models: dg.AssetsDefinition) -> dg.AssetsDefinition:
    return flag_emitter_asset(dbt_models, name="reauth_packet_drafts", flag_model="flag_auths_needing_reauth",
                              extra_models=("fct_authorization_visit_history",), draft=_reauth_packets,
                              description="One drafted re-authorization packet per flag in flag_auths_needing_reauth.")
