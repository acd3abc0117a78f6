"""Create the demo users in the action ledger: `python -m dashboards.seed_demo_users [--locations L01,L02]`.

One user per group-wide role (director, billing, credentialing, admin) with access to every location, and
one front-desk user per location (`frontdesk_<location id lowercased>`) scoped to that location. All get
`RCM_DEMO_PASSWORD`. Only in demo mode (RCM_MODE=demo): production refuses the shared password anyway.
Running it again creates only users that are missing; a user an administrator changed (role, locations,
disabled, password) keeps the administrator's values.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

import duckdb

from core.settings import get_account_settings, get_settings

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
            rows = con.execute("select location_id from dim_locations order by location_id").fetchall()
            return [row[0] for row in rows]
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


class NotDemoMode(RuntimeError):
    """Demo users with a shared password are refused outside RCM_MODE=demo."""


def seed(location_ids: Sequence[str], ledger=None) -> list[str]:
    """Create the demo users that do not exist yet; returns the usernames created."""
    if not get_account_settings().demo:
        raise NotDemoMode(
            "demo users are seeded only when RCM_MODE=demo; in production create the first "
            "administrator (`python -m ledger create-admin`) and invite everyone else"
        )
    if ledger is None:
        from ledger import Ledger

        ledger = Ledger(get_settings().ledger_url)
    password = get_settings().demo_password
    return [
        user["username"]
        for user in demo_users(location_ids)
        if ledger.add_user_if_missing(
            user["username"], password, user["role"], user["locations"], user["display_name"], actor="system:demo_seed"
        )
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", help="comma-separated location ids, used when no snapshot is published yet")
    args = parser.parse_args(argv)
    location_ids = snapshot_location_ids()
    if not location_ids and args.locations:
        location_ids = [loc.strip() for loc in args.locations.split(",") if loc.strip()]
    if not location_ids:
        print("No published snapshot and no --locations given: creating only the group-wide demo users.")
    try:
        created = seed(location_ids)
    except NotDemoMode as exc:
        print(f"error: {exc}")
        return 2
    names = ", ".join(u["username"] for u in demo_users(location_ids))
    print(f"Demo users ready ({len(created)} new): {names}. Password: RCM_DEMO_PASSWORD.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
