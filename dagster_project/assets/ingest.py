"""One ingest asset per source: inbox -> raw tables, with quarantine and GE asset checks."""

import dagster as dg

from core.settings import get_settings, require_inbox
from dagster_project.contracts import contracts_for_source
from dagster_project.ingest.loader import SourceLoadReport, load_source
from dagster_project.ingest.suite_results import current_suite_result
from dagster_project.ingest.x12.readers import all_x12_tables
from dagster_project.resources import WarehouseResource

GE_CHECK = "great_expectations_suite"
CSV_SOURCES = ("ehr", "credentialing", "payroll", "contracts")


def _report_metadata(report: SourceLoadReport) -> dict:
    return {
        "files_loaded": report.count("loaded") + report.count("loaded_with_rejects"),
        "files_rejected": report.count("rejected"),
        "files_redelivered_skipped": report.count("duplicate"),
        "rows_quarantined": report.rows_quarantined,
    }


def build_csv_ingest_asset(source: str) -> dg.AssetsDefinition:
    contracts = contracts_for_source(source)
    keys = {c.__entity__: dg.AssetKey([f"raw_{source}", c.__entity__]) for c in contracts}

    @dg.multi_asset(
        name=f"ingest_{source}",
        specs=[
            dg.AssetSpec(key, group_name="ingest", description=c.__doc_purpose__, kinds={"duckdb", "csv"})
            for c, key in zip(contracts, keys.values(), strict=False)
        ],
        check_specs=[dg.AssetCheckSpec(GE_CHECK, asset=key) for key in keys.values()],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        settings = get_settings()
        require_inbox(settings)  # a missing inbox fails the run instead of loading zero files
        with warehouse.connect() as con:
            report = load_source(con, source, settings.inbox_dir, settings.quarantine_dir)
            suites = {c.__entity__: current_suite_result(con, c) for c in contracts}
        summary = _report_metadata(report)
        context.log.info(f"ingest {source}: {summary}")
        for contract in contracts:
            entity, suite = contract.__entity__, suites[contract.__entity__]
            yield dg.MaterializeResult(
                asset_key=keys[entity],
                metadata={
                    "rows_loaded_this_run": report.rows_loaded_by_table.get(f"raw_{source}.{entity}", 0),
                    "current_rows": suite.rows_checked,
                    **summary,
                },
            )
            yield dg.AssetCheckResult(
                asset_key=keys[entity],
                check_name=GE_CHECK,
                passed=suite.passed and not suite.failed_warnings,
                severity=dg.AssetCheckSeverity.ERROR if suite.failed_errors else dg.AssetCheckSeverity.WARN,
                metadata={
                    "rows_checked": suite.rows_checked,
                    # False: the entity's rows and the suites are unchanged since the run that validated them
                    "validated_this_run": suite.validated_this_run,
                    "failed_error_expectations": "; ".join(suite.failed_errors) or "none",
                    "failed_warning_expectations": "; ".join(suite.failed_warnings) or "none",
                },
            )

    return _ingest


def build_clearinghouse_ingest_asset() -> dg.AssetsDefinition:
    keys = [dg.AssetKey(["raw_clearinghouse", table]) for table in all_x12_tables()]

    @dg.multi_asset(
        name="ingest_clearinghouse",
        specs=[
            dg.AssetSpec(
                key,
                group_name="ingest",
                kinds={"duckdb", "x12"},
                description="X12 transactions from the clearinghouse (835 remittances, ...), parsed and checked",
            )
            for key in keys
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        settings = get_settings()
        require_inbox(settings)  # a missing inbox fails the run instead of loading zero files
        with warehouse.connect() as con:
            report = load_source(
                con,
                "clearinghouse",
                settings.inbox_dir,
                settings.quarantine_dir,
                validate_x12_with_pyx12=settings.validate_x12_with_pyx12,
            )
        summary = _report_metadata(report)
        context.log.info(f"ingest clearinghouse: {summary}")
        for key in keys:
            table = f"{key.path[0]}.{key.path[1]}"
            yield dg.MaterializeResult(
                asset_key=key, metadata={"rows_loaded_this_run": report.rows_loaded_by_table.get(table, 0), **summary}
            )

    return _ingest


def ingest_assets() -> list[dg.AssetsDefinition]:
    return [*(build_csv_ingest_asset(s) for s in CSV_SOURCES), build_clearinghouse_ingest_asset()]
