"""The Phone check pages in real headless Chromium, with the stand-in adb on PATH.

Screenshots (desktop and phone width) go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import test_e2e_browser as e2e
from tests.conftest import PASSPHRASE
from tests.test_devicecheck_data import SAMPLES
from tests.test_e2e_browser import SIZES, Server, shoot

pytestmark = pytest.mark.browser


FAKEADB = Path(__file__).parent / "fakeadb"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    e2e._need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(e2e.CHROMIUM), args=e2e.FLAGS)
        yield launched
        launched.close()


def test_phone_check_in_the_browser(
    chromium: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "adb-state"
    state.mkdir()
    monkeypatch.setenv("PATH", f"{FAKEADB}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKEADB_STATE", str(state))
    monkeypatch.setenv("FAKEADB_SCENARIO", str(SAMPLES / "scenarios" / "stalkerware"))
    with Server(tmp_path / "vault") as server:
        context = chromium.new_context(viewport=SIZES["desktop"])  # type: ignore[attr-defined]
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server.url + "/setup")
        page.fill("#passphrase", PASSPHRASE)
        page.fill("#confirm", PASSPHRASE)
        page.fill("#country", "GB")
        page.fill("#timezone", "Europe/London")
        page.click("text=Create my private record")
        page.wait_for_url(server.url + "/")

        page.click("nav >> text=Phone check")
        page.wait_for_url(server.url + "/device")
        assert page.locator("#enable-steps li").count() == 6
        assert page.locator("#disable-steps li").count() == 4
        assert page.locator("svg[role=img]").count() == 3
        assert "data of 2026-06-21" in page.inner_text("#credit")
        shoot(page, "40-device-start")

        page.click("#run-check")
        page.wait_for_url(server.url + "/device/DC-001")
        findings = page.locator("#findings > li")
        assert findings.count() == 1
        assert "com.systemservice is known stalkerware (TheTruthSpy)" in findings.inner_text()
        assert page.is_visible("text=National Stalking Helpline")
        assert page.locator("#sections tbody tr").count() == 10
        shoot(page, "41-device-result-stalkerware")

        page.click("text=Record this in my log…")
        page.wait_for_selector("#confirm-record")
        shoot(page, "42-device-confirm")
        page.click("#confirm-record")
        page.wait_for_url(server.url + "/device/DC-001?recorded=I-0001")
        assert page.is_visible("text=Recorded in your log as I-0001, with the listing attached.")

        monkeypatch.setenv("FAKEADB_SCENARIO", str(SAMPLES / "scenarios" / "clean"))
        page.goto(server.url + "/device")
        page.click("#run-check")
        page.wait_for_url(server.url + "/device/DC-002")
        assert page.is_visible("#nothing-found")
        shoot(page, "43-device-result-nothing-found")

        monkeypatch.setenv("FAKEADB_SCENARIO", str(SAMPLES / "scenarios" / "several"))
        page.goto(server.url + "/device")
        page.click("#run-check")
        page.wait_for_selector("#check-error")
        assert "2 phones or emulators are connected" in page.inner_text("#check-error")
        shoot(page, "44-device-several-phones")

        # A phone that stops answering: the page script that shows the check is running loads,
        # and the result is marked partial.
        from safetrail.devicecheck import adb

        monkeypatch.setattr(adb, "COMMAND_TIMEOUT", 3.0)
        monkeypatch.setenv("FAKEADB_SCENARIO", str(SAMPLES / "scenarios" / "hang"))
        page.goto(server.url + "/device")
        scripts: list[int] = []
        page.on("response", lambda r: scripts.append(r.status) if "device.js" in r.url else None)
        page.reload()
        assert scripts == [200]
        page.click("#run-check", no_wait_after=True)
        page.wait_for_url(server.url + "/device/DC-003")
        assert page.is_visible("#partial-note")

        page.goto(server.url + "/device/iphone")
        page.check("#profiles-yes")
        page.check("#airtag_alerts-not_sure")
        shoot(page, "45-device-iphone")
        page.click("#save-iphone")
        page.wait_for_url(server.url + "/device/DC-004")
        shoot(page, "46-device-iphone-result")
        assert not [e for e in errors if "Content Security Policy" in e]
        context.close()
