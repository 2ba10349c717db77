"""Server mode on real PostgreSQL: TOTP secrets encrypted under the account key (and not in a
dump), who may sign up (invite / open / closed, per-address limit), pages in the account's
language, exports audited after the fact, and case roles that do not outlive the tests."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from safetrail.errors import ConfigError
from safetrail.server import accounts, audit, totp
from safetrail.server.accounts import ADVOCATE, OPERATOR
from safetrail.server.app import create_server_app
from safetrail.server.cases import Server, create_case
from safetrail.server.settings import ServerSettings
from tests.server_support import case_roles_in, orphan_case_roles, private_database
from tests.test_server_web import PASSWORD, Clock, client, csrf, sign_in, staff

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def database() -> Iterator[tuple[Server, str]]:
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
    with private_database() as url:
        made = Server.connect(url, Path(f"/tmp/st-hardening-{uuid.uuid4().hex[:8]}"))
        made.blobs_dir.mkdir(parents=True)
        accounts.install(made.engine)
        made.init()
        yield made, url
        made.close()


@pytest.fixture
def server(database: tuple[Server, str]) -> Server:
    return database[0]


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_app(server: Server, clock: Clock, **settings: object) -> FastAPI:
    chosen = ServerSettings(
        database="unused",
        blobs=Path(server.blobs_dir),
        behind_proxy=("127.0.0.1",),
        **settings,  # type: ignore[arg-type]
    )
    return create_server_app(chosen, server, clock)


def sign_up_form(browser: TestClient, name: str, link: str = "") -> tuple[int, str]:
    page = browser.get(f"/signup?link={link}" if link else "/signup")
    data = {
        "csrf": csrf(page.text),
        "name": name,
        "password": PASSWORD,
        "confirm": PASSWORD,
        "country": "GB",
        "timezone": "Europe/London",
    }
    if link:
        data["link"] = link
    done = browser.post("/signup", data=data)
    return done.status_code, done.text


def enrol_on_the_web(browser: TestClient, clock: Clock) -> bytes:
    page = browser.get("/account/totp")
    assert page.status_code == 200
    shown = re.search(r'id="totp-secret">([^<]+)<', page.text)
    assert shown is not None
    typed = shown.group(1).replace(" ", "")
    secret = base64.b32decode(typed + "=" * (-len(typed) % 8))
    done = browser.post(
        "/account/totp",
        data={"csrf": csrf(page.text), "code": totp.code_at(secret, clock.now.timestamp())},
    )
    assert done.status_code == 200 and "Sign-in codes are on" in done.text
    return secret


def dump(url: str) -> bytes:
    name = make_url(url).database
    assert name is not None
    return subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True, check=True
    ).stdout


# -- 1. TOTP secrets ------------------------------------------------------------------------


def test_totp_secrets_are_encrypted_and_not_in_the_dump(
    database: tuple[Server, str], clock: Clock
) -> None:
    server, url = database
    app = make_app(server, clock, signup="open")
    browser = client(app)
    assert sign_up_form(browser, "tara")[0] == 200
    person_secret = enrol_on_the_web(browser, clock)
    staff_secret = staff(server, "stan", ADVOCATE, clock.now)
    with server.engine.connect() as conn:
        rows = conn.execute(
            select(accounts.accounts.c.name, accounts.accounts.c.totp_secret).where(
                accounts.accounts.c.name.in_(["tara", "stan"])
            )
        ).all()
    stored = {row.name: bytes(row.totp_secret) for row in rows}
    assert person_secret not in stored["tara"] and staff_secret not in stored["stan"]
    dumped = dump(url)
    for secret in (person_secret, staff_secret):
        assert secret.hex().encode() not in dumped  # bytea is dumped as hex
        assert base64.b32encode(secret).rstrip(b"=") not in dumped
    assert b"totp_secret" in dumped  # the column really is in the dump
    # ... and codes still work: the sign-in opens the secret with the password's key.
    clock.now += timedelta(seconds=60)
    _b, no_code = sign_in(app, "tara")
    assert no_code.status_code == 401
    _b, good = sign_in(app, "tara", code=totp.code_at(person_secret, clock.now.timestamp()))
    assert good.status_code == 303 and good.headers["location"] == "/"
    _b, staff_in = sign_in(app, "stan", code=totp.code_at(staff_secret, clock.now.timestamp()))
    assert staff_in.status_code == 303


def test_password_change_keeps_codes_and_a_reset_needs_new_enrolment(
    server: Server, clock: Clock
) -> None:
    app = make_app(server, clock, signup="open")
    browser = client(app)
    assert sign_up_form(browser, "uma")[0] == 200
    secret = enrol_on_the_web(browser, clock)
    form = browser.get("/account/password")
    changed = browser.post(
        "/account/password",
        data={
            "csrf": csrf(form.text),
            "old": PASSWORD,
            "new": "another long password",
            "confirm": "another long password",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    clock.now += timedelta(seconds=60)
    code = totp.code_at(secret, clock.now.timestamp())
    _b, old = sign_in(app, "uma", code=code)
    assert old.status_code == 401
    _b, new = sign_in(app, "uma", "another long password", code=code)
    assert new.status_code == 303 and new.headers["location"] == "/"
    # The operator's reset cannot open the account key: the codes must be set up again.
    op_secret = staff(server, "otto", OPERATOR, clock.now)
    operator, _r = sign_in(app, "otto", code=totp.code_at(op_secret, clock.now.timestamp()))
    with server.engine.connect() as conn:
        uma = accounts.find(conn, "uma")
    assert uma is not None and uma.has_totp
    warning = operator.get(f"/operator/accounts/{uma.id}/reset")
    assert "Their sign-in codes are reset too" in warning.text
    done = operator.post(
        f"/operator/accounts/{uma.id}/reset",
        data={"csrf": csrf(warning.text), "password": "temporary pw 456", "understood": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with server.engine.connect() as conn:
        after = accounts.find(conn, "uma")
        row = conn.execute(
            select(accounts.accounts.c.totp_secret, accounts.accounts.c.totp_pending).where(
                accounts.accounts.c.name == "uma"
            )
        ).one()
        actions = [e.action for e in audit.for_account(conn, uma.id)]
    assert after is not None and not after.has_totp
    assert tuple(row) == (None, None)
    assert actions.count(audit.TOTP_RESET) == 1
    _again, reply = sign_in(app, "uma", "temporary pw 456")
    assert reply.headers["location"] == "/account/password"


# -- 2. who may sign up ------------------------------------------------------------------------


def test_sign_up_setting_defaults_to_invite_and_is_checked(tmp_path: Path) -> None:
    assert ServerSettings(database="x", blobs=tmp_path).signup == "invite"
    from_env = ServerSettings.from_env(
        {
            "SAFETRAIL_SERVER_DATABASE": "x",
            "SAFETRAIL_SERVER_BLOBS": str(tmp_path),
            "SAFETRAIL_SERVER_SIGNUP": "closed",
            "SAFETRAIL_SERVER_SIGNUP_PER_ADDRESS": "0",
        }
    )
    assert (from_env.signup, from_env.signup_per_address) == ("closed", 0)
    with pytest.raises(ConfigError) as refused:
        ServerSettings.from_env({}, database="x", blobs=tmp_path, signup="everyone")
    assert refused.value.message == "--signup must be open, invite or closed, not everyone."


def test_invitation_mode_needs_a_single_use_link(server: Server, clock: Clock) -> None:
    app = make_app(server, clock)  # the default: invite
    stranger = client(app)
    page = stranger.get("/signup")
    assert page.status_code == 403
    assert "Sign-up is by invitation" in page.text
    forged = stranger.get("/signup?link=not-a-real-link")
    assert forged.status_code == 403 and "This sign-up link does not work" in forged.text
    # Posting the form without a link makes nothing either.
    token = csrf(stranger.get("/signin").text)
    posted = stranger.post(
        "/signup", data={"csrf": token, "name": "vera", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert posted.status_code == 403 and "Sign-up is by invitation" in posted.text
    op_secret = staff(server, "olga", OPERATOR, clock.now)
    operator, _r = sign_in(app, "olga", code=totp.code_at(op_secret, clock.now.timestamp()))
    home = operator.get("/operator")
    assert "People make an account with a sign-up link from you." in home.text
    made = operator.post("/operator/signup-links", data={"csrf": csrf(home.text)})
    assert made.status_code == 200
    shown = re.search(r'id="signup-link">https://testserver/signup\?link=([^<]+)<', made.text)
    assert shown is not None
    link = shown.group(1)
    person = client(app)
    status, body = sign_up_form(person, "vera", link)
    assert status == 200 and 'id="recovery-key"' in body
    assert person.get("/").status_code == 200
    again = client(app)
    reused = again.get(f"/signup?link={link}")
    assert reused.status_code == 403 and "This sign-up link does not work" in reused.text
    with server.engine.connect() as conn:
        names = {a.name for a in accounts.list_accounts(conn)}
        made_links = [
            e
            for e in audit.for_account(conn, accounts.find(conn, "olga").id)  # type: ignore[union-attr]
            if e.action == audit.SIGNUP_LINK_MADE
        ]
    assert "vera" in names and len(made_links) == 1


def test_closed_sign_up_makes_nothing(server: Server, clock: Clock) -> None:
    app = make_app(server, clock, signup="closed")
    browser = client(app)
    page = browser.get("/signup")
    assert page.status_code == 403
    assert "Sign-up is closed" in page.text
    assert "This server is not making new accounts at the moment." in page.text
    token = csrf(browser.get("/signin").text)
    posted = browser.post(
        "/signup",
        data={"csrf": token, "name": "wes", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert posted.status_code == 403 and "Sign-up is closed" in posted.text
    with server.engine.connect() as conn:
        assert accounts.find(conn, "wes") is None


def test_new_accounts_per_address_are_limited(server: Server, clock: Clock) -> None:
    app = make_app(server, clock, signup="open", signup_per_address=2)
    address = "203.0.113.77"
    for name in ("xena", "xavi"):
        browser = TestClient(app, base_url="https://testserver", client=(address, 50000))
        assert sign_up_form(browser, name)[0] == 200
    third = TestClient(app, base_url="https://testserver", client=(address, 50000))
    status, body = sign_up_form(third, "xiomara")
    assert status == 429
    assert "Please wait before making another account" in body
    elsewhere = TestClient(app, base_url="https://testserver", client=("203.0.113.78", 50000))
    assert sign_up_form(elsewhere, "xiomara")[0] == 200
    with server.engine.connect() as conn:
        assert accounts.find(conn, "xiomara") is not None  # made once, from the other address
    # A day later the address may again.
    clock.now += timedelta(hours=24, seconds=1)
    later = TestClient(app, base_url="https://testserver", client=(address, 50000))
    assert sign_up_form(later, "xanthe")[0] == 200


# -- 3. the account's language -----------------------------------------------------------------


def test_signed_in_pages_follow_the_case_language_sign_in_the_browser(
    server: Server, clock: Clock
) -> None:
    app = make_app(server, clock, signup="open")
    browser = client(app)
    browser.headers["accept-language"] = "en"
    assert sign_up_form(browser, "yuki")[0] == 200
    assert '<html lang="en">' in browser.get("/account").text
    page = browser.get("/account/case-settings")
    saved = browser.post(
        "/account/case-settings",
        data={
            "csrf": csrf(page.text),
            "country": "GB",
            "timezone": "Europe/London",
            "exit_url": "/away",
            "language": "ja",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with server.engine.connect() as conn:
        yuki = accounts.find(conn, "yuki")
    assert yuki is not None and yuki.language == "ja"
    # Signed in: the person's choice, whatever the browser says.
    for path in ("/account", "/", "/incidents"):
        assert '<html lang="ja">' in browser.get(path).text, path
    # Signed out: the browser's.
    stranger = client(app)
    stranger.headers["accept-language"] = "ko"
    assert '<html lang="ko">' in stranger.get("/signin").text
    browser.post("/signout")
    assert '<html lang="en">' in browser.get("/signin").text
    # Back to "auto": the browser's again.
    signed, _r = sign_in(app, "yuki")
    signed.headers["accept-language"] = "ko"
    page = signed.get("/account/case-settings")
    signed.post(
        "/account/case-settings",
        data={
            "csrf": csrf(page.text),
            "country": "GB",
            "timezone": "Europe/London",
            "exit_url": "/away",
            "language": "auto",
        },
    )
    assert '<html lang="ko">' in signed.get("/account").text


# -- 4. exports audited after the fact ---------------------------------------------------------


def test_exports_are_audited_when_made_and_failures_as_failed(server: Server, clock: Clock) -> None:
    app = make_app(server, clock, signup="open")
    browser = client(app)
    assert sign_up_form(browser, "zoe")[0] == 200
    failed = browser.get("/plan/pdf?version=999")
    assert failed.status_code == 404
    made = browser.get("/plan/pdf")
    assert made.status_code == 200 and made.content.startswith(b"%PDF")
    with server.engine.connect() as conn:
        zoe = accounts.find(conn, "zoe")
        assert zoe is not None and zoe.case_id is not None
        entries = [
            (e.action, e.detail)
            for e in audit.for_case(conn, zoe.case_id)
            if e.action in (audit.EXPORT, audit.EXPORT_FAILED)
        ][::-1]
    assert entries == [
        (audit.EXPORT_FAILED, "GET /plan/pdf"),
        (audit.EXPORT, "GET /plan/pdf"),
    ]
    trail = browser.get("/account/audit").text
    assert "Export failed (nothing was made)" in trail and "Exported" in trail


# -- 5. case roles do not outlive the test databases -------------------------------------------


def test_private_databases_take_their_case_roles_with_them(tmp_path: Path) -> None:
    with private_database() as url:
        made = Server.connect(url, tmp_path / "blobs")
        made.init()
        case_id, key = create_case(made, None)
        key[:] = bytes(len(key))
        made.close()
        assert case_roles_in(make_url(url)) == [f"case_{case_id}"]
    admin = create_engine(make_url(url).set(database="postgres"))
    try:
        with admin.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM pg_roles WHERE rolname = :name"),
                {"name": f"case_{case_id}"},
            ).scalar_one()
    finally:
        admin.dispose()
    assert left == 0


def test_orphan_case_roles_are_only_roles_without_schema_or_rights(tmp_path: Path) -> None:
    orphan = f"case_{uuid.uuid4().hex}"
    with private_database() as url:
        made = Server.connect(url, tmp_path / "blobs")
        made.init()
        case_id, key = create_case(made, None)
        key[:] = bytes(len(key))
        admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE ROLE "{orphan}" NOLOGIN'))
            found = orphan_case_roles(make_url(url))
            assert orphan in found
            assert f"case_{case_id}" not in found  # its schema (and rights) still exist
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP ROLE IF EXISTS "{orphan}"'))
            admin.dispose()
            made.close()
