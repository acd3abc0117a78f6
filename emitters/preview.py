"""`python -m emitters.registry draft <type>`: the fast loop for whoever writes a draft function or its template.

Reads the type's declared relations from the warehouse file (read-only, the same `select * from marts.<model>`
the emitter asset runs), drafts, and prints what a coordinator would see on the board, plus every draft set
aside and why. It writes nothing: no ledger sync, no set-aside file. Control numbers are numbered from 1 here
(the asset takes them from the ledger). Bodies carry patient identifiers, so they print only with --body.
"""

from __future__ import annotations

from itertools import count
from pathlib import Path

import duckdb

from core.settings import get_settings

from .context import DraftContext
from .drafting import PIPELINE_READER, as_of_of, draft_all, read_inputs
from .registry import ActionType


def _local_control_numbers():
    numbers = count(1)
    return lambda flag_ids: {flag_id: next(numbers) for flag_id in flag_ids}


def preview(declared: ActionType, *, limit: int = 3, warehouse: Path | None = None, body: bool = False) -> int:
    settings = get_settings()
    path = warehouse or settings.warehouse_path
    if not path.exists():
        print(f"no warehouse at {path}: build the flag model first (see docs/extending.md)")
        return 2
    with duckdb.connect(str(path), read_only=True) as con:
        try:
            inputs = read_inputs(con, (declared,))
        except duckdb.CatalogException:
            print(
                f"{path} does not hold every input of {declared.name} yet: build them first with\n"
                f"  dbt build --project-dir dbt --profiles-dir dbt --select {' '.join(declared.inputs)}"
            )
            return 2
    prior: tuple[dict, ...] = ()
    if declared.reads_ledger_history:
        from ledger import Ledger

        prior = tuple(Ledger(settings.ledger_url).list_actions(PIPELINE_READER, action_types=[declared.name]))
    rows = sorted(inputs[declared.flag_model], key=lambda row: str(row["flag_id"]))
    ctx = DraftContext(
        as_of=as_of_of(rows, settings),
        settings=settings,
        control_numbers=_local_control_numbers(),
        packets={model: inputs[model] for model in declared.packet_models},
        prior_actions=prior,
    )
    drafts, set_aside = draft_all(declared, rows, ctx)
    print(
        f"{declared.human_name} ({declared.name}): {len(rows)} rows in {declared.flag_model}, "
        f"{len(drafts)} drafts, {len(set_aside)} set aside"
    )
    for item in set_aside:
        print(f"  SET ASIDE {item.reason}")
    for draft in drafts[:limit]:
        print(
            f"\n- {draft.title}\n  to {draft.recipient} | ${draft.dollars_at_stake} | "
            f"due {draft.due_date or 'when first drafted'} | for {draft.assigned_role} at {draft.location_id}"
        )
        for item in draft.checklist:
            print(f"  [{'x' if item.present else ' '}] {item.item}{': ' + item.detail if item.detail else ''}")
        if body:
            print("\n" + draft.body)
    return 0
