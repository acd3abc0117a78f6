"""Running a registered draft function over its flag rows without letting one bad row stop the rest.

A draft that fails a check (a `DraftAction` validator, or any ValueError a draft function raises for one row)
is set aside with a reason a person can act on: which type, which flag, which check, and never a patient value.
Every other draft of the type, and every other type, goes on. The emitter asset records the set-asides in its
metadata and in `set_aside.json` beside the warehouse (`record_set_asides`), which the board can list.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from core.settings import Settings
from ledger import User

from .context import DraftContext
from .models import DraftAction
from .registry import ActionType
from .values import as_date

# What a draft function raises for bad data in one row: a failed check (ValueError, which pydantic's
# ValidationError is), a missing column or packet row (KeyError), a None where a value was expected
# (TypeError), a malformed amount (ArithmeticError covers decimal.InvalidOperation).
DRAFT_ERRORS = (ValueError, KeyError, TypeError, ArithmeticError)
SET_ASIDE_FILE = "set_aside.json"

# Shapes that are patient values whatever column they came from: dates, and runs of digits long enough to be a
# member id, phone number or medical record number.
_DATE_LIKE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")
_LONG_DIGITS = re.compile(r"\d{5,}")
_REDACTED = "[value withheld]"
# The pipeline reads its own earlier drafts (slot offers) through the ledger's scoped read API, as a reader who
# sees every location; it never decides anything.
PIPELINE_READER = User(
    username="pipeline", display_name="Pipeline (read-only)", role="admin", locations=frozenset({"*"})
)


def query_rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=False)) for values in cursor.fetchall()]


def read_inputs(con, types: Iterable[ActionType]) -> dict[str, list[dict]]:
    """`select * from marts.<model>` for each declared input of these types, and nothing else."""
    models = dict.fromkeys(model for declared in types for model in declared.inputs)
    return {model: query_rows(con, f"select * from marts.{model}") for model in models}


def as_of_of(rows: list[dict], settings: Settings) -> date:
    """The rule's as-of date, as the flag rows carry it; the as-of setting when there are no rows."""
    dates = [d for d in (as_date(row.get("as_of_date")) for row in rows) if d]
    return max(dates) if dates else settings.as_of_date


@dataclass(frozen=True)
class SetAside:
    action_type: str
    flag_id: str
    check: str  # which check failed, in words, with no patient values
    reason: str  # what a person reads: the type, the flag, the check and what to do


def draft_all(declared: ActionType, rows: list[dict], ctx: DraftContext) -> tuple[list[DraftAction], list[SetAside]]:
    """The type's drafts for these flag rows, and the rows set aside. One call over every row first (the common
    case costs nothing extra); when it fails, each batch (rows sharing `batch_key`) is drafted alone so only the
    failing batches are set aside."""
    try:
        return declared.draft(rows, ctx), []
    except DRAFT_ERRORS:
        pass
    batches: dict[object, list[dict]] = {}
    for row in rows:
        batches.setdefault(row[declared.batch_key], []).append(row)
    drafts: list[DraftAction] = []
    set_aside: list[SetAside] = []
    packet_values = _text_values(row for rows in ctx.packets.values() for row in rows)
    for batch in batches.values():
        try:
            drafts.extend(declared.draft(batch, ctx))
        except DRAFT_ERRORS as error:
            check = describe_check(error, packet_values | _text_values(batch))
            set_aside.extend(_set_aside(declared, str(row["flag_id"]), check) for row in batch)
    return drafts, set_aside


def describe_check(error: BaseException, patient_values: Iterable[str] = ()) -> str:
    """Which check failed, in words: the validator's own message for a DraftAction check, else the error's
    message with every value of the failing rows (and anything shaped like a date or an id) withheld."""
    if isinstance(error, ValidationError):
        parts = []
        for item in error.errors(include_input=False, include_url=False):
            where = ".".join(str(part) for part in item["loc"]) or "draft"
            message = item["msg"].removeprefix("Value error, ")
            parts.append(f"{where}: {message}" if item["loc"] else message)
        return "; ".join(parts)
    if isinstance(error, KeyError):
        return f"a value the draft needs is missing ({_withhold(str(error), patient_values)})"
    message = _withhold(str(error), patient_values) or "no message"
    return f"{type(error).__name__}: {message}"


def _withhold(text: str, patient_values: Iterable[str]) -> str:
    for value in sorted(set(patient_values), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", _REDACTED, text, flags=re.IGNORECASE)
    text = _DATE_LIKE.sub(_REDACTED, text)
    return _LONG_DIGITS.sub(_REDACTED, text)


def _text_values(rows: Iterable[dict]) -> set[str]:
    """Every short text value and date of the rows: what an error message may have quoted."""
    values: set[str] = set()
    for row in rows:
        for value in row.values():
            if isinstance(value, (date, datetime)):
                values.add(value.isoformat()[:10])
            elif isinstance(value, str) and 2 <= len(value.strip()) <= 80:
                values.add(value.strip())
    return values


def _set_aside(declared: ActionType, flag_id: str, check: str) -> SetAside:
    reason = (
        f"{declared.human_name} for flag {flag_id} in {declared.flag_model} was set aside: {check}. "
        f"Correct the source data or the draft's template, then rematerialize {declared.emitter_asset}."
    )
    return SetAside(declared.name, flag_id, check, reason)


# ----- the set-aside list the board shows ----------------------------------------------------------------


def record_set_asides(path: Path, *, run_id: str, action_types: Iterable[str], items: list[SetAside]) -> None:
    """Replace these types' entries in the set-aside file with this run's (an empty list clears a type), written
    atomically so a reader never sees half a file."""
    current = read_set_asides(path)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for name in action_types:
        current[name] = {
            "run_id": run_id,
            "recorded_at": now,
            "items": [asdict(item) for item in items if item.action_type == name],
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".json.tmp")
    scratch.write_text(json.dumps(current, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(scratch, path)


def read_set_asides(path: Path) -> dict[str, dict]:
    """action type -> {run_id, recorded_at, items: [{action_type, flag_id, check, reason}]}; empty when none."""
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
