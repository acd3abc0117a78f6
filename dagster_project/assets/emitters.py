"""The emitter assets, generated from the action-type registry: one asset per flag model, drafting every
registered type that reads it. Its deps are exactly the type's declared flag and packet models, which are
also the only relations it reads, so the asset graph shows everything a draft depends on."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from core.settings import get_settings
from dagster_project.assets.emitter_support import run_emitter, run_metadata
from dagster_project.resources import LedgerResource, WarehouseResource
from emitters.registry import CHANNEL_WORDS, ActionType, emitter_groups


def _description(types: tuple[ActionType, ...]) -> str:
    drafted = "; ".join(f"{t.human_name} ({t.name}, {CHANNEL_WORDS[t.channel]})" for t in types)
    return f"One draft per flag in {types[0].flag_model}, for a person to approve: {drafted}."


def build_emitter_asset(dbt_models: dg.AssetsDefinition, types: tuple[ActionType, ...]) -> dg.AssetsDefinition:
    inputs = list(dict.fromkeys(model for declared in types for model in declared.inputs))

    @dg.asset(
        name=types[0].emitter_asset,
        group_name="emitters",
        kinds={"python", "sqlite"},
        deps=[get_asset_key_for_model([dbt_models], model) for model in inputs],
        description=_description(types),
    )
    def _emitter(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, ledger: LedgerResource
    ) -> dg.MaterializeResult:
        with warehouse.models() as con:
            run = run_emitter(types, con, ledger.open(), get_settings(), context.run.run_id)
        for item in run.set_aside:  # the reason names the type, the flag and the check: never a patient value
            context.log.warning(item.reason)
        metadata = run_metadata(run)
        return dg.MaterializeResult(
            metadata={
                key: dg.MetadataValue.json(value) if isinstance(value, (dict, list)) else value
                for key, value in metadata.items()
            }
        )

    return _emitter


def build_emitter_assets(dbt_models: dg.AssetsDefinition) -> list[dg.AssetsDefinition]:
    return [build_emitter_asset(dbt_models, types) for types in emitter_groups().values()]
