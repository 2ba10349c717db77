"""The planning pages over HTTP: plan builder, orders, help and contacts, guidance, notice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safetrail.services import events, people, planning, settings
from safetrail.services.events import OrderInput
from safetrail.services.vault import Vault
from tests.webutil import new_client, set_up

TEMPLATES = Path(__file__).parents[1] / "src" / "safetrail" / "web" / "templates"
MINE = [
    "plan.html",
    "plan_section.html",
    "plan_contingencies.html",
    "plan_escape_routes.html",
    "plan_trusted_people.html",
    "plan_go_bag.html",
    "plan_history.html",
    "plan_version.html",
    "orders.html",
    "order.html",
    "resources.html",
    "resources_contact.html",
    "resources_contact_fields.html",
    "guidance.html",
    "guidance_page.html",
    "guidance_digital.html",
    "guidance_phrases.html",
    "notice_helper.html",
]
PAGES = [
    "/plan",
    "/plan/section/general",
    "/plan/section/children_pets",
    "/plan/if-then",
    "/plan/go-bag",
    "/plan/ways-out",
    "/plan/people",
    "/plan/history",
    "/plan/orders",
    "/resources",
    "/guidance",
    "/guidance/is-this-stalking",
    "/guidance/not-your-fault",
    "/guidance/evidence",
    "/guidance/telling-people",
    "/guidance/supporting",
    "/guidance/digital",
    "/guidance/phrases",
    "/notice-helper",
]


class Client:
    def __init__(self, client: TestClient, csrf: str) -> None:
        self.http = client
        self.csrf = csrf

    @property
    def vault(self) -> Vault:
        vault = self.http.app.state.safetrail.vault  # type: ignore[attr-defined]
        assert vault is not None
        return vault

    def post(self, url: str, data: dict[str, object], **kwargs: object) -> object:
        return self.http.post(url, data={"csrf": self.csrf, **data}, follow_redirects=False)

    def text(self, url: str) -> str:
        page = self.http.get(url)
        assert page.status_code == 200, (url, page.status_code)
        return unescape(page.text)

    def visible(self, url: str) -> str:
        """The page's text without its markup (a random form token can hold any letters)."""
        return re.sub(r"<[^>]*>", " ", self.text(url))


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Client]:
    with new_client(tmp_path / "vault") as client:
        yield Client(client, set_up(client))


def location(response: object) -> str:
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    return str(response.headers["location"])  # type: ignore[attr-defined]


def test_templates_have_no_inline_script_or_style_and_every_form_has_csrf() -> None:
    for name in MINE:
        text = (TEMPLATES / name).read_text()
        assert "<script" not in text and "<style" not in text and "style=" not in text, name
        assert not re.search(r"\son[a-z]+=", text), name
        for form in re.findall(r"<form[^>]*>", text):
            if 'method="post"' in form:
                start = text.index(form)
                assert 'name="csrf" value="{{ csrf }}"' in text[start : start + 300], (name, form)


def test_every_page_opens_and_is_locked_with_the_vault(web: Client) -> None:
    for url in PAGES:
        web.text(url)
    web.http.get("/lock")
    for url in [*PAGES, "/plan/pdf", "/guidance/supporting/pdf"]:
        response = web.http.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/unlock", url


def test_changes_need_the_form_token(web: Client) -> None:
    for url in (
        "/plan/section/home",
        "/plan/if-then",
        "/plan/go-bag",
        "/plan/review",
        "/resources/contacts",
        "/guidance/digital",
        "/notice-helper/record",
    ):
        assert web.http.post(url, data={"csrf": "wrong"}).status_code == 403, url
    assert planning.current_plan(web.vault).version is None


def test_building_a_section_adopt_edit_skip_and_own_steps(web: Client) -> None:
    page = web.text("/plan/section/home")
    assert (
        "Tell neighbours" not in page and "I will tell neighbours or the building manager" in page
    )
    saved = web.post(
        "/plan/section/home",
        {
            "s-neighbours": "adopted",
            "t-neighbours": "Tell Mrs Patel next door and show her his photo",
            "s-locks": "skipped",
            "s-go_bag": "adopted",
            "own": ["Keep the curtains closed <b>at night</b>", "", ""],
        },
    )
    assert location(saved) == "/plan?saved=home#home"
    plan = web.http.get("/plan").text
    assert "Tell Mrs Patel next door and show her his photo" in plan
    assert "Keep the curtains closed &lt;b&gt;at night&lt;/b&gt;" in plan
    again = web.text("/plan/section/home")
    assert 'value="adopted" checked' in again and 'value="skipped" checked' in again
    assert "Tell Mrs Patel next door and show her his photo</textarea>" in again


def test_a_problem_keeps_what_was_typed(web: Client) -> None:
    response = web.post("/plan/if-then", {"if": ["he comes to my door", ""], "then": ["", ""]})
    assert response.status_code == 400  # type: ignore[attr-defined]
    text = unescape(response.text)  # type: ignore[attr-defined]
    assert "Each entry needs both parts" in text and 'value="he comes to my door"' in text
    long = web.post("/plan/section/home", {"s-locks": "adopted", "own": ["x" * 2001]})
    assert long.status_code == 400  # type: ignore[attr-defined]
    assert 'value="adopted" checked' in long.text  # type: ignore[attr-defined]
    bad_date = web.post("/plan/review", {"review_on": "soon"})
    assert bad_date.status_code == 400  # type: ignore[attr-defined]
    assert 'value="soon"' in bad_date.text  # type: ignore[attr-defined]
    assert planning.current_plan(web.vault).version is None


def test_rows_go_bag_history_and_pdf(web: Client) -> None:
    location(web.post("/plan/if-then", {"if": ["he follows me"], "then": ["walk into the shop"]}))
    location(
        web.post(
            "/plan/people",
            {
                "name": ["Jo", ""],
                "reach": ["07700 900222", ""],
                "knows": ["all", ""],
                "if_contacted": ["say nothing, screenshot, tell me", ""],
            },
        )
    )
    location(
        web.post("/plan/ways-out", {"place": ["Home"], "route": ["Back door"], "go_to": ["No. 12"]})
    )
    location(
        web.post(
            "/plan/go-bag",
            {
                "bag-keys": "packed",
                "bag-money": "to_pack",
                "item": ["Inhaler"],
                "state": ["packed"],
            },
        )
    )
    plan = web.text("/plan")
    assert "If he follows me:" in plan and "walk into the shop" in plan
    assert "Jo" in plan and "Back door → No. 12" in plan
    assert "2 of 3 things packed." in plan
    history = web.text("/plan/history")
    assert history.count('class="version"') == 4
    assert "Changed: Go-bag" in history
    old = web.visible("/plan/history/1")
    assert "walk into the shop" in old and "Jo" not in old and "It cannot be changed" in old
    pdf = web.http.get("/plan/pdf?version=2")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="safety-plan.pdf"'
    assert pdf.headers["cache-control"] == "no-store, max-age=0"
    assert pdf.content.startswith(b"%PDF-")
    assert web.http.get("/plan/history/9").status_code == 404
    assert web.http.get("/plan/pdf?version=9").status_code == 404
    settings.update(web.vault, "test", discreet=True)
    named = web.http.get("/plan/pdf").headers["content-disposition"]
    assert named == 'attachment; filename="notes.pdf"'


def test_order_page_terms_copy_and_one_tap_breach(web: Client) -> None:
    person = people.add_person(web.vault, people.PersonInput(names=["Mark Example"]))
    events.add_order(
        web.vault, OrderInput("Stalking Protection Order", "2026-01-10", person=person.ref)
    )
    page = web.text("/plan/orders/O-001")
    assert "The order was breached — record it now" in page
    assert "Stalking Protection Order" in page and "Mark Example" in page
    terms = web.post(
        "/plan/orders/O-001/terms",
        {
            "kind_id": "gb_spo",
            "no_contact": "yes",
            "distance_m": "250",
            "conditions": "Not to enter Mill Lane",
            "expires_on": "2028-01-10",
            "remind_days": "45",
        },
    )
    assert location(terms) == "/plan/orders/O-001?saved=terms#terms"
    page = web.text("/plan/orders/O-001")
    assert "They must stay at least 250 metres away" in page
    assert "Yes: they must not contact you in any way" in page and "Not to enter Mill Lane" in page
    bad = web.post("/plan/orders/O-001/terms", {"distance_m": "far"})
    assert bad.status_code == 400 and "whole number" in bad.text  # type: ignore[attr-defined]
    no_copy = web.post("/plan/orders/O-001/copy", {"exhibit": ""})
    assert no_copy.status_code == 400  # type: ignore[attr-defined]
    assert "add it on the Evidence page first" in no_copy.text  # type: ignore[attr-defined]

    breach = web.post("/plan/orders/O-001/breach", {})
    assert location(breach) == "/incidents/I-0001?done=saved"
    incident = web.text("/incidents/I-0001")
    assert "Breach of protective order O-001 (Stalking Protection Order)." in incident
    assert "Breaking a court order" in incident and "Mark Example" in incident
    assert "I-0001" in web.text("/plan/orders/O-001")
    future = web.post(
        "/plan/orders/O-001/breach", {"when": "2099-01-01 10:00", "what_happened": "kept"}
    )
    assert future.status_code == 400 and "kept</textarea>" in future.text  # type: ignore[attr-defined]
    assert web.http.get("/plan/orders/O-042").status_code == 404
    orders = web.text("/plan/orders")
    assert "Kinds of order in United Kingdom (England and Wales)" in orders
    assert "Non-molestation order" in orders and "At least 2 years" in orders


def test_resources_for_the_country_with_regions_and_contacts(web: Client) -> None:
    page = web.text("/resources")
    assert "Call 999" in page and "press 55" in page
    assert "National Stalking Helpline (Suzy Lamplugh Trust)" in page
    assert 'href="tel:08088020300"' in web.http.get("/resources").text
    assert "not confirmed" in page  # 101 in England and Wales
    assert "Protection from Harassment Act 1997" in page
    scotland = web.text("/resources?region=scotland")
    assert "0800 027 1234" in scotland and "National Stalking Helpline" not in scotland
    assert "I live in Scotland: remember this" in scotland
    location(web.post("/resources/region", {"region": "scotland"}))
    assert "0800 027 1234" in web.text("/resources")
    assert planning.home_region(web.vault) == "scotland"
    japan = web.text("/resources?country=JP")
    assert "Call 110" in japan and "Call 999" not in japan
    assert "#9110" in japan and 'href="tel:%239110"' in web.http.get("/resources?country=JP").text
    assert "Back to where I live" in japan

    added = web.post(
        "/resources/contacts",
        {
            "name": "Sam <advocate>",
            "role": "advocate",
            "phone": "0161 496 0000",
            "other": "",
            "notes": "",
        },
    )
    assert location(added) == "/resources?saved=LC-001#contacts"
    page = web.http.get("/resources").text
    assert "Sam &lt;advocate&gt;" in page and 'href="tel:01614960000"' in page
    missing = web.post("/resources/contacts", {"name": "", "role": "police", "phone": "101"})
    assert missing.status_code == 400 and 'value="101"' in missing.text  # type: ignore[attr-defined]
    location(
        web.post(
            "/resources/contacts/LC-001",
            {"name": "Sam Okafor", "role": "advocate", "phone": "0161 496 0000"},
        )
    )
    assert "Sam Okafor" in web.text("/resources")
    location(web.post("/resources/contacts/LC-001/remove", {}))
    assert "Sam Okafor" not in web.text("/resources")
    assert web.http.get("/resources/contacts/LC-001").status_code == 404


def test_a_country_without_a_list_still_gets_help(web: Client) -> None:
    settings.update(web.vault, "moved", country="BR", timezone="America/Sao_Paulo")
    page = web.text("/resources")
    assert "does not have a list of helplines for BR" in page and "Call 112" in page
    assert web.http.get("/plan/pdf").status_code == 200
    assert web.http.get("/guidance/phrases").status_code == 200


def test_guidance_pages_checklist_and_phrases(web: Client) -> None:
    stalking = web.text("/guidance/is-this-stalking")
    assert (
        "Is it against your will?" in stalking and "Protection from Harassment Act 1997" in stalking
    )
    assert 'href="/analysis"' in web.http.get("/guidance/is-this-stalking").text
    supporting = web.text("/guidance/supporting")
    assert "Download to share (PDF)" in supporting
    pdf = web.http.get("/guidance/supporting/pdf")
    assert pdf.headers["content-disposition"] == (
        'attachment; filename="supporting-someone-who-is-being-stalked.pdf"'
    )
    assert pdf.content.startswith(b"%PDF-")

    assert "0 done, 0 not needed" in web.text("/guidance/digital")
    saved = web.post(
        "/guidance/digital",
        {"email_password": "done", "two_step": "done", "tracking_tags": "not_needed"},
    )
    assert location(saved) == "/guidance/digital?saved=1"
    page = web.text("/guidance/digital?saved=1")
    assert "Your progress is saved." in page and "2 done, 1 not needed" in page
    assert page.count('value="done" checked') == 2
    assert "3 of " in web.text("/guidance")

    settings.update(web.vault, "moved", country="JP", timezone="Asia/Tokyo")
    phrases = web.http.get("/guidance/phrases").text
    assert 'lang="ja"' in phrases and "警察を呼んで!" in phrases and "Keisatsu o yonde!" in phrases
    assert "When you call 110" in phrases


def test_notice_helper_drafts_and_records_once(web: Client) -> None:
    intro = web.text("/notice-helper")
    assert "Once, and only once" in intro and "SafeTrail never sends anything" in intro
    draft = web.post(
        "/notice-helper/draft",
        {"opening": "ended", "list_ways": "on", "consequence": "police_legal", "no_reply": "on"},
    )
    text = unescape(draft.text)  # type: ignore[attr-defined]
    assert (
        "Our relationship is over, and I will not change my mind.\nDo not contact me again" in text
    )
    assert "take legal action." in text
    assert planning.current_plan(web.vault).version is None  # a draft stores nothing
    assert events.list_events(web.vault, "notice") == []
    missing = web.post(
        "/notice-helper/record", {"message": "Stop.", "sent_on": "2026-11-02", "method": ""}
    )
    assert missing.status_code == 400 and "Stop.</textarea>" in missing.text  # type: ignore[attr-defined]
    recorded = web.post(
        "/notice-helper/record",
        {"message": "Do not contact me again.", "sent_on": "2026-11-02", "method": "email"},
    )
    assert location(recorded) == "/notice-helper?saved=N-001#recorded"
    assert "Recorded as N-001" in web.text("/notice-helper?saved=N-001")
    assert "Do not contact me again." in web.text("/events")
