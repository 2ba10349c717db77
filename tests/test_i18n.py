"""Language choice, per-task isolation, locale formatting and everyday date words."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from safetrail import i18n
from safetrail.domain.natural_when import NaturalWhen, read_natural
from safetrail.domain.when import parse_when
from safetrail.errors import ValidationError
from safetrail.i18n_extract import texts
from safetrail.services import settings
from safetrail.services.vault import Vault
from safetrail.web.language import request_language

TOKYO = ZoneInfo("Asia/Tokyo")
# Wednesday 5 August 2026, 21:00 in Tokyo.
NOW = datetime(2026, 8, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_env_language(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SAFETRAIL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def test_dates_times_and_numbers_follow_the_language() -> None:
    moment = datetime(2026, 8, 1, 21, 40, tzinfo=TOKYO)
    assert i18n.format_datetime(moment, language="ja") == "2026年8月1日(土) 21:40"
    assert i18n.format_datetime(moment, language="ko") == "2026년 8월 1일 (토) 오후 9:40"
    assert i18n.format_datetime(moment, language="en") == "1 Aug 2026, 21:40"
    assert i18n.format_month(moment, language="ja") == "2026年8月"
    assert i18n.format_number(1234567, language="ko") == "1,234,567"
    with i18n.use_language("ko"):
        assert i18n.format_day(date(2026, 8, 1)) == "2026년 8월 1일 (토)"


def test_incident_times_display_in_the_language() -> None:
    when = parse_when("2026-08-01 21:40", "Asia/Tokyo", NOW)
    with i18n.use_language("ja"):
        assert when.display().startswith("2026年8月1日(土)")
        assert "21:40" in when.display()
    with i18n.use_language("ko"):
        assert "2026년 8월 1일 (토)" in when.display()
        assert "오후 9:40" in when.display()
    with i18n.use_language("en"):
        assert when.display() == "1 Aug 2026, 21:40 (Asia/Tokyo)"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        ("en-GB;q=0.5, ko-KR", "ko"),
        ("fr-FR, de;q=0.9", None),
        ("fr, ja;q=0", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language(header: str | None, expected: str | None) -> None:
    assert i18n.accept_language(header) == expected


def test_language_order_vault_then_env_then_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    assert request_language(None, "ko-KR") == "ko"
    assert request_language(None, None) == "en"
    monkeypatch.setenv("SAFETRAIL_LANG", "ja_JP.UTF-8")
    assert request_language(None, "ko-KR") == "ja"
    assert request_language("en", "ko-KR") == "en"


def test_language_is_per_task_not_per_process() -> None:
    """Two concurrent tasks in two languages each see only their own choice."""
    seen: dict[str, list[str]] = {"ja": [], "ko": []}

    async def serve(lang: str, other_started: asyncio.Event, started: asyncio.Event) -> None:
        with i18n.use_language(lang):
            started.set()
            await other_started.wait()
            seen[lang].append(i18n.current_language())
            seen[lang].append(i18n.format_clock(datetime(2026, 8, 1, 21, 40)))

    async def main() -> None:
        a, b = asyncio.Event(), asyncio.Event()
        await asyncio.gather(serve("ja", b, a), serve("ko", a, b))

    asyncio.run(main())
    assert seen == {"ja": ["ja", "21:40"], "ko": ["ko", "오후 9:40"]}
    assert i18n.current_language() == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("昨日 21時", NaturalWhen(date(2026, 8, 4), 21, 0)),
        ("昨日の夜9時", NaturalWhen(date(2026, 8, 4), 21, 0)),
        ("一昨日 午前9時半", NaturalWhen(date(2026, 8, 3), 9, 30)),
        ("先週の金曜日", NaturalWhen(date(2026, 7, 31), None, 0)),
        ("金曜日 ２１：４０", NaturalWhen(date(2026, 7, 31), 21, 40)),
        ("今週の水曜日", NaturalWhen(date(2026, 8, 5), None, 0)),
        ("어제 밤 9시", NaturalWhen(date(2026, 8, 4), 21, 0)),
        ("지난주 금요일", NaturalWhen(date(2026, 7, 31), None, 0)),
        ("오늘 오전 9시 40분", NaturalWhen(date(2026, 8, 5), 9, 40)),
        ("그저께 새벽 2시 반", NaturalWhen(date(2026, 8, 3), 2, 30)),
        ("yesterday 9pm", NaturalWhen(date(2026, 8, 4), 21, 0)),
        ("last Friday", NaturalWhen(date(2026, 7, 31), None, 0)),
        ("friday 21:40", NaturalWhen(date(2026, 7, 31), 21, 40)),
        ("the day before yesterday", NaturalWhen(date(2026, 8, 3), None, 0)),
        ("yesterday 9", None),
        ("昨日 25時", None),
        ("오후 13시", None),
        ("sometime", None),
    ],
)
def test_everyday_date_words(text: str, expected: NaturalWhen | None) -> None:
    assert read_natural(text, date(2026, 8, 5)) == expected


def test_everyday_words_through_parse_when() -> None:
    about = parse_when("昨日 21時ごろ", "Asia/Tokyo", NOW)
    assert about.precision == "approximate"
    assert about.local_start == datetime(2026, 8, 4, 21, 0, tzinfo=TOKYO)
    ko = parse_when("어제 밤 9시쯤", "Asia/Tokyo", NOW)
    assert (ko.precision, ko.local_start.hour) == ("approximate", 21)
    day = parse_when("先週の金曜日", "Asia/Tokyo", NOW)
    assert (day.precision, day.local_start.date()) == ("day", date(2026, 7, 31))
    with pytest.raises(ValidationError):
        parse_when("今日 23時", "Asia/Tokyo", NOW)  # in the future


def test_vault_language_setting(vault: Vault) -> None:
    assert settings.preferences(vault).language is None
    settings.update(vault, "test", language="ja-JP")
    assert settings.preferences(vault).language == "ja"
    settings.update(vault, "test", language="auto")
    assert settings.preferences(vault).language is None
    with pytest.raises(ValidationError) as refused:
        settings.update(vault, "test", language="fr")
    assert refused.value.hint == "Choose one of: en, ja, ko."


def test_resources_texts_are_extracted() -> None:
    data = Path(__file__).parent.parent / "src/safetrail/planning/data/resources.json"
    found = set(texts(json.loads(data.read_text("utf-8"))["countries"]))
    assert "Prohibition order (禁止命令, kinshi meirei)" in found
    assert "Police" in found
    assert "110" not in found  # numbers are not translated
    assert "Anti-Stalking Act as amended; Council of Europe portal on Japan's stalking law" in found
    assert "Tasukete!" not in found  # romanised phrases stay as written


def test_web_language_first_run_switch_and_report_copy(tmp_path: Path) -> None:
    """The browser's language becomes the vault's at setup; Settings switches it; a report
    can still be downloaded in English."""
    from io import BytesIO

    from pypdf import PdfReader

    from safetrail.services import incidents
    from safetrail.services.incidents import IncidentInput
    from tests.webutil import form_csrf, new_client, session_csrf

    client = new_client(tmp_path / "vault")
    client.headers["Accept-Language"] = "ko-KR,ko;q=0.9,en;q=0.5"
    page = client.get("/setup")
    assert '<html lang="ko">' in page.text
    done = client.post(
        "/setup",
        data={
            "csrf": form_csrf(page.text),
            "passphrase": "a long test passphrase",
            "confirm": "a long test passphrase",
            "country": "JP",
            "timezone": "Asia/Tokyo",
        },
    )
    state = client.app.state.safetrail  # type: ignore[attr-defined]
    assert state.language == "ko"
    csrf = session_csrf(done.text)
    client.headers["Accept-Language"] = "en"  # the vault's choice now wins over the browser's
    assert '<html lang="ko">' in client.get("/settings").text
    saved = client.post(
        "/settings",
        data={
            "csrf": csrf,
            "country": "JP",
            "timezone": "Asia/Tokyo",
            "auto_lock_minutes": "5",
            "exit_url": "/away",
            "language": "ja",
        },
    )
    assert saved.status_code == 200
    assert '<html lang="ja">' in saved.text
    assert "保存しました。新しい設定はすぐに反映されます。" in saved.text
    incidents.record_incident(state.vault, IncidentInput(what_happened="家の前にいた"))
    pdf = client.post("/reports/pdf", data={"csrf": csrf, "report_language": "en"})
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "Incident log report" in text
    assert '<html lang="ja">' in client.get("/reports").text
