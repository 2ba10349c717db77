"""A person's path through the app in real headless Chromium (Debian's), via Playwright.

Screenshots of each key page, at desktop and phone width, go to tests/artifacts/
(git-ignored) so a person can look at them.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
import wave
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from safetrail.web.app import create_app
from safetrail.web.state import AppState
from tests.conftest import PASSPHRASE

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required when CI=true (apt-get install chromium)")
        pytest.skip("Debian chromium is not installed")


class Server:
    def __init__(self, vault: Path, idle_seconds: float | None = None) -> None:
        import uvicorn

        self.state = AppState(vault, idle_override_seconds=idle_seconds)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(vault, self.state), log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


def shoot(page: object, name: str) -> None:
    """Save the current page at desktop and phone width."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, size in SIZES.items():
        page.set_viewport_size(size)  # type: ignore[attr-defined]
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)  # type: ignore[attr-defined]
    page.set_viewport_size(SIZES["desktop"])  # type: ignore[attr-defined]


def poll(condition: object, seconds: float = 10) -> None:
    """Wait for a condition checked from Python (the page's CSP forbids eval-based waits)."""
    deadline = time.time() + seconds
    while not condition():  # type: ignore[operator]
        assert time.time() < deadline, "condition not met in time"
        time.sleep(0.05)


def tiny_png(path: Path) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([200, 60, 60] * 8) for _ in range(8))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def tiny_wav(path: Path) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x10" * 8000)


def test_first_run_to_quick_exit(browser: object, tmp_path: Path) -> None:
    with Server(tmp_path / "vault") as server:
        context = browser.new_context(viewport=SIZES["desktop"])  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(server.url + "/")
        assert page.url.endswith("/setup")
        page.fill("#passphrase", "short")
        assert page.inner_text("#strength") == "Too short: at least 10 characters."
        page.fill("#passphrase", PASSPHRASE)
        page.fill("#confirm", PASSPHRASE)
        page.fill("#country", "GB")
        page.fill("#timezone", "Europe/London")
        shoot(page, "01-setup")
        page.click("text=Create my private record")
        page.wait_for_url(server.url + "/")
        assert page.is_visible("text=Record what just happened")
        assert "999" in page.inner_text(".emergency")
        shoot(page, "02-home-empty")

        page.click("text=Record what just happened")
        started = time.perf_counter()
        page.fill("#what", "He was waiting at the bus stop outside my work.")
        page.select_option("#tactic", "watching")
        page.click("button:has-text('Save')")
        page.wait_for_url("**/?saved=I-0001")
        assert time.perf_counter() - started < 10
        assert page.is_visible("text=Saved as I-0001")
        shoot(page, "03-home-after-capture")

        # The full form, every kind of detail.
        page.goto(server.url + "/incidents/new")
        page.fill("#when", "2026-11-20 18:05")
        page.fill("#where", "Car park behind the office")
        page.fill("#what_happened", "He followed me from the office to my car and filmed me.")
        page.check("#tactic-following")
        page.check("#tactic-watching")
        page.check("#fear-3")
        page.fill("#police_reference", "CAD 2231/20NOV")
        page.fill("#private_note", "I was shaking.")
        shoot(page, "04-incident-form")
        page.click("button:has-text('Save')")
        page.wait_for_url("**/incidents/I-0002*")
        assert "He followed me from the office" in page.inner_text("main")
        assert "CAD 2231/20NOV" in page.inner_text("main")
        shoot(page, "05-incident-detail")

        page.click("text=Correct or add details")
        page.fill("#police_reference", "CAD 2231/20NOV/B")
        page.fill("#reason", "added the full police reference")
        page.click("button:has-text('Save the correction')")
        page.wait_for_url("**/incidents/I-0002*")
        main_text = page.inner_text("main")
        assert "added the full police reference" in main_text
        assert "CAD 2231/20NOV/B" in main_text
        shoot(page, "06-incident-history")

        page.goto(server.url + "/incidents")
        assert page.locator("text=I-0001").count() >= 1 and page.locator("text=I-0002").count() >= 1
        shoot(page, "07-timeline")

        # Evidence: an image and a recording, uploaded together and viewed.
        png, wav = tmp_path / "doorstep.png", tmp_path / "voicemail.wav"
        tiny_png(png)
        tiny_wav(wav)
        page.goto(server.url + "/evidence")
        page.set_input_files("#upload-files", [str(png), str(wav)])
        page.fill("#upload-incident", "I-0002")
        page.click("#upload-start")
        page.wait_for_selector("#upload-results >> text=EX-0002", timeout=15000)
        shoot(page, "08-evidence-uploaded")
        page.goto(server.url + "/evidence/EX-0001")
        page.wait_for_function("document.querySelector('img.evidence-view').naturalWidth === 8")
        shoot(page, "08b-evidence-image")
        page.goto(server.url + "/evidence/EX-0002")
        duration = page.evaluate(
            """() => new Promise((done) => {
                const audio = document.querySelector('audio.evidence-view');
                const seek = () => { audio.currentTime = 0.5;
                    audio.addEventListener('seeked', () => done(audio.duration), {once: true}); };
                if (audio.readyState >= 1) { seek(); } else {
                    audio.addEventListener('loadedmetadata', seek, {once: true}); }
            })"""
        )
        assert duration == pytest.approx(1.0, abs=0.01)
        shoot(page, "08c-evidence-audio")
        page.goto(server.url + "/incidents/I-0002")
        assert "EX-0001" in page.inner_text("main") and "EX-0002" in page.inner_text("main")

        # Quick exit by keyboard: Esc Esc locks and replaces the page.
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        page.wait_for_url("**/away")
        assert server.state.vault is None
        assert page.title() == "Recipes"
        shoot(page, "09-after-quick-exit")
        page.go_back()
        page.wait_for_load_state()
        assert "bus stop" not in page.content()
        assert "/unlock" in page.url or page.url.startswith("about:")
        context.close()


def test_unlock_and_idle_auto_lock(browser: object, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    with Server(vault) as server:  # make the vault through the pages
        context = browser.new_context(viewport=SIZES["desktop"])  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(server.url + "/setup")
        page.fill("#passphrase", PASSPHRASE)
        page.fill("#confirm", PASSPHRASE)
        page.click("text=Create my private record")
        page.wait_for_url(server.url + "/")
        context.close()
    with Server(vault, idle_seconds=2) as server:
        context = browser.new_context(viewport=SIZES["desktop"])  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(server.url + "/")
        assert page.url.endswith("/unlock")
        page.fill("#passphrase", "this is not it")
        page.click("button:has-text('Unlock')")
        assert page.is_visible("text=That passphrase does not open this vault.")
        shoot(page, "10-unlock-wrong")
        page.fill("#passphrase", PASSPHRASE)
        page.click("button:has-text('Unlock')")
        page.wait_for_url(server.url + "/unlock/notice")  # one wrong passphrase was tried
        assert page.is_visible("text=1 wrong passphrase was tried since you last opened")
        page.wait_for_url("**/unlock", timeout=8000)  # no input: the idle timer locks
        assert server.state.vault is None
        context.close()
