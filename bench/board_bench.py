"""Approval board at scale: query times with 10,000 open actions over 50 locations.

    .venv/bin/python bench/board_bench.py [--actions 10000] [--locations 50] [--repeat 5]

Builds a temporary ledger through the real pipeline path (`Ledger.sync_drafts`, one audit event per draft),
decides a few hundred actions so the throughput figures have data, then prints the median time of the
board's queries (first page with the filter options, a filter change, page 20, the queue stats) and of a
whole rerun of the board page (Streamlit AppTest), for a director (all locations) and a front-desk user of one
location. Aim: under one second each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher  # noqa: E402

from emitters.models import DraftAction
from ledger import (  # noqa: E402
    Ledger,
    QueueFilter,
    User,  # noqa: E402
    sha256_text,
)

ACTION_TYPES = {  # type -> the role that works it
    "reauth_packet": "front_desk",
    "visit_reminder": "front_desk",
    "eligibility_check_task": "front_desk",
    "claim_audit_fix": "billing",
    "denial_followup": "billing",
}
PAYERS = ["P-AET", "P-MCD", "P-BLU", "P-UHC", "P-CIG"]
PAGE_SIZE = 50


def build_ledger(url: str, n_actions: int, n_locations: int) -> tuple[Ledger, list[str]]:
    rng = random.Random(7)
    ledger = Ledger(url, password_hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    locations = [f"L{i:02d}" for i in range(1, n_locations + 1)]
    drafts: dict[str, list[DraftAction]] = {t: [] for t in ACTION_TYPES}
    types = list(ACTION_TYPES)
    for i in range(n_actions):
        action_type = types[i % len(types)]
        drafts[action_type].append(
            DraftAction(
                flag_id=f"bench-{i}",
                action_type=action_type,
                location_id=locations[i % n_locations],
                payer_id=rng.choice(PAYERS),
                patient_id=f"PT-{i}",
                title=f"Bench action {i}",
                recipient="Payer",
                body=f"Synthetic draft {i}.",
                evidence=[{"row": i}],
                dollars_at_stake=Decimal(rng.randint(5, 2_000)) + Decimal("0.25"),
                due_date=date(2026, 12, 1) + timedelta(days=i % 60),
                assigned_role=ACTION_TYPES[action_type],
            )
        )
    for action_type, batch in drafts.items():
        ledger.sync_drafts(action_type, batch, run_id="bench")
    for username, role in (
        ("bench_director", "director"),
        ("bench_frontdesk", "front_desk"),
        ("bench_billing", "billing"),
    ):
        scope = ["L01"] if role == "front_desk" else ["*"]
        ledger.upsert_user(username, "bench-password", role, scope, username)
    return ledger, locations


def decide_some(ledger: Ledger, count: int) -> None:
    billing = ledger.get_user("bench_billing")
    for action in ledger.queue_page(billing, QueueFilter(action_types=("claim_audit_fix",)), limit=count).rows:
        ledger.approve(billing, action["action_id"], expected_body_sha256=sha256_text(action["body"]))


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--locations", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        ledger, locations = build_ledger(f"sqlite:///{tmp}/bench_ledger.sqlite", args.actions, args.locations)
        decide_some(ledger, 300)
        print(
            f"built ledger: {args.actions:,} actions over {args.locations} locations, "
            f"{ledger.count_audit_events():,} audit events in {time.perf_counter() - start:.1f} s"
        )
        users = {
            "director (all locations)": User(
                username="bench_director", display_name="d", role="director", locations=frozenset({"*"})
            ),
            "front desk (one location)": User(
                username="bench_frontdesk", display_name="f", role="front_desk", locations=frozenset({"L01"})
            ),
        }
        changed = QueueFilter(
            action_types=("visit_reminder", "reauth_packet"),
            payer_ids=("P-AET", "P-MCD"),
            location_ids=tuple(locations[:10]) + ("L01",),
            min_age_days=0,
            max_age_days=30,
        )
        for label, user in users.items():
            open_total = ledger.queue_page(user, QueueFilter(), limit=1).total
            figures = {
                "first page (filter options + page + totals)": lambda u=user: (
                    ledger.queue_filter_options(u),
                    ledger.queue_page(u, QueueFilter(), limit=PAGE_SIZE),
                ),
                "filter change (type, payer, location, age)": lambda u=user: ledger.queue_page(
                    u, changed, limit=PAGE_SIZE
                ),
                "page 20 of the open queue": lambda u=user: ledger.queue_page(
                    u, QueueFilter(), limit=PAGE_SIZE, offset=19 * PAGE_SIZE
                ),
                "queue stats (age buckets, throughput)": lambda u=user: ledger.queue_stats(u),
            }
            print(f"\n{label}: {open_total:,} open actions in scope (median of {args.repeat} runs)")
            for name, fn in figures.items():
                print(f"  {name:<46} {median_seconds(fn, args.repeat) * 1000:8.1f} ms")
            print(
                f"  {'whole board page, rendered (Streamlit AppTest)':<46} "
                f"{median_seconds(page_render(tmp, ledger.url, user), args.repeat) * 1000:8.1f} ms"
            )
    return 0


def page_render(tmp: str, url: str, user: User):
    """A rerun of views/board.py as Streamlit runs it: every query, table, card, bulk list and the stats."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ.update(RCM_LEDGER_URL=url, RCM_DATA_DIR=tmp)
    at = AppTest.from_file(
        str(Path(__file__).resolve().parent.parent / "dashboards" / "views" / "board.py"), default_timeout=60
    )
    at.session_state["user"] = user
    at.session_state["last_active_at"] = time.time()
    at.run()  # the first run opens (and audits) the first card; the timed reruns are what a person waits for
    if at.exception:
        raise RuntimeError(at.exception)

    def rerun():
        at.session_state["last_active_at"] = time.time()
        at.run()

    return rerun


if __name__ == "__main__":
    sys.exit(main())
