"""The approval flow in a real browser: Debian's Chromium, headless, driven by Playwright (no browser
download; `executable_path` points at /usr/bin/chromium).

A billing coordinator, a new account an administrator invited (who set their own password and turned on the
authenticator-app second factor), signs in with password and code, opens a drafted re-auth packet from the
pipeline's own output, edits it, approves it, and the dispatcher writes the edited text to the outbox; a
front-desk user of another location signs in and cannot see it, not even through a direct link.
"""

from __future__ import annotations

import json
import time

import pyotp
import pytest

from tests.pipeline.browser import (
    administrator,
    invited_user,
    sign_in,
)

pytestmark = [pytest.mark.pipeline, pytest.mark.browser]

TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"  # known to the test, so it can compute codes like a phone
EDIT_MARK = "Edited in the browser test: please also find the updated progress summary enclosed."


def test_billing_edits_and_approves_a_draft_and_another_location_cannot_see_it(pipeline, app_url, browser):
    from core.settings import get_settings
    from delivery.dispatcher import dispatch_approved
    from ledger import Ledger, User

    settings = get_settings()
    ledger = Ledger(settings.ledger_url)
    reader = User(username="x", display_name="x", role="admin", locations=frozenset({"*"}))
    # Billing approves re-auth packets (other areas' action types may have other approver roles).
    open_actions = ledger.list_actions(reader, statuses=["open"], action_types=["reauth_packet"])
    action = open_actions[-1]  # the last in queue order, so opening it takes the direct link
    other_location = next(a["location_id"] for a in open_actions if a["location_id"] != action["location_id"])
    admin = administrator(ledger)
    invited_user(ledger, "billing_browser", "billing", ["*"])
    invited_user(ledger, "frontdesk_other", "front_desk", [other_location])
    ledger.begin_second_factor("billing_browser", secret=TOTP_SECRET)
    # Confirmed with the previous 30-second step's code, so the current one is still unused at sign-in.
    ledger.confirm_second_factor("billing_browser", pyotp.TOTP(TOTP_SECRET).at(time.time() - 30))

    page = browser.new_page()
    sign_in(page, f"{app_url}/board?action={action['action_id']}", "billing_browser", totp_secret=TOTP_SECRET)
    page.get_by_role("heading", name=action["title"]).wait_for(timeout=30_000)

    editor = page.get_by_role("textbox", name="Edit the draft")
    editor.fill(action["body"] + "\n" + EDIT_MARK)
    editor.press("Control+Enter")  # commit the text area's value to the app
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text(f"Draft saved: {action['title']}", exact=True).wait_for(timeout=30_000)
    page.get_by_role("button", name="Approve").click()
    page.get_by_text(f"Approved: {action['title']}", exact=True).wait_for(timeout=30_000)
    page.close()

    result = dispatch_approved(ledger, settings.outbox_dir)
    assert action["action_id"] in result.sent
    (written,) = list(settings.outbox_dir.rglob(f"{action['action_id']}.txt"))
    text = written.read_text()
    assert EDIT_MARK in text and "Approved by: Billing Browser (billing_browser, billing)" in text
    sign_ins = ledger.audit_events(admin, limit=50, event_types=["sign_in"])
    assert any(e["actor"] == "billing_browser" and json.loads(e["detail_json"])["second_factor"] for e in sign_ins)

    other = browser.new_page()
    sign_in(other, f"{app_url}/board?action={action['action_id']}", "frontdesk_other")
    other.get_by_text("Actions in this queue").first.wait_for(timeout=30_000)
    content = other.content()
    assert action["title"] not in content and action["action_id"] not in content
    other.close()
