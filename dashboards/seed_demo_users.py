"""Create the demo users in the action ledger: `python -m dashboards.seed_demo_users [--locations L01,L02]`.

One user per group-wide role (director, billing, credentialing, admin) with access to every location, and
one front-desk user per location (`frontdesk_<location id lowercased>`) scoped to that location. All get
`RCM_DEMO_PASSWORD`. Running it again updates the same users (idempotent).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

import duckdb

from core.settings import get_settings

GROUP_ROLES = ("director", "billing", "credentialing", "admin")


def snapshot_location_ids() -> list[str]:
    """Location ids from the published snapshot's dim_locations, or [] when nothing is published."""
    pointer = get_settings().serving_pointer
    if not pointer.exists():
        return []
    snapshot_path = json.loads(pointer.read_text()).get("snapshot_path")
    if not snapshot_path:
        return []
    try:
        with duckdb.connect(snapshot_path, read_only=True) as con:
            return [row[0] for row in con.execute("select location_id from dim_locations order by location_id").fetchall()]
    except duckdb.Error:
        return []


def demo_users(location_ids: Sequence[str]) -> list[dict]:
    users = [
        {"username": role, "role": role, "locations": frozenset({"*"}), "display_name": f"Demo {role}"}
        for role in GROUP_ROLES
    ]
    users += [
        {
            "username": f"frontdesk_{location_id.lower()}",
            "role": "front_desk",
            "locations": frozenset({location_id}),
            "display_name": f"Demo front desk {location_id}",
        }
        for location_id in location_ids
    ]
    return users


def seed(location_ids: Sequence[str], ledger=None) -> list[str]:
    """Upsert the demo users; returns their usernames."""
    if ledger is None:
        from ledger import Ledger

        ledger = Ledger(get_settings().ledger_url)
    password = get_settings().demo_password
    created = []
    for user in demo_users(location_ids):
        ledger.upsert_user(user["username"], password, user["role"], user["locations"], user["display_name"])
        created.append(user["username"])
    return created


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", help="comma-separated location ids, used when no snapshot is published yet")
    args = parser.parse_args(argv)
    location_ids = snapshot_location_ids()
    if not location_ids and args.locations:
        location_ids = [loc.strip() for loc in args.locations.split(",") if loc.strip()]
    if not location_ids:
        print("No published snapshot and no --locations given: creating only the group-wide demo users.")
    usernames = seed(location_ids)
    print(f"Demo users ready ({len(usernames)}): {', '.join(usernames)}. Password: RCM_DEMO_PASSWORD.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
