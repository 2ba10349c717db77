"""The import page in real headless Chromium: choose an export, see the preview, import it.

Screenshots (desktop and phone width) go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safetrail.services import people
from safetrail.services.imports.report import ImportReport
from safetrail.services.imports.run import ProgressInfo, list_imports
from safetrail.web.routes import imports as import_routes
from tests import test_e2e_browser as e2e
from tests.conftest import PASSPHRASE
from tests.test_e2e_browser import SIZES, Server, poll, shoot

pytestmark = pytest.mark.browser

SMS = Path(__file__).parent / "samples" / "smsbackup" / "sms-20220502091433.xml"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    e2e._need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(e2e.CHROMIUM), args=e2e.FLAGS)
        yield launched
        launched.close()


def _open(chromium: Any, server: Server) -> tuple[Any, list[str]]:
    """A new page on a freshly set up vault, collecting console errors (CSP violations)."""
    context = chromium.new_context(viewport=SIZES["desktop"])
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
    return page, errors


def test_upload_preview_and_import(chromium: Any, tmp_path: Path) -> None:
    with Server(tmp_path / "vault") as server:
        page, errors = _open(chromium, server)
        vault = server.state.vault
        assert vault is not None
        people.add_person(
            vault,
            people.PersonInput(["Jordan Hale"], role="offender", identifiers=["+447700900123"]),
        )

        page.click("nav >> text=Import")
        page.wait_for_url(server.url + "/import")
        assert page.is_visible("#import-files")  # shown by imports.js
        assert "SMS Backup & Restore (Android)" in page.inner_text("#import-formats")
        shoot(page, "imports-01-page")

        page.set_input_files("#import-files", str(SMS))
        page.click("#import-start")
        page.wait_for_selector("#commit-button", timeout=20000)
        assert "/import/jobs/" in page.url
        text = page.inner_text("main")
        assert "What SafeTrail found" in text
        assert "P-001 Jordan Hale: 6 records" in text
        assert page.inner_text("#total-records") == "9"
        assert page.inner_text("#total-new") == "9"
        assert page.inner_text("#commit-button") == "Import these 9 records"
        shoot(page, "imports-02-preview")
        assert list_imports(vault) == []

        page.click("#commit-button")
        page.wait_for_selector("#import-done", timeout=20000)
        assert page.inner_text("#import-done") == (
            "Saved as IM-001: 9 new records were added to your log."
        )
        shoot(page, "imports-03-done")
        [done] = list_imports(vault)
        assert (done.ref, done.status, done.new) == ("IM-001", "complete", 9)

        page.click("text=See your timeline")
        page.wait_for_url(server.url + "/incidents")
        page.goto(server.url + "/import")
        page.click("#import-IM-001 >> text=Undo this import")
        page.fill("#reason-IM-001", "This was the wrong phone's backup.")
        shoot(page, "imports-04-list")
        page.click("#import-IM-001 >> text=Undo IM-001")
        page.wait_for_selector("#import-undone")
        assert list_imports(vault)[0].status == "undone"
        assert errors == []


class SlowImport:
    """Stands in for run_import: progress, then more progress when told, then waits."""

    def __init__(self) -> None:
        self.step = threading.Event()

    def __call__(self, *_args: Any, **kwargs: Any) -> ImportReport:
        progress, cancel = kwargs["progress"], kwargs["cancel"]
        progress(ProgressInfo("big-export.xml", 2500, 10000, 1234))
        self.step.wait(20)
        progress(ProgressInfo("big-export.xml", 7500, 10000, 4321))
        cancel.wait(20)
        report = ImportReport(preview=True)
        report.status = "cancelled"
        return report


def test_progress_moves_and_stop_works(
    chromium: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = SlowImport()
    monkeypatch.setattr(import_routes, "run_import", slow)
    with Server(tmp_path / "vault") as server:
        page, errors = _open(chromium, server)
        page.goto(server.url + "/import")
        page.set_input_files("#import-files", str(SMS))
        page.click("#import-start")
        page.wait_for_selector("#job-progress", timeout=20000)
        assert page.inner_text("#job-records") == "1,234 records read so far"
        slow.step.set()
        poll(lambda: page.inner_text("#job-records") == "4,321 records read so far")
        assert page.get_attribute("#job-progress", "value") == "7500"
        assert page.get_attribute("#job-progress", "max") == "10000"
        assert page.inner_text("#job-file") == "Reading big-export.xml"
        shoot(page, "imports-05-progress")
        page.click("text=Stop checking")
        page.wait_for_selector("#job-stopped", timeout=20000)
        assert "Nothing was added to your log." in page.inner_text("#job-stopped")
        time.sleep(0.2)
        assert errors == []
