"""One asset per configured source-system adapter, upstream of the ingest assets.

``RCM_EHR_ADAPTER`` (none | webpt | generic) and ``RCM_CREDENTIALING_ADAPTER`` (none | caqh_proview) pick the
mappings; each asset applies the night's vendor files from ``RCM_ADAPTER_INBOX_DIR/<system>/`` and writes
complete contract CSVs into the inbox, with the gap report in its metadata. With no adapter configured the
ingest assets are returned unchanged.
"""

import dagster as dg

from core.settings import get_adapter_settings, get_settings
from dagster_project.adapters import load_mapping, mapping_path, run_adapter


def build_adapter_asset(system: str) -> dg.AssetsDefinition:
    mapping = load_mapping(mapping_path(system))  # a bad mapping file fails at load, naming file and key

    @dg.asset(
        name=f"adapter_{system}",
        group_name="adapters",
        kinds={"duckdb", "csv"},
        description=f"{mapping.name} files -> extract contract CSVs in the inbox (updates, removals, "
        "rolling windows applied to the adapter's own state; gaps reported)",
    )
    def _adapter(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        adapters = get_adapter_settings()
        report = run_adapter(
            mapping,
            drop_dir=adapters.adapter_inbox_dir / system,
            state_dir=adapters.adapter_state_dir / system,
            inbox_dir=get_settings().inbox_dir,
        )
        summary = report.summary()
        context.log.info(f"adapter {system}: {summary}")  # counts only, never row values
        gaps = {
            e.entity: {
                "status": e.status,
                "rows": e.rows,
                "not_delivered": sorted(e.gap_columns) if e.status != "not_delivered" else "whole entity",
                "supplied_by_mapping": sorted(e.supplied_columns),
                "approximated": sorted(e.approximated_columns),
                "unusable_cells": e.unusable_cells,
            }
            for e in report.entities
        }
        return dg.MaterializeResult(
            metadata={
                **summary,
                "rejected_files": "; ".join(
                    f"{d.file_name}: {d.reason}" for d in report.deliveries if d.status == "rejected"
                )
                or "none",
                "unrecognised_files": ", ".join(report.unrecognised_files) or "none",
                "gap_report_file": dg.MetadataValue.path(str(adapters.adapter_state_dir / system / "gap_report.json")),
                "gaps": dg.MetadataValue.json(gaps),
            }
        )

    return _adapter


def adapter_assets(ingest: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The configured adapter assets plus the ingest assets, made to depend on them."""
    adapters = [build_adapter_asset(system) for system in get_adapter_settings().systems]
    if not adapters:
        return list(ingest)
    upstream = [a.key for a in adapters]
    return [*adapters, *dg.map_asset_specs(lambda spec: spec.merge_attributes(deps=upstream), ingest)]
