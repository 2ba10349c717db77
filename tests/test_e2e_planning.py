"""The plan builder, an order breach and the help pages in real headless Chromium.

Screenshots at desktop and phone width go to tests/artifacts/ (git-ignored), with the
plan PDF the browser downloaded, so a person can look at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.test_e2e_browser import ARTIFACTS, CHROMIUM, FLAGS, SIZES, Server, _need_chromium, shoot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


def test_plan_builder_order_breach_and_help_pages(chromium: object, tmp_path: Path) -> None:
    with Server(tmp_path / "vault") as server:
        context = chromium.new_context(viewport=SIZES["desktop"], accept_downloads=True)  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(server.url + "/setup")
        page.fill("#passphrase", PASSPHRASE)
        page.fill("#confirm", PASSPHRASE)
        page.fill("#country", "GB")
        page.fill("#timezone", "Europe/London")
        page.click("text=Create my private record")
        page.wait_for_url(server.url + "/")

        # An empty plan invites a start, with the emergency number in view.
        page.click("nav >> text=Safety plan")
        page.wait_for_url("**/plan")
        assert "In danger now? Call 999." in page.inner_text(".emergency-line")
        shoot(page, "20-plan-empty")

        # One section: use one suggestion, reword another, skip a third, add our own.
        page.click("a[href='/plan/section/home']")
        page.check("input[name='s-neighbours'][value='adopted']")
        page.check("input[name='s-camera'][value='adopted']")
        page.locator("#t-camera").locator("xpath=ancestor::details/summary").click()
        page.fill("#t-camera", "Ring doorbell camera, pointed at the path")
        page.check("input[name='s-locks'][value='skipped']")
        page.fill("#own-1", "Keep the hall light on a timer")
        shoot(page, "21-plan-section")
        page.click("button:has-text('Save this part')")
        page.wait_for_url("**/plan?saved=home*")
        home = page.inner_text("#home")
        assert "Ring doorbell camera, pointed at the path" in home
        assert "Keep the hall light on a timer" in home

        page.goto(server.url + "/plan/if-then")
        page.fill("#if-1", "he comes to my door")
        page.fill("#then-1", "I stay upstairs, lock the bedroom and call 999")
        page.click("button:has-text('Save')")
        page.wait_for_url("**/plan?saved=contingencies*")
        page.goto(server.url + "/plan/people")
        page.fill("#name-1", "Jo Evans")
        page.fill("#reach-1", "07700 900222")
        page.fill("#if_contacted-1", "Say nothing, screenshot it, and tell me")
        page.click("button:has-text('Save')")
        page.wait_for_url("**/plan?saved=trusted_people*")
        page.goto(server.url + "/plan/go-bag")
        page.check("input[name='bag-id_documents'][value='packed']")
        page.check("input[name='bag-phone_charger'][value='to_pack']")
        page.click("button:has-text('Save')")
        page.wait_for_url("**/plan?saved=go_bag*")
        page.fill("#review_on", "2027-01-15")
        page.click("button:has-text('Save the date')")
        page.wait_for_url("**/plan?saved=review_on*")
        assert "1 of 2 things packed." in page.inner_text("#go_bag")
        assert "If he comes to my door:" in page.inner_text("#contingencies")
        shoot(page, "22-plan-filled")

        page.click("text=Earlier versions")
        page.wait_for_url("**/plan/history")
        assert page.locator(".history .version").count() == 5
        shoot(page, "23-plan-history")
        page.click("a[href='/plan/history/1']")
        assert "Ring doorbell camera" in page.inner_text("main")
        assert "Jo Evans" not in page.inner_text("main")

        page.goto(server.url + "/plan")
        with page.expect_download() as download:
            page.click("text=Download as PDF")
        saved = ARTIFACTS / "24-plan.pdf"
        download.value.save_as(str(saved))
        assert saved.read_bytes().startswith(b"%PDF-")

        # Help where I live: the regions of the UK, remembered; my own contact.
        page.click("nav >> text=Help")
        page.wait_for_url("**/resources")
        assert "Call 999" in page.inner_text(".emergency-block")
        assert page.is_visible("text=National Stalking Helpline (Suzy Lamplugh Trust)")
        shoot(page, "25-resources")
        page.click(".region-links >> text=Scotland")
        page.wait_for_url("**region=scotland")
        assert page.is_visible("text=0800 027 1234")
        page.click("text=I live in Scotland: remember this")
        page.wait_for_url("**/resources?saved=region")
        page.click("text=Add a contact")
        page.fill("#contact-name", "Sam (my advocate)")
        page.fill("#contact-phone", "0141 496 0000")
        page.click("button:has-text('Save the contact')")
        page.wait_for_url("**/resources?saved=LC-001*")
        assert "Sam (my advocate)" in page.inner_text("#contacts")
        assert "0800 027 1234" in page.inner_text("main")
        shoot(page, "26-resources-scotland")

        # An order, and one tap to record that it was broken.
        page.goto(server.url + "/events")
        page.click("text=Record an order")
        page.fill("#order-type", "Non-harassment order")
        page.fill("#order-issued", "2026-02-01")
        page.fill("#order-expires", "2027-02-01")
        page.click("button:has-text('Save the order')")
        page.wait_for_url("**/events?saved=O-001*")
        page.goto(server.url + "/plan/orders/O-001")
        shoot(page, "27-order")
        page.click("#breach-now")
        page.wait_for_url("**/incidents/I-0001*")
        assert "Breach of protective order O-001 (Non-harassment order)." in page.inner_text("main")
        page.goto(server.url + "/plan/orders/O-001")
        assert "I-0001" in page.inner_text(".details")

        # Guidance: the digital checklist keeps its progress.
        page.goto(server.url + "/guidance/digital")
        page.check("input[name='email_password'][value='done']")
        page.check("input[name='tracking_tags'][value='not_needed']")
        page.click("button:has-text('Save my progress')")
        page.wait_for_url("**/guidance/digital?saved=1")
        assert "1 done, 1 not needed" in page.inner_text("main")
        shoot(page, "28-digital-checklist")

        page.goto(server.url + "/notice-helper")
        page.check("input[name='opening'][value='ended']")
        page.click("button:has-text('Show the message')")
        assert "Our relationship is over" in page.input_value("#message")
        shoot(page, "29-notice-helper")
        context.close()
