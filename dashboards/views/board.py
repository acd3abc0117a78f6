"""Approval board: one queue of drafted actions in scope; a person edits, approves, rejects, snoozes or reassigns
each, bulk-approves similar low-risk drafts after one confirmation, and sees queue age and throughput.

The ledger filters, sorts and pages in SQL (`data.action_queue`), so the board stays fast with 10,000 open actions:
urgent cards (a slot offer, anything due by tomorrow) first across the whole queue, then dollars, then due date.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st

from dashboards import data, ui
from dashboards.views.failed_sends import render_failed_sends

STATUSES = ["open", "snoozed", "approved", "rejected", "sent", "auto_resolved"]
QUEUE_COLUMNS = [
    "urgency",
    "title",
    "type",
    "location_id",
    "dollars_at_stake",
    "due_date",
    "status",
    "worked_by",
    "action_id",
]
# Evidence keys that say why a flag was raised, in the order they are read; the rest are facts.
WHY_KEYS = ("flag_reasons", "why", "reason", "leak_reason", "alert_reason", "failure_detail", "blocking_reason")
FACTS_SHOWN = 6
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")  # a stored timestamp inside a flag's facts
# Evidence keys never shown as facts: references a coordinator does not act on.
HIDDEN_FACT_KEYS = ("flag_id", "rule_name", "rule_version", "as_of_date", "patient_id", "coverage_id", "location_id")
EXPORT_COLUMNS = [
    "action_id",
    "action_type",
    "title",
    "location_id",
    "payer_id",
    "dollars_at_stake",
    "due_date",
    "status",
    "assigned_role",
    "assignee",
    "created_at",
]

user = ui.require_user()
settings = data.board_settings()
st.title("Approval board")
render_failed_sends(user)  # webhook sends that failed, with a retry

flash = st.session_state.pop("board_flash", None)
if flash:
    st.success(flash)
flash_detail = st.session_state.pop("board_flash_detail", None)
if flash_detail:
    st.info(flash_detail)
flash_error = st.session_state.pop("board_flash_error", None)
if flash_error:
    st.error(flash_error)


def _as_date(value) -> date | None:
    """A due date as the ledger returns it (date, datetime, ISO text or missing) as a date."""
    if value is None or (not isinstance(value, (str, date)) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _age_days(created_at) -> int:
    created = pd.Timestamp(created_at)
    if created.tzinfo is None:
        created = created.tz_localize(UTC)
    return (datetime.now(UTC) - created.to_pydatetime()).days


# ----- filters and the page of the queue -----------------------------------------------------------

options = data.queue_filter_options(user)  # only what this user may see
filter_columns = st.columns(6)
location_names = ui.location_names(user)
payer_names = ui.payer_names(user)
# A person's default view is the work they can approve; the Type filter widens it.
approvable = [t for t in options["action_types"] if data.may_approve_type(user, t)]
chosen_locations = filter_columns[0].multiselect(
    "Location",
    options["location_ids"],
    format_func=lambda loc: location_names.get(loc, loc),
    key="board_filter_locations",
)
chosen_types = filter_columns[1].multiselect(
    "Type",
    options["action_types"],
    default=approvable,
    format_func=data.action_type_label,
    key="board_filter_types",
    help="Starts with the types your role may approve.",
)
chosen_payers = filter_columns[2].multiselect(
    "Payer", options["payer_ids"], format_func=lambda p: payer_names.get(p, p), key="board_filter_payers"
)
chosen_statuses = filter_columns[3].multiselect(
    "Status", STATUSES, default=["open"], format_func=ui.value_label, key="board_filter_statuses"
)
chosen_age = filter_columns[4].selectbox("Age", list(data.QUEUE_AGE_FILTERS), key="board_filter_age")
only_mine = filter_columns[5].checkbox("Assigned to me", key="board_filter_mine")
filters = {
    "statuses": chosen_statuses,
    "action_types": chosen_types,
    "location_ids": chosen_locations,
    "payer_ids": chosen_payers,
    "age": chosen_age,
    "assignee": user.username if only_mine else None,
}
# Whose queue it is belongs to the signature: a prepared export never serves another user or older access.
signature = json.dumps({**filters, "for": [user.username, user.role, sorted(user.locations)]}, sort_keys=True)
if st.session_state.get("board_filter_signature") != signature:
    st.session_state["board_filter_signature"] = signature
    st.session_state["board_page"] = 1  # a filter change starts again at the first page

page_number = int(st.session_state.get("board_page", 1))
queue = data.action_queue(user, **filters, page=page_number - 1, page_size=settings.page_size)
page_count = max(1, -(-queue.total // settings.page_size))
if page_number > page_count:
    page_number = st.session_state["board_page"] = page_count
    queue = data.action_queue(user, **filters, page=page_number - 1, page_size=settings.page_size)

count_col, money_col, age_col = st.columns(3)
count_col.metric("Actions in this queue", f"{queue.total:,}")
money_col.metric("Dollars behind them", ui.format_money(queue.total_dollars))
age_col.metric("Oldest (days)", _age_days(queue.oldest_created_at) if queue.oldest_created_at else 0)


def _queue_section() -> None:
    if not queue.rows:
        st.info("Nothing in this queue. Change the filters to see decided actions.")
        return
    table = pd.DataFrame(queue.rows)
    table["dollars_at_stake"] = table["dollars_at_stake"].astype(float)
    table["urgency"] = ["Urgent" if data.is_urgent(r) else "" for r in queue.rows]
    table["type"] = table["action_type"].map(data.action_type_label)
    table["location_id"] = table["location_id"].map(lambda loc: location_names.get(loc, loc))
    table["worked_by"] = [r.get("assignee") or ui.value_label(r["assigned_role"]) for r in queue.rows]
    ui.table(
        user,
        table,
        columns=QUEUE_COLUMNS,
        key="board_queue",
        labels={"location_id": "Clinic", "urgency": "Urgent", "worked_by": "Worked by"},
    )
    page_col, export_col = st.columns([1, 3])
    page_col.number_input(f"Page (of {page_count})", min_value=1, max_value=page_count, step=1, key="board_page")
    first = (page_number - 1) * settings.page_size + 1
    export_col.caption(f"Rows {first:,}–{first + len(queue.rows) - 1:,} of {queue.total:,}")
    _export_section()


def _export_section() -> None:
    """CSV of the whole filtered queue, built on request (not on every rerun) and downloaded through the audit."""
    prepared = st.session_state.get("board_export")
    if prepared is None or prepared["signature"] != signature:
        if st.button("Prepare a CSV of this queue", key="board_export_prepare"):
            everything = data.action_queue(user, **filters, page=0, page_size=max(queue.total, 1)).rows
            frame = pd.DataFrame(everything).reindex(columns=EXPORT_COLUMNS)
            frame["dollars_at_stake"] = pd.to_numeric(frame["dollars_at_stake"])  # a number, not text, in the CSV
            st.session_state["board_export"] = prepared = {
                "signature": signature,
                "csv": ui.csv_text(frame),
                "row_count": len(frame),
                "location_ids": sorted({r["location_id"] for r in everything}),
            }
        else:
            return
    ui.audited_download(
        user,
        label=f"Download the queue as CSV ({prepared['row_count']:,} rows)",
        data=prepared["csv"],
        file_name=f"approval_queue_{date.today().isoformat()}.csv",
        mime="text/csv",
        what="approval board queue",
        location_ids=prepared["location_ids"],
        row_count=prepared["row_count"],
        key="board_export_download",
    )


_queue_section()


# ----- the card ----------------------------------------------------------------------------------


def _decide(label: str, fn, card: dict, *args, then: str | None = None) -> None:
    """Run one ledger decision; on success say so (and what happens `then`) and rerun, on refusal show the
    ledger's reason."""
    try:
        fn(user, card["action_id"], *args)
    except (*data.DecisionRefused, ValueError) as exc:
        st.error(f"{label} failed: {ui.plain(exc)}")
        return
    st.session_state["board_flash"] = f"{label}: {ui.plain(card['title'])}"
    if then:
        st.session_state["board_flash_detail"] = then
    # The decision changed the queue: a prepared export and a card fetched by link are stale now.
    st.session_state.pop("board_export", None)
    linked_action = st.session_state.pop("board_linked_action", None)
    if linked_action is not None:
        st.session_state.get("board_opened_ids", set()).discard(linked_action["action_id"])
    st.rerun()


def _selected_card() -> dict | None:
    by_id = {a["action_id"]: a for a in queue.rows}
    linked = st.query_params.get("action")
    opened = st.session_state.setdefault("board_opened_ids", set())
    if linked and linked not in by_id and linked not in opened:
        # A link to a card outside this page (or these filters): fetch it by id, in scope or not at all.
        linked_action = data.action(user, linked)  # audited as a view, or as a denied view
        opened.add(linked)  # once per session either way
        if linked_action is not None:
            st.session_state["board_linked_action"] = linked_action
    linked_action = st.session_state.get("board_linked_action")
    if linked_action is not None and not user.can_see(linked_action["location_id"]):
        st.session_state.pop("board_linked_action", None)  # fetched under access this user no longer has
        linked_action = None
    if linked_action is not None and linked_action["action_id"] == linked and linked not in by_id:
        by_id = {linked: linked_action, **by_id}
    if not by_id:
        return None
    ids = list(by_id)
    selected_id = st.selectbox(
        "Card",
        options=ids,
        index=ids.index(linked) if linked in by_id else 0,
        format_func=lambda i: (
            f"{'Urgent · ' if data.is_urgent(by_id[i]) else ''}"
            f"{ui.format_money(by_id[i]['dollars_at_stake'])} · "
            f"due {ui.format_date(by_id[i]['due_date'], missing='no date')} · {by_id[i]['title']}"
        ),
        key="board_selected_action",
    )
    # Opening a card is a view of a patient-level record: the ledger audits it. Once per session and card,
    # not on every rerun, so the trail shows who looked at what without one event per click.
    if selected_id not in opened:
        if data.action(user, selected_id) is None:
            st.error("This action is not in your locations.")
            return None
        opened.add(selected_id)
    return by_id[selected_id]


def _card_section(card: dict) -> None:
    st.subheader(ui.plain(card["title"]))
    st.caption(
        ui.plain(
            f"{data.action_type_label(card['action_type'])} · "
            f"{location_names.get(card['location_id'], card['location_id'])} · "
            f"{ui.value_label(card['status'])} · to {card['recipient']}"
        )
    )
    money_col, due_col, role_col = st.columns(3)
    money_col.metric("Dollars at stake", ui.format_money(card["dollars_at_stake"]))
    due_col.metric("Due", ui.format_date(card["due_date"], missing="No date"))
    role_col.metric("Worked by", ui.plain(card.get("assignee") or ui.value_label(card["assigned_role"])))
    if card.get("snoozed_until"):
        st.caption(f"Snoozed until {ui.format_date(card['snoozed_until'])}")
    _send_state(card)

    evidence = card.get("evidence") or json.loads(card.get("evidence_json") or "[]")
    _why_section(card, evidence)
    missing_required = _checklist_section(card)

    st.markdown("**Draft**")
    # Shown as plain text, never as HTML or Markdown: a draft is built from extract data and may contain markup.
    st.code(card["body"], language=None, wrap_lines=True)
    date_note = data.approval_date_note(card["body"])
    if date_note:
        st.caption(date_note)
    if card["original_body"] and card["original_body"] != card["body"]:
        with st.expander("Original draft (before edits)"):
            st.code(card["original_body"], language=None, wrap_lines=True)

    blocked = data.decision_block_reason(user, card)
    hint = ui.plain(blocked) if blocked else None  # tooltips render Markdown; the reason names a location id
    if hint:
        st.info(hint)
    approve_hint = hint or (
        ui.plain("Tick every required checklist item first: " + "; ".join(missing_required))
        if missing_required
        else None
    )

    action_id = card["action_id"]
    new_body = st.text_area(
        "Edit the draft", value=card["body"], height=260, key=f"board_edit_{action_id}", disabled=bool(blocked)
    )
    if st.button("Save draft", key="board_save", disabled=bool(blocked), help=hint):
        if new_body == card["body"]:
            st.info("No changes to save.")
        else:
            _decide("Draft saved", data.save_draft, card, new_body)

    approve_col, reject_col, snooze_col = st.columns(3)
    with approve_col:
        # The digest of the text on screen travels with the click (bound at render), so a draft refreshed
        # between render and click is refused by the ledger instead of approved unseen.
        if st.button(
            "Approve",
            key="board_approve",
            type="primary",
            disabled=bool(blocked or missing_required),
            help=approve_hint,
            on_click=_remember_shown_body,
            args=(action_id, data.body_sha256(card["body"])),
        ):
            _approve(card, st.session_state.pop("board_shown_body", {}).get(action_id))
    with reject_col:
        reason = st.text_input(
            "Reason for rejecting (required)", key=f"board_reject_reason_{action_id}", disabled=bool(blocked)
        )
        if st.button("Reject", key="board_reject", disabled=bool(blocked), help=hint):
            if not reason.strip():
                st.error("Give a reason to reject this draft.")
            else:
                _decide("Rejected", data.reject, card, reason)
    with snooze_col:
        today = date.today()
        window = data.snooze_window(card["action_type"], _as_date(card["due_date"]), today)
        if window is None:
            st.caption("The slot is today or past: approve or reject this offer now; it cannot be snoozed.")
        else:
            default, latest = window
            until = st.date_input(
                "Snooze until",
                value=default,
                min_value=today + timedelta(days=1),
                max_value=latest,
                key=f"board_snooze_until_{action_id}",
                disabled=bool(blocked),
            )
            if st.button("Snooze", key="board_snooze", disabled=bool(blocked), help=hint):
                _decide("Snoozed", data.snooze, card, until)

    _reassign_section(card)

    with st.expander("History of this action"):
        events = data.action_events(user, action_id)
        if events:
            ui.table(
                user,
                pd.DataFrame(events),
                columns=["occurred_at", "event_type", "actor", "actor_role", "detail_json"],
                labels={"event_type": "What happened", "actor_role": "Role"},
                key="board_history",
            )
        else:
            st.caption("No events yet.")


def _send_state(card: dict) -> None:
    """After approval: how and when it goes out; once sent (or failed), the result and when."""
    if card["status"] not in ("approved", "sent"):
        return
    result = data.send_result(user, card["action_id"])
    zone = ui.location_zones(user).get(card["location_id"])
    if result and result[0] == "sent":
        st.success(f"Sent {data.delivery_channel(card['action_type'])} on {ui.format_datetime(result[1], zone)}.")
    elif result and result[0] == "failed":
        st.warning(f"The last send failed ({ui.format_datetime(result[1], zone)}); see Failed sends above to retry.")
    else:
        st.info(f"Approved. {data.delivery_plan(card['action_type'])}")


def _why_section(card: dict, evidence: list[dict]) -> None:
    """Why the card was raised in a sentence or two, and the few facts that matter (not every column)."""
    st.markdown("**Why it was raised**")
    zone = ui.location_zones(user).get(card["location_id"])
    first = evidence[0] if evidence else {}
    reasons = [str(first[k]) for k in WHY_KEYS if isinstance(first.get(k), str) and first[k].strip()]
    st.write(ui.plain(reasons[0] if reasons else card["title"]))
    facts = {
        k: v
        for k, v in first.items()
        if k not in WHY_KEYS
        and k not in HIDDEN_FACT_KEYS
        and v not in (None, "")
        and not isinstance(v, list | dict)
        and not any(term and term in str(v) for term in card.get("phi_terms") or [])
    }
    if facts:
        shown = list(facts.items())[:FACTS_SHOWN]
        frame = pd.DataFrame(
            {"fact": [ui.column_label(k) for k, _ in shown], "value": [_fact_value(k, v, zone) for k, v in shown]}
        )
        ui.table(user, frame, key="board_evidence", labels={"fact": "Fact", "value": "Value"})
    if len(evidence) > 1:
        with st.expander(f"All {len(evidence)} evidence rows"):
            ui.table(
                user,
                pd.DataFrame(evidence).drop(columns=[c for c in HIDDEN_FACT_KEYS if c in evidence[0]], errors="ignore"),
                key="board_evidence_all",
            )


def _fact_value(key: str, value, zone: str | None) -> str:
    text = str(value)
    if "dollar" in key or "amount" in key:
        try:
            return ui.format_money(text)
        except ValueError:
            return text
    if key.endswith("_at") or ISO_TIME.match(text):
        return ui.format_datetime(text, zone)  # a stored time is UTC: shown in the clinic's local time
    if key.endswith("_date") or key in ("due", "date"):
        return ui.format_date(text[:10])
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key.endswith("_ids"):
        return ", ".join(part.strip() for part in text.split("|"))  # lists are stored pipe-separated
    return str(ui.value_label(text))


def _checklist_section(card: dict) -> list[str]:
    """The checklist as ticks a person confirms; returns the required items still unticked (Approve waits)."""
    st.markdown("**Checklist**")
    checklist = card.get("checklist") or json.loads(card.get("checklist_json") or "[]")
    if not checklist:
        st.caption("No checklist for this action.")
        return []
    missing = []
    for i, item in enumerate(checklist):
        required = bool(item.get("required"))
        label = f"{item['item']}{' (required)' if required else ''}"
        key = f"board_check_{card['action_id']}_{i}"
        ticked = st.checkbox(
            ui.plain(label),
            value=bool(item.get("present")),
            key=key,
            help=ui.plain(item.get("detail") or "") or None,
            on_change=_confirm_item,
            args=(card, item, key),
        )
        if item.get("detail"):
            st.caption(ui.plain(("On file: " if item.get("present") else "Not found: ") + item["detail"]))
        if required and not ticked:
            missing.append(item["item"])
    return missing


def _confirm_item(card: dict, item: dict, key: str) -> None:
    """A tick on an item the extracts did not show is the person's confirmation: recorded in the ledger (and
    audited), which approves a draft only once every required item is confirmed."""
    if not st.session_state.get(key) or item.get("present"):
        return
    try:
        data.check_item(user, card["action_id"], item["item"])
    except (*data.DecisionRefused, ValueError) as exc:
        st.session_state[key] = False
        st.session_state["board_flash_error"] = f"Not ticked: {ui.plain(exc)}"


def _remember_shown_body(action_id: str, body_sha256: str) -> None:
    st.session_state["board_shown_body"] = {action_id: body_sha256}


def _approve(card: dict, shown_sha256: str | None) -> None:
    """Approve the text the person saw: if the draft changed since (a pipeline refresh, another person's edit),
    say so and show the new text instead; the ledger re-checks the digest inside its write transaction."""
    if shown_sha256 is None or shown_sha256 != data.body_sha256(card["body"]):
        st.error(
            "Not approved: the draft changed after it was shown to you. Read the current text below, "
            "then approve again."
        )
        return
    # The queue moves on to the next card: the message says how and when this one goes out.
    _decide("Approved", data.approve, card, shown_sha256, then=data.delivery_plan(card["action_type"]))


def _reassign_section(card: dict) -> None:
    """Route the card to one person who may decide it (the ledger checks role and location again)."""
    may_route = data.may_reassign(user, card)
    candidates = [c for c in data.eligible_assignees(user, card["action_id"]) if c["username"] != card.get("assignee")]
    labels = {c["username"]: f"{c['display_name']} ({c['role'].replace('_', ' ')})" for c in candidates}
    assign_col, button_col = st.columns([3, 1])
    chosen = assign_col.selectbox(
        "Reassign to",
        list(labels),
        format_func=labels.get,
        index=None,
        placeholder="Choose a person",
        key=f"board_reassign_to_{card['action_id']}",
        disabled=not (may_route and labels),
    )
    if button_col.button("Reassign", key="board_reassign", disabled=not (may_route and chosen)):
        _decide(f"Reassigned to {ui.plain(labels[chosen])}", data.reassign, card, chosen)


card = _selected_card()
if card is not None:
    _card_section(card)


# ----- bulk approval of low-risk drafts ------------------------------------------------------------


def _bulk_section() -> None:
    st.subheader("Bulk approve low-risk drafts")
    types = sorted(
        t for t in settings.low_risk_action_types if data.may_approve_type(user, t) and t in options["action_types"]
    )
    if not types:
        st.caption("No low-risk action types in your queue that your role may approve.")
        return
    st.caption(
        "Open, unedited drafts of one low-risk type, each at most "
        f"{ui.format_money(settings.bulk_approve_max_dollars)}. "
        "Every draft is approved individually and recorded in the audit trail."
    )
    pending = st.session_state.get("board_bulk_pending")
    if pending is None:
        action_type = st.selectbox("Low-risk type", types, format_func=data.action_type_label, key="board_bulk_type")
        candidates = data.low_risk_actions(user, action_type, location_ids=chosen_locations)
        if not candidates:
            st.caption("No drafts of this type qualify right now.")
            return
        if st.button(f"Review {len(candidates)} drafts for bulk approval", key="board_bulk_review"):
            st.session_state["board_bulk_pending"] = {
                "action_type": action_type,
                "items": [
                    {
                        "action_id": c["action_id"],
                        "title": c["title"],
                        "location_id": c["location_id"],
                        "dollars_at_stake": float(c["dollars_at_stake"]),
                        "due_date": c["due_date"],
                    }
                    for c in candidates
                ],
                # What the person is shown is what gets approved: a draft refreshed meanwhile is refused.
                "body_sha256": {c["action_id"]: data.body_sha256(c["body"]) for c in candidates},
            }
            st.rerun()
        return
    items = pending["items"]
    st.warning(
        f"Approve these {len(items)} {data.action_type_label(pending['action_type'])} drafts? "
        "Each one is approved by you and sent by the dispatcher."
    )
    ui.table(user, pd.DataFrame(items).drop(columns=["action_id"]), key="board_bulk_confirm_list")
    confirm_col, cancel_col = st.columns(2)
    if confirm_col.button(f"Approve all {len(items)}", key="board_bulk_confirm", type="primary"):
        st.session_state.pop("board_bulk_pending", None)
        result = data.bulk_approve(user, pending["body_sha256"], action_type=pending["action_type"])
        message = f"Bulk approved {len(result.approved)} of {len(items)} drafts"
        if result.refused:
            message += f"; {len(result.refused)} not approved (changed since listed or no longer allowed)"
        st.session_state["board_flash"] = message
        st.rerun()
    if cancel_col.button("Cancel", key="board_bulk_cancel"):
        st.session_state.pop("board_bulk_pending", None)
        st.rerun()


_bulk_section()


# ----- queue age and throughput --------------------------------------------------------------------

with st.expander("Queue age and throughput", expanded=False):
    stats = data.queue_stats(user)
    st.markdown("**Open actions by age** (per assignee, else the role that works them)")
    ui.table(
        user,
        stats["open_by_age"],
        key="board_stats_age",
        labels={"worked_by": "Worked by", "bucket": "Age", "open_count": "Open"},
    )
    st.markdown("**Decisions per person and week** (approvals and rejections, last 8 weeks)")
    ui.table(
        user,
        stats["decisions_by_week"],
        key="board_stats_decisions",
        labels={"actor": "Person", "week_start": "Week of"},
    )
    st.markdown("**Median hours from draft to decision**")
    ui.table(
        user,
        stats["time_to_decision"],
        key="board_stats_time",
        labels={"actor": "Person", "median_hours_to_decision": "Median hours to a decision"},
    )
