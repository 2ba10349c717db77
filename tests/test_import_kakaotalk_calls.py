"""KakaoTalk voice and video calls (보이스톡, 페이스톡, Voice Call…): call records with their
caller, outcome and length, in the phone's Korean and English exports, the PC app's text
and its CSV; a property over random chats."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.importers.base import Item, ParsedRecord, ParseOptions, Skipped, Source
from safetrail.importers.kakaotalk import KakaoTalkImporter
from safetrail.importers.kakaotalk_text import call
from safetrail.importers.sources import BytesSource, FileSource

SAMPLES = Path(__file__).parent / "samples" / "kakaotalk"
KAKAO = KakaoTalkImporter()
MINSU, JIEUN = "김민수", "이지은"


def parse(source: Source, **options: object) -> list[Item]:
    return list(KAKAO.parse(source, ParseOptions(**options)))  # type: ignore[arg-type]


def rows(items: list[Item]) -> list[tuple[object, ...]]:
    """(line, time, kind, sender, direction, outcome, duration, text, system)."""
    out: list[tuple[object, ...]] = []
    for item in items:
        assert isinstance(item, ParsedRecord), item
        assert item.channel == "kakaotalk" and not item.attachments
        out.append(
            (
                int(item.position.split(" ")[1]),
                item.at.isoformat(sep=" "),
                item.kind,
                item.sender,
                item.direction,
                item.outcome,
                item.duration,
                item.text,
                item.system,
            )
        )
    return out


def test_android_korean_calls() -> None:
    items = parse(FileSource(SAMPLES / "KakaoTalk_20260502_0815_33_101_김민수 (통화).txt"))
    assert rows(items) == [
        (6, "2026-05-01 22:02:00", "call", MINSU, "incoming", None, None, "보이스톡 해요", False),
        (7, "2026-05-01 22:03:00", "call", MINSU, "incoming", "missed", None, "부재중 보이스톡", False),  # noqa: E501
        (8, "2026-05-01 22:04:00", "call", MINSU, "incoming", "missed", None, "보이스톡 취소", False),  # noqa: E501
        (9, "2026-05-01 22:05:00", "message", MINSU, "incoming", None, None, "받아", False),
        (10, "2026-05-01 22:10:00", "call", JIEUN, "outgoing", "answered", 12, "보이스톡 00:12", False),  # noqa: E501
        (11, "2026-05-01 23:40:00", "call", MINSU, "incoming", None, None, "페이스톡 해요", False),
        (12, "2026-05-01 23:41:00", "call", MINSU, "incoming", "missed", None, "부재중 페이스톡", False),  # noqa: E501
        (13, "2026-05-01 23:45:00", "call", MINSU, "incoming", "answered", 3723, "페이스톡 1:02:03", False),  # noqa: E501
        (14, "2026-05-01 23:50:00", "call", MINSU, "incoming", "rejected", None, "보이스톡 거절", False),  # noqa: E501
        (15, "2026-05-01 23:51:00", "message", MINSU, "incoming", None, None, "보이스톡 하자고", False),  # noqa: E501
    ]  # fmt: skip
    assert {r.counterpart for r in items if isinstance(r, ParsedRecord)} == {MINSU}


def test_english_ui_calls() -> None:
    items = parse(FileSource(SAMPLES / "KakaoTalk Chats with Minsu Kim (calls).txt"))
    minsu, jieun = "Minsu Kim", "Jieun Lee"
    assert rows(items) == [
        (5, "2026-05-01 22:02:00", "call", minsu, "incoming", None, None, "Voice Call", False),
        (6, "2026-05-01 22:03:00", "call", minsu, "incoming", "missed", None, "Missed Voice Call", False),  # noqa: E501
        (7, "2026-05-01 22:04:00", "call", minsu, "incoming", "missed", None, "Canceled Voice Call", False),  # noqa: E501
        (8, "2026-05-01 22:06:00", "call", jieun, "outgoing", "answered", 312, "Voice Call 00:05:12", False),  # noqa: E501
        (9, "2026-05-01 22:30:00", "call", minsu, "incoming", "missed", None, "Missed Video Call", False),  # noqa: E501
        (10, "2026-05-01 22:31:00", "call", minsu, "incoming", "answered", 187, "Face Talk 03:07", False),  # noqa: E501
        (11, "2026-05-01 22:32:00", "message", minsu, "incoming", None, None, "Voice call me back", False),  # noqa: E501
    ]  # fmt: skip


def test_pc_text_calls() -> None:
    items = parse(FileSource(SAMPLES / "Talk_김민수_pc (통화).txt"))
    assert rows(items) == [
        (5, "2026-05-01 22:02:00", "call", MINSU, "incoming", None, None, "보이스톡 해요", False),
        (6, "2026-05-01 22:03:00", "call", MINSU, "incoming", "missed", None, "부재중 보이스톡", False),  # noqa: E501
        (7, "2026-05-01 22:04:00", "message", JIEUN, "outgoing", None, None, "연락하지 마", False),
        (8, "2026-05-01 22:05:00", "call", MINSU, "incoming", "missed", None, "보이스톡 취소", False),  # noqa: E501
        (9, "2026-05-01 22:06:00", "call", MINSU, "incoming", "answered", 47, "보이스톡 00:47", False),  # noqa: E501
        (10, "2026-05-01 22:07:00", "call", MINSU, "incoming", "missed", None, "페이스톡 취소", False),  # noqa: E501
    ]  # fmt: skip


def test_pc_csv_calls() -> None:
    source = FileSource(SAMPLES / "KakaoTalk_Chat_김민수_2026-05-02-08-15-33 (통화).csv")
    assert rows(parse(source, me=JIEUN)) == [
        (2, "2026-05-01 22:02:10", "call", MINSU, "incoming", None, None, "보이스톡 해요", False),
        (3, "2026-05-01 22:03:00", "call", MINSU, "incoming", "missed", None, "부재중 보이스톡", False),  # noqa: E501
        (4, "2026-05-01 22:04:00", "message", JIEUN, "outgoing", None, None, "그만 전화해", False),
        (5, "2026-05-01 22:05:00", "call", MINSU, "incoming", "answered", 12, "보이스톡 00:12", False),  # noqa: E501
        (6, "2026-05-01 22:06:00", "call", MINSU, "incoming", "missed", None, "Missed Voice Call", False),  # noqa: E501
        (7, "2026-05-01 22:07:00", "call", MINSU, "incoming", "missed", None, "페이스톡 취소", False),  # noqa: E501
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("보이스톡 해요", (None, None)),
        ("보이스톡해요", (None, None)),
        ("보이스톡 00:12", ("answered", 12)),
        ("보이스톡 1:02:03", ("answered", 3723)),
        ("보이스톡 취소", ("missed", None)),
        ("부재중 보이스톡", ("missed", None)),
        ("페이스톡 해요", (None, None)),
        ("페이스톡 03:07", ("answered", 187)),
        ("부재중 페이스톡", ("missed", None)),
        ("보이스톡 거절", ("rejected", None)),
        ("Voice Call", (None, None)),
        ("Voice Call 00:05:12", ("answered", 312)),
        ("Missed Voice Call", ("missed", None)),
        ("Canceled Voice Call", ("missed", None)),
        ("Cancelled Video Call", ("missed", None)),
        ("Declined Voice Call", ("rejected", None)),
        ("Face Talk 03:07", ("answered", 187)),
        ("보이스톡 하자고", None),
        ("Voice call me back", None),
        ("Missed you", None),
        ("", None),
    ],
)
def test_call(text: str, expected: object) -> None:
    assert call(text) == expected


CALLS = st.sampled_from(
    ["보이스톡 해요", "보이스톡 00:12", "보이스톡 취소", "부재중 보이스톡", "페이스톡 해요",
     "부재중 페이스톡", "Voice Call 00:05:12", "Missed Voice Call", "Canceled Voice Call"]
)  # fmt: skip
INVISIBLE = "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
NAMES = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Zs"), blacklist_characters=":[]\ufeff"
    ),
    min_size=1,
    max_size=20,
).filter(lambda name: name.strip(INVISIBLE) == name)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(st.tuples(NAMES, CALLS), min_size=1, max_size=20), st.booleans())
def test_every_call_keeps_its_caller(calls: list[tuple[str, str]], pc: bool) -> None:
    lines = ["대화방 카카오톡 대화", "", "2024년 3월 5일 화요일"]
    for index, (name, text) in enumerate(calls):
        clock = f"{index // 60}:{index % 60:02d}"
        if pc:
            lines.append(f"[{name}] [{clock}] {text}")
        else:
            lines.append(f"2024년 3월 5일 {clock}, {name} : {text}")
    items = parse(BytesSource("chat.txt", ("\n".join(lines) + "\n").encode()))
    assert not [item for item in items if isinstance(item, Skipped)]
    got = [(r.kind, r.sender, r.at.minute, r.outcome, r.duration) for r in items]  # type: ignore[union-attr]
    expected = [("call", name, i % 60, *call(text)) for i, (name, text) in enumerate(calls)]  # type: ignore[misc]
    assert got == expected
