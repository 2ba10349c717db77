"""Findings of the outside security review, replayed in real Chromium against a real server.

Chromium resolves evil.example to 127.0.0.1 here (--host-resolver-rules), which is exactly
what a DNS rebinding attack achieves; pages "of another site" are served by Playwright's
request routing under their own origin.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from safetrail.web.app import create_app
from safetrail.web.security import SECURITY_HEADERS, served_hosts
from safetrail.web.state import AppState
from tests.conftest import PASSPHRASE
from tests.test_e2e_browser import CHROMIUM, FLAGS, _need_chromium, poll
from tests.tlsutil import self_signed

pytestmark = pytest.mark.browser
LAUNCH = "launch-secret-for-tests"


class Served:
    """The app on a free loopback port with the Host names and launch secret ``serve`` sets."""

    def __init__(
        self, vault: Path, tls: tuple[Path, Path] | None = None, **state_options: object
    ) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.state = AppState(
            vault,
            allowed_hosts=served_hosts("127.0.0.1", self.port),
            launch_secret=LAUNCH,
            tls=tls is not None,
            **state_options,  # type: ignore[arg-type]
        )
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(vault, self.state),
                log_level="warning",
                ssl_certfile=str(tls[0]) if tls else None,
                ssl_keyfile=str(tls[1]) if tls else None,
            )
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Served:
        self.thread.start()
        poll(lambda: self.server.started)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[*FLAGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"],
        )
        yield launched
        launched.close()


def set_up_in(page: object, server: Served) -> None:
    page.goto(f"{server.url}/?launch={LAUNCH}")  # type: ignore[attr-defined]
    page.wait_for_url(server.url + "/setup")  # type: ignore[attr-defined]
    page.fill("#passphrase", PASSPHRASE)  # type: ignore[attr-defined]
    page.fill("#confirm", PASSPHRASE)  # type: ignore[attr-defined]
    page.fill("#country", "GB")  # type: ignore[attr-defined]
    page.fill("#timezone", "Europe/London")  # type: ignore[attr-defined]
    page.click("text=Create my private record")  # type: ignore[attr-defined]
    page.wait_for_url(server.url + "/")  # type: ignore[attr-defined]


def check_headers(response: object) -> None:
    headers = response.all_headers()  # type: ignore[attr-defined]
    for name, value in SECURITY_HEADERS.items():
        assert headers[name.lower()] == value, name


def test_rebinding_page_cannot_create_the_vault(chromium: object, tmp_path: Path) -> None:
    with Served(tmp_path / "vault") as server:
        page = chromium.new_page()  # type: ignore[attr-defined]
        foreign = f"http://evil.example:{server.port}"
        response = page.goto(foreign + "/setup")
        assert response.status == 400
        assert page.inner_text("body") == "This address is not SafeTrail's."
        check_headers(response)
        # The page the attacker controls tries the setup form by script as well.
        page.route(
            foreign + "/attack",
            lambda route: route.fulfill(
                content_type="text/html",
                body=(
                    '<form method="post" action="/setup"><input name="passphrase" '
                    'value="attacker passphrase"><input name="confirm" value="attacker '
                    'passphrase"></form><script>document.forms[0].submit()</script>'
                ),
            ),
        )
        with page.expect_navigation():
            page.goto(foreign + "/attack")
        assert page.inner_text("body") == "This address is not SafeTrail's."
        page.close()
    assert not (tmp_path / "vault").exists()
    assert server.state.vault is None


def test_only_the_opened_link_gets_in(chromium: object, tmp_path: Path) -> None:
    with Served(tmp_path / "vault") as server:
        other = chromium.new_context()  # type: ignore[attr-defined]
        refused = other.new_page().goto(server.url + "/setup")
        assert refused.status == 403
        other.close()
        context = chromium.new_context()  # type: ignore[attr-defined]
        page = context.new_page()
        set_up_in(page, server)
        assert "launch" not in page.url
        assert page.is_visible("text=Record what just happened")
        context.close()


def test_foreign_pages_cannot_lock_or_write(chromium: object, tmp_path: Path) -> None:
    """Another origin on this computer (same site: only the port differs) tries /exit."""
    with Served(tmp_path / "vault") as server:
        context = chromium.new_context()  # type: ignore[attr-defined]
        page = context.new_page()
        set_up_in(page, server)
        token = server.state.session_token
        attacker = "http://127.0.0.1:8931"  # Playwright serves this origin's pages
        target = server.url
        pages = {
            "/get": f'<script>location.replace("{target}/exit")</script>',
            "/img": f'<img src="{target}/exit"><img src="{target}/lock">',
            "/post": (
                f'<form method="post" action="{target}/exit"></form>'
                "<script>document.forms[0].submit()</script>"
            ),
            "/capture": (
                f'<form method="post" action="{target}/capture"><input name="what" '
                'value="forged entry"></form><script>document.forms[0].submit()</script>'
            ),
        }
        context.route(
            attacker + "/*",
            lambda route: route.fulfill(
                content_type="text/html", body=pages[route.request.url[len(attacker) :]]
            ),
        )
        evil = context.new_page()
        reached: list[str] = []  # requests to SafeTrail that got an answer (used or blocked)
        for event in ("requestfinished", "requestfailed"):
            evil.on(event, lambda r: reached.append(r.url) if r.url.startswith(target) else None)
        for path in pages:
            reached.clear()
            evil.goto(attacker + path)
            poll(lambda: reached)
            assert server.state.vault is not None, path
            assert server.state.session_token == token, path
        # The person's own quick exit still locks at once.
        page.goto(server.url + "/incidents")
        assert "forged entry" not in page.inner_text("main")
        page.click("#quick-exit")
        page.wait_for_url("**/away")
        assert server.state.vault is None
        context.close()


def test_odd_ids_show_a_calm_page(chromium: object, tmp_path: Path) -> None:
    with Served(tmp_path / "vault") as server:
        context = chromium.new_context()  # type: ignore[attr-defined]
        page = context.new_page()
        set_up_in(page, server)
        for path in (
            "/incidents/①",
            "/evidence/²/raw",
            "/people/99999999999999999999",
            "/plan/orders/99999999999999999999",
        ):
            response = page.goto(server.url + path)
            assert response.status == 404, path
            assert page.inner_text("main").startswith("That did not work\n")
            check_headers(response)
        context.close()


def test_wait_until(tmp_path: Path) -> None:
    """poll() itself: the helper every test above waits with."""
    started = time.monotonic()
    poll(lambda: time.monotonic() - started > 0.01)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_unlock_waits_rotates_and_reports(chromium: object, tmp_path: Path) -> None:
    clock = Clock()
    with Served(tmp_path / "vault", monotonic=clock) as server:
        context = chromium.new_context()  # type: ignore[attr-defined]
        page = context.new_page()
        set_up_in(page, server)
        page.click("text=Lock")
        page.wait_for_url("**/unlock")
        tokens = []
        for _ in range(4):
            tokens.append(page.get_attribute("input[name=csrf]", "value"))
            page.fill("#passphrase", "not my passphrase")
            with page.expect_navigation():
                page.click("button:has-text('Unlock')")
            assert "That passphrase does not open this vault." in page.inner_text("main")
        tokens.append(page.get_attribute("input[name=csrf]", "value"))
        assert len(set(tokens)) == 5  # a new token after every failure
        page.fill("#passphrase", PASSPHRASE)
        with page.expect_navigation() as waited:
            page.click("button:has-text('Unlock')")
        assert waited.value.status == 429
        assert "Try again in 1 second." in page.inner_text("main")
        assert server.state.vault is None
        clock.now += 1
        page.fill("#passphrase", PASSPHRASE)
        page.click("button:has-text('Unlock')")
        page.wait_for_url("**/unlock/notice")
        assert "4 wrong passphrases were tried since you last opened SafeTrail." in (
            page.inner_text("main")
        )
        page.click("text=Continue")
        page.wait_for_url(server.url + "/")
        context.close()


def test_tls_session_cookie_is_secure_and_hsts_is_sent(chromium: object, tmp_path: Path) -> None:
    with Served(tmp_path / "vault", tls=self_signed(tmp_path, ca=False)) as server:
        context = chromium.new_context(ignore_https_errors=True)  # type: ignore[attr-defined]
        page = context.new_page()
        first = page.goto(f"{server.url}/?launch={LAUNCH}")
        assert (
            first.request.redirected_from.response().headers[  # the launch redirect
                "strict-transport-security"
            ]
            == "max-age=31536000"
        )
        set_up_in(page, server)
        cookies = {c["name"]: c for c in context.cookies()}
        assert set(cookies) >= {"st_session", "st_launch"}
        for name in ("st_session", "st_launch"):
            assert cookies[name]["secure"] is True, name
            assert cookies[name]["httpOnly"] is True and cookies[name]["sameSite"] == "Strict"
        home = page.goto(server.url + "/")
        assert home.headers["strict-transport-security"] == "max-age=31536000"
        check_headers(home)
        context.close()


def test_plain_http_sends_no_hsts(tmp_path: Path) -> None:
    from tests.webutil import new_client

    with new_client(tmp_path / "vault") as client:
        assert "strict-transport-security" not in client.get("/setup").headers


def test_csv_download_carries_no_formula(chromium: object, tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://evil.example","x")'
    with Served(tmp_path / "vault") as server:
        context = chromium.new_context(accept_downloads=True)  # type: ignore[attr-defined]
        page = context.new_page()
        set_up_in(page, server)
        page.goto(server.url + "/capture")
        page.fill("#what", formula)
        page.click("button:has-text('Save')")
        page.wait_for_url("**/?saved=I-0001")
        page.goto(server.url + "/reports")
        with page.expect_download() as download:
            page.click("button:has-text('Incidents (CSV)')")
        saved = tmp_path / "export.csv"
        download.value.save_as(saved)
        import csv

        with saved.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[1][rows[0].index("what_happened")] == "'" + formula
        context.close()


def test_upload_over_the_limit_says_so(chromium: object, tmp_path: Path) -> None:
    big = tmp_path / "long recording.bin"
    big.write_bytes(b"\x00" * 5000)
    with Served(tmp_path / "vault", upload_limit=4000) as server:
        context = chromium.new_context()  # type: ignore[attr-defined]
        page = context.new_page()
        set_up_in(page, server)
        page.goto(server.url + "/evidence")
        page.set_input_files("#upload-files", [str(big)])
        page.click("#upload-start")
        message = "This file is larger than SafeTrail accepts in one upload (4.0 KB)."
        page.wait_for_selector(f"#upload-results >> text={message}", timeout=15000)
        assert "No evidence yet" in page.inner_text("main")
        context.close()


def test_messages_page_reads_searches_and_marks(chromium: object, tmp_path: Path) -> None:
    from safetrail.services.imports.run import run_import
    from safetrail.services.people import PersonInput, add_person
    from tests.test_web_messages import THREAT, write_sms

    with Served(tmp_path / "vault") as server:
        context = chromium.new_context()  # type: ignore[attr-defined]
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        set_up_in(page, server)
        vault = server.state.vault
        assert vault is not None
        add_person(vault, PersonInput(names=["Alex"], identifiers=["+447700900123"]))
        assert run_import(vault, [write_sms(tmp_path / "sms.xml")]).status == "complete"
        page.click("nav >> text=Messages")
        page.wait_for_url("**/messages")
        assert page.inner_text("#message-count") == "5 messages and calls match."
        assert page.locator("li.message.flagged").count() == 2
        assert "<script>alert(1)</script>" in page.inner_text("#message-list")  # shown as text
        page.fill("#q", "going to kill")
        page.click("button:has-text('Show')")
        page.wait_for_url("**/messages?q=going+to+kill*")
        assert page.locator("li.message").count() == 1
        assert THREAT in page.inner_text("li.message.flagged")
        assert "Marked: this may be a threat." in page.inner_text("li.message.flagged")
        page.select_option("#direction", "outgoing")
        page.fill("#q", "")
        page.click("button:has-text('Show')")
        page.wait_for_url("**direction=outgoing*")
        assert page.inner_text("#message-list").count("Please stop contacting me.") == 1
        assert dialogs == []
        context.close()


def test_duress_passphrase_at_unlock_opens_the_decoy(chromium: object, tmp_path: Path) -> None:
    from safetrail.services import duress

    with Served(tmp_path / "vault") as server:
        context = chromium.new_context()  # type: ignore[attr-defined]
        page = context.new_page()
        set_up_in(page, server)
        page.click("text=Record what just happened")
        page.fill("#what", "REAL-ENTRY: he followed me to the station.")
        page.click("button:has-text('Save')")
        page.wait_for_url("**/?saved=I-0001")
        assert server.state.vault is not None
        duress.set_duress_passphrase(server.state.vault, PASSPHRASE, "an ordinary looking phrase")
        page.click("text=Lock")
        page.wait_for_url("**/unlock")
        page.fill("#passphrase", "an ordinary looking phrase")
        page.click("button:has-text('Unlock')")
        page.wait_for_url(server.url + "/")
        page.goto(server.url + "/incidents")
        timeline = page.inner_text("main")
        assert "REAL-ENTRY" not in timeline
        for _days, text, _tactic in duress.DECOY_ENTRIES:
            assert text in timeline
        page.goto(server.url + "/capture")
        page.fill("#what", "Spoke to the landlord about the bins.")
        page.click("button:has-text('Save')")
        page.wait_for_url("**/?saved=I-0004")
        page.click("#quick-exit")
        page.wait_for_url("**/away")
        page.goto(server.url + "/unlock")
        page.fill("#passphrase", PASSPHRASE)
        page.click("button:has-text('Unlock')")
        page.wait_for_url(server.url + "/")
        page.goto(server.url + "/incidents")
        timeline = page.inner_text("main")
        assert "REAL-ENTRY" in timeline and "landlord" not in timeline
        context.close()
