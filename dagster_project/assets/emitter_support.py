"""What every emitter asset does around its pure drafting function: read the flag rows from the warehouse,
sync the drafts into the action ledger (idempotent on flag_id) and describe the sync in the asset's
metadata. One definition, used by every area."""

from collections import defaultdict
from collections.abc import Callable, Sequence

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from dagster_project.resources import LedgerResource, WarehouseResource

# draft(con, flag_rows) -> (action type, drafts). It runs while the read-only warehouse connection is open,
# so it can read the extra rows its letters need (visit history, locations, patients); with
# `with_ledger=True` it is called as draft(con, flag_rows, ledger=...) (e.g. for X12 control numbers).
DraftFn = Callable[..., tuple[str, list]]


def query_rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def location_names(con) -> dict[str, str]:
    return dict(con.execute("select location_id, location_name from marts.dim_locations").fetchall())


def sync_metadata(rows: list[dict], drafts: list, result) -> dict:
    """Counts of the flag rows, the drafts and what the ledger sync did, with drafts per location."""
    by_location: dict[str, int] = defaultdict(int)
    for draft in drafts:
        by_location[draft.location_id] += 1
    return {
        "flag_rows": len(rows), "drafts": len(drafts), "drafted": result.drafted, "unchanged": result.unchanged,
        "refreshed": result.refreshed, "auto_resolved": result.auto_resolved, "reopened": result.reopened,
        "flags_by_location": dg.MetadataValue.json(dict(sorted(by_location.items()))),
    }


def flag_emitter_asset(dbt_models: dg.AssetsDefinition, *, name: str, flag_model: str, description: str,
                       draft: DraftFn, extra_models: Sequence[str] = (), order_by: str = "flag_id",
                       extra_metadata: Callable[[], dict] | None = None,
                       with_ledger: bool = False) -> dg.AssetsDefinition:
    """An emitter asset for one flag mart and one action type: marts.<flag_model> -> draft -> ledger."""
    deps = [get_asset_key_for_model([dbt_models], model) for model in (flag_model, "dim_locations", *extra_models)]

    @dg.asset(name=name, group_name="emitters", deps=deps, kinds={"python", "sqlite"}, description=description)
    def _emitter(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                 ledger: LedgerResource) -> dg.MaterializeResult:
        book = ledger.open()
        with warehouse.connect(read_only=True) as con:
            rows = query_rows(con, f"select * from marts.{flag_model} order by {order_by}")
            action_type, drafts = draft(con, rows, ledger=book) if with_ledger else draft(con, rows)
        result = book.sync_drafts(action_type, drafts, run_id=context.run_id)
        metadata = sync_metadata(rows, drafts, result)
        if extra_metadata is not None:
            metadata.update(extra_metadata())
        return dg.MaterializeResult(metadata=metadata)

    return _emitter
