"""The analysis pages in real headless Chromium: charts load under the CSP, forms work.

Screenshots (desktop and phone width) go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safetrail.services import events, incidents, people
from safetrail.services.incidents import IncidentInput
from tests import test_e2e_browser as e2e
from tests.conftest import PASSPHRASE
from tests.test_e2e_browser import SIZES, Server, shoot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    e2e._need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(e2e.CHROMIUM), args=e2e.FLAGS)
        yield launched
        launched.close()


def test_patterns_self_check_and_risk(chromium: object, tmp_path: Path) -> None:
    browser = chromium
    with Server(tmp_path / "vault") as server:
        context = browser.new_context(viewport=SIZES["desktop"])  # type: ignore[attr-defined]
        page = context.new_page()
        errors: list[str] = []
        charts: dict[str, tuple[int, str]] = {}
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def seen(response: object) -> None:
            url = str(response.url)  # type: ignore[attr-defined]
            if "/analysis/chart/" in url:
                name = url.rsplit("/", 1)[1].removesuffix(".png")
                kind = response.headers.get("content-type", "")  # type: ignore[attr-defined]
                charts[name] = (response.status, kind)  # type: ignore[attr-defined]

        page.on("response", seen)
        page.goto(server.url + "/setup")
        page.fill("#passphrase", PASSPHRASE)
        page.fill("#confirm", PASSPHRASE)
        page.fill("#country", "GB")
        page.fill("#timezone", "Europe/London")
        page.click("text=Create my private record")
        page.wait_for_url(server.url + "/")

        vault = server.state.vault
        assert vault is not None
        mark = people.add_person(vault, people.PersonInput(["Mark"], relationship="ex-partner"))
        for day in (1, 4, 7, 9):
            incidents.record_incident(
                vault,
                IncidentInput(
                    what_happened="He rang from a withheld number",
                    when=f"2026-10-{day:02d} 1{day}:00",
                    tactics=["unwanted_calls"],
                    channel="phone_call",
                    offenders=[mark.ref],
                    fear=1,
                ),
            )
        for day in (20, 21, 23):
            incidents.record_incident(
                vault,
                IncidentInput(
                    what_happened="He waited outside my house and said he would kill me",
                    when=f"2026-10-{day:02d} 21:30",
                    where="home",
                    tactics=["watching", "threats"],
                    channel="in_person",
                    offenders=[mark.ref],
                    fear=4,
                ),
            )
        events.add_notice(vault, events.NoticeInput("2026-10-10", "letter", mark.ref))

        page.click("nav >> text=Patterns")
        page.wait_for_url(server.url + "/analysis")
        page.wait_for_load_state("networkidle")
        assert page.is_visible("text=Changes worth noticing")
        for name in ("frequency", "heatmap", "tactics"):
            assert charts.get(name) == (200, "image/png")
            image = page.query_selector(f"img[src='/analysis/chart/{name}.png']")
            assert image is not None
            assert image.get_attribute("alt")
            box = image.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50
        shoot(page, "30-analysis-patterns")

        page.click("text=Is this stalking? A self-check")
        page.wait_for_url(server.url + "/analysis/check")
        assert page.is_checked("#repeated-yes")
        page.check("#afraid-yes")
        page.check("#against_will-yes")
        shoot(page, "31-analysis-self-check")
        page.click("text=See what this means")
        page.wait_for_selector("text=What you describe fits what stalking is")
        shoot(page, "32-analysis-self-check-result")

        page.goto(server.url + "/analysis/risk")
        assert page.is_checked("#threats_kill-yes")
        page.check("#weapons-unsure")
        shoot(page, "33-analysis-risk-check")
        page.click("text=Save and see the red flags")
        page.wait_for_url(server.url + "/analysis/risk/RA-001?saved=1")
        assert page.is_visible("text=Please talk to a specialist now")
        shoot(page, "34-analysis-risk-result")
        assert not [e for e in errors if "Content Security Policy" in e]
        context.close()
