"""User administration: change a user's role, locations and enabled state. Administrators only.

Every change is a `role_changed` audit event with before and after (never a password hash); the ledger
checks the administrator's stored role again, so hiding this page is not the only guard.
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

people = data.users_for_admin(user)
table = people.assign(locations=people["locations"].map(lambda locs: ", ".join(locs)))
st.dataframe(table, hide_index=True, key="admin_users")

st.subheader("Change a user")
username = st.selectbox("User", list(people["username"]), key="admin_user")
current = people.set_index("username").loc[username]
location_options = sorted({data.ALL_LOCATIONS, *data.location_choices(user), *current["locations"]})
role = st.selectbox("Role", data.ROLES, index=data.ROLES.index(current["role"]), format_func=lambda r: r.replace("_", " "),
                    key=f"admin_role_{username}")
chosen_locations = st.multiselect(
    "Locations ('*' = every location)", location_options, default=list(current["locations"]),
    key=f"admin_locations_{username}",
)
disabled = st.checkbox("Disabled (cannot sign in; an open session ends)", value=bool(current["disabled"]),
                       key=f"admin_disabled_{username}")
if st.button("Save changes", key="admin_save", type="primary"):
    try:
        after = data.change_user(user, username, role=role, locations=chosen_locations, disabled=disabled)
    except (*data.DecisionRefused, ValueError) as exc:
        st.error(f"Not saved: {ui.plain(exc)}")
    else:
        scope = ", ".join(after["locations"])
        state = "disabled" if after["disabled"] else "enabled"
        st.session_state["admin_flash"] = (f"Saved {ui.plain(username)}: {after['role'].replace('_', ' ')} "
                                           f"at {ui.plain(scope)}, {state}")
        st.rerun()

st.subheader("Recent role changes")
changes = data.audit_trail(user, limit=100, event_types=["role_changed"])
if changes:
    st.dataframe(
        pd.DataFrame(changes)[["occurred_at", "actor", "detail_json"]], hide_index=True, key="admin_role_changes"
    )
else:
    st.caption("No role changes yet.")
