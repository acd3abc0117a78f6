"""Approval board: one queue of drafted actions in scope; a person edits, approves, rejects or snoozes each."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from dashboards import auth, data

STATUSES = ["open", "snoozed", "approved", "rejected", "sent", "auto_resolved"]

user = auth.require_user()
st.title("Approval board")

flash = st.session_state.pop("board_flash", None)
if flash:
    st.success(flash)

everything = data.actions(user)  # for the filter options: only what this user may see
filter_columns = st.columns(4)
chosen_locations = filter_columns[0].multiselect(
    "Location", sorted({a["location_id"] for a in everything}), key="board_filter_locations"
)
chosen_types = filter_columns[1].multiselect(
    "Type", sorted({a["action_type"] for a in everything}), key="board_filter_types"
)
chosen_payers = filter_columns[2].multiselect(
    "Payer", sorted({a["payer_id"] for a in everything if a["payer_id"]}), key="board_filter_payers"
)
chosen_statuses = filter_columns[3].multiselect("Status", STATUSES, default=["open"], key="board_filter_statuses")

queue = data.actions(
    user,
    statuses=chosen_statuses,
    action_types=chosen_types,
    location_ids=chosen_locations,
    payer_ids=chosen_payers,
)


def _age_days(created_at) -> int:
    created = pd.Timestamp(created_at)
    if created.tzinfo is None:
        created = created.tz_localize(timezone.utc)
    return (datetime.now(timezone.utc) - created.to_pydatetime()).days


count_col, money_col, age_col = st.columns(3)
count_col.metric("Actions in this queue", len(queue))
money_col.metric("Dollars behind them", f"${float(sum(a['dollars_at_stake'] or 0 for a in queue)):,.2f}")
age_col.metric("Oldest (days)", max((_age_days(a["created_at"]) for a in queue), default=0))

if not queue:
    st.info("Nothing in this queue. Change the filters to see decided actions.")
    st.stop()

table = pd.DataFrame(queue)[
    ["title", "location_id", "payer_id", "dollars_at_stake", "due_date", "status", "assigned_role", "action_id"]
]
table["dollars_at_stake"] = table["dollars_at_stake"].astype(float)
st.dataframe(
    table,
    hide_index=True,
    column_config={"dollars_at_stake": st.column_config.NumberColumn("Dollars at stake", format="dollar")},
    key="board_queue",
)

by_id = {a["action_id"]: a for a in queue}
linked = st.query_params.get("action")
selected_id = st.selectbox(
    "Card",
    options=list(by_id),
    index=list(by_id).index(linked) if linked in by_id else 0,
    format_func=lambda i: f"${by_id[i]['dollars_at_stake']:,.2f} · due {by_id[i]['due_date'] or 'n/a'} · {by_id[i]['title']}",
    key="board_selected_action",
)
card = by_id[selected_id]
# Opening a card is a view of a patient-level record: the ledger audits it. Once per session and card,
# not on every rerun, so the trail shows who looked at what without one event per click.
opened = st.session_state.setdefault("board_opened_ids", set())
if selected_id not in opened:
    if data.action(user, selected_id) is None:
        st.error("This action is not in your locations.")
        st.stop()
    opened.add(selected_id)

st.subheader(card["title"])
st.caption(f"{card['action_type'].replace('_', ' ')} · {card['location_id']} · status {card['status']} · to {card['recipient']}")
money_col, due_col, role_col = st.columns(3)
money_col.metric("Dollars at stake", f"${float(card['dollars_at_stake'] or 0):,.2f}")
due_col.metric("Due", str(card["due_date"] or "n/a"))
role_col.metric("Worked by", card["assigned_role"].replace("_", " "))
if card.get("snoozed_until"):
    st.caption(f"Snoozed until {card['snoozed_until']}")

st.markdown("**Why it was raised**")
evidence = card.get("evidence") or json.loads(card.get("evidence_json") or "[]")
if evidence:
    st.dataframe(pd.DataFrame(evidence), hide_index=True, key="board_evidence")
else:
    st.caption("No evidence rows were attached.")

st.markdown("**Checklist**")
checklist = card.get("checklist") or json.loads(card.get("checklist_json") or "[]")
if checklist:
    st.dataframe(
        pd.DataFrame(checklist),
        hide_index=True,
        column_config={"present": st.column_config.CheckboxColumn("Present")},
        key="board_checklist",
    )
else:
    st.caption("No checklist for this action.")

st.markdown("**Draft**")
# Shown as plain text, never as HTML or Markdown: a draft is built from extract data and may contain markup.
st.code(card["body"], language=None, wrap_lines=True)
if card["original_body"] and card["original_body"] != card["body"]:
    with st.expander("Original draft (before edits)"):
        st.code(card["original_body"], language=None, wrap_lines=True)

blocked = data.decision_block_reason(user, card)
if blocked:
    st.info(blocked)


def _decide(label: str, fn, *args) -> None:
    """Run one ledger decision; on success say so and rerun, on refusal show the ledger's reason."""
    from emitters.ledger import InvalidTransition, PermissionDenied

    try:
        fn(user, card["action_id"], *args)
    except (PermissionDenied, InvalidTransition, ValueError) as exc:
        st.error(f"{label} failed: {exc}")
        return
    st.session_state["board_flash"] = f"{label}: {card['title']}"
    st.rerun()


action_id = card["action_id"]
new_body = st.text_area("Edit the draft", value=card["body"], height=260, key=f"board_edit_{action_id}", disabled=bool(blocked))
if st.button("Save draft", key="board_save", disabled=bool(blocked), help=blocked):
    if new_body == card["body"]:
        st.info("No changes to save.")
    else:
        _decide("Draft saved", data.save_draft, new_body)

approve_col, reject_col, snooze_col = st.columns(3)
with approve_col:
    if st.button("Approve", key="board_approve", type="primary", disabled=bool(blocked), help=blocked):
        _decide("Approved", data.approve)
with reject_col:
    reason = st.text_input("Reason for rejecting (required)", key=f"board_reject_reason_{action_id}", disabled=bool(blocked))
    if st.button("Reject", key="board_reject", disabled=bool(blocked), help=blocked):
        if not reason.strip():
            st.error("Give a reason to reject this draft.")
        else:
            _decide("Rejected", data.reject, reason)
with snooze_col:
    tomorrow = date.today() + timedelta(days=1)
    until = st.date_input(
        "Snooze until", value=date.today() + timedelta(days=7), min_value=tomorrow, key=f"board_snooze_until_{action_id}",
        disabled=bool(blocked),
    )
    if st.button("Snooze", key="board_snooze", disabled=bool(blocked), help=blocked):
        _decide("Snoozed", data.snooze, until)

with st.expander("History of this action"):
    events = data.action_events(user, action_id)
    if events:
        st.dataframe(
            pd.DataFrame(events)[["occurred_at", "event_type", "actor", "actor_role", "detail_json"]],
            hide_index=True,
            key="board_history",
        )
    else:
        st.caption("No events yet.")
