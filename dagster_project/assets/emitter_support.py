"""What every emitter asset does around the registered draft functions: read its declared relations (digests of
every flag, whole rows only of the flags to draft: emitters/warehouse_inputs.py), draft each registered type
(setting aside what fails a check), sync the drafts into the action ledger (idempotent on flag_id) and describe
the run in the asset's metadata. Plain functions, tested without Dagster.
`query_rows` is re-exported for the pipeline tests that read the warehouse the same way."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from decimal import Decimal

from core.settings import Settings
from emitters.changes import TypeInputs, rows_to_draft
from emitters.context import DraftContext
from emitters.drafting import (
    PIPELINE_READER,
    SET_ASIDE_FILE,
    SetAside,
    as_of_of,
    draft_all,
    query_rows,
    record_set_asides,
)
from emitters.registry import ActionType
from emitters.warehouse_inputs import WarehouseInputs

__all__ = ["flagged_dollars", "query_rows", "run_emitter", "run_metadata"]


@dataclass
class EmitterRun:
    """The outcome of one emitter asset: per type, the drafts, what the ledger did and what was set aside."""

    flag_rows: int
    flagged_dollars: Decimal = Decimal("0.00")  # the flag rows' declared dollars_field, summed
    drafts: dict[str, list] = field(default_factory=dict)  # only the flags whose inputs changed are drafted
    unchanged_inputs: dict[str, int] = field(default_factory=dict)  # flags skipped: the ledger's draft is current
    results: dict[str, object] = field(default_factory=dict)
    set_aside: list[SetAside] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def run_emitter(types: tuple[ActionType, ...], con, book, settings: Settings, run_id: str) -> EmitterRun:
    """Draft every type from the relations `con` holds (only the flags whose inputs changed since the ledger's
    draft of them, see emitters.changes), sync each type into the ledger, record the set-asides."""
    warehouse = WarehouseInputs(con)
    index = warehouse.flag_index(types)
    run = EmitterRun(flag_rows=len(index), flagged_dollars=flagged_dollars(index, types[0].dollars_field))
    as_of = as_of_of(index, settings)
    for declared in types:
        hashes = TypeInputs(declared, as_of, settings, warehouse).input_hashes(index)
        chosen = rows_to_draft(declared, index, hashes, book.draft_input_hashes(declared.name))
        to_draft, packets = warehouse.inputs_to_draft(declared, chosen, len(index)) if chosen else ([], {})
        ctx = DraftContext(
            as_of=as_of,
            settings=settings,
            control_numbers=book.control_numbers,
            packets=packets,
            prior_actions=tuple(book.list_actions(PIPELINE_READER, action_types=[declared.name]))
            if declared.reads_ledger_history
            else (),
        )
        drafts, set_aside = draft_all(declared, to_draft, ctx) if to_draft else ([], [])
        run.drafts[declared.name] = drafts
        run.unchanged_inputs[declared.name] = len(index) - len(to_draft)
        run.set_aside.extend(set_aside)
        held = [item.flag_id for item in set_aside]
        days = declared.due_days_after_raised
        result = book.sync_drafts(
            declared.name,
            drafts,
            run_id=run_id,
            held_flag_ids=held,
            raised_flag_ids=hashes,
            input_hashes=hashes,
            due_if_undated=None if days is None else as_of + timedelta(days=days),
        )
        result.unchanged += run.unchanged_inputs[declared.name]
        run.results[declared.name] = result
        if declared.metadata is not None:
            run.extra.update(declared.metadata(ctx))
    record_set_asides(
        settings.warehouse_path.parent / SET_ASIDE_FILE,
        run_id=run_id,
        action_types=[declared.name for declared in types],
        items=run.set_aside,
    )
    return run


def flagged_dollars(rows: list[dict], dollars_field: str | None) -> Decimal:
    """The dollars behind the flag rows, from the column the registry declares (none declared: zero)."""
    if dollars_field is None:
        return Decimal("0.00")
    return sum((Decimal(str(row[dollars_field] or 0)) for row in rows), Decimal("0.00")).quantize(Decimal("0.01"))


def run_metadata(run: EmitterRun) -> dict:
    """Totals over the asset's types (what a single-type asset always reported), then the same per type."""
    by_location: dict[str, int] = defaultdict(int)
    for drafts in run.drafts.values():
        for draft in drafts:
            by_location[draft.location_id] += 1
    counters = ("drafted", "unchanged", "refreshed", "auto_resolved", "reopened")
    metadata: dict = {
        "flag_rows": run.flag_rows,
        "flagged_dollars": str(run.flagged_dollars),
        "drafts": sum(len(d) for d in run.drafts.values()),
        "unchanged_inputs": sum(run.unchanged_inputs.values()),
    }
    for counter in counters:
        metadata[counter] = sum(getattr(result, counter) for result in run.results.values())
    for name, result in run.results.items():
        metadata[f"{name}_drafts"] = len(run.drafts[name])
        for counter in ("drafted", "unchanged", "auto_resolved"):
            metadata[f"{name}_{counter}"] = getattr(result, counter)
    metadata["flags_by_location"] = dict(sorted(by_location.items()))
    metadata["set_aside_count"] = len(run.set_aside)
    metadata["set_aside"] = [{k: v for k, v in asdict(item).items() if k != "check"} for item in run.set_aside]
    metadata.update(run.extra)
    return metadata
