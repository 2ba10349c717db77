"""Every route of the server app tried across cases: a person's ids and references, used
by another person, an advocate without a share and an operator, never show the first
person's content, and nothing they send changes it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from safetrail.server import accounts, sessions, totp
from safetrail.server.accounts import ADVOCATE, OPERATOR
from safetrail.server.app import create_server_app
from safetrail.server.cases import Server, open_case
from safetrail.server.settings import ServerSettings
from safetrail.services import evidence, incidents, people
from tests.server_support import private_database
from tests.test_server_web import Clock, csrf, sign_in, sign_up, staff

pytestmark = pytest.mark.postgres

MARKER = "ISOLATION-MARKER-7Q"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
    with private_database() as url:
        server = Server.connect(url, tmp_path_factory.mktemp("blobs"))
        accounts.install(server.engine)
        server.init()
        clock = Clock()
        settings = ServerSettings(
            database=url, blobs=Path(server.blobs_dir), behind_proxy=(), signup="open"
        )
        app = create_server_app(settings, server, clock)
        ana, _ = sign_up(app, "ana")
        ben, _ = sign_up(app, "ben")
        op_secret = staff(server, "opus", OPERATOR, clock.now)
        adv_secret = staff(server, "advo", ADVOCATE, clock.now)
        operator, _r = sign_in(app, "opus", code=totp.code_at(op_secret, clock.now.timestamp()))
        advocate, _r = sign_in(app, "advo", code=totp.code_at(adv_secret, clock.now.timestamp()))
        # Ana's case gets one of each kind of record, all carrying the marker.
        with server.engine.begin() as conn:
            found = sessions.resolve(conn, ana.cookies["st_session"], clock.now)
        assert found is not None and found.case_key is not None and found.case_id is not None
        ctx = open_case(server, found.case_id, found.case_key, found.account.actor)
        try:
            incident = incidents.record_incident(
                ctx, incidents.IncidentInput(what_happened=f"{MARKER} at the door")
            )
            person = people.add_person(ctx, people.PersonInput(names=[f"{MARKER} Person"]))
            photo = tmp_path_factory.mktemp("in") / "note.txt"
            photo.write_text(f"{MARKER} evidence text")
            item = evidence.add_evidence(ctx, photo, incident=incident.ref)
            refs = [incident.ref, person.ref, item.record.ref, incident.id, person.id]
        finally:
            ctx.close()
        assert MARKER in ana.get(f"/incidents/{incident.ref}").text
        yield {
            "app": app,
            "server": server,
            "refs": refs,
            "ana": ana,
            "others": {"ben": ben, "advocate": advocate, "operator": operator},
            "case_id": found.case_id,
        }
        server.close()


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def _routes(app: object) -> list[APIRoute]:
    """Every route of the server app: the account modules and every case module."""
    from safetrail.server.app import case_route_modules
    from safetrail.web.routes import server_account, server_auth, server_operator

    modules = [server_auth, server_account, server_operator, *case_route_modules()]
    found = [r for m in modules for r in m.router.routes]  # type: ignore[attr-defined]
    return [r for r in found if isinstance(r, APIRoute)]


def test_every_get_route_across_cases(world: dict[str, object]) -> None:
    refs: list[str] = world["refs"]  # type: ignore[assignment]
    others: dict[str, TestClient] = world["others"]  # type: ignore[assignment]
    tried = 0
    for route in _routes(world["app"]):
        if "GET" not in route.methods:
            continue
        paths = [_fill(route.path, ref) for ref in refs] if "{" in route.path else [route.path]
        for path in paths:
            for who, browser in others.items():
                reply = browser.get(path, follow_redirects=False)
                tried += 1
                assert MARKER not in reply.text, (who, path)
                assert MARKER.encode() not in reply.content, (who, path)
                if who == "operator" and route.path not in _ACCOUNT_PAGES:
                    assert reply.status_code in (403, 404, 303), (who, path, reply.status_code)
    assert tried > 300


_ACCOUNT_PAGES = {
    "/signin",
    "/signup",
    "/away",
    "/manifest.webmanifest",
    "/account",
    "/account/totp",
    "/account/password",
    "/account/recover",
    "/account/audit",
    "/operator",
    "/cases",
    "/operator/accounts/{account_id}/reset",
    "/lock",
    "/exit",
}


def test_every_post_route_across_cases_changes_nothing(world: dict[str, object]) -> None:
    refs: list[str] = world["refs"]  # type: ignore[assignment]
    others: dict[str, TestClient] = world["others"]  # type: ignore[assignment]
    ana: TestClient = world["ana"]  # type: ignore[assignment]
    before = ana.get(f"/incidents/{refs[0]}").text
    skip = {"/signout", "/lock", "/exit", "/account/sessions/{id_hash}/revoke"}
    for route in _routes(world["app"]):
        if "POST" not in route.methods or route.path in skip:
            continue
        paths = [_fill(route.path, ref) for ref in refs] if "{" in route.path else [route.path]
        for path in paths:
            for who, browser in others.items():
                token = csrf(browser.get("/account").text)
                reply = browser.post(
                    path,
                    data={"csrf": token, "what_happened": "changed", "reason": "changed"},
                    follow_redirects=False,
                )
                assert MARKER not in reply.text, (who, path)
    after = ana.get(f"/incidents/{refs[0]}").text
    assert before == after
    assert "changed" not in ana.get("/incidents").text
