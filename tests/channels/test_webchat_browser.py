"""The web chat in real headless Chromium against the real stack: file a case by typing and
clicking buttons on a phone-sized screen, reload and see the conversation, and pass axe-core."""

from __future__ import annotations

import re

import requests

from tests.fixtures.browser import chromium, serious_violations  # noqa: F401 - fixture

PREFERRED = ("Yes, file it", "Medium", "No")


def wait_until_answered(page) -> None:
    page.wait_for_selector("#typing", state="hidden", timeout=120_000)


def test_a_resident_files_a_case_by_typing_and_clicking_and_keeps_it_after_reload(
        live_channels, chromium):  # noqa: F811 - the imported fixture
    context = chromium.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(live_channels.url + "/")
    assert page.get_by_label("Your message").is_visible()

    page.get_by_label("Your message").fill("there is a pothole at 75 Piedmont Ave NE")
    page.keyboard.press("Enter")
    wait_until_answered(page)
    number = None
    for _ in range(15):
        last = page.locator(".msg.assistant").last.inner_text()
        found = re.search(r"case number is (\d\d)-?(\d{6})", last)
        if found:
            number = found.group(1) + found.group(2)
            break
        choices = page.locator(".choices button:not([disabled])")
        if choices.count():
            titles = choices.all_inner_texts()
            pick = next((t for t in titles if t in PREFERRED), titles[0])
            page.get_by_role("button", name=pick, exact=True).last.click()
        else:
            page.get_by_label("Your message").fill("skip")
            page.get_by_role("button", name="Send").click()
        wait_until_answered(page)
        assert page.evaluate("document.activeElement.id") == "message"  # focus back to input
    assert number, page.locator("#log").inner_text()
    case = requests.get(
        f"{live_channels.stack.casestore_url}/open311/v2/requests/{number}.json", timeout=10
    ).json()[0]
    assert case["service_code"] == "pothole"
    assert case["address"] == "75 Piedmont Ave NE"

    page.reload()
    page.wait_for_selector(".msg.resident")
    log = page.locator("#log").inner_text()
    assert "there is a pothole at 75 Piedmont Ave NE" in log
    assert f"{number[:2]}-{number[2:]}" in log or number in log
    page.get_by_label("Your message").fill(f"status of case {number}")
    page.keyboard.press("Enter")
    wait_until_answered(page)
    assert "Pothole" in page.locator(".msg.assistant").last.inner_text()
    context.close()


def test_the_chat_page_has_no_serious_accessibility_violations(live_channels, chromium):  # noqa: F811
    # axe-core is injected as a script the page's CSP forbids (as the portal's checks do).
    page = chromium.new_context(bypass_csp=True,
                                viewport={"width": 375, "height": 740}).new_page()
    page.goto(live_channels.url + "/")
    page.get_by_label("Your message").fill("hello")
    page.keyboard.press("Enter")
    wait_until_answered(page)
    assert serious_violations(page) == []
    wide = chromium.new_context(bypass_csp=True,
                                viewport={"width": 1280, "height": 900}).new_page()
    wide.goto(live_channels.url + "/")
    assert serious_violations(wide) == []
