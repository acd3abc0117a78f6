"""What every emitter asset does around its pure drafting function: read flag rows from the warehouse,
and describe the ledger sync in the asset's metadata. One definition, used by all areas."""

from collections import defaultdict

import dagster as dg


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
