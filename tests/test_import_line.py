"""LINE chat history importer: every shape, exact records, hostile input, properties."""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from safetrail.errors import SafetrailError
from safetrail.importers import line as line_module
from safetrail.importers import registry
from safetrail.importers.base import (
    Importer,
    ImportFormatError,
    Item,
    ParsedRecord,
    ParseOptions,
    Probe,
    Skipped,
    Source,
)
from safetrail.importers.chatlines import MAX_TEXT, read_clock
from safetrail.importers.line import IMPORTERS, LineImporter, describe
from safetrail.importers.line_text import call, chat_name, unsent
from safetrail.importers.sources import BytesSource, FileSource, find_sources, probe
from safetrail.importers.whatsapp_scan import CHUNK
from safetrail.services.imports.run import ImportOptions, ProgressInfo, run_import
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault
from safetrail.storage.comm_tables import communications

SAMPLES = Path(__file__).parent / "samples" / "line"
LINE = LineImporter()
NOT_INCLUDED = "not included in the export"
PREAMBLE = "This line does not belong to any message; it was not read."


def sample(name: str) -> FileSource:
    return FileSource(SAMPLES / name)


def parse(source: Source, **options: object) -> list[Item]:
    return list(LINE.parse(source, ParseOptions(**options)))  # type: ignore[arg-type]


def records(items: list[Item]) -> list[ParsedRecord]:
    return [item for item in items if isinstance(item, ParsedRecord)]


def number(position: str) -> int:
    return int(position.split(" ")[1])


def rows(items: list[Item]) -> list[tuple[object, ...]]:
    """(line, time, kind, sender, direction, text, system) or ("skip", line, reason)."""
    out: list[tuple[object, ...]] = []
    for item in items:
        if isinstance(item, Skipped):
            out.append(("skip", number(item.position), item.reason))
        else:
            stamp = item.at.isoformat(sep=" ")[:16]
            out.append(
                (
                    number(item.position),
                    stamp,
                    item.kind,
                    item.sender,
                    item.direction,
                    item.text,
                    item.system,
                )
            )
    return out


def common_checks(items: list[Item], thread: str | None, saved: str | None) -> None:
    suffix = f" (export saved {saved})" if saved else ""
    for item in items:
        assert item.position.startswith("line ") and item.position.endswith(suffix)
    for record in records(items):
        assert record.channel == "line"
        assert record.at.tzinfo is None
        assert record.thread == thread
        if record.kind == "call":
            assert record.outcome in ("answered", "missed")
        else:
            assert record.outcome is None and record.duration is None
        if record.sender is None:
            assert record.system
            assert record.direction is None and record.counterpart is None


# --- every shape -----------------------------------------------------------------------------


def test_japanese_export_with_bom_crlf_quotes_calls_and_unsent() -> None:
    items = parse(sample("[LINE] 田中 健太とのトーク履歴.txt"))
    common_checks(items, "田中 健太", "2025/04/20 22:15")
    assert items[0].position == "line 5 (export saved 2025/04/20 22:15)"
    kenta, misaki = "田中 健太", "佐藤 美咲"
    assert rows(items) == [
        (5, "2025-04-18 08:02", "message", kenta, "incoming", "おはよう。今日は何時に家を出るの？", False),  # noqa: E501
        (6, "2025-04-18 08:30", "message", misaki, "outgoing", "もう連絡しないでって言ったよね", False),  # noqa: E501
        (7, "2025-04-18 08:31", "message", kenta, "incoming", None, False),
        (
            8, "2025-04-18 08:45", "message", kenta, "incoming",
            "駅の前で待ってるから\n逃げないでね\n2025/04/19(土) にも行くよ", False,
        ),
        (11, "2025-04-18 09:10", "message", kenta, "incoming", None, False),
        (12, "2025-04-18 12:00", "call", kenta, "incoming", "☎ 不在着信", False),
        (13, "2025-04-18 12:01", "call", kenta, "incoming", "☎ 不在着信", False),
        (14, "2025-04-18 12:05", "call", kenta, "incoming", "☎ 通話時間 1:23", False),
        (15, "2025-04-18 12:07", "call", misaki, "outgoing", "☎ キャンセル", False),
        (16, "2025-04-18 23:59", "message", kenta, "incoming", "田中 健太がメッセージの送信を取り消しました", True),  # noqa: E501
        (19, "2025-04-19 00:00", "message", kenta, "incoming", None, False),
        (20, "2025-04-19 07:15", "message", kenta, "incoming", None, False),
        (21, "2025-04-19 07:16", "message", kenta, "incoming", None, False),
        (22, "2025-04-19 19:40", "message", kenta, "incoming", "家の前にいる: 電気ついてるね", False),  # noqa: E501
        (23, "2025-04-19 19:41", "message", misaki, "outgoing", "これ以上続けるなら\n\n警察に相談します", False),  # noqa: E501
        (26, "2025-04-19 19:42", "message", kenta, "incoming", '""冗談""だよ', False),
        (27, "2025-04-19 20:00", "call", kenta, "incoming", "☎ 通話時間 1:02:03", False),
    ]  # fmt: skip
    calls = [(r.outcome, r.duration, r.counterpart) for r in records(items) if r.kind == "call"]
    assert calls == [
        ("missed", None, kenta),
        ("missed", None, kenta),
        ("answered", 83, kenta),
        ("missed", None, kenta),
        ("answered", 3723, kenta),
    ]
    placeholders = {
        number(r.position): [(a.name, a.member, a.note) for a in r.attachments]
        for r in records(items)
        if r.attachments
    }
    assert placeholders == {
        7: [("[スタンプ]", None, NOT_INCLUDED)],
        11: [("[写真]", None, NOT_INCLUDED)],
        19: [("[動画]", None, NOT_INCLUDED)],
        20: [("[ボイスメッセージ]", None, NOT_INCLUDED)],
        21: [("[ファイル]", None, NOT_INCLUDED)],
    }


def test_english_export_with_am_pm_and_day_first_headings() -> None:
    items = parse(sample("[LINE] Chat with Kenta Tanaka.txt"))
    common_checks(items, "Kenta Tanaka", "26/04/2026 23:10")
    kenta, misaki = "Kenta Tanaka", "Misaki Sato"
    assert rows(items) == [
        (5, "2026-04-25 00:05", "message", kenta, "incoming", "are you awake?", False),
        (6, "2026-04-25 00:30", "message", misaki, "outgoing", "Please stop contacting me.", False),
        (7, "2026-04-25 12:00", "message", kenta, "incoming", None, False),
        (8, "2026-04-25 12:45", "call", kenta, "incoming", "☎ Missed call", False),
        (9, "2026-04-25 13:10", "call", kenta, "incoming", "☎ Call time 0:42", False),
        (10, "2026-04-25 13:11", "message", kenta, "incoming", "Kenta Tanaka unsent a message.", True),  # noqa: E501
        (11, "2026-04-25 13:12", "message", misaki, "outgoing", "You unsent a message.", True),
        (12, "2026-04-25 23:59", "message", kenta, "incoming", None, False),
        (15, "2026-04-26 09:15", "message", kenta, "incoming", "Good morning\nI saw your car at the station", False),  # noqa: E501
        (17, "2026-04-26 13:15", "message", kenta, "incoming", "impossible? no, afternoon", False),
        ("skip", 18, "The time 13:15AM does not exist; the message on this line was not read."),
        (19, "2026-04-26 22:00", "message", kenta, "incoming", None, False),
    ]  # fmt: skip
    assert [r.duration for r in records(items) if r.kind == "call"] == [None, 42]


def test_japanese_gozen_gogo_and_dotted_headings() -> None:
    items = parse(sample("[LINE] 田中 健太とのトーク履歴 (午前午後).txt"))
    common_checks(items, "田中 健太", "2025/12/31 08:00")
    kenta = "田中 健太"
    assert rows(items) == [
        (5, "2025-12-30 00:05", "message", kenta, "incoming", "まだ起きてる？", False),
        (6, "2025-12-30 00:10", "message", kenta, "incoming", "返事して", False),
        (7, "2025-12-30 09:30", "message", "佐藤 美咲", "outgoing", "もうやめて", False),
        (8, "2025-12-30 12:15", "message", kenta, "incoming", "昼休みに会社の前に行く", False),
        (9, "2025-12-30 12:20", "message", kenta, "incoming", "着いた", False),
        (10, "2025-12-30 23:59", "message", kenta, "incoming", "おやすみ", False),
        (13, "2025-12-31 01:00", "message", None, None, "田中 健太がグループに参加しました。", True),  # noqa: E501
        (14, "2025-12-31 01:01", "message", None, None, "田中 健太がアルバム「旅行」を作成しました。", True),  # noqa: E501
        (15, "2025-12-31 01:02", "call", kenta, "incoming", "☎ 通話時間 12:07", False),
    ]  # fmt: skip
    assert records(items)[-1].duration == 727


def test_korean_ui() -> None:
    items = parse(sample("[LINE] 김민수님과의 대화.txt"))
    common_checks(items, "김민수", "2024/01/16 09:00")
    assert rows(items) == [
        (5, "2024-01-15 00:05", "message", "김민수", "incoming", "자?", False),
        (6, "2024-01-15 12:30", "message", "이지은", "outgoing", "연락하지 마세요", False),
        (7, "2024-01-15 15:20", "message", "김민수", "incoming", None, False),
        (8, "2024-01-15 15:21", "call", "김민수", "incoming", "☎ 부재중 전화", False),
        (9, "2024-01-15 15:22", "message", "김민수", "incoming", "김민수님이 메시지를 취소했습니다.", True),  # noqa: E501
    ]  # fmt: skip
    assert records(items)[3].outcome == "missed"


def test_traditional_chinese_ui() -> None:
    items = parse(sample("[LINE] 與陳志明的聊天記錄.txt"))
    common_checks(items, "陳志明", "2024/01/16 09:00")
    assert rows(items) == [
        (5, "2024-01-15 00:05", "message", "陳志明", "incoming", "睡了嗎", False),
        (6, "2024-01-15 12:30", "message", "林怡君", "outgoing", "請不要再聯絡我", False),
        (7, "2024-01-15 15:20", "message", "陳志明", "incoming", None, False),
        (8, "2024-01-15 15:21", "message", "陳志明", "incoming", "陳志明已收回訊息", True),
    ]
    assert records(items)[2].attachments[0].name == "[貼圖]"


def test_thai_ui() -> None:
    items = parse(sample("[LINE] ประวัติการแชทกับ Somchai.txt"))
    common_checks(items, "Somchai", "2024/01/16 09:00")
    assert rows(items) == [
        (5, "2024-01-15 00:05", "message", "Somchai", "incoming", "หลับหรือยัง", False),
        (6, "2024-01-15 12:30", "message", "Malee", "outgoing", "อย่าติดต่อมาอีก", False),
        (7, "2024-01-15 15:20", "message", "Somchai", "incoming", None, False),
    ]


def test_group_chat_has_no_directions() -> None:
    items = parse(sample("[LINE] 大学の友達のトーク履歴.txt"))
    common_checks(items, "大学の友達", "2024/01/16 09:00")
    assert rows(items) == [
        (5, "2024-01-15 20:00", "message", "田中 健太", None, "今日どこにいた？", False),
        (6, "2024-01-15 20:01", "message", "鈴木 一郎", None, "知らないよ", False),
        (7, "2024-01-15 20:02", "message", "佐藤 美咲", None, "やめて", False),
        (8, "2024-01-15 20:03", "message", None, None, "高橋 花子がグループを退会しました。", True),
        (11, "2024-01-16 07:00", "message", "田中 健太", None, "おはよう", False),
    ]
    assert [r.counterpart for r in records(items)] == [
        "田中 健太", "鈴木 一郎", "佐藤 美咲", None, "田中 健太",
    ]  # fmt: skip


def test_group_chat_with_me_given() -> None:
    items = parse(sample("[LINE] 大学の友達のトーク履歴.txt"), me="佐藤 美咲")
    assert [(r.sender, r.direction, r.counterpart) for r in records(items)] == [
        ("田中 健太", "incoming", "田中 健太"),
        ("鈴木 一郎", "incoming", "鈴木 一郎"),
        ("佐藤 美咲", "outgoing", None),
        (None, None, None),
        ("田中 健太", "incoming", "田中 健太"),
    ]


def test_every_skipped_line_is_counted_with_its_reason() -> None:
    items = parse(sample("broken_dates.txt"))
    assert rows(items) == [
        ("skip", 3, PREAMBLE),
        ("skip", 4, "This message comes before any date line, so its day is unknown; it was not read."),  # noqa: E501
        ("skip", 7, "The date 2024/02/30(金) does not exist; the messages under it were not read."),
        ("skip", 11, "The time 25:00 does not exist; the message on this line was not read."),
        (12, "2024-02-29 10:00", "message", "田中 健太", "incoming", "正しいメッセージ", False),
    ]  # fmt: skip


def test_zip_with_media_links_files_by_minute_and_name() -> None:
    sources = [
        s for s in find_sources([SAMPLES / "[LINE] 田中 健太 (写真付き).zip"])
        if not isinstance(s, Skipped)
    ]  # fmt: skip
    chat = next(s for s in sources if s.member.endswith(".txt"))
    assert registry.choose(probe(chat))[0].name == "line"  # type: ignore[index]
    others = [s for s in sources if not s.member.endswith(".txt")]
    assert all(registry.choose(probe(s)) is None for s in others)
    items = parse(chat)
    found = {
        number(r.position): [(a.name, a.media_type, a.member, a.note) for a in r.attachments]
        for r in records(items)
        if r.attachments
    }
    assert found == {
        5: [("LINE_P20250418_091012.jpg", "image/jpeg", "LINE_P20250418_091012.jpg", None)],
        7: [("[写真]", None, None, NOT_INCLUDED)],
        10: [("LINE_V20250419_000003.mp4", "video/mp4", "LINE_V20250419_000003.mp4", None)],
        11: [("LINE_A20250419_071530.m4a", "audio/mp4", "LINE_A20250419_071530.m4a", None)],
        12: [("住所.pdf", "application/pdf", "住所.pdf", None)],
    }


def test_attachment_over_the_size_limit_is_noted() -> None:
    sources = [
        s for s in find_sources([SAMPLES / "[LINE] 田中 健太 (写真付き).zip"])
        if not isinstance(s, Skipped) and s.member.endswith(".txt")
    ]  # fmt: skip
    items = parse(sources[0], max_attachment_bytes=100)
    skipped = [(number(s.position), s.reason) for s in items if isinstance(s, Skipped)]
    assert [line for line, _reason in skipped] == [5, 10]
    assert skipped[0][1] == (
        "The file LINE_P20250418_091012.jpg (0 MB) is larger than SafeTrail stores (0 MB); "
        "the message was kept without it."
    )
    first = records(items)[0]
    assert [(a.member, a.note) for a in first.attachments] == [(None, "too large to store (0 MB)")]


# --- dates, times and the order of day and month ------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:05", (0, 5)),
        ("23:59", (23, 59)),
        ("12:05AM", (0, 5)),
        ("12:05 AM", (0, 5)),
        ("12:05PM", (12, 5)),
        ("09:30AM", (9, 30)),
        ("9:30 PM", (21, 30)),
        ("午前0:05", (0, 5)),
        ("午前12:05", (0, 5)),
        ("午後0:05", (12, 5)),
        ("午後12:05", (12, 5)),
        ("午後13:05", (13, 5)),
        ("오전 12:30", (0, 30)),
        ("오후 12:30", (12, 30)),
        ("오후 3:20", (15, 20)),
        ("上午12:05", (0, 5)),
        ("下午3:20", (15, 20)),
    ],
)
def test_read_clock(text: str, expected: tuple[int, int]) -> None:
    found = read_clock(text)
    assert not isinstance(found, str) and found is not None
    assert (found.hour, found.minute) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "午前13:00", "13:15AM", "午前9:30PM"])
def test_read_clock_refuses_impossible_times(text: str) -> None:
    assert isinstance(read_clock(text), str)


@pytest.mark.parametrize("text", ["hello", "", "12", "10.30"])
def test_read_clock_ignores_what_is_not_a_time(text: str) -> None:
    assert read_clock(text) is None


def _ambiguous(extra: str = "", time: str = "10:00") -> bytes:
    lines = ["[LINE] Chat history with Alex", "", "Mon, 03/02/2025", f"{time}\tAlex\thi"]
    if extra:
        lines += ["", extra, f"{time}\tAlex\tlater"]
    return ("\n".join(lines) + "\n").encode()


def test_day_and_month_order() -> None:
    # nothing decides: day first
    assert records(parse(BytesSource("a.txt", _ambiguous())))[0].at == datetime(2025, 2, 3, 10)
    # a later heading with a second field above 12 decides: month first
    data = _ambiguous("Tue, 03/18/2025")
    assert [r.at for r in records(parse(BytesSource("a.txt", data)))] == [
        datetime(2025, 3, 2, 10),
        datetime(2025, 3, 18, 10),
    ]
    assert describe(BytesSource("a.txt", data)).day_first is False
    # the option wins over the file
    first = records(parse(BytesSource("a.txt", _ambiguous()), day_first=False))[0]
    assert first.at == datetime(2025, 3, 2, 10)
    # twelve-hour times and nothing deciding: month first (as US phones write it)
    us = records(parse(BytesSource("a.txt", _ambiguous(time="10:00AM"))))[0]
    assert us.at == datetime(2025, 3, 2, 10)


def test_describe_reads_the_header() -> None:
    plan = describe(sample("[LINE] 田中 健太とのトーク履歴.txt"))
    assert (plan.chat, plan.saved, plan.header_lines) == ("田中 健太", "2025/04/20 22:15", 2)
    assert plan.senders == ("田中 健太", "佐藤 美咲")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("[LINE] 田中 健太とのトーク履歴", "田中 健太"),
        ("[LINE] 大学の友達のトーク履歴", "大学の友達"),
        ("[LINE] Chat history with Kenta Tanaka", "Kenta Tanaka"),
        ("[LINE] Chat history in Book Club", "Book Club"),
        ("[LINE] 김민수님과의 대화", "김민수"),
        ("[LINE] 與陳志明的聊天記錄", "陳志明"),
        ("[LINE] ประวัติการแชทกับ Somchai", "Somchai"),
        ("[LINE]", None),
        ("Chat history with Kenta", None),
    ],
)
def test_chat_name(header: str, expected: str | None) -> None:
    assert chat_name(header) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("☎ 通話時間 1:23", ("answered", 83)),
        ("☎ Call time 0:05", ("answered", 5)),
        ("☎ 通話時間 1:02:03", ("answered", 3723)),
        ("☎ 不在着信", ("missed", None)),
        ("☎ Missed call", ("missed", None)),
        ("☎ No answer", ("missed", None)),
        ("☎ 부재중 전화", ("missed", None)),
        ("☎ 未接來電", ("missed", None)),
        ("☎ グループ通話が開始されました", None),
        ("通話時間 1:23", None),
    ],
)
def test_call(text: str, expected: object) -> None:
    assert call(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("田中がメッセージの送信を取り消しました", "田中"),
        ("メッセージの送信を取り消しました", ""),
        ("Kenta unsent a message.", "Kenta"),
        ("You unsent a message.", "You"),
        ("김민수님이 메시지를 취소했습니다.", "김민수"),
        ("陳志明已收回訊息", "陳志明"),
        ("ありがとう", None),
    ],
)
def test_unsent(text: str, expected: str | None) -> None:
    assert unsent(text) == expected


# --- long files, block boundaries, limits ------------------------------------------------------


def _big_chat() -> tuple[bytes, list[tuple[int, datetime, str, str]]]:
    rng = random.Random(5)
    lines = ["[LINE] Chat history with Alex", "Saved on: 2024/01/01 00:00"]
    expected: list[tuple[int, datetime, str, str]] = []
    at = datetime(2023, 1, 1, 8, 0)
    day = None
    while sum(len(line) + 1 for line in lines) < 5 * CHUNK:
        at = at.replace(minute=(at.minute + 7) % 60)
        if rng.random() < 0.02:
            at = at.replace(day=at.day % 28 + 1)
        if at.date() != day:
            day = at.date()
            lines += ["", f"{at:%Y/%m/%d}(月)"]
        who = rng.choice(("Alex", "Sam"))
        texts = [f"message {len(lines)} " + "x" * rng.randint(0, 300)]
        if rng.random() < 0.1:
            texts += ["second line", f"{at:%Y/%m/%d}(火) inside quotes"]
            expected.append((len(lines) + 1, at, who, "\n".join(texts)))
            lines.append(f'{at:%H:%M}\t{who}\t"{texts[0]}')
            lines += [texts[1], texts[2] + '"']
        else:
            expected.append((len(lines) + 1, at, who, texts[0]))
            lines.append(f"{at:%H:%M}\t{who}\t{texts[0]}")
    return ("\n".join(lines) + "\n").encode(), expected


def test_messages_across_block_boundaries() -> None:
    data, expected = _big_chat()
    assert len(data) > 4 * CHUNK
    items = parse(BytesSource("chat.txt", data))
    assert all(isinstance(item, ParsedRecord) for item in items)
    assert [(number(r.position), r.at, r.sender, r.text) for r in records(items)] == expected
    assert {r.direction for r in records(items) if r.sender == "Sam"} == {"outgoing"}


def test_careful_path_gives_the_same_records(monkeypatch: pytest.MonkeyPatch) -> None:
    data, _expected = _big_chat()
    fast = parse(BytesSource("chat.txt", data))
    for name in sorted(SAMPLES.iterdir()):
        if name.suffix == ".txt":
            fast += parse(FileSource(name))
    monkeypatch.setattr(line_module, "SETTERS", None)
    monkeypatch.setattr("safetrail.importers.chatlines.SETTERS", None)
    careful = parse(BytesSource("chat.txt", data))
    for name in sorted(SAMPLES.iterdir()):
        if name.suffix == ".txt":
            careful += parse(FileSource(name))
    assert careful == fast


def test_very_long_quoted_message_is_cut_and_reported() -> None:
    body = "\n".join(["z" * 1000] * (MAX_TEXT // 1000 + 50))
    data = f'[LINE] Chat history with Alex\n\n2024/01/01(月)\n10:00\tAlex\t"{body}"\n10:01\tAlex\tafter\n'  # noqa: E501
    items = parse(BytesSource("chat.txt", data.encode()))
    kinds = [type(item).__name__ for item in items]
    assert kinds == ["ParsedRecord", "Skipped", "ParsedRecord"]
    first, notice, last = items
    assert isinstance(first, ParsedRecord) and first.text is not None
    assert len(first.text) <= MAX_TEXT
    assert number(notice.position) == 4 and "longer than SafeTrail reads" in notice.reason
    assert isinstance(last, ParsedRecord) and last.text == "after"


def test_utf8_bom_and_invisible_characters_in_names() -> None:
    data = (
        "\ufeff[LINE] 田中とのトーク履歴\n\n2024/01/01(月)\n10:00\t\u200e田中\u200e\tこんにちは\n"
    )
    (record,) = records(parse(BytesSource("chat.txt", data.encode())))
    assert (record.sender, record.text) == ("田中", "こんにちは")


# --- detection and hostile files -----------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.iterdir()), ids=lambda p: p.name)
def test_samples_are_detected_as_line(path: Path) -> None:
    for source in find_sources([path]):
        if isinstance(source, Skipped) or not source.member.endswith(".txt"):
            continue
        assert LINE.detect(probe(source)) >= 0.9
        assert registry.choose(probe(source))[0].name == "line"  # type: ignore[index]


OTHER_CONTENT = {
    "notes.txt": b"Shopping list\nmilk\neggs\n",
    "whatsapp.txt": b"18/03/2022, 14:56 - Alex: hi\n18/03/2022, 14:57 - Sam: hello\n" * 3,
    "kakao.txt": "2026년 4월 25일 오후 3:20, 김민수 : 어디야?\n".encode() * 3,
    "result.json": json.dumps({"name": "Alex", "messages": []}).encode(),
    "calls.tsv": b"date\tnumber\tdirection\n2022-03-18\t+447700900123\tin\n",
    "random.bin": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("name", sorted(OTHER_CONTENT))
def test_other_content_is_not_line(name: str) -> None:
    data = OTHER_CONTENT[name]
    assert LINE.detect(Probe(name=name, size=len(data), head=data)) < 0.5


def test_whatsapp_samples_are_not_line() -> None:
    folder = Path(__file__).parent / "samples" / "whatsapp"
    for path in sorted(folder.glob("*.txt")):
        data = path.read_bytes()[:65536]
        assert LINE.detect(Probe(name=path.name, size=len(data), head=data)) < 0.5


def test_line_header_under_another_extension_scores_low() -> None:
    data = "[LINE] 田中とのトーク履歴\n".encode()
    assert LINE.detect(Probe(name="chat.pdf", size=len(data), head=data)) < 0.5


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02\xff" * 300, "ただのメモです。\n買い物リスト\n".encode()],
    ids=["empty", "binary", "prose"],
)
def test_garbled_file_is_refused_with_a_clear_message(data: bytes) -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse(BytesSource("chat.txt", data))
    assert caught.value.message == (
        "No line near the start of chat.txt looks like a LINE chat history, "
        "so nothing was imported."
    )


def test_module_exposes_the_importer() -> None:
    assert len(IMPORTERS) == 1 and isinstance(IMPORTERS[0], Importer)
    assert (IMPORTERS[0].name, IMPORTERS[0].label) == ("line", "LINE chat history")


# --- properties ----------------------------------------------------------------------------------

NAMES = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\t"
    ),
    min_size=1,
    max_size=20,
).filter(lambda name: name.strip() == name and name.strip())
TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda text: text.strip() and text[0] not in '"[☎☏' and not text.startswith("\ufeff"))
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FAST
@given(st.lists(st.tuples(NAMES, TEXTS), min_size=1, max_size=30))
def test_every_named_line_keeps_its_sender(messages: list[tuple[str, str]]) -> None:
    lines = ["[LINE] Chat history with someone", "", "2024/03/05(火)"]
    for index, (name, text) in enumerate(messages):
        lines.append(f"{index // 60:02d}:{index % 60:02d}\t{name}\t{text}")
    items = parse(BytesSource("chat.txt", ("\n".join(lines) + "\n").encode()))
    got = [(r.sender, r.at.minute) for r in records(items)]
    expected = [
        (
            name.strip(
                "\ufeff\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069 \u00a0"  # noqa: E501
            ),
            i % 60,
        )
        for i, (name, _text) in enumerate(messages)
    ]
    named = [(who, minute) for who, minute in expected if who]
    assert [pair for pair in got if pair[0]] == named
    assert len(records(items)) == len(messages)


def _never_crashes(source: Source, **options: object) -> list[Item]:
    try:
        items = parse(source, **options)
    except SafetrailError:
        return []
    for item in items:
        assert isinstance(item, ParsedRecord | Skipped)
        assert item.position.startswith("line ")
        if isinstance(item, ParsedRecord):
            assert item.at.tzinfo is None and item.channel == "line"
    lost = [item for item in items if isinstance(item, Skipped) and item.rest_lost]
    assert len(lost) <= 1 and (not lost or items[-1] is lost[0])
    return items


FRAGMENTS = [
    "[LINE] ", "とのトーク履歴", "保存日時：2024/01/01 10:00", "2024/01/15(月)", "Sun, 26/04/2026",
    "2025.12.30 火曜日", "10:00", "午前0:05", "12:05AM", "25:99", "\t", '"', '""', "[写真]",
    "☎ 通話時間 1:23", "☎ 不在着信", "がメッセージの送信を取り消しました", "田中", "\ufeff", "\r\n",
    "\n",
]  # fmt: skip
DOCUMENT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=60).map(
    "".join
)


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    _never_crashes(BytesSource("chat.txt", data))


@FAST
@given(DOCUMENT, st.sampled_from([None, True, False]))
def test_fragments_never_crash(text: str, day_first: bool | None) -> None:
    _never_crashes(
        BytesSource("chat.txt", text.encode("utf-8", "surrogatepass")), day_first=day_first
    )


SAMPLE_BYTES = [p.read_bytes() for p in sorted(SAMPLES.iterdir()) if p.suffix == ".txt"]


@FAST
@given(st.sampled_from(SAMPLE_BYTES), st.data())
def test_mutated_samples_never_crash_and_read_a_later_message(
    data: bytes, draw: st.DataObject
) -> None:
    mutable = bytearray(data)
    for _ in range(draw.draw(st.integers(0, 5))):
        at = draw.draw(st.integers(0, max(len(mutable) - 1, 0)))
        kind = draw.draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        if kind == "truncate":
            del mutable[at:]
        elif kind == "flip" and mutable:
            mutable[at] ^= draw.draw(st.integers(1, 255))
        elif kind == "insert":
            mutable[at:at] = draw.draw(st.binary(min_size=1, max_size=10))
        elif mutable:
            del mutable[at : at + draw.draw(st.integers(1, 20))]
    tail = "\n\n2030/01/01(火)\n10:00\t田中 健太\tthe end\n".encode()
    items = _never_crashes(BytesSource("chat.txt", bytes(mutable) + tail))
    if items:
        last = items[-1]
        assert isinstance(last, ParsedRecord)
        assert (last.text, last.sender, last.at) == (
            "the end",
            "田中 健太",
            datetime(2030, 1, 1, 10),
        )


# --- end to end: into a vault ----------------------------------------------------------------


def _stored(vault: Vault) -> list[tuple[str, str, str | None, str | None, str]]:
    with vault.read() as conn:
        found = conn.execute(
            select(
                communications.c.at,
                communications.c.kind,
                communications.c.person_id,
                communications.c.outcome,
                communications.c.position,
            ).order_by(communications.c.at, communications.c.position)
        ).all()
    return [tuple(row) for row in found]  # type: ignore[misc]


def test_import_matches_the_chat_name_to_a_person_and_reimport_adds_nothing(
    vault: Vault,
) -> None:
    # the person's record knows the name the chat shows (as an identifier): that is the map
    kenta = add_person(vault, PersonInput(names=["Kenta Tanaka"], identifiers=["田中 健太"]))
    path = SAMPLES / "[LINE] 田中 健太とのトーク履歴.txt"
    report = run_import(vault, [path])
    assert (report.records, report.new, report.duplicates, report.skipped) == (17, 17, 0, 0)
    assert [s.importer for s in report.sources] == ["line 1"]
    assert [(p.ref, p.count) for p in report.people.values()] == [("P-001", 17)]
    # the vault's zone (Europe/London, summer time) turns the phone's 08:02 into 07:02 UTC
    assert report.first_at == "2025-04-18T07:02:00.000000Z"
    stored = _stored(vault)
    assert len(stored) == 17
    assert {row[2] for row in stored} == {kenta.id}
    assert stored[0][4] == "line 5 (export saved 2025/04/20 22:15)"
    assert [row[3] for row in stored if row[1] == "call"] == [
        "missed", "missed", "answered", "missed", "answered",
    ]  # fmt: skip
    again = run_import(vault, [path])
    assert (again.records, again.new, again.duplicates) == (17, 0, 17)
    assert len(_stored(vault)) == 17


def test_zip_import_stores_the_media_as_evidence(vault: Vault) -> None:
    report = run_import(vault, [SAMPLES / "[LINE] 田中 健太 (写真付き).zip"])
    assert (report.records, report.new, report.skipped) == (6, 6, 0)
    assert report.attachments_stored == 4
    assert report.other_files == 5
    with vault.read() as conn:
        attached = conn.execute(
            select(communications.c.position, communications.c.attachments).where(
                communications.c.attachments.isnot(None)
            )
        ).all()
    linked = {
        number(position): [a.get("evidence_id") is not None for a in json.loads(data)]
        for position, data in attached
    }
    assert linked == {5: [True], 7: [False], 10: [True], 11: [True], 12: [True]}


def test_times_are_read_in_the_zone_given_for_the_export(vault: Vault) -> None:
    path = SAMPLES / "[LINE] 田中 健太とのトーク履歴.txt"
    report = run_import(vault, [path], ImportOptions(timezone="Asia/Tokyo"), commit=False)
    # 08:02 on a phone in Tokyo (UTC+9) is 23:02 UTC the day before
    assert report.first_at == "2025-04-17T23:02:00.000000Z"
    assert [(s.local_times, s.local_zone) for s in report.sources] == [(17, "Asia/Tokyo")]


def test_progress_follows_the_reading_of_the_records(vault: Vault, tmp_path: Path) -> None:
    lines = ["[LINE] Chat history with Alex", "", "2024/01/15(月)"]
    lines += [
        f"{i // 60 % 24:02d}:{i % 60:02d}\t{('Alex', 'Sam')[i % 2]}\tmessage {i}"
        for i in range(6000)
    ]
    path = tmp_path / "chat.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[ProgressInfo] = []
    report = run_import(vault, [path], commit=False, progress=seen.append)
    assert report.records == 6000
    assert seen and all(info.done_bytes <= info.total_bytes for info in seen)
    assert seen[-1].done_bytes == seen[-1].total_bytes == path.stat().st_size
