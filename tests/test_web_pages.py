"""The incident, people and events pages, driven over HTTP like a browser would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safetrail.domain.when import parse_when
from safetrail.services import evidence, incidents
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault
from safetrail.web.app import create_app
from tests.conftest import PASSPHRASE

FORM_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
BODY_CSRF = re.compile(r'<body[^>]*data-csrf="([^"]*)"')
TIMELINE_REF = re.compile(r'<a class="ref" href="/incidents/(I-\d{4})">')
OLDER = re.compile(r'<a class="button" href="([^"]+)" rel="next">')
NEWER = re.compile(r'<a class="button" href="([^"]+)" rel="prev">')
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)

SCRIPT = "<script>alert(1)</script>"
BOLD = "<b>x</b>"


class Browser:
    """A test client with the session's CSRF token at hand."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    @property
    def vault(self) -> Vault:
        vault = self.client.app.state.safetrail.vault  # type: ignore[attr-defined]
        assert vault is not None
        return vault


def unlock(client: TestClient) -> str:
    """First-run setup through the pages; returns the session's CSRF token."""
    page = client.get("/setup")
    assert page.status_code == 200
    assert "st_pre" in client.cookies
    pre = FORM_CSRF.search(page.text)
    assert pre is not None
    done = client.post(
        "/setup",
        data={
            "csrf": pre.group(1),
            "passphrase": PASSPHRASE,
            "confirm": PASSPHRASE,
            "country": "GB",
            "timezone": "Europe/London",
        },
    )
    assert done.status_code == 200, done.text
    assert "st_session" in client.cookies
    token = BODY_CSRF.search(done.text)
    assert token is not None and token.group(1)
    return token.group(1)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    with TestClient(create_app(tmp_path / "vault"), base_url="http://127.0.0.1") as client:
        b = Browser(client)
        b.csrf = unlock(client)
        yield b


def refs_on(html: str) -> list[str]:
    return TIMELINE_REF.findall(html)


def timeline(b: Browser, query: str = "") -> list[str]:
    page = b.client.get("/incidents" + query)
    assert page.status_code == 200, page.text
    return refs_on(page.text)


def add(b: Browser, what: str, when: str, **fields: object) -> str:
    return incidents.record_incident(
        b.vault,
        IncidentInput(what_happened=what, when=when, **fields),  # type: ignore[arg-type]
    ).ref


def full_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "what_happened": (
            "He was waiting by my car when I finished work.\nHe said he would be back."
        ),
        "when": "2026-03-14 18:30",
        "where": "Staff car park, Mill Lane",
        "latitude": "51.5072",
        "longitude": "-0.1276",
        "tactics": ["watching", "threats"],
        "channel": "in_person",
        "offenders": ["P-001"],
        "witness_name": ["Jo Evans", "Mr Okafor", ""],
        "witness_contact": ["07700 900456", "", ""],
        "fear": "3",
        "impacts": ["changed_routine", "sleep_health"],
        "police_reported": "yes",
        "police_reference": "CAD 1234/14MAR",
        "police_officer": "PC Lewis",
        "police_badge": "4471",
        "evidence": "EX-0001",
        "private_note": "I could not stop shaking afterwards.",
    }
    form.update(changes)
    return form


def add_person(b: Browser, name: str = "Mark Harris", **fields: str) -> str:
    response = b.client.post(
        "/people/new", data={"csrf": b.csrf, "name": name, **fields}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    found = re.fullmatch(r"/people/(P-\d{3})\?done=saved", location)
    assert found, location
    return found.group(1)


def add_exhibit(b: Browser, tmp_path: Path, name: str = "car.jpg") -> str:
    path = tmp_path / name
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    return evidence.add_evidence(b.vault, path).record.ref


# --- locked ------------------------------------------------------------------------------


def test_locked_app_sends_every_page_to_unlock(browser: Browser) -> None:
    browser.client.get("/lock")
    for path in ("/incidents", "/incidents/new", "/incidents/I-0001", "/people", "/events"):
        response = browser.client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/unlock"
    sent = browser.client.post(
        "/incidents/new",
        data={"csrf": browser.csrf, "what_happened": "x"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/unlock"


# --- the full form -----------------------------------------------------------------------


def test_full_form_creates_an_incident_and_the_detail_shows_every_field(
    browser: Browser, tmp_path: Path
) -> None:
    assert add_person(browser, "Mark Harris") == "P-001"
    assert add_exhibit(browser, tmp_path) == "EX-0001"
    form_page = browser.client.get("/incidents/new")
    assert form_page.status_code == 200
    text = form_page.text
    assert 'name="csrf" value="' + browser.csrf + '"' in text
    assert (
        "Following" in text and "They followed you on foot, by car or on public transport." in text
    )
    assert "Terrified, afraid for my life" in text
    assert "only for you — never included in reports or exports" in text
    assert 'value="P-001"' in text

    saved = browser.client.post(
        "/incidents/new", data={"csrf": browser.csrf, **full_form()}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/incidents/I-0001?done=saved"

    page = browser.client.get("/incidents/I-0001?done=saved")
    assert page.status_code == 200
    html = page.text
    shown = unescape(html)
    assert "Saved as I-0001. Thank you for writing it down." in shown
    assert "14 Mar 2026, 18:30 (Europe/London)" in shown
    assert "Staff car park, Mill Lane" in shown
    assert "51.5072, -0.1276" in shown
    assert "He was waiting by my car when I finished work.\nHe said he would be back." in shown
    assert "Watching or waiting" in shown and "Threats" in shown
    assert "In person" in shown
    assert '<a href="/people/P-001">P-001</a> · Mark Harris' in html
    assert "Jo Evans · 07700 900456" in shown
    assert "Mr Okafor" in shown
    assert "Very frightened" in shown
    assert "Changed my routine or route" in shown and "Sleep or health affected" in shown
    assert "Reported to the police" in shown
    assert "Reference: CAD 1234/14MAR" in shown
    assert "Officer: PC Lewis" in shown
    assert "Badge or collar number: 4471" in shown
    assert '<a href="/evidence/EX-0001">EX-0001</a>' in html
    assert "I could not stop shaking afterwards." in shown
    assert "Only for you — never included in reports or exports." in shown
    assert "Version 1" in shown and "Recorded" in shown
    assert 'href="/incidents/I-0001/amend"' in html and 'href="/incidents/I-0001/void"' in html

    record, _history = incidents.show_incident(browser.vault, "I-0001")
    data = record.data
    assert data["tactics"] == ["threats", "watching"]
    assert data["witnesses"] == [
        {"name": "Jo Evans", "contact": "07700 900456"},
        {"name": "Mr Okafor", "contact": None},
    ]
    assert data["location"] == {
        "text": "Staff car park, Mill Lane",
        "latitude": 51.5072,
        "longitude": -0.1276,
    }
    assert data["fear"] == 3
    assert data["police"] == {
        "reported": True,
        "reference": "CAD 1234/14MAR",
        "officer": "PC Lewis",
        "badge": "4471",
    }
    assert TITLE.search(html).group(1).strip() == "Incident · SafeTrail"  # type: ignore[union-attr]


def test_a_mistake_in_the_form_keeps_everything_typed(browser: Browser) -> None:
    add_person(browser)
    empty = browser.client.post(
        "/incidents/new", data={"csrf": browser.csrf, **full_form(what_happened="   ")}
    )
    assert empty.status_code == 400
    shown = unescape(empty.text)
    assert "Please describe what happened, even in a few words." in shown
    assert "Everything you typed is still here." in shown
    assert 'value="Staff car park, Mill Lane"' in shown
    assert 'value="CAD 1234/14MAR"' in shown
    assert re.search(r'id="tactic-threats" name="tactics" value="threats" checked', shown)
    assert re.search(r'id="offender-P-001" name="offenders" value="P-001" checked', shown)
    assert re.search(r'id="fear-3" name="fear" value="3" checked', shown)
    assert re.search(r'id="police-yes" name="police_reported" value="yes" checked', shown)
    assert 'value="Jo Evans"' in shown and 'value="07700 900456"' in shown
    assert "I could not stop shaking afterwards.</textarea>" in shown

    bad_number = browser.client.post(
        "/incidents/new", data={"csrf": browser.csrf, **full_form(latitude="north-ish")}
    )
    assert bad_number.status_code == 400
    assert "The latitude should be a number" in unescape(bad_number.text)

    future = browser.client.post(
        "/incidents/new", data={"csrf": browser.csrf, **full_form(when="2999-01-01")}
    )
    assert future.status_code == 400
    assert "is in the future" in unescape(future.text)
    assert 'value="2999-01-01"' in future.text
    assert incidents.list_incidents(browser.vault, incidents.IncidentFilter())[1] == 0


# --- amend and void ----------------------------------------------------------------------


def test_amend_keeps_both_versions_with_the_reason(browser: Browser, tmp_path: Path) -> None:
    add_person(browser)
    add_exhibit(browser, tmp_path)
    browser.client.post("/incidents/new", data={"csrf": browser.csrf, **full_form()})

    form = browser.client.get("/incidents/I-0001/amend")
    assert form.status_code == 200
    prefilled = unescape(form.text)
    assert 'id="when" name="when" value="2026-03-14 18:30"' in prefilled
    assert 'value="Staff car park, Mill Lane"' in prefilled
    assert 'id="evidence" name="evidence" value="EX-0001"' in prefilled
    assert re.search(r'id="tactic-watching" name="tactics" value="watching" checked', prefilled)
    assert re.search(r'id="police-yes" name="police_reported" value="yes" checked', prefilled)

    no_reason = browser.client.post(
        "/incidents/I-0001/amend",
        data={"csrf": browser.csrf, **full_form(where="Bus stop"), "reason": " "},
    )
    assert no_reason.status_code == 400
    assert "Please say briefly why you are changing this incident." in unescape(no_reason.text)
    assert 'value="Bus stop"' in no_reason.text
    assert len(incidents.show_incident(browser.vault, "I-0001")[1]) == 1

    changed = browser.client.post(
        "/incidents/I-0001/amend",
        data={
            "csrf": browser.csrf,
            **full_form(where="Bus stop on Grove Road", fear="4"),
            "reason": "I remembered where it was",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert changed.headers["location"] == "/incidents/I-0001?done=amended"

    page = unescape(browser.client.get("/incidents/I-0001").text)
    assert "Bus stop on Grove Road" in page
    assert "Version 1" in page and "Version 2" in page and "Version 3" not in page
    assert "Corrected" in page
    assert "I remembered where it was" in page
    assert "Staff car park, Mill Lane" in page  # the earlier value, in the change table
    assert "Terrified, afraid for my life" in page
    record, history = incidents.show_incident(browser.vault, "I-0001")
    assert [v.op for v in history] == ["create", "amend"]
    assert history[1].reason == "I remembered where it was"
    assert record.data["occurred"] == history[0].data["occurred"]  # the time did not drift
    assert record.data["evidence_ids"] == history[0].data["evidence_ids"]

    same = browser.client.post(
        "/incidents/I-0001/amend",
        data={
            "csrf": browser.csrf,
            **full_form(where="Bus stop on Grove Road", fear="4"),
            "reason": "again",
        },
    )
    assert same.status_code == 400
    assert "Nothing changed" in unescape(same.text)


def test_void_hides_an_incident_from_the_timeline_unless_asked(browser: Browser) -> None:
    keep = add(browser, "Calls all evening", "2026-02-01 20:00")
    gone = add(browser, "Recorded twice by mistake", "2026-02-02 09:00")

    page = browser.client.get(f"/incidents/{gone}/void")
    assert page.status_code == 200
    assert "It is not deleted: it stays in the history" in unescape(page.text)

    missing = browser.client.post(f"/incidents/{gone}/void", data={"csrf": browser.csrf})
    assert missing.status_code == 400
    assert "Please say briefly why you are withdrawing this incident." in unescape(missing.text)

    done = browser.client.post(
        f"/incidents/{gone}/void",
        data={"csrf": browser.csrf, "reason": "recorded twice"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/incidents/{gone}?done=withdrawn"

    assert timeline(browser) == [keep]
    assert timeline(browser, "?withdrawn=1") == [gone, keep]
    shown = browser.client.get("/incidents?withdrawn=1").text
    assert "Withdrawn</span>" in shown
    assert "Recorded twice by mistake" not in browser.client.get("/").text

    detail = unescape(browser.client.get(f"/incidents/{gone}").text)
    assert "This incident was withdrawn." in detail
    assert "Withdrawn" in detail and "recorded twice" in detail
    assert f'href="/incidents/{gone}/amend"' not in detail

    again = browser.client.post(
        f"/incidents/{gone}/void", data={"csrf": browser.csrf, "reason": "again"}
    )
    assert again.status_code == 400
    refused = browser.client.post(
        f"/incidents/{gone}/amend",
        data={"csrf": browser.csrf, "what_happened": "changed", "reason": "try"},
    )
    assert refused.status_code == 400
    assert "cannot be changed" in unescape(refused.text)


# --- the timeline ------------------------------------------------------------------------


def test_timeline_filters_return_exactly_the_matching_incidents(browser: Browser) -> None:
    person = add_person(browser, "Lisa Harris")
    first = add(browser, "Flowers left on the doorstep", "2025-07-10 08:00", tactics=["items_sent"])
    second = add(
        browser,
        "Grey van parked opposite all evening",
        "2025-07-31 23:30",
        tactics=["watching"],
        offenders=[person],
    )
    third = add(
        browser,
        "Eleven missed calls",
        "2025-08-01 00:15",
        tactics=["unwanted_calls"],
        where="at the grey house",
    )
    fourth = add(
        browser,
        "He followed me from the station in the grey van",
        "2025-08-20 18:00",
        tactics=["following", "watching"],
        offenders=[person],
    )

    assert timeline(browser) == [fourth, third, second, first]
    assert timeline(browser, "?tactic=watching") == [fourth, second]
    assert timeline(browser, "?tactic=items_sent") == [first]
    assert timeline(browser, f"?offender={person}") == [fourth, second]
    assert timeline(browser, "?q=GREY+VAN") == [fourth, second]
    assert timeline(browser, "?q=grey") == [fourth, third, second]  # the place counts too
    assert timeline(browser, "?q=100%25") == []  # "%" is a character, not a wildcard
    # Dates are whole local days (London is on summer time here), both ends included.
    assert timeline(browser, "?from=2025-08-01") == [fourth, third]
    assert timeline(browser, "?to=2025-07-31") == [second, first]
    assert timeline(browser, "?from=2025-07-31&to=2025-08-01") == [third, second]
    assert timeline(browser, "?from=2025-08-01&to=2025-08-01") == [third]
    assert timeline(browser, "?from=2025-07-01&to=2025-07-31&tactic=watching") == [second]
    assert timeline(browser, "?tactic=watching&q=station") == [fourth]

    none = browser.client.get("/incidents?tactic=threats")
    assert "No incidents match these filters." in none.text
    swapped = browser.client.get("/incidents?from=2026-03-01&to=2026-02-01")
    assert swapped.status_code == 400
    assert "after the &#39;to&#39; date" in swapped.text or "after the 'to' date" in swapped.text
    unknown = browser.client.get("/incidents?tactic=nonsense")
    assert unknown.status_code == 400
    assert "is not a known tactic" in unescape(unknown.text)


def test_pagination_visits_every_incident_exactly_once(browser: Browser) -> None:
    # Seven incidents share each time, so page edges fall inside groups of equal times.
    made = [
        add(browser, f"Incident number {n}", f"2026-01-{1 + n // 7:02d} 10:00") for n in range(60)
    ]
    newest_first = [ref for ref in reversed(made)]

    pages: list[list[str]] = []
    url: str | None = "/incidents"
    html = ""
    while url is not None:
        response = browser.client.get(unescape(url))
        assert response.status_code == 200
        html = response.text
        pages.append(refs_on(html))
        older = OLDER.search(html)
        url = older.group(1) if older else None
        assert len(pages) <= 3
    assert [len(p) for p in pages] == [25, 25, 10]
    seen = [ref for page in pages for ref in page]
    assert seen == newest_first
    assert len(set(seen)) == 60

    # And back again: "Newer" from the last page gives the middle page.
    newer = NEWER.search(html)
    assert newer is not None
    assert refs_on(browser.client.get(unescape(newer.group(1))).text) == pages[1]
    assert NEWER.search(browser.client.get("/incidents").text) is None

    # Filters stay on while paging.
    for n in range(30):
        add(browser, f"Text message {n}", "2025-12-01 09:00", tactics=["unwanted_messages"])
    first = browser.client.get("/incidents?tactic=unwanted_messages").text
    older = OLDER.search(first)
    assert older is not None and "tactic=unwanted_messages" in unescape(older.group(1))
    rest = refs_on(browser.client.get(unescape(older.group(1))).text)
    assert len(refs_on(first)) == 25 and len(rest) == 5
    assert not set(rest) & set(made)

    broken = browser.client.get("/incidents?before=not-a-cursor")
    assert refs_on(broken.text) == pages[0]


def test_empty_timeline_says_what_to_do_first(browser: Browser) -> None:
    page = browser.client.get("/incidents")
    assert page.status_code == 200
    assert "Start with the most recent thing that happened." in page.text
    assert 'href="/capture"' in page.text


# --- escaping ----------------------------------------------------------------------------


def test_incident_text_is_escaped_everywhere_it_appears(browser: Browser) -> None:
    hostile = f"He wrote {SCRIPT} and {BOLD} on the wall"
    saved = browser.client.post(
        "/incidents/new",
        data={
            "csrf": browser.csrf,
            "what_happened": hostile,
            "when": "2026-03-01 12:00",
            "where": f"street {BOLD}",
            "witness_name": [f"neighbour {SCRIPT}"],
            "witness_contact": [BOLD],
            "private_note": f"note {SCRIPT}",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    amended = browser.client.post(
        "/incidents/I-0001/amend",
        data={
            "csrf": browser.csrf,
            "what_happened": f"Changed {SCRIPT} {BOLD}",
            "when": "2026-03-01 12:00",
            "reason": f"reason {SCRIPT}",
        },
        follow_redirects=False,
    )
    assert amended.status_code == 303
    pages = {
        "timeline": browser.client.get("/incidents").text,
        "timeline search": browser.client.get("/incidents?q=%3Cscript%3E").text,
        "detail with history": browser.client.get("/incidents/I-0001").text,
        "home": browser.client.get("/").text,
        "amend form": browser.client.get("/incidents/I-0001/amend").text,
        "void page": browser.client.get("/incidents/I-0001/void").text,
    }
    for name, html in pages.items():
        assert SCRIPT not in html, name
        assert BOLD not in html, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, name
    history = pages["detail with history"]
    assert "He wrote &lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;x&lt;/b&gt;" in history
    assert "reason &lt;script&gt;" in history
    assert "&lt;b&gt;x&lt;/b&gt;" in pages["timeline"]
    assert "I-0001" in pages["timeline search"]
    for html in pages.values():
        assert "<script" not in TITLE.search(html).group(1)  # type: ignore[union-attr]

    add_person(browser, f"Name {SCRIPT}", notes=BOLD, vehicles=f"van {BOLD}, AB{SCRIPT}")
    for url in ("/people", "/people/P-001"):
        html = browser.client.get(url).text
        assert SCRIPT not in html and BOLD not in html, url
        assert "&lt;script&gt;" in html, url


# --- CSRF --------------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(browser: Browser) -> None:
    ref = add(browser, "Calls", "2026-02-01 20:00")
    posts = {
        "/incidents/new": {"what_happened": "should not be saved"},
        f"/incidents/{ref}/amend": {"what_happened": "should not change", "reason": "x"},
        f"/incidents/{ref}/void": {"reason": "x"},
        "/people/new": {"name": "Nobody"},
        "/events/notice": {"sent_on": "2026-01-01", "method": "email"},
        "/events/order": {"order_type": "restraining order", "issued_on": "2026-01-01"},
    }
    for url, data in posts.items():
        for token in (None, "wrong-token"):
            body = dict(data) if token is None else {**data, "csrf": token}
            response = browser.client.post(url, data=body, follow_redirects=False)
            assert response.status_code == 403, (url, token)
            assert "This form has expired." in unescape(response.text)
    assert incidents.list_incidents(browser.vault, incidents.IncidentFilter())[1] == 1
    record, history = incidents.show_incident(browser.vault, ref)
    assert len(history) == 1 and not record.voided
    assert "Nobody" not in browser.client.get("/people").text
    assert "N-001" not in browser.client.get("/events").text
    assert "O-001" not in browser.client.get("/events").text


# --- people ------------------------------------------------------------------------------


def test_people_create_list_and_profile(browser: Browser, tmp_path: Path) -> None:
    assert "No one saved yet" in browser.client.get("/people").text
    photo = add_exhibit(browser, tmp_path, "face.jpg")
    ref = add_person(
        browser,
        "Mark Harris",
        other_names="Marky\nMH",
        relationship="former partner",
        role="offender",
        identifiers="07700 900123\nMark.Harris@Example.com\n\n@MarkH",
        vehicles="grey Ford Transit, AB12 CDE\nblue bike",
        notes="Works nights.",
        photo=photo,
    )
    helper = add_person(browser, "His brother", role="associate")
    assert (ref, helper) == ("P-001", "P-002")

    listing = unescape(browser.client.get("/people").text)
    assert '<a href="/people/P-001">Mark Harris</a>' in listing
    assert "(Marky, MH)" in listing
    assert "former partner" in listing
    assert "+447700900123, mark.harris@example.com, markh" in listing
    assert "Someone acting with them" in listing

    linked = add(browser, "Waiting outside", "2026-02-01 08:00", offenders=[ref])
    add(browser, "Not him", "2026-02-02 08:00")
    profile = unescape(browser.client.get("/people/P-001?done=saved").text)
    assert "Saved as P-001." in profile
    assert "Phone: <strong>+447700900123</strong>" in profile
    assert "(as you wrote it: 07700 900123)" in profile
    assert "Email: <strong>mark.harris@example.com</strong>" in profile
    assert "User name: <strong>markh</strong>" in profile
    assert "grey Ford Transit · plate <strong>AB12 CDE</strong>" in profile
    assert "blue bike" in profile
    assert "Works nights." in profile
    assert f'<img src="/evidence/{photo}/raw"' in profile
    assert f'href="/incidents/{linked}"' in profile and "Not him" not in profile
    assert "Version 1" in profile and "Recorded" in profile
    assert TITLE.search(profile).group(1).strip() == "Person · SafeTrail"  # type: ignore[union-attr]

    nameless = browser.client.post(
        "/people/new", data={"csrf": browser.csrf, "name": " ", "notes": "tall"}
    )
    assert nameless.status_code == 400
    assert "Give at least one name, nickname or description" in unescape(nameless.text)
    assert "tall</textarea>" in nameless.text

    assert browser.client.get("/people/P-099").status_code == 404


# --- events ------------------------------------------------------------------------------


def test_notices_and_orders_create_and_list(browser: Browser) -> None:
    person = add_person(browser, "Mark Harris")
    page = unescape(browser.client.get("/events").text)
    assert "No notice recorded." in page and "No order recorded." in page
    assert "to stop all contact" in page

    notice = browser.client.post(
        "/events/notice",
        data={
            "csrf": browser.csrf,
            "sent_on": "2026-01-05",
            "method": "text_message",
            "person": person,
            "summary": "Do not contact me again in any way.",
        },
        follow_redirects=False,
    )
    assert notice.status_code == 303
    assert notice.headers["location"] == "/events?saved=N-001#notices"

    order = browser.client.post(
        "/events/order",
        data={
            "csrf": browser.csrf,
            "order_type": "Non-molestation order",
            "issued_on": "2026-02-01",
            "expires_on": "2027-02-01",
            "issuer": "Family Court at Leeds",
            "reference": "LS26F00123",
            "conditions": "No contact; not within 100 m of home.",
            "person": person,
        },
        follow_redirects=False,
    )
    assert order.status_code == 303

    listing = unescape(browser.client.get("/events").text)
    assert "N-001" in listing and "2026-01-05" in listing and "Text message" in listing
    assert "Do not contact me again in any way." in listing
    assert f'<a href="/people/{person}">Mark Harris</a>' in listing
    assert "O-001" in listing and "Non-molestation order" in listing
    assert "2027-02-01" in listing and "Family Court at Leeds" in listing
    assert "LS26F00123" in listing and "No contact; not within 100 m of home." in listing

    backwards = browser.client.post(
        "/events/order",
        data={
            "csrf": browser.csrf,
            "order_type": "Restraining order",
            "issued_on": "2026-05-01",
            "expires_on": "2026-04-01",
        },
    )
    assert backwards.status_code == 400
    kept = unescape(backwards.text)
    assert "The order cannot expire before it was made." in kept
    assert 'value="Restraining order"' in kept and 'value="2026-05-01"' in kept

    no_date = browser.client.post(
        "/events/notice", data={"csrf": browser.csrf, "sent_on": "", "method": "email"}
    )
    assert no_date.status_code == 400
    assert "must be a date like 2026-03-14" in unescape(no_date.text)
    assert "O-002" not in browser.client.get("/events").text


def test_an_unknown_incident_gets_a_calm_page(browser: Browser) -> None:
    for url in ("/incidents/I-0042", "/incidents/I-0042/amend", "/incidents/I-0042/void"):
        response = browser.client.get(url)
        assert response.status_code == 404, url
        assert "We could not find that incident." in response.text


@pytest.mark.parametrize(
    ("typed", "clock"),
    [
        ("2026-03-14 18:30", True),
        ("2026-03-14 18:30:05", True),
        ("2026-03-14 18", True),
        ("~2026-03-14 14:00", True),
        ("2026-03-03 14:00 .. 16:30", True),
        ("2025-10-26 01:30", True),  # the first of two 01:30s that night
        ("2025-10-26T01:30+00:00", True),  # the second one
        ("2026-03-14T18:30:00Z", True),
        ("2026-03-14", False),
        ("2026-03", False),
        ("2026", False),
        ("~2026-03", False),
        ("2026-03-01/2026-03-03", False),
    ],
)
def test_the_amend_form_shows_a_time_that_reads_back_the_same(typed: str, clock: bool) -> None:
    tz = "Europe/London"
    stored = parse_when(typed, tz).to_json()
    shown = incidents.when_input_text(stored, tz)
    assert parse_when(shown, tz).to_json() == stored, shown
    if clock:  # after a move to another zone, a time of day still means the same moment
        moved = incidents.when_input_text(stored, "Asia/Tokyo")
        assert parse_when(moved, "Asia/Tokyo").start == parse_when(typed, tz).start, moved
