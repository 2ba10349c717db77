"""Advocates and consented sharing on real PostgreSQL: 2 organisations, 3 advocates,
5 people. Invitations, consent (scope, access, summary), the caseload, scopes enforced
on every page and export, private notes never shown to anyone but the owner, revocation
effective at the very next request (sessions opened before it included), and the
person's page listing exactly the accesses made."""

from __future__ import annotations

import base64
import html
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pypdf import PdfReader

from safetrail.errors import ValidationError
from safetrail.server import accounts, audit, sharing, totp
from safetrail.server.accounts import OPERATOR
from safetrail.server.app import create_server_app
from safetrail.server.cases import Server
from safetrail.server.settings import ServerSettings
from tests.server_support import private_database
from tests.test_server_web import PASSWORD, Clock, client, csrf, sign_in, sign_up, staff


def server_settings(**given: object) -> ServerSettings:
    """Settings for a test server where people sign up themselves (when the server has a
    sign-up setting) and one address may make many accounts."""
    import dataclasses

    known = {f.name for f in dataclasses.fields(ServerSettings)}
    wanted = {"signup": "open", "signup_per_address": 0}
    return ServerSettings(**given, **{k: v for k, v in wanted.items() if k in known})  # type: ignore[arg-type]


pytestmark = pytest.mark.postgres

IN_RANGE = "2026-03-10 10:00"
BEFORE = "2026-01-05 10:00"
AFTER = "2026-05-20 10:00"


@dataclass
class Advocate:
    name: str
    secret: bytes
    browser: TestClient
    id: str = ""


@dataclass
class Person:
    name: str
    browser: TestClient
    case_id: str = ""
    id: str = ""


@dataclass
class World:
    app: object
    server: Server
    clock: Clock
    operator: TestClient
    advocates: dict[str, Advocate] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    #: what the test made each advocate open, per case: (account id, "METHOD path")
    made: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def secret_from(html: str) -> bytes:
    found = re.search(r'id="totp-secret">([^<]+)<', html)
    assert found is not None
    plain = found.group(1).replace(" ", "")
    return base64.b32decode(plain + "=" * (-len(plain) % 8))


def invite(world: World, org: str, name: str) -> Advocate:
    """The operator's invitation link, opened by the advocate: password, then TOTP."""
    page = world.operator.get("/operator/orgs")
    made = world.operator.post(
        "/operator/orgs/invite", data={"csrf": csrf(page.text), "org": org, "name": name}
    )
    assert made.status_code == 200
    link = re.search(r'id="invite-link">([^<]+)<', made.text)
    assert link is not None
    path = "/" + link.group(1).split("/", 3)[3]
    browser = client(world.app)
    form = browser.get(path)
    assert form.status_code == 200 and org in form.text
    done = browser.post(
        path,
        data={"csrf": csrf(form.text), "password": PASSWORD, "confirm": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/account/totp"
    # Used once: the same link again is refused.
    again = client(world.app).get(path)
    assert again.status_code == 404
    enrol = browser.get("/account/totp")
    secret = secret_from(enrol.text)
    code = totp.code_at(secret, world.clock.now.timestamp())
    confirmed = browser.post("/account/totp", data={"csrf": csrf(enrol.text), "code": code})
    assert confirmed.status_code == 200
    world.clock.now += timedelta(seconds=31)  # the next sign-in needs a fresh code
    with world.server.engine.connect() as conn:
        found = accounts.find(conn, name)
    assert found is not None
    advocate = Advocate(name, secret, browser, found.id)
    world.advocates[name] = advocate
    return advocate


def new_session(world: World, advocate: Advocate) -> TestClient:
    world.clock.now += timedelta(seconds=31)
    code = totp.code_at(advocate.secret, world.clock.now.timestamp())
    browser, reply = sign_in(world.app, advocate.name, code=code)
    assert reply.status_code == 303 and reply.headers["location"] == "/cases", reply.text
    return browser


def add(person: Person, what: str, when: str, private: str = "") -> str:
    page = person.browser.get("/incidents/new")
    done = person.browser.post(
        "/incidents/new",
        data={
            "csrf": csrf(page.text),
            "what_happened": what,
            "when": when,
            "private_note": private,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return done.headers["location"].split("?")[0].rsplit("/", 1)[1]


def share(
    person: Person, target: str, scope: str = "all", access: str = "read", **dates: str
) -> str:
    page = person.browser.get("/sharing")
    assert page.status_code == 200
    values = {"target": target, "scope": scope, "access": access, **dates}
    review = person.browser.post("/sharing/review", data={"csrf": csrf(page.text), **values})
    assert review.status_code == 200, review.text
    done = person.browser.post(
        "/sharing/confirm", data={"csrf": csrf(page.text), **values}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/sharing?saved=shared"
    return review.text


def open_case(
    world: World, advocate: Advocate, person: Person, browser: TestClient | None = None
) -> int:
    who = browser or advocate.browser
    page = who.get("/caseload")
    reply = who.post(
        f"/caseload/{person.case_id}/open", data={"csrf": csrf(page.text)}, follow_redirects=False
    )
    if reply.status_code == 303:
        # /caseload recomputed the figures of stale cases: those reads are audited too
        world.made.setdefault(person.case_id, [])
    return reply.status_code


def visit(
    world: World, advocate: Advocate, person: Person, path: str, browser: TestClient | None = None
) -> object:
    reply = (browser or advocate.browser).get(path)
    if reply.status_code == 200:
        world.made.setdefault(person.case_id, []).append((advocate.id, f"GET {path}"))
    return reply


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
    with private_database() as url:
        server = Server.connect(url, tmp_path_factory.mktemp("blobs"))
        accounts.install(server.engine)
        server.init()
        clock = Clock()
        settings = server_settings(database=url, blobs=Path(server.blobs_dir), behind_proxy=())
        app = create_server_app(settings, server, clock)
        op_secret = staff(server, "opal", OPERATOR, clock.now)
        operator, _r = sign_in(app, "opal", code=totp.code_at(op_secret, clock.now.timestamp()))
        world = World(app, server, clock, operator)
        page = operator.get("/operator/orgs")
        for org in ("North Advocacy", "South Law Clinic"):
            made = operator.post("/operator/orgs", data={"csrf": csrf(page.text), "name": org})
            assert made.status_code == 200
        invite(world, "North Advocacy", "ada")
        invite(world, "North Advocacy", "abe")
        invite(world, "South Law Clinic", "bea")
        for name in ("pia", "quin", "rue", "sol", "tay"):
            browser, _key = sign_up(app, name)
            person = Person(name, browser)
            with server.engine.connect() as conn:
                found = accounts.find(conn, name)
            assert found is not None and found.case_id is not None
            person.case_id, person.id = found.case_id, found.id
            world.people[name] = person
            add(person, f"MARK-{name}-MARCH", IN_RANGE, private=f"PRIV-{name}-1")
            add(person, f"MARK-{name}-JANUARY", BEFORE, private=f"PRIV-{name}-2")
            add(person, f"MARK-{name}-MAY", AFTER)
        yield world
        server.close()


def test_consent_summary_and_caseload(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    pia, quin, rue = world.people["pia"], world.people["quin"], world.people["rue"]
    ada, abe, bea = world.advocates["ada"], world.advocates["abe"], world.advocates["bea"]
    review = share(pia, "org:North Advocacy", "all", "read+add")
    assert "ada" in review and "abe" in review
    assert "Your private notes, whatever you choose here." in review
    assert "They may add incidents and their own notes; each says who wrote it." in review
    review = share(quin, "advocate:bea", "range", "read", start="2026-03-01", end="2026-03-31")
    assert "Anything that happened before 2026-03-01 or after 2026-03-31." in review
    assert "They cannot add or change anything." in review
    review = share(rue, "advocate:ada", "reports", "read")
    assert "Your timeline and every other page of your case." in review
    page = pia.browser.get("/sharing")
    assert page.text.count('data-advocate="') == 2
    # Caseloads: only what was shared with each advocate.
    seen = {who.name: ada.browser.get("/caseload").text for who in (ada,)}
    assert 'data-person="pia"' in seen["ada"] and 'data-person="rue"' in seen["ada"]
    assert 'data-person="quin"' not in seen["ada"] and "sol" not in seen["ada"]
    abe_page = abe.browser.get("/caseload").text
    assert 'data-person="pia"' in abe_page and 'data-person="rue"' not in abe_page
    bea_page = bea.browser.get("/caseload").text
    assert 'data-person="quin"' in bea_page and 'data-person="pia"' not in bea_page
    for text in (seen["ada"], abe_page, bea_page):
        assert "MARK-" not in text and "PRIV-" not in text
    assert "Cases 1 to 2 of 2" in seen["ada"] and 'rel="next"' not in seen["ada"]
    # Paged, most urgent first: one case a page here, the order kept from page to page.
    from safetrail.server import caseload

    monkeypatch.setattr(caseload, "PAGE_SIZE", 1)
    pages = {n: ada.browser.get(f"/caseload?page={n}").text for n in ("1", "2", "9", "x")}
    order = [re.findall(r'data-person="(\w+)"', pages[n]) for n in ("1", "2")]
    assert sorted(order[0] + order[1]) == ["pia", "rue"]
    assert "Cases 1 to 1 of 2" in pages["1"] and "Cases 2 to 2 of 2" in pages["2"]
    assert 'href="/caseload?sort=urgency&amp;page=2" rel="next"' in pages["1"]
    assert 'rel="prev"' not in pages["1"]
    assert 'href="/caseload?sort=urgency&amp;page=1" rel="prev"' in pages["2"]
    assert 'rel="next"' not in pages["2"]
    assert re.findall(r'data-person="(\w+)"', pages["9"]) == order[1]  # past the end: the last
    assert re.findall(r'data-person="(\w+)"', pages["x"]) == order[0]
    by_name = ada.browser.get("/caseload?sort=name&page=2").text
    assert re.findall(r'data-person="(\w+)"', by_name) == ["rue"]
    assert 'href="/caseload?sort=name&amp;page=1" rel="prev"' in by_name


def _routes(app: object) -> list[APIRoute]:
    """Every route of the server app: account, sharing and every case module."""
    from safetrail.server.app import case_route_modules
    from safetrail.web.routes import (
        server_account,
        server_auth,
        server_caseload,
        server_operator,
        server_orgs,
        server_share,
    )

    modules = [
        server_auth,
        server_account,
        server_operator,
        server_share,
        server_caseload,
        server_orgs,
        *case_route_modules(),
    ]
    found = [r for m in modules for r in m.router.routes]  # type: ignore[attr-defined]
    return [r for r in found if isinstance(r, APIRoute)]


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def every_get(world: World, browser: TestClient) -> Iterator[tuple[str, object]]:
    """Every GET route of the server app, path parameters filled with the case's refs."""
    refs = ["I-0001", "I-0002", "I-0003", "I-0004", "P-001", "EX-0001", "RA-001", "1"]
    skip = {"/signout", "/lock", "/exit", "/away"}
    for route in _routes(world.app):
        if "GET" not in route.methods or route.path in skip:
            continue
        paths = [_fill(route.path, ref) for ref in refs] if "{" in route.path else [route.path]
        for path in paths:
            yield path, browser.get(path, follow_redirects=False)


def pdf_text(payload: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(payload)).pages)


def bundle_text(payload: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(payload)) as bundle:
        parts = []
        for name in bundle.namelist():
            raw = bundle.read(name)
            parts.append(pdf_text(raw) if name.endswith(".pdf") else raw.decode("utf-8", "replace"))
        return "\n".join(parts)


def export(browser: TestClient, path: str) -> object:
    token = csrf(browser.get("/shared").text)
    return browser.post(path, data={"csrf": token})


def test_cross_access_is_refused(world: World) -> None:
    pia, quin, rue, sol = (world.people[n] for n in ("pia", "quin", "rue", "sol"))
    ada, abe, bea = world.advocates["ada"], world.advocates["abe"], world.advocates["bea"]
    for advocate, person in ((ada, quin), (abe, rue), (abe, sol), (bea, pia), (bea, sol)):
        assert open_case(world, advocate, person) == 404
        for path in ("/shared", "/incidents/I-0001", "/reports"):
            reply = advocate.browser.get(path)
            assert reply.status_code == 404, (advocate.name, person.name, path)
            assert "MARK-" not in reply.text
    token = csrf(ada.browser.get("/account").text)
    for case_id in ("0" * 32, "not-a-case", "../" + pia.case_id):
        reply = ada.browser.post(f"/caseload/{case_id}/open", data={"csrf": token})
        assert reply.status_code == 404
    assert world.operator.get("/caseload").status_code == 403
    assert world.operator.get("/shared").status_code == 403
    assert pia.browser.get("/caseload").status_code == 403
    reply = pia.browser.post(
        f"/caseload/{quin.case_id}/open", data={"csrf": csrf(pia.browser.get("/sharing").text)}
    )
    assert reply.status_code == 403
    # A person's own pages never show another person's content.
    assert "MARK-quin" not in pia.browser.get("/sharing").text


def test_date_range_share_shows_nothing_outside_it(world: World) -> None:
    quin, bea = world.people["quin"], world.advocates["bea"]
    assert open_case(world, bea, quin) == 303
    shown = visit(world, bea, quin, "/incidents/I-0001")
    assert shown.status_code == 200 and "MARK-quin-MARCH" in shown.text  # type: ignore[attr-defined]
    assert "PRIV-quin" not in shown.text  # type: ignore[attr-defined]
    tried = 0
    for path, reply in every_get(world, bea.browser):
        tried += 1
        body = reply.content  # type: ignore[attr-defined]
        for marker in (b"MARK-quin-JANUARY", b"MARK-quin-MAY", b"PRIV-", b"MARK-pia", b"MARK-rue"):
            assert marker not in body, (path, marker)
        if reply.status_code == 200:  # type: ignore[attr-defined]
            world.made.setdefault(quin.case_id, []).append((bea.id, f"GET {path}"))
    assert tried > 100
    assert bea.browser.get("/incidents/I-0002").status_code == 404
    assert bea.browser.get("/incidents").status_code == 403
    assert bea.browser.get("/analysis").status_code == 403
    assert bea.browser.get("/evidence").status_code == 403
    report = export(bea.browser, "/reports/pdf")
    assert report.status_code == 200  # type: ignore[attr-defined]
    text = pdf_text(report.content)  # type: ignore[attr-defined]
    assert "MARK-quin-MARCH" in text
    assert "JANUARY" not in text and "MAY" not in text and "PRIV-" not in text
    bundle = export(bea.browser, "/reports/bundle")
    assert bundle.status_code == 200  # type: ignore[attr-defined]
    whole = bundle_text(bundle.content)  # type: ignore[attr-defined]
    assert "MARK-quin-MARCH" in whole
    assert "JANUARY" not in whole and "MARK-quin-MAY" not in whole and "PRIV-" not in whole
    # Dates asked for outside the share are refused, not widened.
    outside = bea.browser.post(
        "/reports/pdf",
        data={"csrf": csrf(bea.browser.get("/shared").text), "from_day": "2026-05-01"},
    )
    assert outside.status_code == 400, outside.headers  # type: ignore[attr-defined]
    # Read only: nothing can be added.
    form = csrf(bea.browser.get("/shared").text)
    refused = bea.browser.post("/incidents/new", data={"csrf": form, "what_happened": "x"})
    assert refused.status_code == 403
    refused = bea.browser.post("/shared/notes", data={"csrf": form, "text": "x"})
    assert refused.status_code == 403


def test_reports_only_share(world: World) -> None:
    rue, ada = world.people["rue"], world.advocates["ada"]
    assert open_case(world, ada, rue) == 303
    for path in ("/incidents/I-0001", "/incidents", "/analysis", "/evidence", "/plan", "/"):
        assert ada.browser.get(path).status_code == 403, path
    assert ada.browser.get("/reports").status_code == 200
    report = export(ada.browser, "/reports/pdf")
    assert report.status_code == 200  # type: ignore[attr-defined]
    text = pdf_text(report.content)  # type: ignore[attr-defined]
    assert "MARK-rue-JANUARY" in text and "MARK-rue-MAY" in text and "PRIV-" not in text
    for path, reply in every_get(world, ada.browser):
        assert b"PRIV-" not in reply.content, path  # type: ignore[attr-defined]
        assert b"MARK-rue" not in reply.content, path  # type: ignore[attr-defined]


def test_private_notes_never_leave_the_owner(world: World) -> None:
    pia, ada = world.people["pia"], world.advocates["ada"]
    assert "PRIV-pia-1" in pia.browser.get("/incidents/I-0001").text
    assert open_case(world, ada, pia) == 303
    seen = ada.browser.get("/incidents/I-0002").text
    assert "MARK-pia-JANUARY" in seen and "PRIV-pia" not in seen
    for path, reply in every_get(world, ada.browser):
        assert b"PRIV-" not in reply.content, path  # type: ignore[attr-defined]
    for path in ("/reports/pdf", "/reports/police-sheet"):
        made = export(ada.browser, path)
        assert made.status_code == 200, path  # type: ignore[attr-defined]
        assert "PRIV-" not in pdf_text(made.content)  # type: ignore[attr-defined]
    bundle = export(ada.browser, "/reports/bundle")
    assert "PRIV-" not in bundle_text(bundle.content)  # type: ignore[attr-defined]
    for fmt in ("json", "csv"):
        made = export(ada.browser, f"/reports/export/{fmt}")
        assert b"PRIV-" not in made.content  # type: ignore[attr-defined]
    # An advocate's change keeps the person's private note.
    form = ada.browser.get("/incidents/I-0001/amend")
    assert form.status_code == 200 and "PRIV-pia" not in form.text
    changed = ada.browser.post(
        "/incidents/I-0001/amend",
        data={
            "csrf": csrf(form.text),
            "what_happened": "MARK-pia-MARCH, told to the advocate",
            "when": IN_RANGE,
            "reason": "the advocate wrote down what she said",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    mine = pia.browser.get("/incidents/I-0001").text
    assert "PRIV-pia-1" in mine and "told to the advocate" in mine
    assert "PRIV-pia" not in ada.browser.get("/incidents/I-0001").text


def test_two_advocates_editing_at_once_keep_both_versions(world: World) -> None:
    pia, ada, abe = world.people["pia"], world.advocates["ada"], world.advocates["abe"]
    assert open_case(world, abe, pia) == 303
    assert open_case(world, ada, pia) == 303
    first = ada.browser.get("/incidents/I-0003/amend")
    second = abe.browser.get("/incidents/I-0003/amend")
    for browser, page, text in (
        (ada.browser, first, "EDIT-BY-ADA"),
        (abe.browser, second, "EDIT-BY-ABE"),
    ):
        done = browser.post(
            "/incidents/I-0003/amend",
            data={
                "csrf": csrf(page.text),
                "what_happened": text,
                "when": AFTER,
                "reason": "added what the person told us",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
    from safetrail.server.cases import open_case as open_server_case
    from safetrail.server.sessions import resolve

    with world.server.engine.begin() as conn:
        owner = resolve(conn, pia.browser.cookies["st_session"], world.clock.now)
    assert owner is not None and owner.case_key is not None
    ctx = open_server_case(world.server, pia.case_id, owner.case_key, "person:" + pia.id)
    try:
        with ctx.read() as conn:
            record_id = ctx.store.resolve(conn, "incident", "I-0003")
            history = ctx.store.history(conn, record_id)
    finally:
        ctx.close()
    texts = [(v.actor, v.data["what_happened"]) for v in history]
    assert texts[1:] == [
        (f"advocate:{ada.id}", "EDIT-BY-ADA"),
        (f"advocate:{abe.id}", "EDIT-BY-ABE"),
    ]


def test_advocate_notes_and_screening_together(world: World) -> None:
    pia, ada = world.people["pia"], world.advocates["ada"]
    assert open_case(world, ada, pia) == 303
    token = csrf(ada.browser.get("/shared").text)
    noted = ada.browser.post(
        "/shared/notes", data={"csrf": token, "text": "NOTE-FROM-ADA"}, follow_redirects=False
    )
    assert noted.status_code == 303
    asked = ada.browser.post("/shared/screening", data={"csrf": token}, follow_redirects=False)
    assert asked.status_code == 303
    page = pia.browser.get("/sharing").text
    assert "NOTE-FROM-ADA" in page and 'id="screening-asked"' in page
    assert "ada asked you on" in page
    # The person completes the screening; the advocate sees its date and red flags.
    from safetrail.analysis import risk

    form = pia.browser.get("/analysis/risk")
    answers = {key: "yes" for key in risk.QUESTIONS[:3]}
    done = pia.browser.post(
        "/analysis/risk", data={"csrf": csrf(form.text), **answers}, follow_redirects=False
    )
    assert done.status_code == 303
    row = ada.browser.get("/caseload").text.split('data-person="pia"')[1].split("</tr>")[0]
    assert "red flags" in row
    # Completed together: the advocate saves one in the person's case, both see it.
    form = ada.browser.get("/analysis/risk")
    assert form.status_code == 200
    together = ada.browser.post(
        "/analysis/risk", data={"csrf": csrf(form.text), **answers}, follow_redirects=False
    )
    assert together.status_code == 303
    ref = together.headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert pia.browser.get(f"/analysis/risk/{ref}").status_code == 200
    assert ada.browser.get(f"/analysis/risk/{ref}").status_code == 200


def test_consent_twice_and_revoke_twice(world: World) -> None:
    pia, abe = world.people["pia"], world.advocates["abe"]
    with world.server.engine.connect() as conn:
        before = {s.account_id: s for s in sharing.shares_of(conn, pia.case_id)}
    world.clock.now += timedelta(minutes=1)
    share(pia, "org:North Advocacy", "all", "read")  # the same people again, read only now
    with world.server.engine.connect() as conn:
        after = {s.account_id: s for s in sharing.shares_of(conn, pia.case_id)}
        shared = [e for e in audit.for_case(conn, pia.case_id) if e.action == sharing.SHARED]
    assert after.keys() == before.keys() and len(after) == 2
    for account_id, found in after.items():
        assert found.access == "read" and found.revoked_at is None
        assert found.granted_at == before[account_id].granted_at  # "since" stays the first
    assert len(shared) == 4
    page = pia.browser.get("/sharing")
    first = pia.browser.post(
        f"/sharing/{abe.id}/revoke", data={"csrf": csrf(page.text)}, follow_redirects=False
    )
    assert first.headers["location"] == "/sharing?saved=revoked"
    second = pia.browser.post(
        f"/sharing/{abe.id}/revoke", data={"csrf": csrf(page.text)}, follow_redirects=False
    )
    assert second.headers["location"] == "/sharing?saved=already"
    with world.server.engine.connect() as conn:
        ended = [e for e in audit.for_case(conn, pia.case_id) if e.action == sharing.SHARE_REVOKED]
        row = conn.execute(
            accounts.case_access.select().where(
                (accounts.case_access.c.case_id == pia.case_id)
                & (accounts.case_access.c.account_id == abe.id)
            )
        ).one()
    assert len(ended) == 1 and row.sealed_key is None and row.revoked_at is not None
    assert 'data-person="pia"' not in abe.browser.get("/caseload").text
    shown = pia.browser.get("/sharing").text
    assert 'id="ended"' in shown and "abe" in shown.split('id="ended"')[1]


def test_revocation_refuses_the_next_request_of_every_session(world: World) -> None:
    pia, ada = world.people["pia"], world.advocates["ada"]
    assert open_case(world, ada, pia) == 303
    older = new_session(world, ada)  # a second session, opened before the revoke
    assert open_case(world, ada, pia, older) == 303
    assert older.get("/incidents/I-0001").status_code == 200
    token_ada = csrf(ada.browser.get("/shared").text)
    token_older = csrf(older.get("/shared").text)
    page = pia.browser.get("/sharing")
    done = pia.browser.post(
        f"/sharing/{ada.id}/revoke", data={"csrf": csrf(page.text)}, follow_redirects=False
    )
    assert done.status_code == 303
    gets = (
        "/shared",
        "/",
        "/incidents",
        "/incidents/I-0001",
        "/analysis",
        "/analysis/chart/rate.png",
        "/evidence",
        "/evidence/EX-0001/raw",
        "/reports",
        "/plan",
    )
    for browser, token in ((ada.browser, token_ada), (older, token_older)):
        for path in gets:
            reply = browser.get(path)
            assert reply.status_code == 404, path
            assert b"MARK-" not in reply.content
        for path in ("/reports/pdf", "/reports/bundle", "/reports/export/json", "/shared/notes"):
            reply = browser.post(path, data={"csrf": token, "text": "x"})
            assert reply.status_code == 404, path
            assert b"MARK-" not in reply.content
        assert (
            browser.post(f"/caseload/{pia.case_id}/open", data={"csrf": token}).status_code == 404
        )
        assert 'data-person="pia"' not in browser.get("/caseload").text


def test_revoked_during_an_export(world: World) -> None:
    """An export authorised before the revoke is handed over whole and is in the person's
    list of downloads; the next request is refused."""
    quin, bea = world.people["quin"], world.advocates["bea"]
    assert open_case(world, bea, quin) == 303
    token = csrf(bea.browser.get("/shared").text)
    with bea.browser.stream("POST", "/reports/bundle", data={"csrf": token}) as reply:
        assert reply.status_code == 200
        chunks = reply.iter_bytes()
        first = next(chunks)
        page = quin.browser.get("/sharing")
        ended = quin.browser.post(
            f"/sharing/{bea.id}/revoke", data={"csrf": csrf(page.text)}, follow_redirects=False
        )
        assert ended.headers["location"] == "/sharing?saved=revoked"
        payload = first + b"".join(chunks)
    assert "MARK-quin-MARCH" in bundle_text(payload)
    assert bea.browser.get("/shared").status_code == 404
    assert bea.browser.post("/reports/bundle", data={"csrf": token}).status_code == 404
    with world.server.engine.connect() as conn:
        entries = audit.for_case(conn, quin.case_id)
    bundles = [
        e
        for e in entries
        if e.action == audit.EXPORT
        and e.account_id == bea.id
        and e.detail
        and e.detail.startswith("POST /reports/bundle")
    ]
    # the export handed over is in the person's list (once per bundle made); the one
    # asked for after the revoke is not
    assert len(bundles) == 2  # the date-range test's bundle and this one
    assert sum(e.action == sharing.SHARE_REVOKED for e in entries) == 1


def test_the_person_sees_exactly_the_accesses_made(world: World) -> None:
    sol, bea = world.people["sol"], world.advocates["bea"]
    share(sol, "advocate:bea", "all", "read")
    expected: list[str] = []
    assert 'data-person="sol"' in bea.browser.get("/caseload").text
    expected.append("GET /caseload")  # the caseload read the new case's figures once
    bea.browser.get("/caseload")  # unchanged case: figures kept, nothing read
    assert open_case(world, bea, sol) == 303
    for path in ("/shared", "/incidents", "/incidents/I-0002", "/analysis"):
        assert bea.browser.get(path).status_code == 200, path
        expected.append(f"GET {path}")
    assert export(bea.browser, "/reports/pdf").status_code == 200  # type: ignore[attr-defined]
    expected += ["GET /shared", "POST /reports/pdf"]  # export() reads the form's token
    assert bea.browser.get("/incidents/I-0009").status_code == 404  # audited: it asked
    expected.append("GET /incidents/I-0009")
    assert bea.browser.get("/checkins/contacts").status_code == 403  # refused before any read
    add(sol, "MARK-sol-LATER", IN_RANGE)
    bea.browser.get("/caseload")
    expected.append("GET /caseload")  # the case changed: its figures read again
    with world.server.engine.connect() as conn:
        made = [e for e in sharing.accesses(conn, sol.case_id) if e.account_id == bea.id]
    assert [e.detail for e in made] == expected
    page = sol.browser.get("/sharing").text
    table = page.split('id="accesses"')[1].split("</table>")[0]
    assert table.count("<tr>") == len(expected) + 1  # the header row
    # the person reads each request in plain words; the audit table keeps the request
    said = re.findall(r"<tr><td>[^<]*</td><td>bea</td><td>([^<]*)</td></tr>", table)
    assert [html.unescape(w) for w in said] == [
        "Looked at your case's figures in their caseload",
        "Looked at the page of what you shared",
        "Looked at the list of incidents",
        "Looked at incident I-0002",
        "Looked at the Patterns page",
        "Looked at the page of what you shared",
        "Downloaded the court report",
        "Looked at incident I-0009",
        "Looked at your case's figures in their caseload",
    ]
    assert "GET /" not in table and "POST /" not in table
    assert "MARK-" not in page.replace("MARK-sol", "")


def test_operator_commands(world: World) -> None:
    """``safetrail server org …`` and ``… advocate …`` against the same database."""
    from typer.testing import CliRunner

    from safetrail.cli.main import app

    url = world.server.engine.url.render_as_string(hide_password=False)
    where = ["--database", url, "--blobs", str(world.server.blobs_dir)]
    runner = CliRunner()
    env = {"SAFETRAIL_LANG": "en", "COLUMNS": "200"}

    def run(*args: str) -> tuple[int, str]:
        done = runner.invoke(app, ["server", *args, *where], env=env, terminal_width=200)
        try:
            errors = done.stderr
        except ValueError:  # stderr mixed into output
            errors = ""
        return done.exit_code, done.output + errors

    code, out = run("org", "create", "East Helpline")
    assert code == 0 and "Organisation East Helpline created." in out
    # Bad input: a non-zero exit with the service's message (printed on the error console)
    code, out = run("org", "create", "east helpline")
    assert code != 0 and "Traceback" not in out
    with world.server.engine.begin() as conn, pytest.raises(ValidationError) as refused:
        sharing.create_org(conn, "east helpline", world.clock.now)
    assert refused.value.message == "There is already an organisation called east helpline."
    code, out = run("org", "list")
    assert code == 0 and "East Helpline" in out and "North Advocacy" in out
    code, out = run("advocate", "invite", "eve", "--org", "Nowhere")
    assert code != 0 and "Traceback" not in out
    code, out = run(
        "advocate", "invite", "eve", "--org", "East Helpline", "--url", "https://st.example"
    )
    assert code == 0
    link = re.search(r"https://st\.example/invite/([A-Za-z0-9_-]+)", out)
    assert link is not None
    assert client(world.app).get(f"/invite/{link.group(1)}").status_code == 200
    code, out = run("advocate", "list")
    assert code == 0 and "ada" in out and "North Advocacy" in out
    tay = world.people["tay"]
    browser = new_session(world, world.advocates["abe"])
    assert browser.get("/caseload").status_code == 200
    code, out = run("advocate", "disable", "abe")
    assert code == 0 and "abe is disabled" in out
    assert browser.get("/caseload", follow_redirects=False).status_code == 303  # signed out
    code, out = run("advocate", "disable", "tay")
    assert code != 0 and "Traceback" not in out
    assert tay.browser.get("/sharing").status_code == 200
