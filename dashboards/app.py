"""Streamlit entry point: `streamlit run dashboards/app.py`.

Sign-in gate, then a router (`st.navigation`) over the page scripts in `views/` (not `pages/`, which would
switch Streamlit to its legacy multipage mode). Each page checks the signed-in user again by itself.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

# `streamlit run` puts only this folder on sys.path; the views import the `dashboards` package and the
# `emitters` package from the project root, which is not installed as a distribution in a fresh checkout.
# The imports below therefore follow it on purpose (hence `noqa: E402`).
_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
if _PROJECT_ROOT not in sys.path:
    sys.path.insert(0, _PROJECT_ROOT)

import streamlit as st  # noqa: E402

from core.settings import SettingsError, check_start  # noqa: E402
from dashboards import auth  # noqa: E402
from dashboards.data import AUDIT_ROLES, PAYROLL_ROLES, USER_ADMIN_ROLES  # noqa: E402

st.set_page_config(page_title="OT revenue leaks", page_icon=":material/healing:", layout="wide")


@st.cache_resource(show_spinner=False)
def _settings_checked(environment: tuple) -> bool:
    """Once per server process and `environment` (the RCM_* variables); a failure is not cached: checked again."""
    check_start(needs_inbox=False)
    return True


try:  # every setting, and the ledger, before anything is shown
    _settings_checked(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("RCM_"))))
except SettingsError as exc:
    # The variable and what it expects go to the server's log for the administrator; a clinic user sees no path.
    logging.getLogger(__name__).error("dashboard settings: %s", exc)
    st.error("The dashboard is not set up correctly. Ask your administrator: the server's log names the setting.")
    st.stop()

user = auth.current_user()
auth.send_cookie_change()

pages = [
    st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    st.Page("views/board.py", title="Approval board", icon=":material/task_alt:", url_path="board"),
    st.Page("views/authorizations.py", title="Authorizations", icon=":material/event_busy:", url_path="authorizations"),
    st.Page("views/claims.py", title="Claim audit", icon=":material/fact_check:", url_path="claims"),
    st.Page("views/denials.py", title="Denials", icon=":material/money_off:", url_path="denials"),
    st.Page("views/intake.py", title="Intake funnel", icon=":material/move_to_inbox:", url_path="intake"),
    st.Page("views/eligibility.py", title="Eligibility", icon=":material/verified_user:", url_path="eligibility"),
    st.Page("views/quarantine.py", title="Quarantine", icon=":material/report:", url_path="quarantine"),
    st.Page("views/credentialing.py", title="Credentialing", icon=":material/badge:", url_path="credentialing"),
    st.Page("views/schedule.py", title="Schedule", icon=":material/calendar_month:", url_path="schedule"),
]
if user is None or user.role in AUDIT_ROLES:
    pages.append(st.Page("views/audit.py", title="Audit trail", icon=":material/policy:", url_path="audit"))
if user is None or user.role in PAYROLL_ROLES:
    pages.append(st.Page("views/payroll.py", title="Payroll", icon=":material/payments:", url_path="payroll"))

pages.append(st.Page("views/account.py", title="My account", icon=":material/account_circle:", url_path="account"))
if user is None or user.role in USER_ADMIN_ROLES:
    pages.append(
        st.Page("views/admin.py", title="Users and roles", icon=":material/manage_accounts:", url_path="admin")
    )

if user is None:
    # Register the pages (hidden) before asking for a sign-in, so a link to a page or a card
    # (/board?action=...) survives the sign-in instead of falling back to the overview.
    st.navigation(pages, position="hidden")
    auth.sign_in_form()
    st.stop()

navigation = st.navigation(pages)
auth.sidebar(user)
navigation.run()
