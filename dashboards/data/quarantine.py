"""What ingest quarantined and every file it received. These rows carry no location: group-wide users only."""

from __future__ import annotations

import pandas as pd

from dashboards.data.scope import scoped_query


def quarantine(user) -> pd.DataFrame:
    """What ingest quarantined and why."""
    return scoped_query(
        user,
        "select quarantined_at, source, file_name, line_number, reason from ingest_quarantine "
        "order by quarantined_at desc, file_name, line_number",
        location_column=None,
    )


def file_ledger(user) -> pd.DataFrame:
    return scoped_query(
        user,
        "select received_at, source, file_name, status, rows_loaded, rows_quarantined, file_sha256 "
        "from ingest_file_ledger order by received_at desc, file_name",
        location_column=None,
    )
