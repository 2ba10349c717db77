"""The analysis pages over HTTP: pattern page, charts, self-check and risk check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safetrail.services import events, incidents, people
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault
from safetrail.web.templating import TEMPLATES
from tests.webutil import new_client, set_up

PNG = b"\x89PNG\r\n\x1a\n"
IMG = re.compile(r'<img src="(/analysis/chart/[a-z]+\.png)" alt="([^"]+)"')


class Page:
    def __init__(self, client: TestClient, csrf: str) -> None:
        self.client = client
        self.csrf = csrf

    @property
    def vault(self) -> Vault:
        vault = self.client.app.state.safetrail.vault  # type: ignore[attr-defined]
        assert vault is not None
        return vault


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with new_client(tmp_path / "vault") as client:
        yield Page(client, set_up(client))


def fill(vault: Vault) -> None:
    mark = people.add_person(vault, people.PersonInput(["Mark <b>"], relationship="ex-partner"))
    for day in (1, 4, 7):
        incidents.record_incident(
            vault,
            IncidentInput(
                what_happened="He rang and hung up",
                when=f"2026-10-{day:02d} 18:00",
                tactics=["unwanted_calls"],
                channel="phone_call",
                offenders=[mark.ref],
                fear=1,
            ),
        )
    incidents.record_incident(
        vault,
        IncidentInput(
            what_happened="<script>alert(1)</script> He said I will kill you",
            when="2026-10-20 21:30",
            where="home",
            tactics=["watching", "threats"],
            channel="in_person",
            offenders=[mark.ref],
            fear=4,
        ),
    )
    events.add_notice(vault, events.NoticeInput("2026-10-10", "text_message", mark.ref))
    events.add_order(vault, events.OrderInput("restraining order", "2026-10-15", person=mark.ref))


def test_pattern_page_with_signals_evidence_and_charts(page: Page) -> None:
    fill(page.vault)
    response = page.client.get("/analysis")
    assert response.status_code == 200
    html = response.text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html  # the breach table shows the text, escaped
    assert 'href="/incidents/I-0004"' in html
    for title in (
        "Threats",
        "They came to places that are part of your life",
        "Contact after your no-contact notice",
        "Possible breaches of a protective order",
        "More serious behaviour than before",
    ):
        assert title in unescape(html)
    assert "If you are in danger now, call 999" in unescape(html)
    charts = IMG.findall(html)
    assert [src for src, _alt in charts] == [
        "/analysis/chart/frequency.png",
        "/analysis/chart/heatmap.png",
        "/analysis/chart/tactics.png",
    ]
    for src, alt in charts:
        assert len(unescape(alt)) > 40  # a real description, not a placeholder
        image = page.client.get(src)
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert image.headers["cache-control"].startswith("no-store")
        assert image.content.startswith(PNG)
    assert page.client.get("/analysis/chart/nothing.png").status_code == 404
    assert "The numbers as a table" in html
    assert "<caption" in html


def test_empty_vault_pages_are_calm(page: Page) -> None:
    html = unescape(page.client.get("/analysis").text)
    assert "Nothing stands out right now. That does not mean you are safe" in html
    for name in ("frequency", "heatmap", "tactics"):
        assert page.client.get(f"/analysis/chart/{name}.png").content.startswith(PNG)
    assert page.client.get("/analysis/check").status_code == 200
    assert page.client.get("/analysis/risk").status_code == 200


def test_self_check_prefilled_and_answered(page: Page) -> None:
    fill(page.vault)
    html = unescape(page.client.get("/analysis/check").text)
    assert (
        "You have recorded 4 incidents since 1 Oct 2026; 1 came after your no-contact notice"
        in html
    )
    assert re.search(r'name="repeated" value="yes" checked', html)
    assert re.search(r'value="watching" checked', html)
    assert "not legal advice" in html
    done = page.client.post(
        "/analysis/check",
        data={
            "csrf": page.csrf,
            "against_will": "yes",
            "repeated": "yes",
            "afraid": "yes",
            "tactic": ["watching", "following"],
            "keep": "1",
        },
    )
    assert done.status_code == 200
    text = unescape(done.text)
    assert "What you describe fits what stalking is" in text
    assert "A dated copy is kept in your vault as RA-001." in text
    assert re.search(r'value="following" checked', text)


def test_posts_need_the_csrf_token(page: Page) -> None:
    for path in ("/analysis/check", "/analysis/risk"):
        refused = page.client.post(path, data={"csrf": "wrong", "threats_kill": "yes"})
        assert refused.status_code == 403


def test_risk_check_saved_compared_and_listed(page: Page) -> None:
    fill(page.vault)
    form = unescape(page.client.get("/analysis/risk").text)
    assert "From your log:" in form
    assert re.search(r'name="threats_kill" value="yes" checked', form)
    assert re.search(r'name="strangled" value="" checked', form)  # nothing assumed
    first = page.client.post(
        "/analysis/risk",
        data={"csrf": page.csrf, "threats_kill": "yes", "weapons": "unsure", "strangled": ""},
        follow_redirects=False,
    )
    assert first.status_code == 303
    assert first.headers["location"] == "/analysis/risk/RA-001?saved=1"
    result = unescape(page.client.get(first.headers["location"]).text)
    assert "Saved as RA-001." in result
    assert "Please talk to a specialist now" in result
    assert "Have they threatened to kill you or anyone else?" in result
    assert "Worth talking through" in result
    assert "low risk" not in result.lower()

    second = page.client.post(
        "/analysis/risk",
        data={"csrf": page.csrf, "threats_kill": "yes", "strangled": "yes"},
        follow_redirects=True,
    )
    text = unescape(second.text)
    assert "Compared with RA-001" in text
    assert re.search(r"New red flags \(1\)", text)
    assert re.search(r"Still there \(1\)", text)
    listing = unescape(page.client.get("/analysis/risk").text)
    assert "RA-002" in listing and "RA-001" in listing
    assert page.client.get("/analysis/risk/RA-404").status_code == 404


def test_risk_check_with_no_answers_is_refused_kindly(page: Page) -> None:
    refused = page.client.post("/analysis/risk", data={"csrf": page.csrf})
    assert refused.status_code == 400
    assert "No question was answered" in unescape(refused.text)


def test_the_cached_analysis_follows_changes(page: Page) -> None:
    assert "0</span><span>incidents" in page.client.get("/analysis").text
    incidents.quick_incident(page.vault, "He was there again", "2026-10-01 10:00")
    assert "1</span><span>incidents" in page.client.get("/analysis").text


def test_templates_have_no_inline_script_or_style() -> None:
    for path in TEMPLATES.glob("analysis*.html"):
        text = path.read_text("utf-8")
        assert "<script" not in text and "<style" not in text and " style=" not in text
        assert " on" + "click=" not in text
        for form in re.findall(r'<form method="post".*?</form>', text, re.DOTALL):
            assert 'name="csrf" value="{{ csrf }}"' in form
