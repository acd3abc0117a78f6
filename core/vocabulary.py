"""The words every package shares: roles, action statuses and leak areas. Defined once here.

Leak areas come from the dbt seed `leak_areas.csv`, so the marts that group dollars by area and the
pages that name them read the same list."""

from __future__ import annotations

import csv
from functools import cache
from typing import Literal, get_args

from core.settings import PROJECT_ROOT

Role = Literal["director", "billing", "front_desk", "credentialing", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
ROLE_LABELS: dict[str, str] = {
    "director": "Director",
    "billing": "Billing",
    "front_desk": "Front desk",
    "credentialing": "Credentialing",
    "admin": "Administrator",
}
ALL_LOCATIONS = "*"

ActionStatus = Literal["open", "snoozed", "approved", "rejected", "sent", "auto_resolved"]
ACTION_STATUSES: tuple[str, ...] = get_args(ActionStatus)
LIVE_STATUSES = frozenset({"open", "snoozed"})  # still waiting for a person
STATUS_LABELS: dict[str, str] = {
    "open": "Open",
    "snoozed": "Snoozed",
    "approved": "Approved, waiting to send",
    "rejected": "Rejected",
    "sent": "Sent",
    "auto_resolved": "Resolved by newer data",
}

LEAK_AREAS_SEED = PROJECT_ROOT / "dbt" / "seeds" / "leak_areas.csv"


@cache
def leak_areas() -> dict[str, str]:
    """leak_area -> label, in the seed's sort order."""
    with LEAK_AREAS_SEED.open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["sort_order"]))
    return {row["leak_area"]: row["label"] for row in rows}
