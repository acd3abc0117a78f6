"""python -m dashboards.seed_demo_users: one user per group role, one front desk per location, idempotent."""

from __future__ import annotations

from dashboards import seed_demo_users


def _ledger():
    from core.settings import get_settings
    from ledger import Ledger

    return Ledger(get_settings().ledger_url)


def test_seeds_from_the_snapshots_locations_and_is_idempotent(snapshot, password):
    assert seed_demo_users.main([]) == 0
    assert seed_demo_users.main([]) == 0  # a second run updates, never fails or duplicates
    ledger = _ledger()
    for role in ("director", "billing", "credentialing", "admin"):
        user = ledger.authenticate(role, password)
        assert user is not None and user.role == role and "*" in user.locations
    for location_id in ("L01", "L02"):
        user = ledger.authenticate(f"frontdesk_{location_id.lower()}", password)
        assert user.role == "front_desk" and user.locations == frozenset({location_id})
    assert ledger.authenticate("director", "wrong") is None


def test_falls_back_to_the_locations_argument_without_a_snapshot(env, password):
    assert seed_demo_users.main(["--locations", "L07, L09"]) == 0
    ledger = _ledger()
    assert ledger.authenticate("frontdesk_l07", password).locations == frozenset({"L07"})
    assert ledger.authenticate("frontdesk_l09", password) is not None
    assert ledger.authenticate("frontdesk_l01", password) is None
