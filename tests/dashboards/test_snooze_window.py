"""The snooze date a person is offered: never after the action's due date, never past a slot offer's slot."""

from __future__ import annotations

from datetime import date

from dashboards.data import snooze_window

TODAY = date(2026, 3, 2)


def test_a_task_defaults_to_a_week_when_its_due_date_is_further_or_missing():
    assert snooze_window("note_fix_task", date(2026, 3, 20), TODAY) == (date(2026, 3, 9), None)
    assert snooze_window("note_fix_task", None, TODAY) == (date(2026, 3, 9), None)


def test_a_task_due_sooner_defaults_to_its_due_date_and_a_past_due_one_to_a_week():
    assert snooze_window("note_fix_task", date(2026, 3, 4), TODAY) == (date(2026, 3, 4), None)
    assert snooze_window("note_fix_task", date(2026, 2, 20), TODAY) == (date(2026, 3, 9), None)


def test_a_slot_offer_never_snoozes_past_its_slot():
    assert snooze_window("slot_offer", date(2026, 3, 5), TODAY) == (date(2026, 3, 5), date(2026, 3, 5))
    assert snooze_window("slot_offer", date(2026, 3, 3), TODAY) == (date(2026, 3, 3), date(2026, 3, 3))
    assert snooze_window("slot_offer", date(2026, 3, 20), TODAY) == (date(2026, 3, 9), date(2026, 3, 20))


def test_a_slot_offer_for_today_or_a_past_slot_cannot_be_snoozed():
    assert snooze_window("slot_offer", TODAY, TODAY) is None
    assert snooze_window("slot_offer", date(2026, 3, 1), TODAY) is None
    assert snooze_window("slot_offer", None, TODAY) is None
