"""Who has been told: the trusted-people rows keep where, when, what was asked and the sheet."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safetrail.errors import ValidationError
from safetrail.reports.lookout import LookoutInput, build_lookout, record_lookout
from safetrail.services import people, planning, settings
from safetrail.services.vault import Vault
from tests.webutil import new_client, set_up


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    with new_client(tmp_path / "vault") as client:
        yield client, set_up(client)


def _vault(client: TestClient) -> Vault:
    vault = client.app.state.safetrail.vault  # type: ignore[attr-defined]
    assert vault is not None
    return vault


def test_told_rows_saved_shown_and_checked(web: tuple[TestClient, str]) -> None:
    client, csrf = web
    vault = _vault(client)
    people.add_person(vault, people.PersonInput(["Alex Doe"]))
    sheet = build_lookout(vault, LookoutInput("P-001", "building manager"))
    record_lookout(vault, sheet, sheet.file_name, LookoutInput("P-001", "building manager"))
    page = unescape(client.get("/plan/people").text)
    assert f"given to building manager on {sheet.given_on.isoformat()}" in page
    saved = client.post(
        "/plan/people",
        data={
            "csrf": csrf,
            "name": ["Mrs Okafor", ""],
            "reach": ["flat 2", ""],
            "knows": ["what he looks like", ""],
            "if_contacted": ["call 999 if he is at the door", ""],
            "circle": ["building", ""],
            "told_on": ["2026-08-03", ""],
            "has_sheet": ["yes", ""],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    (row,) = planning.current_plan(vault).data["trusted_people"]
    assert row == {
        "name": "Mrs Okafor",
        "reach": "flat 2",
        "knows": "what he looks like",
        "if_contacted": "call 999 if he is at the door",
        "circle": "building",
        "told_on": "2026-08-03",
        "has_sheet": "yes",
    }
    plan = unescape(client.get("/plan").text)
    assert (
        "<strong>Mrs Okafor</strong> · flat 2 · told on 2026-08-03 · has the lookout sheet" in plan
    )
    refused = client.post(
        "/plan/people",
        data={"csrf": csrf, "name": "Jo", "told_on": "3rd August", "circle": "work"},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert "The date they were told must look like 2026-08-03." in unescape(refused.text)
    with pytest.raises(ValidationError):
        planning.save_trusted_people(vault, [{"name": "Jo", "circle": "moon"}])
    assert len(planning.current_plan(vault).data["trusted_people"]) == 1


@pytest.mark.parametrize(
    ("language", "title", "form"),
    [
        ("ja", "続けなければならない連絡", "注意喚起シート"),
        ("ko", "계속되어야 하는 연락", "주의 요청서"),
    ],
)
def test_new_pages_in_japanese_and_korean(
    web: tuple[TestClient, str], language: str, title: str, form: str
) -> None:
    client, _csrf = web
    vault = _vault(client)
    settings.update(vault, "language", language=language)
    client.app.state.safetrail.apply(settings.preferences(vault))  # type: ignore[attr-defined]
    people.add_person(vault, people.PersonInput(["Alex Doe"]))
    arrangements_page = unescape(client.get("/arrangements").text)
    lookout_page = unescape(client.get("/lookout").text)
    assert title in arrangements_page and form in lookout_page
    for english in ("Contact that must continue", "Record an arrangement", "Make the sheet"):
        assert english not in arrangements_page + lookout_page
