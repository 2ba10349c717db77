"""The server in real Chromium over HTTPS at phone size: sign up, record, nothing kept in
the browser's storage or cache, sign out."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from safetrail.server import accounts
from safetrail.server.app import create_server_app
from safetrail.server.cases import Server
from safetrail.server.settings import ServerSettings
from tests.server_support import private_database
from tests.test_e2e_browser import ARTIFACTS, CHROMIUM, FLAGS, _need_chromium, poll
from tests.tlsutil import self_signed

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
PHONE = {"width": 390, "height": 844}
PASSWORD = "a long phone password"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    _need_chromium()
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = self_signed(folder)
    with private_database() as url:
        server = Server.connect(url, tmp_path_factory.mktemp("blobs"))
        accounts.install(server.engine)
        server.init()
        settings = ServerSettings(
            database=url, blobs=Path(server.blobs_dir), tls_cert=cert, tls_key=key, signup="open"
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
            yield f"https://127.0.0.1:{port}"
        finally:
            running.should_exit = True
            thread.join(10)
            sock.close()
            server.close()


def test_phone_sign_up_record_and_sign_out(served: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, ignore_https_errors=True
        )
        page = context.new_page()
        page.goto(f"{served}/")
        assert page.url == f"{served}/signin"
        page.click("text=Create an account")
        page.fill("#name", "phone-person")
        page.fill("#password", PASSWORD)
        page.fill("#confirm", PASSWORD)
        page.fill("#country", "JP")
        page.fill("#timezone", "Asia/Tokyo")
        page.click("form[action='/signup'] button[type=submit]")
        key = page.text_content("#recovery-key") or ""
        assert len(key.split("-")) == 8
        page.screenshot(path=str(ARTIFACTS / "server-recovery-key-phone.png"), full_page=True)
        page.click("text=I have written it down")
        assert page.url == f"{served}/"
        assert page.locator("link[rel=manifest]").count() == 1
        page.goto(f"{served}/incidents/new")
        page.fill("#what_happened", "PHONE-MARKER a car waited outside work")
        with page.expect_navigation():
            page.click("form[action='/incidents/new'] button[type=submit]")
        assert "PHONE-MARKER" in page.content()
        response = page.reload()
        assert response is not None
        assert response.headers["cache-control"] == "no-store, max-age=0"
        page.screenshot(path=str(ARTIFACTS / "server-incident-phone.png"), full_page=True)
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0
        assert page.evaluate("caches.keys().then(k => k.length)") == 0
        assert page.evaluate("indexedDB.databases().then(d => d.length)") == 0
        page.goto(f"{served}/account")
        page.screenshot(path=str(ARTIFACTS / "server-account-phone.png"), full_page=True)
        page.click("form[action='/signout'] button[type=submit]")
        assert page.url == f"{served}/signin"
        page.goto(f"{served}/incidents/I-0001")
        assert page.url == f"{served}/signin"
        assert "PHONE-MARKER" not in page.content()
        cookies = {c["name"]: c for c in context.cookies()}
        assert "st_session" not in cookies
        browser.close()
