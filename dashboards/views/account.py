"""My account: change my own password (the current one required) and turn the authenticator-app second factor
on or off. Every change is audited without the password, the code or the secret."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui

ENROLMENT_KEY = "account_totp_enrolment"  # the secret being set up: shown while confirming, then dropped

user = ui.require_user()
st.title("My account")
st.caption(f"Signed in as {user.username}")

flash = st.session_state.pop("account_flash", None)
if flash:
    st.success(flash)
status = data.account_status(user)

st.subheader("Change my password")
st.caption(f"Password rule: {data.PASSWORD_RULE}")
with st.form("change_password_form", clear_on_submit=True):
    current = st.text_input("Current password", type="password", key="account_current_password")
    new = st.text_input("New password", type="password", key="account_new_password")
    again = st.text_input("New password again", type="password", key="account_new_password_again")
    change = st.form_submit_button("Change password", key="account_change_password")
if change:
    if new != again:
        st.error("The two new passwords differ.")
    else:
        try:
            data.change_own_password(user, current, new)
        except ValueError as exc:
            st.error(f"Not changed: {exc}")
        else:
            st.session_state["account_flash"] = "Password changed."
            st.rerun()

st.subheader("Second factor (authenticator app)")
if status["second_factor"]:
    st.write("On: signing in asks for a code from your authenticator app.")
    with st.form("disable_second_factor_form", clear_on_submit=True):
        password = st.text_input("Current password", type="password", key="account_disable_password")
        disable = st.form_submit_button("Turn the second factor off", key="account_disable_second_factor")
    if disable:
        try:
            data.disable_second_factor(user, password)
        except ValueError as exc:
            st.error(f"Not changed: {exc}")
        else:
            st.session_state["account_flash"] = "Second factor turned off."
            st.rerun()
else:
    st.write(
        "Off. With it on, signing in also asks for a 6-digit code from an app on your phone "
        "(Google Authenticator, Microsoft Authenticator, 1Password, ...)."
    )
    enrolment = st.session_state.get(ENROLMENT_KEY)
    if enrolment is None:
        if st.button("Set up the second factor", key="account_begin_second_factor"):
            st.session_state[ENROLMENT_KEY] = data.begin_second_factor(user)
            st.rerun()
    else:
        st.write("Scan this code with the app, or type the key into it by hand. It is shown only now.")
        st.image(data.qr_code_png(enrolment.provisioning_uri), width=220)
        st.code(enrolment.grouped_secret, language=None)
        st.caption(f"Setup link: {enrolment.provisioning_uri}")
        with st.form("confirm_second_factor_form", clear_on_submit=True):
            code = st.text_input("The code the app shows now", max_chars=7, key="account_confirm_code")
            confirm = st.form_submit_button("Turn the second factor on", key="account_confirm_second_factor")
        if st.button("Cancel", key="account_cancel_second_factor"):
            st.session_state.pop(ENROLMENT_KEY, None)
            st.rerun()
        if confirm:
            try:
                data.confirm_second_factor(user, code)
            except data.AccountRefused as exc:
                st.error(str(exc))
            else:
                st.session_state.pop(ENROLMENT_KEY, None)
                st.session_state["account_flash"] = "Second factor on. Signing in now asks for a code."
                st.rerun()
