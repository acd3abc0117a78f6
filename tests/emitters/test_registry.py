"""The action-type registry and drafting with set-aside: who may approve, what is bulk-approvable, the
whole-word title check, and a failing draft set aside with a reason that carries no patient value."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from core.settings import get_settings
from emitters import registry
from emitters.context import DraftContext
from emitters.drafting import SetAside, describe_check, draft_all, read_set_asides, record_set_asides
from emitters.models import DraftAction
from emitters.registry import (
    ACTION_TYPES,
    ActionType,
    action_type,
    approver_roles,
    can_approve,
    default_channels,
    human_name,
    low_risk_action_types,
)
from ledger import User

CANARY = {
    "first_name": "Quillonette",
    "last_name": "Zephyrwick",
    "member_id": "MBR55501234",
    "date_of_birth": date(2018, 2, 28),
    "guardian_phone": "512-555-0199",
}


def _user(role: str, *locations: str) -> User:
    return User(username=role, display_name=role, role=role, locations=frozenset(locations))


def _draft(title: str, phi: list[str], public: list[str] = ()) -> DraftAction:
    return DraftAction(
        flag_id="f1",
        action_type="note_fix_task",
        location_id="L1",
        title=title,
        recipient="x",
        body="b",
        assigned_role="billing",
        phi_terms=phi,
        public_terms=list(public),
    )


# ----- the registry functions ---------------------------------------------------------------------------------


def test_approvers_and_scope_decide_together():
    billing = _user("billing", "L1")
    assert can_approve(billing, "appeal_letter", "L1")
    assert not can_approve(billing, "appeal_letter", "L2")  # outside the user's locations
    assert not can_approve(_user("front_desk", "*"), "appeal_letter", "L1")  # a role that may not decide
    assert approver_roles("payroll_discrepancy_report") == frozenset({"admin", "director"})
    assert approver_roles("not_a_type") == frozenset() and not can_approve(_user("admin", "*"), "not_a_type", "L1")


def test_bulk_approvable_types_are_reminders_and_internal_tasks_only():
    assert low_risk_action_types() == {
        "visit_reminder",
        "eligibility_check_task",
        "referral_callback",
        "intake_family_nudge",
        "records_request",
    }
    assert all(ACTION_TYPES[name].channel != "clearinghouse" for name in low_risk_action_types())


def test_channels_and_human_names_come_from_the_declarations():
    channels = default_channels()
    assert channels["reauth_packet"] == "fax" and channels["corrected_claim"] == "clearinghouse"
    assert channels["slot_offer"] == "text" and channels["claim_audit_fix"] == "file"
    assert human_name("reauth_packet") == "Re-authorization packet"
    assert human_name("gone_type") == "gone_type"  # an old ledger row of a retired type still shows
    with pytest.raises(KeyError, match="unknown action type 'nope'"):
        action_type("nope")


def test_a_declaration_with_an_unknown_channel_role_or_leak_area_fails_at_import():
    good = ACTION_TYPES["note_fix_task"]
    with pytest.raises(ValueError, match="channel 'pigeon'"):
        dataclasses.replace(good, channel="pigeon")
    with pytest.raises(ValueError, match="approver roles"):
        dataclasses.replace(good, approver_roles=frozenset({"janitor"}))
    with pytest.raises(ValueError, match="leak area 'parking'"):
        dataclasses.replace(good, leak_area="parking")


def test_types_sharing_a_flag_model_must_share_its_asset():
    one = ACTION_TYPES["appeal_letter"]
    with pytest.raises(ValueError, match="feeds two emitter assets"):
        registry._index([one, dataclasses.replace(one, name="appeal_two", asset_name="other_drafts")])


def test_exposures_command_check_passes_on_the_committed_file():
    assert registry.main(["exposures", "--check"]) == 0


# ----- the title check matches whole identifiers ---------------------------------------------------------


def test_a_short_name_inside_a_longer_word_does_not_trip_the_title_check():
    assert _draft("Pediatric note fix for visit V-1", ["Ed"]).title.startswith("Pediatric")
    assert _draft("Medicaid visit V-1 (Reedsville)", ["Ed"])


def test_a_name_that_is_also_the_location_name_does_not_trip_the_title_check():
    assert _draft("Appeal claim C-1 (Austin clinic)", ["Austin"], public=["Austin clinic"])


@pytest.mark.parametrize(
    "title",
    [
        "Call Ed about visit V-1",
        "Note fix: ed, visit V-1",
        "AUSTIN: visit V-1",
        "Appeal claim C-1 for Austin (Austin clinic)",
        "Visit 2018-02-28 (V-1)",
    ],
)
def test_a_whole_identifier_in_the_title_fails_the_check(title):
    with pytest.raises(ValueError, match="title contains a patient identifier"):
        _draft(title, ["Ed", "Austin", "2018-02-28"], public=["Austin clinic"])


@pytest.mark.parametrize(
    ("title", "phi"),
    [
        ("Call José about visit V-1", ["JOSÉ"]),  # non-ASCII on both sides, in another case
        ("Call \u017fam about visit V-1", ["Sam"]),  # a long s: the same letter to a case-insensitive match
        ("Call Sam about visit V-1 (Zoë clinic)", ["sam"]),  # an ASCII name in a title that is not ASCII
    ],
)
def test_names_outside_ascii_are_matched_as_case_insensitively_as_ascii_ones(title, phi):
    with pytest.raises(ValueError, match="title contains a patient identifier"):
        _draft(title, phi)


def test_a_public_name_outside_ascii_is_still_taken_out_of_the_title_before_the_check():
    assert _draft("Appeal claim C-1 (Zoë clinic)", ["Zoë"], public=["ZOË CLINIC"])


# ----- set aside, never stop ---------------------------------------------------------------------------


def _flaky_type(**changes) -> ActionType:
    """note_fix_task with a draft function that fails for rows marked bad, quoting the row's patient values."""

    def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
        drafts = []
        for row in rows:
            if row.get("bad") == "title":  # the model's own check, as a template that put the name in the title
                phi = [row["first_name"], row["last_name"]]
                drafts.append(_draft(f"Note fix for {row['first_name']} {row['last_name']}", phi))
            elif row.get("bad") == "value":
                raise ValueError(
                    f"cannot draft for {row['first_name']} {row['last_name']}, born "
                    f"{row['date_of_birth']}, member {row['member_id']}, phone {row['guardian_phone']}"
                )
            else:
                drafts.append(
                    _draft(f"Note fix for visit {row['flag_id']}", []).model_copy(update={"flag_id": row["flag_id"]})
                )
        return drafts

    return dataclasses.replace(ACTION_TYPES["note_fix_task"], draft=draft, **changes)


def _ctx() -> DraftContext:
    return DraftContext(as_of=date(2026, 3, 2), settings=get_settings(), packets={})


def _canary_free(text: str) -> bool:
    return not any(str(value).lower() in text.lower() for value in [*CANARY.values(), "02/28/2018", "5125550199"])


def test_a_failing_draft_is_set_aside_with_an_actionable_reason_and_the_others_are_drafted():
    rows = [
        {"flag_id": "f-ok-1"},
        {"flag_id": "f-title", "bad": "title", **CANARY},
        {"flag_id": "f-value", "bad": "value", **CANARY},
        {"flag_id": "f-ok-2"},
    ]
    drafts, set_aside = draft_all(_flaky_type(), rows, _ctx())
    assert [d.flag_id for d in drafts] == ["f-ok-1", "f-ok-2"]
    by_flag = {item.flag_id: item for item in set_aside}
    assert set(by_flag) == {"f-title", "f-value"}
    assert "title contains a patient identifier" in by_flag["f-title"].reason
    assert by_flag["f-title"].reason.startswith(
        "Note to fix before billing for flag f-title in flag_note_audit_failures"
    )
    assert "rematerialize note_fix_task_drafts" in by_flag["f-title"].reason
    assert "ValueError: cannot draft for" in by_flag["f-value"].check  # which check, with its values withheld
    for item in set_aside:
        assert _canary_free(item.reason) and _canary_free(item.check), item.reason


def test_rows_drafted_together_are_set_aside_together_and_other_batches_go_on():
    flaky = _flaky_type(batch_key="slot_id")
    rows = [
        {"flag_id": "a1", "slot_id": "S1"},
        {"flag_id": "a2", "slot_id": "S1", "bad": "value", **CANARY},
        {"flag_id": "b1", "slot_id": "S2"},
    ]
    drafts, set_aside = draft_all(flaky, rows, _ctx())
    assert [d.flag_id for d in drafts] == ["b1"]
    assert sorted(item.flag_id for item in set_aside) == ["a1", "a2"]


def test_a_missing_column_is_described_without_values():
    check = describe_check(KeyError("member_id"), [])
    assert check == "a value the draft needs is missing ('member_id')"


def test_the_set_aside_file_replaces_a_types_entries_and_keeps_the_others(tmp_path):
    path = tmp_path / "set_aside.json"
    first = SetAside("note_fix_task", "f1", "check", "reason one")
    other = SetAside("records_request", "f9", "check", "reason nine")
    record_set_asides(path, run_id="r1", action_types=["note_fix_task", "records_request"], items=[first, other])
    record_set_asides(path, run_id="r2", action_types=["note_fix_task"], items=[])  # fixed: cleared
    stored = read_set_asides(path)
    assert stored["note_fix_task"]["items"] == [] and stored["note_fix_task"]["run_id"] == "r2"
    assert stored["records_request"]["items"][0]["reason"] == "reason nine"
    assert read_set_asides(tmp_path / "none.json") == {}
