"""Real receivers on loopback for the check-in tests, and a clock moved by hand.

* ``Mailbox``: an aiosmtpd SMTP server. ``raw`` is every message the server
  accepted; ``delivered`` keeps one message per ``Message-ID``, the way a mail
  system that de-duplicates (and a person reading their inbox) sees them.
* ``Receiver``: an HTTP server in a thread, standing in for a webhook bridge and an
  SMS provider. It records each request and answers with the status codes queued
  in ``answers`` (then 200).
* ``ManualClock``: the time every part of SafeTrail reads; tests move it forward.

No test here waits for a deadline: time moves only when a test moves the clock.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from safetrail.checkins.scheduler import CheckinContext, TickReport, tick
from safetrail.services import checkins
from safetrail.services.vault import Vault, create_vault
from tests.conftest import PASSPHRASE

START = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)  # 18:00 GMT in London


class ManualClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- SMTP ----------------------------------------------------------------------------------


@dataclass
class Mailbox:
    raw: list[EmailMessage] = field(default_factory=list)
    delivered: dict[str, EmailMessage] = field(default_factory=dict)
    delay: float = 0.0  # seconds the server takes before answering 250
    data_started: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.raw.append(message)
            # A receiver that de-duplicates by Message-ID: the first copy is the one kept.
            self.delivered.setdefault(str(message["Message-ID"]), message)
        self.data_started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK: queued"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.delivered.values() if m["To"] == address]

    def subjects(self) -> list[tuple[str, str]]:
        with self.lock:
            return [(str(m["To"]), str(m["Subject"])) for m in self.delivered.values()]


@contextmanager
def smtp_server(port: int | None = None, mailbox: Mailbox | None = None) -> Iterator[Mailbox]:
    box = mailbox or Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    try:
        yield box
    finally:
        controller.stop()


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    text = str(part.get_content())  # type: ignore[attr-defined]
    return text.replace("\r\n", "\n")  # SMTP carries CRLF line ends


# -- HTTP ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.answers: list[int] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                headers = {k.lower(): v for k, v in self.headers.items()}  # case-insensitive
                request = Request(self.path, headers, self.rfile.read(length))
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                with receiver.lock:
                    receiver.requests.append(request)
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def keys(self) -> list[str]:
        with self.lock:
            return [r.headers.get("idempotency-key", "") for r in self.requests]


@contextmanager
def http_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


# -- a vault set up for alerts -------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def alert_vault(tmp_path: Path, clock: ManualClock) -> Iterator[Vault]:
    opened = create_vault(tmp_path / "vault", PASSPHRASE, "GB", "Europe/London", clock=clock)
    yield opened
    opened.close()


def configure(vault: Vault, smtp_port: int | None, **extra: str) -> None:
    values: dict[str, Any] = {
        "owner_name": "Alex",
        "owner_phone": "07700 900123",
        "public_url": "https://safetrail.example.org",
    }
    if smtp_port is not None:
        values.update(
            smtp_host="127.0.0.1",
            smtp_port=str(smtp_port),
            smtp_security="none",
            smtp_sender="alerts@example.org",
        )
    values.update(extra)
    checkins.save_alert_settings(vault, checkins.AlertSettingsInput(**values))


def run_tick(vault: Vault, **options: Any) -> TickReport:
    return tick(CheckinContext.for_vault(vault, **options))


__all__ = [
    "START",
    "Mailbox",
    "ManualClock",
    "Receiver",
    "alert_vault",
    "body",
    "clock",
    "configure",
    "free_port",
    "http_receiver",
    "run_tick",
    "smtp_server",
]
