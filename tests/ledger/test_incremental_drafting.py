"""A run drafts only the flags whose inputs changed, and ends with the ledger a run drafting every flag would
leave: a new day on a built ledger gives the same open actions, with the same content, as a ledger built from
scratch on that day; flags whose inputs did not change cost no ledger write; a human edit survives as before.
Runs on SQLite and PostgreSQL (the `ledger` fixture)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import sqlalchemy as sa

from core.settings import get_settings
from dagster_project.assets.emitter_support import run_emitter
from emitters.context import LOCATIONS_PACKET, RECIPIENTS_PACKET
from emitters.registry import ACTION_TYPES
from ledger import Ledger, actions
from tests.emitters.conftest import FAST_HASHER, make_poc_flag_row, marts_of

POC = ACTION_TYPES["poc_signature_request"]
# What a person reads on the board and what is sent: equal here means an equal queue.
CONTENT = (
    "flag_id",
    "status",
    "location_id",
    "payer_id",
    "patient_id",
    "title",
    "recipient",
    "body",
    "original_body",
    "checklist_json",
    "evidence_json",
    "dollars_at_stake",
    "due_date",
    "assigned_role",
    "recipient_ref_json",
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-03-02")


def _flag(n: int, **overrides) -> dict:
    return make_poc_flag_row(flag_id=f"f-{n}", patient_id=f"P{n}", plan_of_care_id=f"POC-{n}", **overrides)


def _inputs(flags: list[dict], clinic: str = "Austin clinic") -> dict[str, list[dict]]:
    patients = [
        {
            "patient_id": row["patient_id"],
            "first_name": "Synth",
            "last_name": f"Child{row['patient_id']}",
            "date_of_birth": date(2019, 4, 5),
            "primary_care_physician_npi": "1234567893",
        }
        for row in flags
    ]
    location = {
        "location_id": "L1",
        "location_name": clinic,
        "address_line": "1 Test St",
        "city": "Austin",
        "state": "TX",
        "zip": "78701",
        "facility_npi": "1999999984",
        "time_zone": "America/Chicago",
    }
    return {
        POC.flag_model: flags,
        "packet_plan_of_care_patients": patients,
        LOCATIONS_PACKET: [location],
    }


def _run(book: Ledger, inputs: dict, run_id: str, declared=POC):
    warehouse = marts_of(inputs, empty={RECIPIENTS_PACKET: ("recipient_kind", "recipient_id", "address")})
    run = run_emitter((declared,), warehouse, book, get_settings(), run_id)
    assert not run.set_aside, run.set_aside
    return run


def _actions(book: Ledger) -> dict[str, dict]:
    with book.engine.connect() as conn:
        rows = conn.execute(sa.select(actions).where(actions.c.action_type == POC.name)).mappings().all()
    return {row["flag_id"]: dict(row) for row in rows}


def _open_content(book: Ledger) -> dict[str, tuple]:
    return {
        flag_id: tuple(row[column] for column in CONTENT)
        for flag_id, row in _actions(book).items()
        if row["status"] == "open"
    }


class WriteCounter:
    """Counts the rows a ledger's engine sends in INSERT, UPDATE and DELETE statements (each parameter set of a
    multi-row statement counts)."""

    def __init__(self, engine: sa.Engine):
        self.writes = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement: str, parameters, context, executemany: bool) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.writes += len(parameters) if executemany else 1


DAY_ONE = [_flag(1), _flag(2), _flag(3), _flag(4)]
# The next day: flag 1 unchanged, flag 2's content changed, flag 3 resolved, flag 4 unchanged, flag 5 new.
DAY_TWO = [_flag(1), _flag(2, signature_age_days=52, signature_follow_up_number=7), _flag(4), _flag(5)]


def test_a_new_day_drafts_only_what_changed_and_leaves_the_ledger_a_full_run_from_scratch_would(
    ledger, tmp_path, clock
):
    _run(ledger, _inputs(DAY_ONE), "day-1")
    before = _actions(ledger)
    clock.advance(days=1)

    day_two = _run(ledger, _inputs(DAY_TWO), "day-2")
    result = day_two.results[POC.name]
    assert (result.drafted, result.refreshed, result.unchanged, result.auto_resolved) == (1, 1, 2, 1)
    assert sorted(draft.flag_id for draft in day_two.drafts[POC.name]) == ["f-2", "f-5"]  # only these drafted
    assert day_two.unchanged_inputs[POC.name] == 2

    after = _actions(ledger)
    for untouched in ("f-1", "f-4"):  # not rewritten, not even to note the run
        assert after[untouched] == before[untouched]
    assert after["f-3"]["status"] == "auto_resolved"
    assert after["f-2"]["body"] != before["f-2"]["body"] and after["f-2"]["last_seen_run_id"] == "day-2"

    scratch = Ledger(f"sqlite:///{tmp_path / 'scratch.sqlite'}", clock=clock, password_hasher=FAST_HASHER)
    _run(scratch, _inputs(DAY_TWO), "scratch")
    assert _open_content(ledger) == _open_content(scratch)
    assert set(_open_content(ledger)) == {"f-1", "f-2", "f-4", "f-5"}


def test_a_new_day_reads_whole_rows_only_of_the_flags_it_drafts_and_of_their_packet_rows(ledger, clock):
    given: list[tuple[list[str], list[str]]] = []

    def recording(rows, ctx):
        given.append(
            (
                [row["flag_id"] for row in rows],
                sorted(row["patient_id"] for row in ctx.packet("packet_plan_of_care_patients")),
            )
        )
        return POC.draft(rows, ctx)

    declared = dataclasses.replace(POC, draft=recording)
    _run(ledger, _inputs(DAY_ONE), "day-1", declared)
    clock.advance(days=1)
    _run(ledger, _inputs(DAY_TWO), "day-2", declared)
    assert given == [(["f-1", "f-2", "f-3", "f-4"], ["P1", "P2", "P3", "P4"]), (["f-2", "f-5"], ["P2", "P5"])]


def test_a_run_whose_flags_did_not_change_writes_nothing_to_the_ledger(ledger, clock):
    counter = WriteCounter(ledger.engine)
    _run(ledger, _inputs(DAY_ONE), "day-1")
    assert counter.writes >= 2 * len(DAY_ONE)  # the drafts and their audit events: the counter sees writes
    events = ledger.count_audit_events()
    counter.writes = 0
    clock.advance(days=1)

    again = _run(ledger, _inputs(DAY_ONE), "day-2")
    assert counter.writes == 0
    assert again.drafts[POC.name] == [] and again.results[POC.name].unchanged == len(DAY_ONE)
    assert ledger.count_audit_events() == events


def test_a_change_in_what_every_draft_reads_redrafts_every_flag(ledger):
    _run(ledger, _inputs(DAY_ONE), "day-1")
    renamed = _run(ledger, _inputs(DAY_ONE, clinic="Austin Kids Therapy"), "day-2")
    assert renamed.results[POC.name].refreshed == len(DAY_ONE)
    assert all("Austin Kids Therapy" in row["body"] for row in _actions(ledger).values())


def test_a_human_edit_survives_a_redraft_and_a_skipped_flag_keeps_it(ledger, users, clock):
    _run(ledger, _inputs(DAY_ONE), "day-1")
    action = _actions(ledger)["f-2"]
    edited = action["body"] + "\nCalled the office on Monday."
    ledger.edit_draft(users["admin"], action["action_id"], edited)

    _run(ledger, _inputs(DAY_ONE), "day-2")  # unchanged inputs: skipped
    assert _actions(ledger)["f-2"]["body"] == edited
    _run(ledger, _inputs(DAY_TWO), "day-3")  # changed inputs: refreshed, but never over a person's edit
    row = _actions(ledger)["f-2"]
    assert row["body"] == edited and row["status"] == "open"


def test_an_auto_resolved_flag_raised_again_reopens_even_with_the_inputs_it_had(ledger):
    _run(ledger, _inputs(DAY_ONE), "day-1")
    _run(ledger, _inputs(DAY_TWO), "day-2")
    assert _actions(ledger)["f-3"]["status"] == "auto_resolved"
    back = _run(ledger, _inputs(DAY_ONE), "day-3")
    assert back.results[POC.name].reopened == 1
    assert _actions(ledger)["f-3"]["status"] == "open"
