"""Run one adapter: apply new deliveries to the state, map the state onto the contracts, write the inbox.

Output files are ``<inbox>/<source>/<entity>_<system>.csv``, complete every run (the whole accumulated
state, not the night's delta) and byte-identical when nothing changed, so the ingest's SHA-256 ledger
treats an unchanged night as a re-delivery. The gap report (``gap_report.json`` next to the state) says,
per contract entity, what was delivered, what the mapping supplies, and what the system does not deliver.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.contracts import contracts_for_source

from .mapping import SourceMapping, contract_for
from .state import AdapterState, DeliveryOutcome, table_for_file
from .transform import build_entity


@dataclass
class EntityResult:
    entity: str
    source: str
    status: str  # written | not_written | not_delivered
    rows: int = 0
    delivered_columns: list[str] = field(default_factory=list)
    supplied_columns: dict[str, str] = field(default_factory=dict)  # column -> note
    approximated_columns: dict[str, str] = field(default_factory=dict)  # column -> note
    gap_columns: dict[str, str] = field(default_factory=dict)  # column -> reason
    unusable_cells: dict[str, int] = field(default_factory=dict)  # column -> cells a transform could not use
    reason: str = ""
    output_file: str = ""


@dataclass
class AdapterReport:
    system: str
    deliveries: list[DeliveryOutcome]
    unrecognised_files: list[str]
    entities: list[EntityResult]
    state_rows: dict[str, int]

    def entity(self, name: str) -> EntityResult:
        return next(e for e in self.entities if e.entity == name)

    def gap_report(self) -> dict:
        return {
            "system": self.system,
            "entities": {
                e.entity: {
                    "source": e.source,
                    "status": e.status,
                    "rows": e.rows,
                    "reason": e.reason,
                    "delivered_columns": e.delivered_columns,
                    "supplied_by_mapping": e.supplied_columns,
                    "approximated": e.approximated_columns,
                    "not_delivered": e.gap_columns,
                    "unusable_cells": e.unusable_cells,
                }
                for e in self.entities
            },
        }

    def summary(self) -> dict:
        applied = [d for d in self.deliveries if d.status == "applied"]
        return {
            "files_applied": len(applied),
            "files_already_applied": sum(d.status == "already_applied" for d in self.deliveries),
            "files_redelivered_skipped": sum(d.status == "redelivered" for d in self.deliveries),
            "files_rejected": sum(d.status == "rejected" for d in self.deliveries),
            "files_unrecognised": len(self.unrecognised_files),
            "rows_new": sum(d.counts["new"] for d in applied),
            "rows_updated": sum(d.counts["updated"] for d in applied),
            "rows_removed": sum(d.counts["removed"] for d in applied),
            "rows_skipped_no_unique_id": sum(d.counts["no_unique_id"] for d in applied),
            "rows_skipped_unknown_flag": sum(d.counts["unknown_flag"] for d in applied),
            "entities_written": sum(e.status == "written" for e in self.entities),
            "entities_not_written": sum(e.status == "not_written" for e in self.entities),
            "entities_not_delivered": sum(e.status == "not_delivered" for e in self.entities),
        }


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_bytes() == data:
        return  # unchanged: keep the file (and its timestamp) as it is
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def apply_deliveries(
    state: AdapterState, mapping: SourceMapping, drop_dir: Path
) -> tuple[list[DeliveryOutcome], list[str]]:
    """Apply every delivered CSV in name order (names carry the delivery date, so this is delivery order)."""
    outcomes, unrecognised = [], []
    for path in sorted(p for p in drop_dir.glob("*.csv") if p.is_file()) if drop_dir.exists() else []:
        table = table_for_file(mapping, path.name)
        if table is None:
            unrecognised.append(path.name)
            continue
        outcomes.append(state.apply_file(path, table))
    return outcomes, unrecognised


def run_adapter(mapping: SourceMapping, *, drop_dir: Path, state_dir: Path, inbox_dir: Path) -> AdapterReport:
    with AdapterState(state_dir / "state.duckdb", mapping) as state:
        deliveries, unrecognised = apply_deliveries(state, mapping, drop_dir)
        tables = {name: state.frame(name) for name in mapping.tables}
        state_rows = {name: frame.height for name, frame in tables.items()}

    results: list[EntityResult] = []
    for name, entity in mapping.entities.items():
        contract = contract_for(entity.source, name)
        columns = list(contract.model_fields)
        result = EntityResult(entity=name, source=entity.source, status="written")
        for column in columns:
            spec = entity.columns[column]
            if spec.kind == "gap":
                result.gap_columns[column] = spec.gap
            elif spec.kind == "supplied":
                result.supplied_columns[column] = spec.note or f"constant {spec.constant!r}"
            else:
                result.delivered_columns.append(column)
                if spec.note:
                    result.approximated_columns[column] = spec.note
        required_gaps = [c for c in result.gap_columns if contract.model_fields[c].is_required()]
        if required_gaps:
            # A required column the system does not deliver: writing the entity would mean inventing it.
            result.status = "not_written"
            result.reason = f"required column(s) not delivered: {', '.join(required_gaps)}"
            results.append(result)
            continue
        built = build_entity(mapping, entity, tables, columns, list(contract.__primary_key__))
        result.rows = built.frame.height
        result.unusable_cells = dict(built.unmapped)
        target = inbox_dir / entity.source / f"{name}_{mapping.system}.csv"
        _write_atomic(target, built.frame.write_csv(null_value="", line_terminator="\n").encode("utf-8"))
        result.output_file = str(target)
        results.append(result)

    mapped_sources = {e.source for e in mapping.entities.values()}
    for source in sorted(mapped_sources):
        for contract in contracts_for_source(source):
            if contract.__entity__ not in mapping.entities:
                results.append(
                    EntityResult(
                        entity=contract.__entity__,
                        source=source,
                        status="not_delivered",
                        reason=f"{mapping.name} has no table for this entity",
                        gap_columns=dict.fromkeys(contract.model_fields, "entity not delivered"),
                    )
                )

    report = AdapterReport(mapping.system, deliveries, unrecognised, results, state_rows)
    _write_atomic(state_dir / "gap_report.json", (json.dumps(report.gap_report(), indent=2) + "\n").encode())
    return report
