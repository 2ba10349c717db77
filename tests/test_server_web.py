"""The server web app on real PostgreSQL: sign-up, sign-in (password, TOTP, replay),
sessions (list, revoke, idle), roles, case pages per case, reset and recovery, audit."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from safetrail.server import accounts, audit, totp
from safetrail.server.accounts import ADVOCATE, OPERATOR
from safetrail.server.app import create_server_app
from safetrail.server.cases import Server
from safetrail.server.settings import ServerSettings
from tests.server_support import private_database

pytestmark = pytest.mark.postgres

PASSWORD = "a long test password"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
    with private_database() as url:
        made = Server.connect(url, tmp_path_factory.mktemp("blobs"))
        accounts.install(made.engine)
        made.init()
        yield made
        made.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(server: Server, clock: Clock):  # type: ignore[no-untyped-def]
    settings = ServerSettings(
        database="unused",
        blobs=Path(server.blobs_dir),
        behind_proxy=("127.0.0.1",),
        signup="open",  # people sign up freely here (invitation mode: test_server_hardening)
    )
    return create_server_app(settings, server, clock)


_ADDRESSES = itertools.count(1)


def client(app) -> TestClient:  # type: ignore[no-untyped-def]
    """A browser of its own, at an address of its own (the back-off per address then
    depends only on what that browser does, whatever ran before in this module)."""
    number = next(_ADDRESSES)
    address = f"198.51.{100 + number // 250}.{number % 250 + 1}"
    return TestClient(app, base_url="https://testserver", client=(address, 50000))


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def sign_up(app, name: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    browser = client(app)
    page = browser.get("/signup")
    done = browser.post(
        "/signup",
        data={
            "csrf": csrf(page.text),
            "name": name,
            "password": PASSWORD,
            "confirm": PASSWORD,
            "country": "GB",
            "timezone": "Europe/London",
        },
    )
    assert done.status_code == 200
    key = re.search(r'id="recovery-key">([^<]+)<', done.text)
    assert key is not None
    return browser, key.group(1)


def sign_in(app, name: str, password: str = PASSWORD, code: str = ""):  # type: ignore[no-untyped-def]
    browser = client(app)
    page = browser.get("/signin")
    reply = browser.post(
        "/signin",
        data={"csrf": csrf(page.text), "name": name, "password": password, "code": code},
        follow_redirects=False,
    )
    return browser, reply


def staff(server: Server, name: str, role: str, when: datetime) -> bytes:
    """An advocate or operator with sign-in codes on; returns the TOTP secret."""
    with server.engine.begin() as conn:
        account, kek = accounts.create_account(conn, name, PASSWORD, role, when)
        account_key = accounts.open_account_key(conn, account.id, kek)
        secret = accounts.begin_totp(conn, account.id, account_key)
        accounts.activate_pending_totp(conn, account.id)
    return secret


def add_incident(browser: TestClient, marker: str) -> str:
    page = browser.get("/incidents/new")
    assert page.status_code == 200
    done = browser.post(
        "/incidents/new",
        data={"csrf": csrf(page.text), "what_happened": marker, "when": "2026-11-02 10:00"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return done.headers["location"].split("?")[0]


def test_sign_up_then_case_pages_are_private_per_case(app) -> None:  # type: ignore[no-untyped-def]
    ana, _key = sign_up(app, "ana")
    ben, _key2 = sign_up(app, "ben")
    home = ana.get("/")
    assert home.status_code == 200
    assert home.headers["cache-control"] == "no-store, max-age=0"
    assert 'rel="manifest"' in home.text
    where = add_incident(ana, "MARKER-ANA-1")
    assert where == "/incidents/I-0001"
    assert "MARKER-ANA-1" in ana.get(where).text
    # The same reference in Ben's case names nothing there: 404, none of Ana's text.
    other = ben.get(where)
    assert other.status_code == 404
    assert "MARKER-ANA" not in other.text
    assert add_incident(ben, "MARKER-BEN-1") == "/incidents/I-0001"
    for page in ("/incidents/I-0001", "/incidents", "/"):
        seen = ben.get(page).text
        assert "MARKER-ANA" not in seen
    assert "MARKER-BEN-1" in ben.get("/incidents/I-0001").text
    assert "MARKER-ANA-1" in ana.get("/incidents/I-0001").text


def test_signed_out_requests_go_to_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    browser = client(app)
    assert browser.get("/", follow_redirects=False).headers["location"] == "/signin"
    assert browser.get("/incidents", headers={"accept": "application/json"}).status_code == 401
    assert browser.get("/away").status_code == 200
    manifest = browser.get("/manifest.webmanifest?discreet=1").json()
    assert manifest["name"] == "Notes" and manifest["icons"][0]["src"] == "/static/neutral.svg"


def test_wrong_password_generic_and_back_off(app, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    sign_up(app, "cleo")
    for _ in range(3):
        _b, reply = sign_in(app, "cleo", "not my password")
        assert reply.status_code == 401
        assert "The account name, password or code is not right." in reply.text
    _b, unknown = sign_in(app, "nobody-here", "not my password")
    assert unknown.status_code == 401
    assert "The account name, password or code is not right." in unknown.text
    _b, fourth = sign_in(app, "cleo", "not my password")
    assert fourth.status_code == 401
    _b, waiting = sign_in(app, "cleo")
    assert waiting.status_code == 429
    assert "Try again in 1 second." in waiting.text
    clock.now += timedelta(seconds=1)
    _b, good = sign_in(app, "cleo")
    assert good.status_code == 303 and good.headers["location"] == "/"


def test_totp_sign_in_and_replay(app, server: Server, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    secret = staff(server, "dana", ADVOCATE, clock.now)
    code = totp.code_at(secret, clock.now.timestamp())
    _b, no_code = sign_in(app, "dana")
    assert no_code.status_code == 401
    _b, wrong = sign_in(app, "dana", code="000000" if code != "000000" else "111111")
    assert wrong.status_code == 401
    browser, ok = sign_in(app, "dana", code=code)
    assert ok.status_code == 303 and ok.headers["location"] == "/cases"
    _b, replay = sign_in(app, "dana", code=code)
    assert replay.status_code == 401
    assert browser.get("/cases").status_code == 200


def test_roles(app, server: Server, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    op_secret = staff(server, "opal", OPERATOR, clock.now)
    adv_secret = staff(server, "avi", ADVOCATE, clock.now)
    operator, _ = sign_in(app, "opal", code=totp.code_at(op_secret, clock.now.timestamp()))
    advocate, _ = sign_in(app, "avi", code=totp.code_at(adv_secret, clock.now.timestamp()))
    person, _key = sign_up(app, "pia")
    assert operator.get("/operator").status_code == 200
    assert operator.get("/").status_code == 403
    assert operator.get("/incidents").status_code == 403
    assert person.get("/operator").status_code == 403
    assert person.get("/cases").status_code == 403
    assert advocate.get("/operator").status_code == 403
    assert advocate.get("/").status_code == 404  # no case of theirs is open
    assert advocate.get("/incidents/I-0001").status_code == 404


def test_sessions_list_revoke_and_idle(app, server: Server, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    first, _key = sign_up(app, "eve")
    second, reply = sign_in(app, "eve")
    assert reply.status_code == 303
    page = first.get("/account")
    hashes = re.findall(r"/account/sessions/([0-9a-f]{64})/revoke", page.text)
    assert len(hashes) == 2
    assert page.text.count("This browser") == 1
    mine = first.cookies.get("st_session")
    assert mine is not None
    rows = [row for row in page.text.split("<tr>") if "/revoke" in row]
    others = [h for h, row in zip(hashes, rows, strict=True) if "This browser" not in row]
    assert len(others) == 1
    other = others[0]
    done = first.post(
        f"/account/sessions/{other}/revoke", data={"csrf": csrf(page.text)}, follow_redirects=False
    )
    assert done.status_code == 303
    refused = second.get("/", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/signin"
    assert first.get("/").status_code == 200
    # Idle: 15 minutes without a request ends the session.
    clock.now += timedelta(minutes=15, seconds=1)
    idle = first.get("/", follow_redirects=False)
    assert idle.status_code == 303 and idle.headers["location"] == "/signin"


def test_csrf_required_on_signed_in_forms(app) -> None:  # type: ignore[no-untyped-def]
    browser, _key = sign_up(app, "finn")
    page = browser.get("/account")
    hashes = re.findall(r"/account/sessions/([0-9a-f]{64})/revoke", page.text)
    refused = browser.post(f"/account/sessions/{hashes[0]}/revoke", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert browser.get("/").status_code == 200


def test_reset_recovery_and_audit(app, server: Server, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    person, recovery_key = sign_up(app, "gail")
    add_incident(person, "MARKER-GAIL")
    op_secret = staff(server, "oren", OPERATOR, clock.now)
    operator, _ = sign_in(app, "oren", code=totp.code_at(op_secret, clock.now.timestamp()))
    with server.engine.connect() as conn:
        gail = accounts.find(conn, "gail")
    assert gail is not None
    warning = operator.get(f"/operator/accounts/{gail.id}/reset")
    assert "only their old password or their recovery key can open" in warning.text
    assert "nobody can open the old case again" in warning.text
    token = csrf(warning.text)
    unconfirmed = operator.post(
        f"/operator/accounts/{gail.id}/reset", data={"csrf": token, "password": "temporary pw 123"}
    )
    assert unconfirmed.status_code == 400
    done = operator.post(
        f"/operator/accounts/{gail.id}/reset",
        data={"csrf": token, "password": "temporary pw 123", "understood": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "MARKER-GAIL" not in operator.get("/operator").text
    # The person's old session ended with the reset.
    assert person.get("/", follow_redirects=False).headers["location"] == "/signin"
    browser, reply = sign_in(app, "gail", "temporary pw 123")
    assert reply.headers["location"] == "/account/password"
    assert browser.get("/", follow_redirects=False).headers["location"] == "/account/password"
    form = browser.get("/account/password")
    changed = browser.post(
        "/account/password",
        data={
            "csrf": csrf(form.text),
            "old": "temporary pw 123",
            "new": "my own new password",
            "confirm": "my own new password",
        },
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/account/recover"
    assert browser.get("/").status_code == 403  # locked until the recovery key
    recover = browser.get("/account/recover")
    wrong = browser.post(
        "/account/recover",
        data={
            "csrf": csrf(recover.text),
            "recovery_key": "AAAA-BBBB",
            "password": "my own new password",
        },
    )
    assert wrong.status_code == 400
    opened = browser.post(
        "/account/recover",
        data={
            "csrf": csrf(recover.text),
            "recovery_key": recovery_key,
            "password": "my own new password",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert "MARKER-GAIL" in browser.get("/incidents/I-0001").text
    trail = browser.get("/account/audit")
    assert trail.status_code == 200
    assert "Password reset by the operator" in trail.text
    assert "Case opened with the recovery key" in trail.text
    with server.engine.connect() as conn:
        actions = [e.action for e in audit.for_case(conn, gail.case_id or "")][::-1]
    assert actions == [
        audit.ACCOUNT_CREATED,
        audit.PASSWORD_RESET,
        audit.SIGN_IN,
        audit.CASE_RECOVERED,
    ]


def test_non_owner_case_access_is_audited_once_per_request(
    app, server: Server, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    """An advocate with a share (made with the sharing service: the case key sealed to the
    advocate's key) opens the case: one audit entry per request."""
    from safetrail.server import sessions, sharing

    person, _key = sign_up(app, "hana")
    add_incident(person, "MARKER-HANA")
    adv_secret = staff(server, "hugo", ADVOCATE, clock.now)
    advocate, _ = sign_in(app, "hugo", code=totp.code_at(adv_secret, clock.now.timestamp()))
    with server.engine.begin() as conn:
        hana = accounts.find(conn, "hana")
        hugo = accounts.find(conn, "hugo")
        assert hana is not None and hugo is not None and hana.case_id is not None
        owner_session = sessions.resolve(conn, person.cookies["st_session"], clock.now)
        assert owner_session is not None and owner_session.case_key is not None
        sharing.share(
            conn,
            hana,
            owner_session.case_key,
            "advocate:hugo",
            sharing.Scope(),
            "read",
            clock.now,
        )
    token = csrf(advocate.get("/account").text)
    opened = advocate.post(
        f"/caseload/{hana.case_id}/open", data={"csrf": token}, follow_redirects=False
    )
    assert opened.status_code == 303
    assert "MARKER-HANA" in advocate.get("/incidents/I-0001").text
    assert advocate.get("/incidents").status_code == 200
    assert person.get("/incidents").status_code == 200  # the owner: not audited
    with server.engine.connect() as conn:
        entries = [
            (e.account_id, e.detail)
            for e in audit.for_case(conn, hana.case_id)
            if e.action == audit.CASE_ACCESS
        ][::-1]
    assert entries == [(hugo.id, "GET /incidents/I-0001"), (hugo.id, "GET /incidents")]
    with server.engine.begin() as conn:
        conn.execute(
            accounts.case_access.update()
            .where(accounts.case_access.c.account_id == hugo.id)
            .values(revoked_at=clock.now)
        )
    gone = advocate.get("/incidents/I-0001")
    assert gone.status_code == 404 and "MARKER-HANA" not in gone.text
    with server.engine.connect() as conn:
        count = conn.execute(
            select(text("count(*)"))
            .select_from(audit.audit)
            .where(audit.audit.c.action == audit.CASE_ACCESS)
        ).scalar_one()
    assert count == 2


def test_exports_are_audited_for_the_owner_too(app, server: Server) -> None:  # type: ignore[no-untyped-def]
    person, _key = sign_up(app, "ida")
    pdf = person.get("/plan/pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    with server.engine.connect() as conn:
        ida = accounts.find(conn, "ida")
        assert ida is not None and ida.case_id is not None
        entries = [(e.action, e.detail) for e in audit.for_case(conn, ida.case_id)]
    assert entries[0] == (audit.EXPORT, "GET /plan/pdf")
    assert [a for a, _d in entries].count(audit.EXPORT) == 1
    assert audit.CASE_ACCESS not in [a for a, _d in entries]
    assert "Exported" in person.get("/account/audit").text


def test_case_settings_discreet_mode(app) -> None:  # type: ignore[no-untyped-def]
    person, _key = sign_up(app, "jo")
    page = person.get("/account/case-settings")
    assert page.status_code == 200
    saved = person.post(
        "/account/case-settings",
        data={
            "csrf": csrf(page.text),
            "country": "GB",
            "timezone": "Europe/London",
            "discreet": "on",
            "exit_url": "/away",
            "language": "auto",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    home = person.get("/")
    assert "<title>Notes</title>" in home.text
    assert 'href="/manifest.webmanifest?discreet=1"' in home.text
    assert "/static/neutral.svg" in home.text


def test_sign_up_checks_the_place(app) -> None:  # type: ignore[no-untyped-def]
    browser = client(app)
    page = browser.get("/signup")
    refused = browser.post(
        "/signup",
        data={
            "csrf": csrf(page.text),
            "name": "kim",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "country": "XX",
            "timezone": "Europe/London",
        },
    )
    assert refused.status_code == 400
    assert "XX is not a country code SafeTrail knows." in refused.text
    assert 'value="kim"' in refused.text
    assert browser.get("/", follow_redirects=False).headers["location"] == "/signin"
