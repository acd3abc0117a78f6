"""How an action row reads to its callers: the effective status (a snooze whose date has come is open), money
as Decimal, checklist and evidence parsed. The draft's `phi_terms` and the pipeline's input hash never leave the
ledger."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal


def effective_status(row, today: date) -> str:
    if row.status == "snoozed" and row.snoozed_until is not None and row.snoozed_until <= today:
        return "open"
    return row.status


def action_dict(row, today: date) -> dict:
    data = dict(row._mapping)
    data.pop("phi_terms_json", None)
    data.pop("input_hash", None)  # the pipeline's bookkeeping of what the draft was made from
    data["stored_status"] = row.status
    data["status"] = effective_status(row, today)
    data["dollars_at_stake"] = Decimal(row.dollars_at_stake)
    data["checklist"] = json.loads(row.checklist_json)
    data["evidence"] = json.loads(row.evidence_json)
    data["is_edited"] = row.body != row.original_body
    return data
