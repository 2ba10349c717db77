"""Advocates in real Chromium over HTTPS: an invitation accepted, the person's consent
(choose, read the summary, confirm), the caseload and the shared case, "Who can see my
case", and revocation — at desktop and phone size, in English, Japanese and Korean
(screenshots in tests/artifacts/)."""

from __future__ import annotations

import base64
import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safetrail.server import accounts, sharing, totp
from safetrail.server.app import create_server_app
from safetrail.server.cases import Server
from safetrail.server.settings import ServerSettings
from tests.server_support import private_database
from tests.test_e2e_browser import ARTIFACTS, CHROMIUM, FLAGS, _need_chromium, poll
from tests.tlsutil import self_signed


def server_settings(**given: object) -> ServerSettings:
    """Settings for a test server where people sign up themselves (when the server has a
    sign-up setting) and one address may make many accounts."""
    import dataclasses

    known = {f.name for f in dataclasses.fields(ServerSettings)}
    wanted = {"signup": "open", "signup_per_address": 0}
    return ServerSettings(**given, **{k: v for k, v in wanted.items() if k in known})  # type: ignore[arg-type]


pytestmark = [pytest.mark.browser, pytest.mark.postgres]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "a long browser password"
# The page heading of each page, per language (from the catalogues).
HEADINGS = {
    "en": {"sharing": "Who can see my case", "caseload": "Your caseload"},
    "ja": {"sharing": "記録を見られる人", "caseload": "あなたの担当一覧"},
    "ko": {"sharing": "내 기록을 볼 수 있는 사람", "caseload": "내 담당 목록"},
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Server]]:
    import uvicorn

    _need_chromium()
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = self_signed(folder)
    with private_database() as url:
        server = Server.connect(url, tmp_path_factory.mktemp("blobs"))
        accounts.install(server.engine)
        server.init()
        settings = server_settings(
            database=url, blobs=Path(server.blobs_dir), tls_cert=cert, tls_key=key
        )
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        port = sock.getsockname()[1]
        running = uvicorn.Server(
            uvicorn.Config(
                create_server_app(settings, server),
                log_level="warning",
                ssl_certfile=str(cert),
                ssl_keyfile=str(key),
            )
        )
        thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        poll(lambda: running.started)
        try:
            yield f"https://127.0.0.1:{port}", server
        finally:
            running.should_exit = True
            thread.join(10)
            sock.close()
            server.close()


# how many lines the first "Open" button's label takes (its text's line boxes)
OPEN_LINES = """() => {
  const range = document.createRange();
  range.selectNodeContents(document.querySelector('#caseload button'));
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
}"""


def _shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"server-advocates-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _language(server: Server, lang: str) -> None:
    """Both accounts' language (the account's setting wins over the browser's)."""
    if "language" not in {c.name for c in accounts.accounts.columns}:
        return
    with server.engine.begin() as conn:
        conn.execute(
            accounts.accounts.update()
            .where(accounts.accounts.c.name.in_(["harbour-ada", "harbour-pia"]))
            .values(language=lang)
        )


def test_consent_caseload_and_revoke_in_chromium(served: tuple[str, Server]) -> None:
    from playwright.sync_api import sync_playwright

    base, server = served
    ARTIFACTS.mkdir(exist_ok=True)
    now = datetime.now(UTC)
    with server.engine.begin() as conn:
        sharing.create_org(conn, "Harbour Advocacy", now)
        token = sharing.invite(conn, "Harbour Advocacy", "harbour-ada", now)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        staff = browser.new_context(viewport=DESKTOP, ignore_https_errors=True, locale="en-GB")
        person_ctx = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, ignore_https_errors=True, locale="en-GB"
        )
        # The advocate accepts the invitation: password, then sign-in codes.
        adv = staff.new_page()
        adv.goto(f"{base}/invite/{token}")
        assert "Harbour Advocacy" in adv.content()
        _shot(adv, "invite-desktop")
        adv.fill("#password", PASSWORD)
        adv.fill("#confirm", PASSWORD)
        with adv.expect_navigation():
            adv.click("form[action^='/invite/'] button[type=submit]")
        assert adv.url == f"{base}/account/totp"
        plain = (adv.text_content("#totp-secret") or "").replace(" ", "")
        secret = base64.b32decode(plain + "=" * (-len(plain) % 8))
        adv.fill("#code", totp.code_at(secret, datetime.now(UTC).timestamp()))
        with adv.expect_navigation():
            adv.click("form[action='/account/totp'] button[type=submit]")
        # The person signs up on a phone and records two incidents with private notes.
        me = person_ctx.new_page()
        me.goto(f"{base}/signup")
        me.fill("#name", "harbour-pia")
        me.fill("#password", PASSWORD)
        me.fill("#confirm", PASSWORD)
        me.fill("#country", "GB")
        me.fill("#timezone", "Europe/London")
        me.click("form[action='/signup'] button[type=submit]")
        me.click("text=I have written it down")
        for what, when in (
            ("BROWSER-MARCH", "2026-03-10 10:00"),
            ("BROWSER-MAY", "2026-05-20 10:00"),
        ):
            me.goto(f"{base}/incidents/new")
            me.fill("#what_happened", what)
            me.fill("#when", when)
            me.fill("#private_note", "BROWSER-PRIVATE")
            with me.expect_navigation():
                me.click("form[action='/incidents/new'] button[type=submit]")
        # Consent: choose, read the summary, confirm.
        me.goto(f"{base}/sharing")
        assert HEADINGS["en"]["sharing"] in (me.text_content("h1") or "")
        me.select_option("#target", "advocate:harbour-ada")
        me.check("input[name=scope][value=range]")
        me.fill("#start", "2026-03-01")
        me.fill("#end", "2026-03-31")
        _shot(me, "share-form-phone")
        with me.expect_navigation():
            me.click("#share-form button[type=submit]")
        review = me.content()
        assert "Anything that happened before 2026-03-01 or after 2026-03-31." in review
        assert "Your private notes, whatever you choose here." in review
        _shot(me, "share-review-phone")
        with me.expect_navigation():
            me.click("#confirm-share")
        assert me.url == f"{base}/sharing?saved=shared"
        assert me.locator("#shares tbody tr").count() == 1
        _shot(me, "sharing-phone")
        # The advocate's caseload and the shared case (desktop).
        adv.goto(f"{base}/caseload")
        assert HEADINGS["en"]["caseload"] in (adv.text_content("h1") or "")
        assert adv.locator("#caseload tbody tr").count() == 1
        assert (adv.text_content("#caseload td.month") or "").strip() in ("0", "1")
        _shot(adv, "caseload-desktop")
        with adv.expect_navigation():
            adv.click("#caseload button[type=submit]")
        assert adv.url == f"{base}/shared"
        shared = adv.content()
        assert "BROWSER-MAY" not in shared and "BROWSER-PRIVATE" not in shared
        _shot(adv, "shared-desktop")
        adv.goto(f"{base}/incidents/I-0001")
        assert "BROWSER-MARCH" in adv.content() and "BROWSER-PRIVATE" not in adv.content()
        assert adv.goto(f"{base}/incidents/I-0002").status == 404  # type: ignore[union-attr]
        # The same pages at the other size and in Japanese and Korean.
        for lang in ("en", "ja", "ko"):
            _language(server, lang)
            for context, page, path, name in (
                (staff, adv, "/caseload", "caseload"),
                (person_ctx, me, "/sharing", "sharing"),
            ):
                context.set_extra_http_headers({"Accept-Language": lang})
                for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                    page.set_viewport_size(viewport)
                    page.goto(f"{base}{path}")
                    assert HEADINGS[lang][name] in (page.text_content("h1") or ""), (lang, name)
                    width = page.evaluate("document.documentElement.scrollWidth")
                    assert width <= viewport["width"] + 1, (lang, name, size, width)
                    if name == "caseload":  # "Open" on one line, in every language
                        assert page.evaluate(OPEN_LINES) == 1, (lang, size)
                    _shot(page, f"{name}-{lang}-{size}")
        _language(server, "en")
        person_ctx.set_extra_http_headers({"Accept-Language": "en"})
        staff.set_extra_http_headers({"Accept-Language": "en"})
        # Revoke: the advocate's very next request shows nothing.
        me.goto(f"{base}/sharing")
        assert me.locator("#accesses tbody tr").count() >= 3
        with me.expect_navigation():
            me.click("#shares button[type=submit]")
        assert me.url == f"{base}/sharing?saved=revoked"
        _shot(me, "revoked-phone")
        gone = adv.goto(f"{base}/incidents/I-0001")
        assert gone is not None and gone.status == 404
        assert "BROWSER-" not in adv.content()
        _shot(adv, "after-revoke-desktop")
        adv.goto(f"{base}/caseload")
        assert adv.locator("#caseload").count() == 0
        browser.close()
