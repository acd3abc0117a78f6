"""Schedule view per location: open slots this week with their ranked waitlist matches (or why there is none),
every waiting family of a chosen slot with why it ranks where it does or why it is excluded (in words),
kept / cancelled / late-cancel / no-show rates against the attendance policy, revenue lost from unfilled
slots by month, booked visits ahead that fail the credential or authorization check, and children with an open
plan of care and nothing booked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

CHECKS = {
    "provider_not_enrolled": "Therapist not credentialed for the payer",
    "beyond_authorized_count": "Beyond the authorized count",
    "after_authorization_end": "After the authorization ends",
    "no_authorization": "No authorization",
}


def matches(row) -> str:
    ranked = [
        w
        for w in (row["top_waitlist_id"], row["second_waitlist_id"], row["third_waitlist_id"])
        if isinstance(w, str) and w
    ]
    if ranked:
        return " → ".join(f"{i}. {w}" for i, w in enumerate(ranked, start=1))
    reason = row.get("no_match_reason_text")
    return "No match: " + (reason if isinstance(reason, str) and reason else str(row["no_match_reason"]))


def family_reasons(families: pd.DataFrame) -> pd.DataFrame:
    """One line per waiting family of a slot: its rank (or that it is excluded) and why, in words."""
    return pd.DataFrame(
        {
            "rank": [
                f"{int(rank)}" if valid and not pd.isna(rank) else "excluded"
                for rank, valid in zip(families["match_rank"], families["is_valid_match"], strict=True)
            ],
            "waitlist_id": families["waitlist_id"],
            "days waiting": families["days_waiting"].astype(int),
            "preferences the slot misses": families["preference_misses"].map(
                lambda v: v if isinstance(v, str) and v else "none: fits every preference"
            ),
            "why excluded": families["exclusion_reasons"].map(lambda v: v if isinstance(v, str) and v else ""),
        }
    )


def fix(row) -> str:
    problems = [CHECKS[c] for c in (row["credential_check"], row["authorization_check"]) if c in CHECKS]
    return "; ".join(problems)


def pct(value) -> str:
    return "not measured" if value is None or pd.isna(value) else f"{value:.1%}"


def _clock_hour(hour: int) -> str:
    """9 -> '9:00 AM', 14 -> '2:00 PM' (a slot starts on the hour)."""
    return f"{hour % 12 or 12}:00 {'AM' if hour < 12 else 'PM'}"


user = ui.require_user()
st.title("Schedule")

snapshot = ui.published_snapshot()
chosen = ui.location_filter(user, key="schedule_filter_locations")

slots = data.open_slots_this_week(user, location_ids=chosen)
rates = data.schedule_rates(user, location_ids=chosen)
lost = data.schedule_lost_revenue_monthly(user, location_ids=chosen)
mismatches = data.booking_mismatches(user, location_ids=chosen)
unbooked = data.open_plans_without_future_visit(user, location_ids=chosen)

c1, c2, c3, c4 = st.columns(4)
c1.metric("Open slots this week", len(slots))
c2.metric("Open slots with a match", int((slots["valid_match_count"] > 0).sum()) if not slots.empty else 0)
c3.metric("Booking mismatches ahead", len(mismatches))
c4.metric("Dollars at risk ahead", ui.format_money(mismatches["dollars_at_risk"].sum() if not mismatches.empty else 0))

st.subheader("Open slots this week")
if slots.empty:
    st.success("No open slots in the next seven days.")
else:
    shown = slots.assign(ranked_matches=slots.apply(matches, axis=1))[
        [
            "slot_date",
            "weekday",
            "slot_hour",
            "location_id",
            "provider_name",
            "service_line",
            "slot_state",
            "valid_match_count",
            "ranked_matches",
            "slot_id",
        ]
    ]
    ui.table(user, shown, key="schedule_slots_table", labels={"slot_hour": "Hour", "valid_match_count": "Matches"})
    st.caption(
        "Matches are the waiting children the slot's therapist can bill, with an authorization for the date and "
        "the slot's service line, ranked by how many of the family's preferences the slot misses, then days "
        "waiting. A preference that misses ranks a family lower; it never excludes it."
    )
    labels = {
        row["slot_id"]: f"{ui.format_date(row['slot_date'])}, {_clock_hour(int(row['slot_hour']))} · "
        f"{row['provider_name']} · {row['location_id']} ({int(row['waiting_at_location'])} waiting)"
        for _, row in slots.iterrows()
    }
    chosen_slot = st.selectbox(
        "Why each waiting family ranks where it does, or cannot take the slot",
        list(labels),
        format_func=labels.get,
        key="schedule_slot_reasons",
    )
    if chosen_slot:
        families = data.slot_family_reasons(user, chosen_slot, location_ids=chosen)
        if families.empty:
            st.info("No child is waiting at this slot's location.")
        else:
            ui.table(user, family_reasons(families), key="schedule_slot_families_table")

st.subheader("Attendance against the policy")
if rates.empty:
    st.info("No visits in the lookback window for these locations.")
else:
    policy = rates["policy_min_rate"].dropna()
    if not policy.empty:
        window = rates["policy_window_days"].dropna()
        st.caption(
            f"Attendance policy: at least {float(policy.iloc[0]):.0%} of visits kept"
            + (f" over {int(window.iloc[0])} days" if not window.empty else "")
        )
    table = pd.DataFrame(
        {
            "location_id": rates["location_id"],
            "booked": rates["booked"].astype(int),
            "kept": rates["kept_rate"].map(pct),
            "cancelled": rates["cancelled_rate"].map(pct),
            "late cancelled (<24 h)": rates["late_cancelled_rate"].map(pct),
            "no-show": rates["no_show_rate"].map(pct),
            "kept vs policy": [
                "not measured" if pd.isna(k) or pd.isna(p) else ("✅ Meets" if k >= p else "⛔ Below")
                for k, p in zip(rates["kept_rate"], rates["policy_min_rate"], strict=False)
            ],
            "children below policy": [
                f"{int(b)} of {int(n)}"
                for b, n in zip(rates["children_below_policy"], rates["children_counted"], strict=False)
            ],
            "idle therapist hours": rates["idle_hours"].astype(float).round(1),
        }
    )
    ui.table(user, table, key="schedule_rates_table")

st.subheader("Revenue lost from unfilled slots, by month")
if lost.empty:
    st.info("No missed visits in the lookback window.")
else:
    ui.table(user, lost, key="schedule_lost_revenue_table", labels={"month_start": "Month"})

st.subheader("Booking mismatches ahead")
if mismatches.empty:
    st.success("Every booked visit in the next four weeks passes the credential and authorization checks.")
else:
    shown = mismatches.assign(problem=mismatches.apply(fix, axis=1))[
        [
            "visit_date",
            "location_id",
            "appointment_id",
            "provider_id",
            "payer_id",
            "problem",
            "alternative_provider_id",
            "dollars_at_risk",
        ]
    ]
    ui.table(user, shown, key="schedule_mismatches_table")
    ui.csv_download(
        user,
        shown,
        what="booking mismatches",
        file_name=f"booking_mismatches_{snapshot.as_of_date}.csv",
        key="schedule_export",
    )

st.subheader("Open plan of care, nothing booked")
if unbooked.empty:
    st.success("Every child with an open plan of care has a visit booked.")
else:
    st.caption(
        f"{len(unbooked)} children in care have no visit booked from the as-of date; "
        f"{ui.format_money(unbooked['dollars_at_risk'].sum())} of planned visits over the next four weeks "
        "are at risk. The front desk has a schedule-this-patient task for each on the board."
    )
    ui.table(user, unbooked, key="schedule_unbooked_table", labels={"last_provider_id": "Last therapist"})
