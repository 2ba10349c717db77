"""The arrangements page and the lookout form in real headless Chromium (desktop and phone).

Screenshots go to tests/artifacts/ (40-… to 43-…) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from safetrail.services import people
from safetrail.services.events import NoticeInput, OrderInput, add_notice, add_order
from safetrail.services.evidence import add_evidence
from safetrail.services.imports.run import run_import
from tests import test_e2e_browser as e2e
from tests.conftest import PASSPHRASE
from tests.test_arrangements import ALEX, _mbox, _sms_file
from tests.test_e2e_browser import SIZES, Server, shoot
from tests.test_lookout import _photo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    e2e._need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(e2e.CHROMIUM), args=e2e.FLAGS)
        yield launched
        launched.close()


def test_arrangement_review_patterns_and_lookout(chromium: object, tmp_path: Path) -> None:
    with Server(tmp_path / "vault") as server:
        context = chromium.new_context(  # type: ignore[attr-defined]
            viewport=SIZES["desktop"], accept_downloads=True
        )
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

        vault = server.state.vault
        assert vault is not None
        add_evidence(vault, _photo(tmp_path, "face.jpg", (200, 160, 120)))
        add_evidence(vault, _photo(tmp_path, "car.jpg", (60, 90, 200)))
        people.add_person(
            vault,
            people.PersonInput(
                ["Alex Doe"],
                identifiers=[ALEX, "alex@example.org"],
                vehicles=[people.Vehicle("blue estate car", "AB12 CDE")],
            ),
        )
        add_notice(vault, NoticeInput("2026-03-01", "text_message", "P-001"))
        add_order(vault, OrderInput("non-molestation order", "2026-03-02", person="P-001"))
        run_import(vault, [_sms_file(tmp_path), _mbox(tmp_path)])

        page.goto(server.url + "/people")
        page.click("text=Contact that must continue (shared care of children)")
        page.wait_for_url(server.url + "/arrangements")
        page.select_option("#arr-person", "P-001")
        page.fill("#arr-channels", f"sms:{ALEX}")
        page.fill("#arr-windows", "fri 17:00-19:00")
        page.fill("#arr-about", "Handovers of the children")
        page.fill("#arr-children", "Mia, Leo")
        page.fill("#arr-place", "Front steps of the town library")
        page.select_option("#arr-source", "order")
        page.fill("#arr-order", "O-001")
        page.click("text=Save the arrangement")
        page.wait_for_url(server.url + "/arrangements?saved=AR-001#list")
        assert page.is_visible("text=Front steps of the town library")
        boxes = page.query_selector_all("input[name=pick]")
        assert [b.get_attribute("value").split("|")[0] for b in boxes] == ["AR-001"] * 3
        assert page.locator("text=This message contains threatening words").count() == 1
        shoot(page, "40-arrangements-suggestions")
        for box in boxes:
            box.check()
        page.fill("#mark-reason", "handover texts the order allows")
        page.click("text=Confirm the ticked messages as inside")
        page.wait_for_url(server.url + "/arrangements?marked=3#review")
        assert page.is_visible("text=Marks saved: 3.")
        assert page.is_visible("text=Nothing new looks like permitted contact.")
        shoot(page, "41-arrangements-confirmed")

        page.goto(server.url + "/analysis")
        section = page.inner_text("#arranged")
        assert "inside it: 1 incidents, 3 calls or messages" in section
        assert "with threatening words: 1" in section
        page.goto(server.url + "/plan")
        assert "Handovers of the children" in page.inner_text("#children")

        page.goto(server.url + "/lookout")
        page.select_option("#lk-person", "P-001")
        page.select_option("#lk-photo", "EX-0001")
        page.select_option("#lk-vehicle", "EX-0002")
        page.fill("#lk-description", "Tall, short grey hair")
        page.fill("#lk-contact", "Jo, 07700 900555")
        page.fill("#lk-given", "school office")
        shoot(page, "42-lookout-form")
        with page.expect_download() as info:
            page.click("text=Make the sheet")
        download = info.value
        assert download.suggested_filename.startswith("notice-")
        saved = tmp_path / "lookout.pdf"
        download.save_as(str(saved))
        assert saved.read_bytes().startswith(b"%PDF")
        with vault.read() as conn:
            found = vault.store.load(conn, vault.store.list_ids(conn, "export"))
        (export,) = [r for r in found if r.data["format"] == "lookout-sheet"]
        assert export.data["given_to"] == "school office"

        page.goto(server.url + "/lookout")
        page.select_option("#lk-person", "P-001")
        page.fill("#lk-given", "   ")
        page.click("text=Make the sheet")
        page.wait_for_selector("text=Say who this copy is for")
        shoot(page, "43-lookout-refused")
        assert not [e for e in errors if "Content Security Policy" in e]
        context.close()
