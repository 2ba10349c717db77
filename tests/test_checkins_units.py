"""The small parts of check-ins on their own: codes, tokens, the sealed inbox,
back-off, reading "check in by", signatures, worker liveness, late notices."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetrail.checkins import codes, outbox
from safetrail.checkins.acks import (
    ALPHABET,
    MAX_PENDING,
    AckInbox,
    AckKeys,
    find_code,
    parse_code,
    seal,
    unseal,
)
from safetrail.checkins.channels import webhook
from safetrail.checkins.channels.base import Outgoing
from safetrail.checkins.deadline import parse_expected
from safetrail.checkins.messages import compose, duration_text
from safetrail.errors import ValidationError

KEYS = AckKeys.derive(b"unit test root key, 32 bytes...!")
NOW = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


@given(st.uuids(), st.uuids())
def test_reply_codes_catch_every_single_typo_and_swap(alert: object, contact: object) -> None:
    code = KEYS.reply_code(str(alert), str(contact))
    assert parse_code(code) == code
    assert parse_code(code.lower().replace("-", " ")) == code
    symbols = code.replace("-", "")
    for i, char in enumerate(symbols):
        for other in ALPHABET:
            if other != char:
                assert parse_code(symbols[:i] + other + symbols[i + 1 :]) is None
        if i + 1 < len(symbols) and symbols[i] != symbols[i + 1]:
            swapped = symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :]
            assert parse_code(swapped) is None


def test_codes_and_tokens_are_per_alert_and_contact() -> None:
    pairs = [("a1", "c1"), ("a1", "c2"), ("a2", "c1")]
    assert len({KEYS.link_token(a, c) for a, c in pairs}) == 3
    assert len({KEYS.reply_code(a, c) for a, c in pairs}) == 3
    other = AckKeys.derive(b"another vault's key material....!")
    assert other.link_token("a1", "c1") != KEYS.link_token("a1", "c1")
    assert len(KEYS.link_token("a1", "c1")) == 43
    code = KEYS.reply_code("a1", "c1")
    assert parse_code(code.replace("0", "O").replace("1", "l")) == code  # look-alikes forgiven
    assert find_code(f"Got it — {code.lower()}. Calling her now") == code
    assert find_code("call me on 0770 0900 123") is None
    assert repr(KEYS) == "AckKeys(<hidden>)"


def test_sealed_inbox_round_trip_and_tamper(tmp_path: Path) -> None:
    inbox = AckInbox(tmp_path / "inbox")
    assert inbox.submit("link", "x" * 43, NOW) is False  # no public key yet: nothing kept
    inbox.publish(KEYS.inbox_public)
    assert oct(inbox.directory.stat().st_mode & 0o777) == "0o700"
    assert inbox.submit("link", "t" * 43, NOW) is True
    (path,) = inbox.pending()
    assert b"t" * 43 not in path.read_bytes()
    item = inbox.read(path, KEYS)
    assert item is not None and (item.kind, item.text) == ("link", "t" * 43)
    assert item.received_at == "2026-11-01T20:00:00.000000Z"
    other = AckKeys.derive(b"not the vault key at all.......!")
    assert inbox.read(path, other) is None
    sealed = bytearray(path.read_bytes())
    sealed[-1] ^= 1
    assert unseal(KEYS.inbox_private, bytes(sealed)) is None
    assert unseal(KEYS.inbox_private, seal(KEYS.inbox_public, b"hello")) == b"hello"


def test_inbox_refuses_a_flood(tmp_path: Path) -> None:
    inbox = AckInbox(tmp_path / "inbox")
    inbox.publish(KEYS.inbox_public)
    for n in range(MAX_PENDING):
        (inbox.directory / f"{n:04d}.ack").write_bytes(b"junk")
    assert inbox.submit("code", "AAAA-AAAA-AAA", NOW) is False
    assert len(inbox.pending()) == MAX_PENDING


def test_backoff_doubles_to_a_cap_with_fixed_jitter() -> None:
    key = outbox.idempotency_key("alert", "a", "c", "0", "x@example.org")
    waits = [outbox.backoff(n, key).total_seconds() for n in range(1, 9)]
    for wait, base in zip(waits, [30, 60, 120, 240, 480, 600, 600, 600], strict=True):
        assert base * 0.9 <= wait <= base * 1.1
    assert waits == [outbox.backoff(n, key).total_seconds() for n in range(1, 9)]
    assert outbox.idempotency_key("a", "b") != outbox.idempotency_key("a", "b", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:30", datetime(2026, 11, 1, 21, 30, tzinfo=UTC)),
        ("19:00", datetime(2026, 11, 2, 19, 0, tzinfo=UTC)),  # passed today: tomorrow
        ("in 2h", datetime(2026, 11, 1, 22, 0, tzinfo=UTC)),
        ("in 45m", datetime(2026, 11, 1, 20, 45, tzinfo=UTC)),
        ("+1h30m", datetime(2026, 11, 1, 21, 30, tzinfo=UTC)),
        ("tomorrow 08:00", datetime(2026, 11, 2, 8, 0, tzinfo=UTC)),
        ("2026-11-01T21:30", datetime(2026, 11, 1, 21, 30, tzinfo=UTC)),
        ("2026-11-02T10:00:00+09:00", datetime(2026, 11, 2, 1, 0, tzinfo=UTC)),
    ],
)
def test_reading_check_in_by(text: str, expected: datetime) -> None:
    assert parse_expected(text, "Europe/London", NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Say by when"),
        ("soon", "could not read"),
        ("2026-11-01 19:00", "already passed"),
        ("2026-12-30 10:00", "more than 14 days"),
        ("25:00", "not a time of day"),
    ],
)
def test_reading_check_in_by_refuses(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_expected(text, "Europe/London", NOW)


def test_a_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        parse_expected("2026-03-29 01:30", "Europe/London", datetime(2026, 3, 28, 12, tzinfo=UTC))


def test_codes_tell_normal_duress_and_wrong_apart() -> None:
    normal, duress = codes.hash_code("4821"), codes.hash_code("9137")
    assert codes.check("4821", normal, duress) == "normal"
    assert codes.check("９１３７", normal, duress) == "duress"  # full-width digits forgiven
    assert codes.check("0000", normal, duress) == "wrong"
    assert codes.check("4821", None, None) == "wrong"
    assert "4821" not in repr(normal)
    with pytest.raises(ValidationError, match="at least 4"):
        codes.hash_code("12")


def test_webhook_signature_follows_standard_webhooks() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    # The example from the Standard Webhooks specification.
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert webhook.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": expected,
    }
    assert webhook.verify(secret, headers, body, now=1614265330 + 60)
    assert not webhook.verify(secret, headers, body, now=1614265330 + 3600)  # too old
    assert not webhook.verify(secret, {**headers, "webhook-id": "other"}, body, now=1614265330)


def test_claims_of_a_dead_local_process_are_recognised() -> None:
    worker = outbox.Worker.current()
    host, boot, pid, _rand = worker.id.split("/")
    assert outbox.Worker.current() is worker
    finished = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert finished.returncode == 0
    dead_pid = _a_dead_pid()
    assert outbox.claimer_is_gone(f"{host}/{boot}/{dead_pid}/x", host, boot)
    assert not outbox.claimer_is_gone(f"{host}/{boot}/{os.getpid()}/x", host, boot)
    assert outbox.claimer_is_gone(f"{host}/another-boot/{os.getpid()}/x", host, boot)
    assert not outbox.claimer_is_gone(f"elsewhere/{boot}/{dead_pid}/x", host, boot)
    assert not outbox.claimer_is_gone("garbage", host, boot)
    assert pid == str(os.getpid())


def _a_dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    for _ in range(50):  # reaped, and not yet reused
        try:
            os.kill(proc.pid, 0)
        except ProcessLookupError:
            return proc.pid
        time.sleep(0.01)
    pytest.skip("the pid was reused at once")


def _payload(due: datetime) -> dict[str, object]:
    return {
        "purpose": "reminder",
        "to": "me@example.org",
        "tz": "Asia/Tokyo",
        "due_at": due.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "checkin": {"expected_by": "2026-11-01T12:00:00.000000Z", "alert_at": "x"},
    }


def test_reminders_are_discreet_and_in_the_vault_time_zone() -> None:
    message = compose("k", _payload(NOW), NOW)
    assert isinstance(message, Outgoing)
    assert (message.subject, message.text) == (
        "Reminder",
        "A reminder to check in by 21:00 JST on 2026-11-01.",
    )
    assert message.short_text == message.text and message.priority == "default"


def test_late_notice_starts_after_two_minutes() -> None:
    alert = {
        "purpose": "all_clear",
        "to": "sam@example.org",
        "tz": "Europe/London",
        "contact": {"name": "Sam"},
        "owner": {"name": "Alex", "phone": None},
        "checked_in_at": "2026-11-01T20:00:00.000000Z",
        "due_at": "2026-11-01T20:00:00.000000Z",
    }
    on_time = compose("k", alert, NOW + timedelta(minutes=2))
    assert on_time.data["late_by_seconds"] == 120
    assert duration_text(timedelta(days=1, hours=2, minutes=3)) == "1 d 2 h 3 min"
    assert duration_text(timedelta(seconds=59)) == "0 min"
