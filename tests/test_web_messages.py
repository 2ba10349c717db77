"""The Messages page: imported messages can be read, searched and filtered (review finding 9)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safetrail.services import message_log
from safetrail.services.imports.run import run_import
from safetrail.services.people import PersonInput, add_person
from safetrail.web.state import AppState
from tests.webutil import new_client, set_up

THREAT = "I know where you live. I am going to kill you."
MESSAGES = [  # (minutes after 2026-01-01 00:00 UTC, type 1 received / 2 sent, address, body)
    (0, 1, "+447700900123", "Why are you ignoring me?"),
    (5, 2, "+447700900123", "Please stop contacting me."),
    (10, 1, "+447700900123", THREAT),
    (15, 1, "+447700900999", "Lunch on Friday? <b>bring</b> the <script>alert(1)</script> cake"),
    (20, 1, "+447700900123", "You will regret this, I will hurt you"),
]


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def write_sms(path: Path) -> Path:
    rows = "".join(
        f'<sms protocol="0" address="{who}" date="{1767225600000 + minute * 60000}" '
        f'type="{kind}" body="{_attr(body)}" read="1" status="-1" contact_name="(Unknown)" />'
        for minute, kind, who, body in MESSAGES
    )
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
        f'<smses count="{len(MESSAGES)}">{rows}</smses>',
        "utf-8",
    )
    return path


@pytest.fixture
def imported(tmp_path: Path) -> Iterator[tuple[TestClient, AppState]]:
    state = AppState(tmp_path / "v")
    with new_client(tmp_path / "v", state) as client:
        set_up(client)
        assert state.vault is not None
        add_person(state.vault, PersonInput(names=["Alex"], identifiers=["+447700900123"]))
        report = run_import(state.vault, [write_sms(tmp_path / "sms-20260101.xml")])
        assert report.status == "complete"
        yield client, state


def test_browse_lists_newest_first_with_threats_marked(
    imported: tuple[TestClient, AppState],
) -> None:
    _client, state = imported
    assert state.vault is not None
    found = message_log.browse(state.vault, message_log.MessageFilter())
    assert found.total == 5 and not found.has_more
    assert [r.text for r in found.rows] == [m[3] for m in reversed(MESSAGES)]
    assert [(r.flagged, r.flag_phrase) for r in found.rows] == [
        (True, "i will hurt you"),
        (False, ""),
        (True, "i am going to kill you"),
        (False, ""),
        (False, ""),
    ]
    assert found.rows[0].person_ref == "P-001" and found.rows[0].person_name == "Alex"
    assert found.people == [("P-001", "Alex")]
    assert found.rows[0].at.isoformat() == "2026-01-01T00:20:00+00:00"  # Europe/London, winter


@pytest.mark.parametrize(
    ("given", "texts"),
    [
        ({"text": "KILL"}, [THREAT]),
        ({"text": "100%"}, []),  # LIKE wildcards are plain text
        ({"direction": "outgoing"}, ["Please stop contacting me."]),
        ({"person": "P-001", "flagged_only": True}, [MESSAGES[4][3], THREAT]),
        ({"since": "2026-01-02"}, []),
        ({"until": "2026-01-01", "text": "friday"}, [MESSAGES[3][3]]),
    ],
)
def test_filters(
    imported: tuple[TestClient, AppState], given: dict[str, object], texts: list[str]
) -> None:
    _client, state = imported
    assert state.vault is not None
    found = message_log.browse(state.vault, message_log.MessageFilter(**given))  # type: ignore[arg-type]
    assert [r.text for r in found.rows] == texts


def test_flagged_pages(imported: tuple[TestClient, AppState]) -> None:
    _client, state = imported
    assert state.vault is not None
    first = message_log.browse(
        state.vault, message_log.MessageFilter(flagged_only=True), per_page=1
    )
    assert [r.text for r in first.rows] == [MESSAGES[4][3]] and first.has_more
    second = message_log.browse(
        state.vault, message_log.MessageFilter(flagged_only=True, page=2), per_page=1
    )
    assert [r.text for r in second.rows] == [THREAT] and not second.has_more


def test_page_escapes_and_filters(imported: tuple[TestClient, AppState]) -> None:
    client, _state = imported
    page = client.get("/messages")
    assert page.status_code == 200
    assert "5 messages and calls match." in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert page.text.count('class="message flagged"') == 2
    assert "Marked: this may be a threat." in page.text
    assert '<a href="/messages">Messages</a>' in page.text  # in the navigation
    searched = client.get("/messages", params={"q": "regret", "flagged": "1"})
    assert searched.text.count('class="message flagged"') == 1
    bad = client.get("/messages", params={"since": "yesterday-ish"})
    assert bad.status_code == 400
    assert "yesterday-ish is not a date SafeTrail understands (from)." in bad.text
    nobody = client.get("/messages", params={"person": "P-999"})
    assert nobody.status_code == 400 and "Nothing to show" in nobody.text
