"""The optional NPPES registry check of every provider's NPI (credentialing): a Dagster asset beside the
emitters that drafts nothing; providers whose registry record does not match are listed in its metadata."""

from collections import defaultdict

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.assets.emitter_support import query_rows
from dagster_project.resources import WarehouseResource


def build_nppes_check_asset(dbt_models: dg.AssetsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        name="nppes_registry_check",
        group_name="emitters",
        deps=[get_asset_key_for_model([dbt_models], "fct_provider_identity")],
        kinds={"python"},
        description="Optional (RCM_NPPES_LOOKUP): every provider NPI looked up in the NPPES NPI Registry; "
        "never fails the run when the registry is unreachable.",
    )
    def nppes_registry_check(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from core.settings import get_nppes_settings
        from dagster_project.nppes import NppesClient, check_providers

        settings = get_nppes_settings()
        if not settings.enabled:
            return dg.MaterializeResult(metadata={"enabled": False, "checked": 0})
        with warehouse.models() as con:
            providers = query_rows(
                con,
                "select provider_id, npi, first_name, last_name from staging.stg_ehr__providers order by provider_id",
            )
        with NppesClient(settings.url, timeout_seconds=settings.timeout_seconds, retries=settings.retries) as client:
            checks = check_providers(providers, client)
        by_status: dict[str, int] = defaultdict(int)
        for check in checks:
            by_status[check.status] += 1
        if by_status.get("unreachable"):
            context.log.warning(f"NPPES registry unreachable for {by_status['unreachable']} provider(s); run continues")
        return dg.MaterializeResult(
            metadata={
                "enabled": True,
                "checked": len(checks),
                "by_status": dg.MetadataValue.json(dict(sorted(by_status.items()))),
                "needs_review": dg.MetadataValue.json(
                    [{"provider_id": c.provider_id, "status": c.status} for c in checks if c.status != "match"]
                ),
            }
        )

    return nppes_registry_check
