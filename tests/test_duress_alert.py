"""The silent alert of a duress unlock: real SMTP server, real CLI process, real web server."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller

from safetrail.services import checkins, duress, duress_alert
from safetrail.services.incidents import IncidentFilter, list_incidents, quick_incident
from safetrail.services.vault import Vault, create_vault, open_vault
from safetrail.services.verify import verify
from safetrail.storage import ledger
from safetrail.web.app import create_app
from safetrail.web.state import AppState
from tests.conftest import PASSPHRASE

DURESS = "the garden needs water"
WAIT = 30.0  # seconds an expected message may take at most on a busy machine
CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')


class Inbox:
    """An aiosmtpd handler that counts messages and lets a test wait for them."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int) -> list[EmailMessage]:
        with self.arrived:
            got = self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=WAIT)
            assert got, f"{len(self.messages)} of {count} messages arrived"
            return list(self.messages)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    try:
        yield box
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_vault(root: Path, port: int, alert: bool | None) -> None:
    """A vault with two contacts reachable by email; ``alert`` None: no duress passphrase."""
    vault = create_vault(root, PASSPHRASE, "GB", "Europe/London")
    try:
        quick_incident(vault, "The grey van was parked across the road at eight.")
        checkins.save_alert_settings(
            vault,
            checkins.AlertSettingsInput(
                owner_name="Robin",
                smtp_host="127.0.0.1",
                smtp_port=str(port),
                smtp_security="none",
                smtp_sender="robin@example.org",
            ),
        )
        checkins.add_contact(vault, checkins.ContactInput(name="Sam", email="sam@example.org"))
        if alert is not None:
            duress.set_duress_passphrase(vault, PASSPHRASE, DURESS, alert=alert)
    finally:
        vault.close()


def real_state(root: Path) -> tuple[int, str]:
    vault = open_vault(root, PASSPHRASE)
    try:
        assert verify(vault).ok
        with vault.read() as conn:
            top = ledger.head(conn)
        assert top is not None
        return top.seq, top.entry_hash
    finally:
        vault.close()


def sender_of(vault: Vault) -> duress_alert.DuressSender:
    found = [step.__self__ for step in vault.on_close if hasattr(step, "__self__")]
    senders = [s for s in found if isinstance(s, duress_alert.DuressSender)]
    assert len(senders) == 1
    return senders[0]


def cli(root: Path, *args: str, passphrase: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "safetrail"), *args, "--vault", str(root)],
        env={**os.environ, "SAFETRAIL_PASSPHRASE": passphrase, "SAFETRAIL_LANG": "en", **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def files(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.stat().st_size
        for p in sorted(root.rglob("*"))
        if p.is_file() and "blobs" not in p.parts
    }


# -- the files ---------------------------------------------------------------------------------


def test_vaults_with_alert_without_and_without_duress_look_alike(
    tmp_path: Path, inbox: Inbox
) -> None:
    port = inbox.port  # type: ignore[attr-defined]
    for name, alert in (("alerting", True), ("quiet", False), ("plain", None)):
        make_vault(tmp_path / name, port, alert)
    shapes = {name: files(tmp_path / name) for name in ("alerting", "quiet", "plain")}
    assert shapes["alerting"] == shapes["quiet"] == shapes["plain"]
    assert shapes["plain"]["vault-2.alert"] == duress_alert.FILE_BYTES == 32856
    alerting = (tmp_path / "alerting" / "vault-2.alert").read_bytes()
    quiet = (tmp_path / "quiet" / "vault-2.alert").read_bytes()
    for raw in (alerting, quiet):  # no readable text in either
        assert b"sam@example.org" not in raw and b"Robin" not in raw
    assert inbox.messages == []


def test_a_real_unlock_rewrites_the_alert_file_whether_or_not_alerting_is_on(
    tmp_path: Path, inbox: Inbox
) -> None:
    port = inbox.port  # type: ignore[attr-defined]
    for name, alert in (("alerting", True), ("plain", None)):
        root = tmp_path / name
        make_vault(root, port, alert)
        before = (root / "vault-2.alert").read_bytes()
        open_vault(root, PASSPHRASE).close()
        after = (root / "vault-2.alert").read_bytes()
        assert before != after and len(after) == len(before) == duress_alert.FILE_BYTES


# -- the CLI -----------------------------------------------------------------------------------


def test_cli_duress_unlock_sends_one_silent_alert_and_shows_only_the_decoy(
    tmp_path: Path, inbox: Inbox
) -> None:
    root = tmp_path / "vault"
    make_vault(root, inbox.port, alert=None)  # type: ignore[attr-defined]
    done = cli(
        root,
        "duress",
        "set",
        "--alert-contacts",
        passphrase=PASSPHRASE,
        SAFETRAIL_DURESS_PASSPHRASE=DURESS,
    )
    assert done.returncode == 0, done.stderr
    assert "silent alert to your trusted contacts" in " ".join(done.stdout.split())
    before = real_state(root)
    shown = cli(root, "incident", "list", passphrase=DURESS)
    assert shown.returncode == 0, shown.stderr
    # The process has ended: its first attempt at every message is over.
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "sam@example.org"
    assert message["Subject"] == "Robin may need help now: silent alert"
    assert message["Importance"] == "high"
    body = message.get_content()
    assert "Hello Sam," in body
    assert "Robin opened SafeTrail with their duress passphrase" in body
    assert "call the police on 999" in body
    assert "Music from the flat upstairs" in " ".join(shown.stdout.split())  # the decoy
    assert "grey van" not in shown.stdout
    for text in ("alert", "contact", "Sam", "sam@example.org"):
        assert text not in shown.stdout + shown.stderr
    assert real_state(root) == before


def test_cli_duress_unlock_sends_nothing_when_alerting_was_not_chosen(
    tmp_path: Path, inbox: Inbox
) -> None:
    root = tmp_path / "vault"
    make_vault(root, inbox.port, alert=None)  # type: ignore[attr-defined]
    done = cli(
        root, "duress", "set", passphrase=PASSPHRASE, SAFETRAIL_DURESS_PASSPHRASE=DURESS
    )  # not a terminal and not asked for: off
    assert done.returncode == 0, done.stderr
    assert "silent alert" not in " ".join(done.stdout.split())
    shown = cli(root, "incident", "list", passphrase=DURESS)
    assert shown.returncode == 0, shown.stderr
    assert "Music from the flat upstairs" in " ".join(shown.stdout.split())
    assert inbox.messages == []


def test_contacts_added_later_are_in_the_package_after_the_next_lock(
    tmp_path: Path, inbox: Inbox
) -> None:
    root = tmp_path / "vault"
    make_vault(root, inbox.port, alert=True)  # type: ignore[attr-defined]
    real = open_vault(root, PASSPHRASE)
    checkins.add_contact(real, checkins.ContactInput(name="Kim", email="kim@example.org"))
    real.close()
    decoy = open_vault(root, DURESS)
    sender = sender_of(decoy)
    got = inbox.wait_for(2)
    assert sender.done.wait(WAIT)
    decoy.close()
    assert sorted(str(m["To"]) for m in got) == ["kim@example.org", "sam@example.org"]
    assert len(inbox.messages) == 2 and sender.sent == 2


def test_an_unreachable_mail_server_is_retried_silently_while_the_decoy_is_open(
    tmp_path: Path,
) -> None:
    root = tmp_path / "vault"
    make_vault(root, _free_port(), alert=True)  # nobody listens there
    decoy = open_vault(root, DURESS)
    sender = sender_of(decoy)
    assert texts_of(decoy) == sorted(text for _d, text, _t in duress.DECOY_ENTRIES)
    decoy.close()  # stops the retries; the attempt under way ends
    assert sender.done.wait(WAIT)
    assert (sender.sent, sender.failed_attempts) == (0, 1)


def texts_of(vault: Vault) -> list[str]:
    found, _total = list_incidents(vault, IncidentFilter(limit=100))
    return sorted(str(r.data["what_happened"]) for r in found)


# -- the web -----------------------------------------------------------------------------------


@contextlib.contextmanager
def served(root: Path) -> Iterator[tuple[httpx.Client, AppState]]:
    app = create_app(root)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # uvicorn offers no event to wait on
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            yield client, app.state.safetrail
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def web_unlock(client: httpx.Client, passphrase: str) -> httpx.Response:
    page = client.get("/unlock")
    token = CSRF_INPUT.search(page.text)
    assert token
    return client.post(
        "/unlock", data={"csrf": token.group(1), "passphrase": passphrase}, follow_redirects=True
    )


def web_set_duress(client: httpx.Client, alert: bool) -> httpx.Response:
    page = client.get("/settings/duress")
    assert 'name="alert_contacts"' in page.text
    assert 'type="checkbox" value="on">' in page.text  # not ticked unless chosen
    token = CSRF_INPUT.search(page.text)
    assert token
    form = {
        "csrf": token.group(1),
        "current": PASSPHRASE,
        "duress_passphrase": DURESS,
        "confirm": DURESS,
    }
    if alert:
        form["alert_contacts"] = "on"
    return client.post("/settings/duress", data=form, follow_redirects=True)


@pytest.mark.parametrize("alert", [True, False])
def test_web_duress_unlock_sends_the_alert_only_when_chosen(
    tmp_path: Path, inbox: Inbox, alert: bool
) -> None:
    root = tmp_path / "vault"
    make_vault(root, inbox.port, alert=None)  # type: ignore[attr-defined]
    with served(root) as (client, state):
        assert web_unlock(client, PASSPHRASE).status_code == 200
        saved = web_set_duress(client, alert)
        assert saved.status_code == 200 and "Duress passphrase set." in saved.text
        client.get("/lock")
        assert state.vault is None
        before = real_state(root)
        opened = web_unlock(client, DURESS)
        assert opened.status_code == 200
        assert state.vault is not None and duress.is_decoy(state.vault)
        sender = sender_of(state.vault)
        assert "sam@example.org" not in opened.text and "Sam" not in opened.text
        if alert:
            got = inbox.wait_for(1)
        assert sender.done.wait(WAIT)
        listed = client.get("/incidents")
        assert "Music from the flat upstairs" in listed.text
        client.get("/lock")
        assert state.vault is None
    assert len(inbox.messages) == (1 if alert else 0)
    if alert:
        assert got[0]["To"] == "sam@example.org"
        assert "duress passphrase" in got[0].get_content()
    assert real_state(root) == before
