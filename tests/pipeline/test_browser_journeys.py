"""Each role's main journey in a real browser, on the pipeline's own output, checking what a person reads.

A director finds the clinic that leaks most and drills into the rows behind its largest area; a front-desk user
approves a re-authorization packet and, once the dispatcher has run (what the running sensor does within a
minute), sees it sent; a billing user ticks the required checklist item of a corrected claim and approves it.
The session survives a reload, a link opens its card in a new tab, and sign-out ends the session everywhere.
Every page is walked at 1400 px: no raw column name, snake_case value, `None` or UTC time on any of them, and a
screenshot of each (written to docs/images/ only with RCM_WRITE_SCREENSHOTS=1).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.pipeline.browser import (
    SCREEN_WIDTH,
    choose,
    invited_user,
    main_text,
    new_page,
    plain_words_problems,
    screenshot,
    settle,
    sign_in,
)

pytestmark = [pytest.mark.pipeline, pytest.mark.browser]

# Every page a user with all access sees, by URL path ("" is the Overview).
PAGES = {
    "overview": "",
    "board": "board",
    "authorizations": "authorizations",
    "claims": "claims",
    "denials": "denials",
    "intake": "intake",
    "eligibility": "eligibility",
    "quarantine": "quarantine",
    "credentialing": "credentialing",
    "schedule": "schedule",
    "audit": "audit",
    "payroll": "payroll",
    "account": "account",
    "admin": "admin",
}


def _ledger():
    from core.settings import get_settings
    from ledger import Ledger

    return Ledger(get_settings().ledger_url)


def _open_actions(ledger, action_type: str) -> list[dict]:
    from ledger import User

    reader = User(username="x", display_name="x", role="admin", locations=frozenset({"*"}))
    return ledger.list_actions(reader, statuses=["open"], action_types=[action_type])


def _assert_plain_words(page, where: str) -> None:
    problems = plain_words_problems(main_text(page))
    assert not problems, f"{where} shows machine words to a person: {problems}"


def _tick_required_items(page) -> int:
    """Tick every unticked "(required)" checklist item, by its visible label; returns how many were ticked."""
    required = page.get_by_test_id("stCheckbox").filter(has_text=re.compile(r"\(required\)\s*$"))
    ticked = 0
    for i in range(required.count()):
        item = required.nth(i)
        if not item.get_by_role("checkbox").is_checked():
            item.locator("label").click()  # Streamlit hides the input under its label
            expect(item.get_by_role("checkbox")).to_be_checked()
            settle(page)
            ticked += 1
    return ticked


def _approve_and_see_it_sent(page, action: dict) -> None:
    from core.settings import get_settings
    from dashboards.data import delivery_channel
    from delivery.dispatcher import dispatch_approved

    channel_words = re.escape(delivery_channel(action["action_type"]))  # "by fax", or the outbox without a fax line

    approve = page.get_by_role("button", name="Approve")
    expect(approve).to_be_enabled(timeout=30_000)
    approve.click()
    page.get_by_text(f"Approved: {action['title']}", exact=True).wait_for(timeout=30_000)
    page.get_by_text(re.compile(rf"^It is sent {channel_words} within about")).wait_for(timeout=30_000)
    settings = get_settings()
    result = dispatch_approved(_ledger(), settings.outbox_dir)  # the approved-actions sensor's run
    assert action["action_id"] in result.sent
    page.goto(f"{page.url.split('/board')[0]}/board?action={action['action_id']}")  # the card, by its link
    settle(page)
    page.get_by_role("heading", name=action["title"]).wait_for(timeout=30_000)
    page.get_by_text(re.compile(rf"^Sent {channel_words} on \w{{3}} \d")).wait_for(timeout=30_000)


def test_the_session_survives_a_reload_and_a_link_opens_in_a_new_tab(pipeline, app_url, browser):
    ledger = _ledger()
    invited_user(ledger, "journey_billing_tabs", "billing", ["*"])
    action = _open_actions(ledger, "corrected_claim")[-1]
    context = browser.new_context(viewport={"width": SCREEN_WIDTH, "height": 1000})
    page = new_page(browser, context)
    sign_in(page, app_url, "journey_billing_tabs")
    (cookie,) = [c for c in context.cookies() if c["name"] == "rcm_session"]
    assert cookie["sameSite"] == "Strict" and cookie["expires"] > 0

    page.reload()
    settle(page)
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
    assert page.get_by_role("heading", name="Sign in").count() == 0

    tab = context.new_page()  # a link opened in a new tab of the same browser
    tab.goto(f"{app_url}/board?action={action['action_id']}")
    tab.get_by_role("heading", name=action["title"]).wait_for(timeout=30_000)

    forged = browser.new_context()
    forged.add_cookies([{**cookie, "value": cookie["value"][:-1] + ("0" if cookie["value"][-1] != "0" else "1")}])
    elsewhere = forged.new_page()
    elsewhere.goto(f"{app_url}/board?action={action['action_id']}")
    elsewhere.get_by_role("heading", name="Sign in").wait_for(timeout=30_000)
    assert action["title"] not in main_text(elsewhere)
    forged.close()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for(timeout=30_000)
    settle(page)
    assert not [c for c in context.cookies() if c["name"] == "rcm_session"]
    stolen = browser.new_context()
    stolen.add_cookies([cookie])  # a copy taken before the sign-out: ended server-side
    copy = stolen.new_page()
    copy.goto(app_url)
    copy.get_by_role("heading", name="Sign in").wait_for(timeout=30_000)
    stolen.close()
    context.close()


def test_director_finds_the_top_clinic_and_drills_to_its_rows(pipeline, app_url, browser, screenshot_dir):
    from dashboards.data import leak_area_label

    invited_user(_ledger(), "journey_director", "director", ["*"])
    with pipeline.snapshot() as snapshot:
        ((top_id, top_name, top_area),) = snapshot.execute(
            """with this_month as (
                 select location_id, location_name, leak_area, sum(leaked_amount) as leaked
                 from fct_location_leak_monthly where months_back = 0 group by all)
               select location_id, location_name,
                      arg_max(leak_area, leaked) as top_area
               from this_month group by all order by sum(leaked) desc limit 1"""
        ).fetchall()
    page = new_page(browser)
    sign_in(page, app_url, "journey_director")
    leader = page.get_by_test_id("stMetric").filter(has_text="Leaks most this month")
    assert top_name.rsplit(" - ", 1)[-1] in leader.inner_text()  # the words that tell it apart, whole
    _assert_plain_words(page, "Overview")

    page.get_by_text(f"{top_name} ({top_id})", exact=True).click()
    page.get_by_role("heading", name=re.compile(f"^Leaked at {re.escape(top_name)} by area")).wait_for(timeout=30_000)
    settle(page)
    area_label = leak_area_label(top_area)
    choose(page, "Leak area", area_label)
    caption = page.get_by_text(re.compile(rf"rows · \$[\d,.]+ · {re.escape(area_label)} at {re.escape(top_name)},"))
    caption.wait_for(timeout=30_000)
    shown_rows = int(re.search(r"([\d,]+) (?:largest )?rows", caption.inner_text()).group(1).replace(",", ""))
    assert shown_rows > 0
    _assert_plain_words(page, "Overview, drilled into rows")
    page.close()


def test_front_desk_approves_a_reauth_packet_and_sees_it_sent(pipeline, app_url, browser, screenshot_dir):
    ledger = _ledger()
    # Not the packet of the planted canary patient (the log tests' marker): this card is the README's picture.
    action = next(a for a in _open_actions(ledger, "reauth_packet") if "CANARY" not in a["body"])
    front_desk = f"journey_front_desk_{action['location_id'].lower()}"
    invited_user(ledger, front_desk, "front_desk", [action["location_id"]])
    page = new_page(browser)
    sign_in(page, f"{app_url}/board?action={action['action_id']}", front_desk)
    page.get_by_role("heading", name=action["title"]).wait_for(timeout=30_000)
    _tick_required_items(page)
    _assert_plain_words(page, "Approval board (front desk)")
    _approve_and_see_it_sent(page, action)
    _assert_plain_words(page, "Approval board after sending")
    screenshot(page, screenshot_dir, "board")
    page.close()


def test_billing_approves_a_corrected_claim(pipeline, app_url, browser):
    ledger = _ledger()
    # one with a correction the data cannot decide (a required item); an NCCI one documented separately has none
    action = next(
        a
        for a in _open_actions(ledger, "corrected_claim")
        if any(c["required"] and not c["present"] for c in a["checklist"])
    )
    invited_user(ledger, "journey_billing", "billing", ["*"])
    page = new_page(browser)
    sign_in(page, f"{app_url}/board?action={action['action_id']}", "journey_billing")
    page.get_by_role("heading", name=action["title"]).wait_for(timeout=30_000)
    approve = page.get_by_role("button", name="Approve")
    expect(approve).to_be_disabled()  # until the biller confirms the correction the denial asks for
    assert _tick_required_items(page) >= 1
    _assert_plain_words(page, "Approval board (billing)")
    _approve_and_see_it_sent(page, action)
    page.close()


def test_every_page_speaks_plainly_and_is_photographed(pipeline, app_url, browser, screenshot_dir):
    invited_user(_ledger(), "journey_admin", "admin", ["*"])
    page = new_page(browser)
    sign_in(page, app_url, "journey_admin")
    for name, path in PAGES.items():
        page.goto(f"{app_url}/{path}")
        page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
        settle(page)
        assert page.get_by_text("Page not found").count() == 0, name
        _assert_plain_words(page, name)
        shot = screenshot(page, screenshot_dir, name if name != "board" else "board-admin")
        assert shot.stat().st_size > 10_000
    page.close()
