"""Reminders held up by a mail server that was down: late ones say so, stale ones are
skipped (docs/checkins.md). Real SMTP on loopback; time moves by the vault's clock."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from safetrail.checkins.tables import checkin_outbox
from safetrail.services import checkins
from safetrail.services.checkins import CheckinInput, ContactInput
from safetrail.services.vault import Vault
from tests.test_checkins_support import (
    ManualClock,
    alert_vault,
    body,
    clock,
    configure,
    free_port,
    run_tick,
    smtp_server,
)

__all__ = ["alert_vault", "clock"]


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, 1, hour, minute, second, tzinfo=UTC)


def begin(vault: Vault, port: int) -> None:
    configure(vault, port, self_email="alex@example.org")
    checkins.add_contact(vault, ContactInput(name="Sam", email="sam@example.org"))
    checkins.start_checkin(vault, CheckinInput(where="Café Rosa", expected_by="21:00"))


def outbox_rows(vault: Vault) -> list[tuple[str, str, str | None]]:
    with vault.read() as conn:
        rows = conn.execute(
            select(
                checkin_outbox.c.purpose, checkin_outbox.c.status, checkin_outbox.c.last_error
            ).order_by(checkin_outbox.c.created_at, checkin_outbox.c.purpose.desc())
        )
        return [(r.purpose, r.status, r.last_error) for r in rows]


def test_a_reminder_held_up_past_the_check_in_time_is_not_sent(
    alert_vault: Vault, clock: ManualClock
) -> None:
    port = free_port()
    begin(alert_vault, port)
    clock.set(at(20, 45))
    run_tick(alert_vault)  # the mail server is down: the reminder waits for a retry
    assert [(p, s) for p, s, _e in outbox_rows(alert_vault)] == [("reminder", "pending")]
    with smtp_server(port) as box:
        clock.set(at(21, 0, 44))  # back up only after the check-in time
        run_tick(alert_vault)
        assert box.subjects() == [("alex@example.org", "Reminder")]
        (sent,) = box.raw
        assert body(sent) == (
            "It is time to check in (by 21:15 GMT on 2026-11-01 at the latest).\n"
        )
    rows = outbox_rows(alert_vault)
    assert [(p, s) for p, s, _e in rows] == [("reminder", "cancelled"), ("deadline", "sent")]
    assert rows[0][2] == "not sent: its time had passed at 2026-11-01T21:00:44.000000Z"


def test_a_reminder_held_up_but_still_useful_says_it_is_late(
    alert_vault: Vault, clock: ManualClock
) -> None:
    port = free_port()
    begin(alert_vault, port)
    clock.set(at(20, 45))
    run_tick(alert_vault)
    with smtp_server(port) as box:
        clock.set(at(20, 55))
        run_tick(alert_vault)
        (sent,) = box.raw
        assert body(sent) == (
            "A reminder to check in by 21:00 GMT on 2026-11-01. (Sent 10 min late.)\n"
        )
