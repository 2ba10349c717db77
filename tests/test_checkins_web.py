"""The check-in pages over HTTP: contacts, settings, check-ins, the duress code's
identical answer, and the open acknowledgement pages for contacts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safetrail.checkins.acks import AckInbox
from safetrail.checkins.runner import run_in_app
from safetrail.services import checkins
from safetrail.services.checkins import CheckinInput, ContactInput
from safetrail.services.vault import Vault, create_vault, open_vault
from safetrail.web import security
from safetrail.web.state import AppState
from tests.conftest import PASSPHRASE
from tests.test_checkins_support import (
    START,
    ManualClock,
    body,
    configure,
    run_tick,
    smtp_server,
)
from tests.webutil import form_csrf, new_client, set_up

LINK = re.compile(r"https://safetrail\.example\.org/ack/([A-Za-z0-9_-]{43})")
CODE = re.compile(r"enter the code ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}) at")


@pytest.fixture
def ack_is_open() -> None:
    """The acknowledgement pages must be reachable while the vault is locked."""
    assert security.is_open("/ack/x")


def test_ack_pages_are_listed_as_open() -> None:
    assert security.is_open("/ack/") and security.is_open("/ack/some-token")
    assert not security.is_open("/ack") and not security.is_open("/acknowledge")


def vault_of(client: TestClient) -> Vault:
    vault = client.app.state.safetrail.vault  # type: ignore[attr-defined]
    assert vault is not None
    return vault


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with new_client(tmp_path / "vault") as test_client:
        test_client.headers["x-test-csrf"] = set_up(test_client)
        yield test_client


def post(client: TestClient, path: str, data: dict[str, str] | None = None) -> object:
    fields = {"csrf": client.headers["x-test-csrf"], **(data or {})}
    return client.post(path, data=fields, follow_redirects=False)


def test_pages_render_and_need_the_form_token(client: TestClient) -> None:
    for path in (
        "/checkins",
        "/checkins/new",
        "/checkins/contacts",
        "/checkins/contacts/new",
        "/checkins/settings",
        "/checkins/alerts",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>" not in page.text and " style=" not in page.text
    assert "First add at least one trusted contact" in client.get("/checkins").text
    refused = client.post("/checkins/contacts/new", data={"name": "Sam", "email": "s@example.org"})
    assert refused.status_code == 403
    assert checkins.list_contacts(vault_of(client)) == []


def test_contacts_are_added_ordered_and_tested_from_the_pages(client: TestClient) -> None:
    with smtp_server() as box:
        configure(vault_of(client), box.port)
        for name in ("Sam", "Kim"):
            done = post(
                client,
                "/checkins/contacts/new",
                {"name": name, "relationship": "friend", "email": f"{name.lower()}@example.org"},
            )
            assert done.status_code == 303  # type: ignore[attr-defined]
        bad = post(client, "/checkins/contacts/new", {"name": "Eve", "email": "not-an-address"})
        assert bad.status_code == 400  # type: ignore[attr-defined]
        assert "is not a usable email address" in bad.text  # type: ignore[attr-defined]
        assert 'value="Eve"' in bad.text  # type: ignore[attr-defined]
        post(client, "/checkins/contacts/TC-002/move", {"direction": "up"})
        page = client.get("/checkins/contacts").text
        assert page.index("Kim") < page.index("Sam")
        tested = post(client, "/checkins/contacts/TC-002/test")
        assert tested.status_code == 200  # type: ignore[attr-defined]
        assert "✓ Email: kim@example.org: Sent." in tested.text  # type: ignore[attr-defined]
        (message,) = box.raw
        assert message["Subject"] == "Test message from SafeTrail"
        assert "Alex has added you as a trusted contact" in body(message)
    webhook = post(
        client,
        "/checkins/contacts/new",
        {"name": "Push", "webhook_url": "https://push.example.org/alerts"},
    )
    secret = re.search(r'<code class="hash">(whsec_[^<]+)</code>', webhook.text)  # type: ignore[attr-defined]
    assert secret is not None
    (push,) = [c for c in checkins.list_contacts(vault_of(client)) if c.name == "Push"]
    assert push.channels[0].secret == secret.group(1)
    assert secret.group(1) not in client.get("/checkins/contacts").text


def test_settings_keep_secrets_out_of_the_page(client: TestClient) -> None:
    saved = post(
        client,
        "/checkins/settings",
        {
            "owner_name": "Alex",
            "smtp_host": "smtp.example.org",
            "smtp_port": "587",
            "smtp_security": "starttls",
            "smtp_sender": "alex@example.org",
            "smtp_username": "alex",
            "smtp_password": "correct horse battery",
            "checkin_code": "4821",
            "duress_code": "9137",
            "grace_minutes": "10",
            "remind_minutes": "5",
            "escalate_minutes": "20",
        },
    )
    assert saved.status_code == 303  # type: ignore[attr-defined]
    page = client.get("/checkins/settings").text
    assert "correct horse battery" not in page and "4821" not in page
    assert "A check-in code is set." in page and "An emergency code is set." in page
    assert 'value="smtp.example.org"' in page
    # Saving again with empty secret fields keeps the saved ones.
    again = post(
        client,
        "/checkins/settings",
        {
            "owner_name": "Alex R",
            "smtp_host": "smtp.example.org",
            "smtp_port": "587",
            "smtp_security": "starttls",
            "smtp_sender": "alex@example.org",
            "smtp_username": "alex",
            "grace_minutes": "10",
            "remind_minutes": "5",
            "escalate_minutes": "20",
        },
    )
    assert again.status_code == 303  # type: ignore[attr-defined]
    alerting = checkins.alert_place(vault_of(client)).alerting
    assert alerting.owner_name == "Alex R"
    assert alerting.smtp is not None and alerting.smtp.password == "correct horse battery"
    assert alerting.codes_required and alerting.duress_code is not None
    refused = post(
        client,
        "/checkins/settings",
        {
            "smtp_host": "smtp.example.org",
            "smtp_port": "25",
            "smtp_security": "none",
            "smtp_sender": "alex@example.org",
            "smtp_password": "typed again",
        },
    )
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "encrypted connection" in refused.text  # type: ignore[attr-defined]
    assert "typed again" not in refused.text  # type: ignore[attr-defined]


def test_duress_check_in_answers_byte_for_byte_like_a_normal_one(client: TestClient) -> None:
    vault = vault_of(client)
    with smtp_server() as box:
        configure(vault, box.port, checkin_code="4821", duress_code="9137")
        checkins.add_contact(vault, ContactInput(name="Sam", email="sam@example.org"))
        for _ in range(2):
            started = post(
                client,
                "/checkins/new",
                {
                    "where": "His flat",
                    "expected_by": "in 2h",
                    "grace_minutes": "15",
                    "remind_minutes": "0",
                },
            )
            assert started.status_code == 303  # type: ignore[attr-defined]
        assert started.headers["location"] == "/checkins/CK-002?started=1"  # type: ignore[attr-defined]
        detail = client.get("/checkins/CK-001").text
        assert 'name="code"' in detail and "I am safe: check in" in detail

        wrong = post(client, "/checkins/CK-001/done", {"code": "1111"})
        assert wrong.status_code == 400  # type: ignore[attr-defined]
        assert "That code is not right" in wrong.text  # type: ignore[attr-defined]

        normal = post(client, "/checkins/CK-001/done", {"code": "4821"})
        duress = post(client, "/checkins/CK-002/done", {"code": "9137"})
        for response in (normal, duress):
            assert response.status_code == 303  # type: ignore[attr-defined]
        headers = [dict(r.headers) for r in (normal, duress)]  # type: ignore[attr-defined]
        for h in headers:
            h.pop("date", None)
        assert headers[0] == headers[1]
        assert normal.content == duress.content  # type: ignore[attr-defined]
        after = [client.get(normal.headers["location"]) for _ in range(2)]  # type: ignore[attr-defined]
        assert after[0].content == after[1].content
        assert "You are checked in" in after[0].text
        pages = [
            client.get(f"/checkins/{ref}").text.replace(ref, "REF") for ref in ("CK-001", "CK-002")
        ]
        assert pages[0] == pages[1]
        lists = client.get("/checkins").text
        assert "silent" not in lists.lower() and "emergency" not in lists.lower()

        run_tick(vault)  # what the web app's own scheduler task does every few seconds
        assert box.subjects() == [("sam@example.org", "Alex may need help now: silent alert")]
    assert "Silent alert (emergency code)" in client.get("/checkins/alerts").text


def _alert_with_tokens(vault_path: Path, clock: ManualClock) -> tuple[str, str]:
    """A vault whose check-in is overdue and whose alert went to Sam: his link and code."""
    vault = create_vault(vault_path, PASSPHRASE, "GB", "Europe/London", clock=clock)
    try:
        with smtp_server() as box:
            configure(vault, box.port)
            checkins.add_contact(vault, ContactInput(name="Sam", email="sam@example.org"))
            checkins.add_contact(vault, ContactInput(name="Kim", email="kim@example.org"))
            checkins.start_checkin(vault, CheckinInput(where="Café Rosa", expected_by="21:00"))
            clock.set(START + timedelta(hours=3, minutes=15))
            run_tick(vault)
            text = body(box.raw[0])
    finally:
        vault.close()
    link, code = LINK.search(text), CODE.search(text)
    assert link is not None and code is not None
    return link.group(1), code.group(1)


def test_acknowledgement_link_works_while_locked_and_reveals_nothing(
    tmp_path: Path, ack_is_open: None
) -> None:
    clock = ManualClock()
    token, _code = _alert_with_tokens(tmp_path / "vault", clock)
    with new_client(tmp_path / "vault") as client:  # locked: nobody has unlocked it
        assert client.get("/checkins", follow_redirects=False).status_code == 303
        confirm = client.get(f"/ack/{token}", follow_redirects=False)
        assert confirm.status_code == 200
        assert "I am dealing with it" in confirm.text
        for leak in ("Sam", "Alex", "Café", "CK-", "AL-", "csrf", "/checkins", "<script"):
            assert leak not in confirm.text, leak
        thanks = client.post(f"/ack/{token}", follow_redirects=False)
        junk = client.post("/ack/" + "A" * 43, follow_redirects=False)
        nonsense = client.post("/ack/not-a-token", follow_redirects=False)
        assert thanks.status_code == junk.status_code == nonsense.status_code == 200
        assert thanks.content == junk.content == nonsense.content
        assert "Thank you" in thanks.text
        assert thanks.headers["cache-control"] == "no-store, max-age=0"
    inbox = AckInbox.for_vault(tmp_path / "vault")
    assert len(inbox.pending()) == 2  # sealed: only an unlocked SafeTrail can read them
    for path in inbox.pending():
        assert token.encode() not in path.read_bytes()

    vault = open_vault(tmp_path / "vault", PASSPHRASE, clock=clock)
    try:
        clock.advance(minutes=1)
        assert run_tick(vault).acknowledged == 1  # the junk one matched nothing
        (alert,) = checkins.alert_history(vault)
        assert alert.status_text == "A contact confirmed they are dealing with it"
        assert alert.acknowledged[0].startswith("Sam (")
        clock.advance(hours=1)
        run_tick(vault)
        (alert,) = checkins.alert_history(vault)
        assert [n.split(" (")[0] for n in alert.notified] == ["Sam"]  # Kim never alerted
    finally:
        vault.close()


def test_reply_code_by_form_and_by_sms_reply_while_unlocked(
    tmp_path: Path, ack_is_open: None
) -> None:
    clock = ManualClock()
    _token, code = _alert_with_tokens(tmp_path / "vault", clock)
    state = AppState(tmp_path / "vault")
    state.unlock(PASSPHRASE)
    with new_client(tmp_path / "vault", state) as client:
        page = client.get("/ack/")
        assert page.status_code == 200 and 'name="code"' in page.text
        typo = client.post("/ack/", data={"code": code[:-1] + ("0" if code[-1] != "0" else "1")})
        assert "does not look right" in typo.text
        reply = client.post(
            "/ack/reply",
            data={"From": "+447700900456", "Body": f"ok, on it. {code.lower()}"},
        )
        assert reply.status_code == 204
        assert AckInbox.for_vault(tmp_path / "vault").pending() == []  # recorded at once
        vault = state.vault
        assert vault is not None
        (alert,) = checkins.alert_history(vault)
        assert alert.status_text == "A contact confirmed they are dealing with it"
        again = client.post("/ack/", data={"code": code})
        assert "Thank you" in again.text  # same answer; nothing more recorded
        assert state.csrf_token not in again.text and "<script" not in again.text
        (alert,) = checkins.alert_history(vault)
        assert len(alert.acknowledged) == 1


def test_settings_page_sends_a_test_message_to_you(client: TestClient) -> None:
    with smtp_server() as box:
        configure(vault_of(client), box.port, self_email="alex@example.org")
        result = post(client, "/checkins/settings/test")
        assert "✓ Email: alex@example.org: Sent." in result.text  # type: ignore[attr-defined]
        (message,) = box.raw
        assert message["Subject"] == "Test message"
    lonely = form_csrf(client.get("/checkins/settings").text)
    assert lonely == client.headers["x-test-csrf"]


def test_the_web_apps_scheduler_task_sends_while_unlocked(tmp_path: Path) -> None:
    """``run_in_app`` (started by the app's lifespan) ticks only while a vault is open."""
    clock = ManualClock()
    vault = create_vault(tmp_path / "vault", PASSPHRASE, "GB", "Europe/London", clock=clock)
    holder: dict[str, Vault | None] = {"vault": None}
    try:
        with smtp_server() as box:
            configure(vault, box.port)
            checkins.add_contact(vault, ContactInput(name="Sam", email="sam@example.org"))
            checkins.start_checkin(vault, CheckinInput(where="Café Rosa", expected_by="21:00"))
            clock.set(START + timedelta(hours=4))

            async def scenario() -> None:
                task = asyncio.create_task(run_in_app(lambda: holder["vault"], interval=0.01))
                try:
                    await asyncio.sleep(0.2)  # locked: several rounds, nothing sent
                    assert box.raw == []
                    holder["vault"] = vault  # unlocked
                    for _ in range(500):
                        if box.raw:
                            break
                        await asyncio.sleep(0.01)
                finally:
                    task.cancel()

            asyncio.run(scenario())
            assert box.subjects() == [
                ("sam@example.org", "Alex has not checked in: please check on them")
            ]
    finally:
        vault.close()
