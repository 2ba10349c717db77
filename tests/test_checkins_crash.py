"""``safetrail daemon`` killed with SIGKILL in the middle of sending, then restarted.

The check-ins are overdue when the daemon starts (their deadlines passed while
nothing was running), so it alerts at once. The mail server is made slow to answer,
and the daemon is killed at the moment the server has received the first message
but before the daemon hears "250": the worst moment, when the message is out but
not yet recorded as sent. The restarted daemon sees that the process holding the
message is gone, takes its messages over at once and sends them. Each alert must
arrive exactly once as the receiver sees it (one message per Message-ID), and
the vault must record one delivery per alert and verify cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from safetrail.checkins.tables import checkin_outbox
from safetrail.services import checkins
from safetrail.services.checkins import CheckinInput, ContactInput
from safetrail.services.vault import create_vault, open_vault
from safetrail.services.verify import verify
from tests.conftest import PASSPHRASE
from tests.test_checkins_support import Mailbox, ManualClock, configure, smtp_server

CHECKINS = 3


def daemon(vault: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETRAIL_")}
    env.update(
        SAFETRAIL_VAULT=str(vault),
        SAFETRAIL_PASSPHRASE=PASSPHRASE,
        SAFETRAIL_TEST_WEAK_KDF="1",
        SAFETRAIL_LANG="en",
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "safetrail.cli.main", "daemon", "--interval", "0.1"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_until(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def outbox_statuses(vault_path: Path) -> list[str]:
    vault = open_vault(vault_path, PASSPHRASE)
    try:
        with vault.read() as conn:
            return list(conn.execute(select(checkin_outbox.c.status)).scalars())
    finally:
        vault.close()


def test_daemon_killed_mid_send_sends_each_alert_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    # Set up as if four hours ago: by now every check-in is long overdue.
    clock = ManualClock(datetime.now(UTC) - timedelta(hours=4))
    vault = create_vault(path, PASSPHRASE, "GB", "Europe/London", clock=clock)
    mailbox = Mailbox(delay=1.5)  # slow to say "250": a wide window to kill in
    log = tmp_path / "daemon.log"
    with smtp_server(mailbox=mailbox) as box:
        try:
            configure(vault, box.port)
            checkins.add_contact(vault, ContactInput(name="Sam", email="sam@example.org"))
            checkins.add_contact(vault, ContactInput(name="Kim", email="kim@example.org"))
            for place in ("Café Rosa", "The library", "Platform 2"):
                checkins.start_checkin(vault, CheckinInput(where=place, expected_by="in 1h"))
        finally:
            vault.close()

        first = daemon(path, log)
        try:
            assert box.data_started.wait(30), log.read_text()
            first.send_signal(signal.SIGKILL)  # the server has the message; no 250 yet
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        assert len(box.raw) == 1
        mailbox.delay = 0.0

        second = daemon(path, log)
        try:
            wait_until(lambda: len(box.delivered) == CHECKINS, 30, "all alerts")
            wait_until(
                lambda: outbox_statuses(path) == ["sent"] * CHECKINS, 30, "all recorded sent"
            )
            time.sleep(0.5)  # several more scheduler rounds: nothing else may go out
            second.send_signal(signal.SIGTERM)
            assert second.wait(10) == 0  # a clean stop after the message in hand
        finally:
            if second.poll() is None:
                second.kill()

        ids = [str(m["Message-ID"]) for m in box.raw]
        # The message in flight at the kill went out again with the same Message-ID ...
        assert len(ids) == CHECKINS + 1 and len(set(ids)) == CHECKINS
        assert ids.count(ids[0]) == 2
        # ... so the receiver holds each alert once, all to the first contact.
        assert sorted(m["To"] for m in box.delivered.values()) == ["sam@example.org"] * CHECKINS
        text = "\n".join(str(m.get_body(("plain",)).get_content()) for m in box.delivered.values())  # type: ignore[union-attr]
        assert text.count("late: it was due at") == CHECKINS  # each says it is late

    vault = open_vault(path, PASSPHRASE)
    try:
        alerts = checkins.alert_history(vault)
        assert len(alerts) == CHECKINS
        for alert in alerts:
            assert [(m.contact, m.status) for m in alert.messages] == [("Sam", "sent")]
            assert alert.late is not None  # raised late, and the page says so
        report = verify(vault)
        assert report.ok, report.problems
    finally:
        vault.close()
    assert log.read_text().count("taking over") == CHECKINS  # it knew what it took over
