"""User administration: invite people, reset a password, unlock an account, change a user's role, locations and
enabled state. Administrators only.

Every change is an audit event (`user_invited`, `password_reset_issued`, `account_unlocked`, `role_changed` with
before and after), never with a password, a hash or a code; the ledger checks the administrator's stored role
again, so hiding this page is not the only guard. An invitation or reset code is shown here once.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

user = ui.require_user()
st.title("Users and roles")

if user.role not in data.USER_ADMIN_ROLES:
    st.error("User administration is for administrators.")
    st.stop()

flash = st.session_state.pop("admin_flash", None)
if flash:
    st.success(flash)
issued = st.session_state.pop("admin_issued_code", None)  # popped: the code is on screen for this one run only
if issued is not None:
    what = "Invitation" if issued.purpose == "invitation" else "Password reset"
    st.success(
        f"{what} for {issued.username}. Give them this code or link by a channel only they read; "
        f"it works once, until {issued.expires_at:%Y-%m-%d %H:%M} UTC, and is not shown again."
    )
    st.code(issued.code, language=None)
    st.code(data.invitation_link(issued.code), language=None)

people = pd.DataFrame(
    data.users_with_status(user),
    columns=["username", "display_name", "role", "locations", "disabled", "password_set", "second_factor", "locked"],
)
table = people.assign(locations=people["locations"].map(lambda locs: ", ".join(locs)))
st.dataframe(table, hide_index=True, key="admin_users")
location_choices = data.location_choices(user)

st.subheader("Invite a user")
st.caption("Creates the account and a one-time code; the person sets their own password with it.")
with st.form("admin_invite_form", clear_on_submit=True):
    invite_username = st.text_input("Username", key="admin_invite_username")
    invite_name = st.text_input("Display name", key="admin_invite_display_name")
    invite_role = st.selectbox("Role", data.ROLES, format_func=lambda r: r.replace("_", " "), key="admin_invite_role")
    invite_locations = st.multiselect(
        "Locations ('*' = every location)",
        sorted({data.ALL_LOCATIONS, *location_choices}),
        key="admin_invite_locations",
    )
    invite = st.form_submit_button("Invite", key="admin_invite_submit")
if invite:
    try:
        st.session_state["admin_issued_code"] = data.invite_user(
            user, invite_username, invite_name, invite_role, invite_locations
        )
    except data.AccountRefused as exc:
        st.error(f"Not invited: {exc}")
    else:
        st.rerun()

st.subheader("Change a user")
username = st.selectbox("User", list(people["username"]), key="admin_user")
current = people.set_index("username").loc[username]
location_options = sorted({data.ALL_LOCATIONS, *data.location_choices(user), *current["locations"]})
role = st.selectbox(
    "Role",
    data.ROLES,
    index=data.ROLES.index(current["role"]),
    format_func=lambda r: r.replace("_", " "),
    key=f"admin_role_{username}",
)
chosen_locations = st.multiselect(
    "Locations ('*' = every location)",
    location_options,
    default=list(current["locations"]),
    key=f"admin_locations_{username}",
)
disabled = st.checkbox(
    "Disabled (cannot sign in; an open session ends)", value=bool(current["disabled"]), key=f"admin_disabled_{username}"
)
if st.button("Save changes", key="admin_save", type="primary"):
    try:
        after = data.change_user(user, username, role=role, locations=chosen_locations, disabled=disabled)
    except (*data.DecisionRefused, ValueError) as exc:
        st.error(f"Not saved: {ui.plain(exc)}")
    else:
        scope = ", ".join(after["locations"])
        state = "disabled" if after["disabled"] else "enabled"
        st.session_state["admin_flash"] = (
            f"Saved {ui.plain(username)}: {after['role'].replace('_', ' ')} at {ui.plain(scope)}, {state}"
        )
        st.rerun()

st.subheader("Password and sign-in")
col_reset, col_unlock = st.columns(2)
with col_reset:
    remove_factor = st.checkbox("Also remove their second factor (a lost phone)", key=f"admin_reset_2fa_{username}")
    if st.button(
        "Reset password",
        key="admin_reset_password",
        help="The current password stops working at once; a one-time code lets them set a new one.",
    ):
        try:
            st.session_state["admin_issued_code"] = data.reset_password(
                user, username, remove_second_factor=remove_factor
            )
        except data.AccountRefused as exc:
            st.error(f"Not reset: {exc}")
        else:
            st.rerun()
with col_unlock:
    if st.button(
        "Unlock",
        key="admin_unlock",
        disabled=not bool(current["locked"]),
        help="Forget the failed sign-ins that locked this account out, from every source.",
    ):
        try:
            data.unlock_user(user, username)
        except data.AccountRefused as exc:
            st.error(f"Not unlocked: {exc}")
        else:
            st.session_state["admin_flash"] = f"Unlocked {username}."
            st.rerun()

st.subheader("Recent role changes")
changes = data.audit_trail(user, limit=100, event_types=["role_changed"])
if changes:
    st.dataframe(
        pd.DataFrame(changes)[["occurred_at", "actor", "detail_json"]], hide_index=True, key="admin_role_changes"
    )
else:
    st.caption("No role changes yet.")
