"""Check-ins end to end against real servers on loopback, with time moved by hand.

SMTP is a real aiosmtpd server; webhooks and the SMS provider are a real HTTP server.
The clock is the vault's injected clock: deadlines, back-off and leases pass because
a test moves time forward, never because it sleeps.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from safetrail.checkins import outbox
from safetrail.checkins.acks import AckInbox
from safetrail.checkins.channels import webhook
from safetrail.checkins.channels.smtp import SmtpChannel
from safetrail.checkins.messages import compose
from safetrail.checkins.model import load_place
from safetrail.checkins.scheduler import CheckinContext, TickReport, advance_due
from safetrail.checkins.tables import checkin_outbox
from safetrail.errors import ValidationError
from safetrail.services import checkins, evidence, people
from safetrail.services.checkins import CheckinInput, ContactInput
from safetrail.services.people import PersonInput, Vehicle
from safetrail.services.vault import Vault
from safetrail.services.verify import verify
from safetrail.storage import ledger
from tests.test_checkins_support import (
    ManualClock,
    alert_vault,
    body,
    clock,
    configure,
    free_port,
    http_receiver,
    run_tick,
    smtp_server,
)

__all__ = ["alert_vault", "clock"]  # fixtures used by the tests below

LINK = re.compile(r"https://safetrail\.example\.org/ack/([A-Za-z0-9_-]{43})")
CODE = re.compile(r"enter the code ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}) at")


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, 1, hour, minute, second, tzinfo=UTC)  # GMT = UTC in November


def add(vault: Vault, name: str, **channels: str) -> str:
    return checkins.add_contact(vault, ContactInput(name=name, **channels)).record.ref


def start(vault: Vault, **fields: object) -> str:
    given = {"where": "Café Rosa, Market Street", "expected_by": "21:00", **fields}
    return checkins.start_checkin(vault, CheckinInput(**given)).ref  # type: ignore[arg-type]


def alert_data(vault: Vault) -> list[dict[str, object]]:
    with vault.read() as conn:
        return [r.data for r in vault.store.load(conn, vault.store.list_ids(conn, "alert"))]


def ledger_kinds(vault: Vault) -> list[str]:
    with vault.read() as conn:
        return [e.kind for e in conn.execute(select(ledger.ledger).order_by(ledger.ledger.c.seq))]


def test_alerts_go_out_in_order_and_stop_when_a_contact_acknowledges(
    alert_vault: Vault, clock: ManualClock
) -> None:
    vault = alert_vault
    with smtp_server() as box:
        configure(vault, box.port, self_email="alex@example.org")
        for name in ("Sam", "Kim", "Lee"):
            add(vault, name, email=f"{name.lower()}@example.org")
        person = people.add_person(
            vault,
            PersonInput(
                names=["Jo Bloggs"],
                relationship="former partner",
                vehicles=[Vehicle("grey Ford Transit", "AB12 CDE")],
                notes="Private: never in an alert",
            ),
        )
        ref = start(
            vault,
            with_whom="a friend from work",
            note="I took the number 19 bus.",
            person_refs=[person.ref],
            vehicles=True,
        )
        steps = [
            (at(18, 0), []),
            (at(20, 45), [("alex@example.org", "Reminder")]),  # 15 minutes before
            (at(21, 0), [("alex@example.org", "Reminder")]),  # the check-in time
            (at(21, 14, 59), []),  # still within the grace period
            (at(21, 15), [("sam@example.org", "Alex has not checked in: please check on them")]),
            (at(21, 29, 59), []),
            (at(21, 30), [("kim@example.org", "Alex has not checked in: please check on them")]),
        ]
        for moment, expected in steps:
            clock.set(moment)
            before = len(box.raw)
            run_tick(vault)
            assert box.subjects()[before:] == expected, moment

        reminder, deadline = box.to("alex@example.org")
        assert body(reminder) == "A reminder to check in by 21:00 GMT on 2026-11-01.\n"
        assert (
            body(deadline) == "It is time to check in (by 21:15 GMT on 2026-11-01 at the latest).\n"
        )

        (sam,) = box.to("sam@example.org")
        text = body(sam)
        for line in (
            "Hello Sam,",
            "Where they said they would be: Café Rosa, Market Street",
            "Who they were meeting: a friend from work",
            "They expected to check in by: 21:00 GMT on 2026-11-01",
            "SafeTrail waited 15 more minutes, until 21:15 GMT on 2026-11-01.",
            "1. Call Alex on +44 7700 900123.",
            "2. If you cannot reach them and you are worried, call the police on 999. Tell them "
            "Alex did not check in, where they said they would be, and what is below.",
            "I took the number 19 bus.",
            "The person Alex is worried about: Jo Bloggs (former partner)",
            "  Vehicle: grey Ford Transit, AB12 CDE",
            "You are number 1 of 3 people on Alex's list. If no one lets SafeTrail know they are "
            "dealing with it, the next person will be alerted at 21:30 GMT on 2026-11-01.",
            f"Sent by SafeTrail on behalf of Alex. Reference: AL-001, {ref}.",
        ):
            assert line in text.splitlines(), line
        assert "Private" not in text and "late" not in text
        assert sam["Importance"] == "high"
        assert sam["Auto-Submitted"] == "auto-generated"

        # Kim confirms through the link in her alert: the acknowledgement page seals it
        # into the inbox (as when the app is locked) and the next tick records it.
        (kim,) = box.to("kim@example.org")
        token = LINK.search(body(kim))
        assert token is not None
        inbox = AckInbox.for_vault(vault.layout.root)
        checkins.submit_acknowledgement(inbox, "link", token.group(1), clock(), None)
        assert run_tick(vault).acknowledged == 1
        assert inbox.pending() == []

        for moment in (at(21, 45), at(22, 30), at(23, 59)):
            clock.set(moment)
            run_tick(vault)
        assert box.to("lee@example.org") == []  # the escalation stopped at Kim
        assert len(box.raw) == len(box.delivered) == 4

    (alert,) = alert_data(vault)
    assert alert["status"] == "acknowledged"
    assert [n["at"] for n in alert["notified"]] == [  # type: ignore[attr-defined]
        "2026-11-01T21:15:00.000000Z",
        "2026-11-01T21:30:00.000000Z",
    ]
    assert [(a["via"], a["at"]) for a in alert["acknowledgements"]] == [  # type: ignore[attr-defined]
        ("link", "2026-11-01T21:30:00.000000Z")
    ]
    assert [d["status"] for d in alert["deliveries"]] == ["sent", "sent"]  # type: ignore[attr-defined]
    view = checkins.checkin_view(vault, ref)
    assert view.status == "acknowledged"
    assert view.status_text == "Not checked in: Kim has confirmed they are dealing with it."
    # The same token again changes nothing: each token works once.
    checkins.submit_acknowledgement(inbox, "link", token.group(1), clock(), None)
    assert run_tick(vault).acknowledged == 0
    assert ledger_kinds(vault).count("alert.amend") == 4  # Kim alerted, 2 deliveries, ack
    report = verify(vault)
    assert report.ok, report.problems


def test_reply_code_acknowledges_too(alert_vault: Vault, clock: ManualClock) -> None:
    with smtp_server() as box:
        configure(alert_vault, box.port)
        add(alert_vault, "Sam", email="sam@example.org")
        add(alert_vault, "Kim", email="kim@example.org")
        start(alert_vault)
        clock.set(at(21, 15))
        run_tick(alert_vault)
        code = CODE.search(body(box.to("sam@example.org")[0]))
        assert code is not None
        with pytest.raises(ValidationError):
            last = code.group(1)[-1]
            typo = "1" if last == "0" else "0"
            checkins.acknowledge_code(alert_vault, code.group(1)[:-1] + typo)  # caught
        assert checkins.acknowledge_code(alert_vault, code.group(1).lower()) is True
        assert checkins.acknowledge_code(alert_vault, code.group(1)) is False  # used once
        clock.set(at(22, 0))
        run_tick(alert_vault)
        assert box.to("kim@example.org") == []


def test_late_check_in_sends_all_clear_only_to_those_alerted(
    alert_vault: Vault, clock: ManualClock
) -> None:
    with smtp_server() as box:
        configure(alert_vault, box.port)
        add(alert_vault, "Sam", email="sam@example.org")
        add(alert_vault, "Kim", email="kim@example.org")
        ref = start(alert_vault)
        clock.set(at(21, 15))
        run_tick(alert_vault)
        clock.set(at(21, 20))
        checkins.close_checkin(alert_vault, ref)
        run_tick(alert_vault)
        clock.set(at(22, 0))
        run_tick(alert_vault)
        assert box.subjects() == [
            ("sam@example.org", "Alex has not checked in: please check on them"),
            ("sam@example.org", "Alex has checked in"),
        ]
        assert "Alex checked in at 21:20 GMT on 2026-11-01" in body(box.raw[1])
    (alert,) = alert_data(alert_vault)
    assert alert["status"] == "resolved"
    assert checkins.checkin_view(alert_vault, ref).status_text == (
        "Checked in at 21:20 GMT on 2026-11-01"
    )


def test_duress_code_checks_in_normally_and_alerts_everyone_at_once(
    alert_vault: Vault, clock: ManualClock
) -> None:
    vault = alert_vault
    with smtp_server() as box, http_receiver() as hook:
        configure(vault, box.port, checkin_code="4821", duress_code="9137")
        add(vault, "Sam", email="sam@example.org")
        add(vault, "Kim", email="kim@example.org", webhook_url=f"{hook.url}/push")
        forced = start(vault, where="His flat, 12 Hill Road")
        ordinary = start(vault, where="His flat, 12 Hill Road")
        clock.set(at(19, 30))
        with pytest.raises(ValidationError, match="That code is not right"):
            checkins.close_checkin(vault, forced, "0000")
        checkins.close_checkin(vault, forced, "9137")  # the emergency code
        checkins.close_checkin(vault, ordinary, " 48 21 ")  # the usual code, typed loosely

        # On screen and in the check-in's own history the two are the same.
        views = [checkins.checkin_view(vault, r) for r in (forced, ordinary)]
        assert [v.status_text for v in views] == ["Checked in at 19:30 GMT on 2026-11-01"] * 2
        with vault.read() as conn:
            histories = [
                [
                    (v.op, v.reason)
                    for v in vault.store.history(conn, vault.store.resolve(conn, "checkin", r))
                ]
                for r in (forced, ordinary)
            ]
        assert histories[0] == histories[1] == [("create", None), ("amend", "checked in")]

        clock.set(at(19, 30, 5))
        report = run_tick(vault)
        assert report.sent == 3  # Sam by email, Kim by email and webhook: all at once
        subjects = sorted(box.subjects())
        assert subjects == [
            ("kim@example.org", "Alex may need help now: silent alert"),
            ("sam@example.org", "Alex may need help now: silent alert"),
        ]
        text = body(box.to("sam@example.org")[0])
        assert "At 19:30 GMT on 2026-11-01, Alex used their emergency code in SafeTrail." in text
        assert "Where they said they would be: His flat, 12 Hill Road" in text
        assert "Do not mention this alert unless they do." in text
        (request,) = hook.requests
        assert request.json()["title"] == "Alex may need help now: silent alert"
        assert request.json()["priority"] == "urgent"

    alerts = alert_data(vault)
    assert [(a["cause"], a["status"], a["code_used_at"]) for a in alerts] == [
        ("duress", "all_notified", "2026-11-01T19:30:00.000000Z")
    ]
    # Only the alert history tells the two apart.
    assert [a.cause_text for a in checkins.alert_history(vault)] == [
        "Silent alert (emergency code)"
    ]
    assert verify(vault).ok


def test_smtp_down_for_a_while_then_delivered_exactly_once(
    alert_vault: Vault, clock: ManualClock
) -> None:
    port = free_port()  # nothing listens here yet: the mail server is down
    configure(alert_vault, port)
    add(alert_vault, "Sam", email="sam@example.org")
    start(alert_vault)
    clock.set(at(21, 15))
    first = run_tick(alert_vault)
    assert (first.advanced, first.sent, first.retrying) == (1, 0, 1)
    with alert_vault.read() as conn:
        row = conn.execute(select(checkin_outbox).where(checkin_outbox.c.purpose == "alert")).one()
    assert row.status == "pending" and row.attempts == 1
    assert "mail server not reachable" in row.last_error
    next_try = datetime.fromisoformat(row.next_attempt_at.replace("Z", "+00:00"))
    assert timedelta(seconds=27) <= next_try - at(21, 15) <= timedelta(seconds=33)
    assert run_tick(alert_vault).retrying == 0  # not due again yet: no attempt
    clock.set(at(21, 20))
    assert run_tick(alert_vault).retrying == 1  # still down
    assert checkins.sending_problems(alert_vault)[0].startswith("Email: mail server not reachable")

    with smtp_server(port=port) as box:
        clock.set(at(21, 40))
        assert run_tick(alert_vault).sent == 1
        for minutes in (5, 30, 120):
            clock.advance(minutes=minutes)
            assert run_tick(alert_vault).sent == 0
        assert len(box.raw) == 1  # exactly once, after the recovery
        text = body(box.raw[0])
    assert (
        "This message is 25 min late: it was due at 21:15 GMT on 2026-11-01. SafeTrail could "
        "not send it on time"
    ) in text
    (alert,) = alert_data(alert_vault)
    assert [(d["status"], d["attempts"]) for d in alert["deliveries"]] == [("sent", 3)]  # type: ignore[attr-defined]
    assert checkins.sending_problems(alert_vault) == []


def test_overdue_at_start_up_is_sent_at_once_and_says_the_delay(
    alert_vault: Vault, clock: ManualClock
) -> None:
    with smtp_server() as box:
        configure(alert_vault, box.port, self_email="alex@example.org")
        add(alert_vault, "Sam", email="sam@example.org")
        add(alert_vault, "Kim", email="kim@example.org")
        start(alert_vault)
        clock.set(at(23, 40))  # SafeTrail was not running from 18:00 until now
        run_tick(alert_vault)
        # Stale reminders are skipped; the first contact is alerted at once, and the
        # next one only after her full waiting time from now.
        assert box.subjects() == [
            ("sam@example.org", "Alex has not checked in: please check on them")
        ]
        text = body(box.raw[0])
        assert "This message is 2 h 25 min late: it was due at 21:15 GMT on 2026-11-01." in text
        assert "the next person will be alerted at 23:55 GMT on 2026-11-01." in text
        clock.set(at(23, 54))
        run_tick(alert_vault)
        assert len(box.raw) == 1
        clock.set(at(23, 55))
        run_tick(alert_vault)
        assert box.subjects()[1][0] == "kim@example.org"
    (view,) = checkins.alert_history(alert_vault)
    assert view.late == "2 h 25 min"


def test_a_crash_after_sending_resends_with_the_same_message_id(
    alert_vault: Vault, clock: ManualClock
) -> None:
    """The window exactly-once cannot close by itself: the receiver accepted the message
    but the worker died before recording it. The lease runs out, another worker sends
    again with the same Message-ID, and a de-duplicating receiver keeps one."""
    with smtp_server() as box:
        configure(alert_vault, box.port)
        add(alert_vault, "Sam", email="sam@example.org")
        start(alert_vault)
        clock.set(at(21, 15))
        crashed = CheckinContext.for_vault(alert_vault, worker=outbox.Worker("elsewhere/b/1/x"))
        advance_due(crashed, TickReport())
        (claimed,) = outbox.claim(alert_vault.engine, crashed.worker, clock(), 10)
        with alert_vault.read() as conn:
            place = load_place(conn, alert_vault.store)
        assert place.alerting.smtp is not None
        SmtpChannel(place.alerting.smtp).send(compose(claimed.key, claimed.payload, clock()))
        # ... and the worker dies here, before marking the message sent.

        clock.advance(minutes=1)
        assert run_tick(alert_vault).sent == 0  # the lease (2 minutes) still holds
        clock.advance(minutes=1, seconds=1)
        assert run_tick(alert_vault).sent == 1
        assert run_tick(alert_vault).sent == 0
        assert len(box.raw) == 2
        assert box.raw[0]["Message-ID"] == box.raw[1]["Message-ID"]
        assert len(box.delivered) == 1
    (alert,) = alert_data(alert_vault)
    assert [(d["status"], d["attempts"]) for d in alert["deliveries"]] == [("sent", 2)]  # type: ignore[attr-defined]


def test_webhook_is_signed_and_carries_the_idempotency_key(
    alert_vault: Vault, clock: ManualClock
) -> None:
    with http_receiver() as hook:
        configure(alert_vault, None)
        added = checkins.add_contact(
            alert_vault, ContactInput(name="Sam", webhook_url=f"{hook.url}/ntfy")
        )
        secret = added.new_webhook_secret
        assert secret is not None and secret.startswith("whsec_")
        start(alert_vault)
        clock.set(at(21, 15))
        hook.answers = [503]  # the bridge is briefly unavailable
        assert run_tick(alert_vault).retrying == 1
        clock.advance(minutes=1)
        assert run_tick(alert_vault).sent == 1
    first, second = hook.requests
    assert first.path == second.path == "/ntfy"
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.headers["idempotency-key"] == first.headers["webhook-id"]
    assert len(set(hook.keys())) == 1
    assert webhook.verify(secret, second.headers, second.body)
    assert not webhook.verify(secret, second.headers, second.body.replace(b"Alex", b"Alec"))
    assert not webhook.verify(
        "whsec_" + base64.b64encode(b"x" * 24).decode(), second.headers, second.body
    )
    payload = second.json()
    assert payload["type"] == "safetrail.checkin"
    assert payload["id"] == second.headers["webhook-id"]
    assert payload["title"] == "Alex has not checked in: please check on them"
    assert payload["message"].startswith("Hello Sam,\n\nAlex asked SafeTrail")
    assert payload["data"]["where"] == "Café Rosa, Market Street"
    assert payload["data"]["ack_url"].startswith("https://safetrail.example.org/ack/")
    assert second.headers["content-type"] == "application/json; charset=utf-8"


def test_sms_uses_the_common_provider_request_shape(alert_vault: Vault, clock: ManualClock) -> None:
    with http_receiver() as provider:
        configure(
            alert_vault,
            None,
            sms_endpoint=f"{provider.url}/2010-04-01/Accounts/{{account}}/Messages.json",
            sms_account="AC0123",
            sms_token="tok-secret",
            sms_sender="+447700900999",
        )
        add(alert_vault, "Sam", phone="07700 900456")
        add(alert_vault, "Kim", phone="+44 7700 900457")
        start(alert_vault)
        clock.set(at(21, 15))
        run_tick(alert_vault)
        provider.answers = [400]  # the provider refuses Kim's number for good
        clock.set(at(21, 30))
        run_tick(alert_vault)
    sam, kim = provider.requests
    assert sam.path == "/2010-04-01/Accounts/AC0123/Messages.json"
    assert sam.headers["content-type"] == "application/x-www-form-urlencoded"
    assert (
        sam.headers["authorization"] == "Basic " + base64.b64encode(b"AC0123:tok-secret").decode()
    )
    form = {k: v[0] for k, v in parse_qs(sam.body.decode()).items()}
    assert form["To"] == "+447700900456"
    assert form["From"] == "+447700900999"
    assert form["Body"].startswith(
        "SafeTrail alert: Alex has not checked in (expected by 21:00 GMT on 2026-11-01, at: "
        "Café Rosa, Market Street). Please call them (+44 7700 900123)."
    )
    assert "https://safetrail.example.org/ack/" in form["Body"]
    assert sam.headers["idempotency-key"] != kim.headers["idempotency-key"]
    (alert,) = alert_data(alert_vault)
    assert [d["status"] for d in alert["deliveries"]] == ["sent", "failed"]  # type: ignore[attr-defined]
    assert "HTTP 400" in alert["deliveries"][1]["error"]  # type: ignore[index]


def test_photo_goes_only_when_chosen(
    alert_vault: Vault, clock: ManualClock, tmp_path: Path
) -> None:
    image = tmp_path / "jo.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0 a tiny jpeg " + bytes(range(256)))
    photo = evidence.add_evidence(alert_vault, image).record
    person = people.add_person(alert_vault, PersonInput(names=["Jo"], photo_evidence=photo.ref))
    with smtp_server() as box:
        configure(alert_vault, box.port)
        add(alert_vault, "Sam", email="sam@example.org")
        start(alert_vault, person_refs=[person.ref], photo=True)
        start(alert_vault, person_refs=[person.ref], photo=False, expected_by="21:05")
        clock.set(at(21, 30))
        run_tick(alert_vault)
        with_photo, without = sorted(box.raw, key=lambda m: "CK-001" not in body(m))
    attachments = list(with_photo.iter_attachments())
    assert [(a.get_filename(), a.get_content_type()) for a in attachments] == [
        ("jo.jpg", "image/jpeg")
    ]
    assert attachments[0].get_content() == image.read_bytes()
    assert list(without.iter_attachments()) == []
    assert "A photo of them is attached" not in body(without)


def test_check_in_needs_contacts_and_a_future_time(alert_vault: Vault) -> None:
    configure(alert_vault, None)
    with pytest.raises(ValidationError, match="Add at least one trusted contact"):
        start(alert_vault)
    add(alert_vault, "Sam", email="sam@example.org")
    with pytest.raises(ValidationError, match="has already passed"):
        start(alert_vault, expected_by="2026-11-01 17:00")
    with pytest.raises(ValidationError, match="Say where you are going"):
        start(alert_vault, where="  ")


def test_contacts_keep_their_order_and_history(alert_vault: Vault) -> None:
    configure(alert_vault, None)
    refs = [add(alert_vault, n, email=f"{n.lower()}@example.org") for n in ("Sam", "Kim", "Lee")]
    checkins.move_contact(alert_vault, refs[2], "up")
    checkins.move_contact(alert_vault, refs[0], "up")  # already first: nothing changes
    assert [c.name for c in checkins.list_contacts(alert_vault)] == ["Sam", "Lee", "Kim"]
    checkins.remove_contact(alert_vault, refs[0])
    assert [c.name for c in checkins.list_contacts(alert_vault)] == ["Lee", "Kim"]
    kinds = ledger_kinds(alert_vault)
    assert kinds.count("contact.create") == 3
    assert kinds.count("contact.amend") == 2 and kinds.count("contact.void") == 1
    with pytest.raises(ValidationError, match="must start with https://"):
        add(alert_vault, "Eve", webhook_url="http://example.org/hook")


def test_tick_is_quiet_when_nothing_is_due(alert_vault: Vault) -> None:
    report = run_tick(alert_vault)
    assert not report.busy and report.errors == 0
