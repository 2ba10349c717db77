"""KakaoTalk chat importer: phone, iPhone, PC text and CSV exports, exact records, hostile
input, properties."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from safetrail.errors import SafetrailError
from safetrail.importers import kakaotalk as kakao_module
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
from safetrail.importers.kakaotalk import IMPORTERS, KakaoTalkImporter, describe
from safetrail.importers.kakaotalk_text import chat_name, heading_date, is_notice, placeholder
from safetrail.importers.sources import BytesSource, FileSource, find_sources, probe
from safetrail.importers.whatsapp_scan import CHUNK
from safetrail.services.imports.run import ImportOptions, run_import
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault
from safetrail.storage.comm_tables import communications

SAMPLES = Path(__file__).parent / "samples" / "kakaotalk"
KAKAO = KakaoTalkImporter()
NOT_INCLUDED = "not included in the export"
MINSU, JIEUN = "김민수", "이지은"


def sample(name: str) -> FileSource:
    return FileSource(SAMPLES / name)


def parse(source: Source, **options: object) -> list[Item]:
    return list(KAKAO.parse(source, ParseOptions(**options)))  # type: ignore[arg-type]


def records(items: list[Item]) -> list[ParsedRecord]:
    return [item for item in items if isinstance(item, ParsedRecord)]


def number(position: str) -> int:
    return int(position.split(" ")[1])


def rows(items: list[Item]) -> list[tuple[object, ...]]:
    """(line, time, sender, direction, text, system) or ("skip", line, reason)."""
    out: list[tuple[object, ...]] = []
    for item in items:
        if isinstance(item, Skipped):
            out.append(("skip", number(item.position), item.reason))
        else:
            stamp = item.at.isoformat(sep=" ")
            out.append(
                (number(item.position), stamp, item.sender, item.direction, item.text, item.system)
            )
    return out


def media(items: list[Item]) -> dict[int, list[tuple[object, ...]]]:
    return {
        number(r.position): [(a.name, a.member, a.note) for a in r.attachments]
        for r in records(items)
        if r.attachments
    }


def common_checks(items: list[Item], thread: str | None, saved: str | None) -> None:
    suffix = f" (export saved {saved})" if saved else ""
    for item in items:
        assert item.position.startswith("line ") and item.position.endswith(suffix)
    for record in records(items):
        assert record.channel == "kakaotalk"
        assert record.kind == "message"
        assert record.at.tzinfo is None
        assert record.thread == thread
        if record.sender is None:
            assert record.system
            assert record.direction is None and record.counterpart is None


# --- every shape ---------------------------------------------------------------------------


def test_android_korean_with_bom_crlf_continuations_and_placeholders() -> None:
    items = parse(sample("KakaoTalk_20260426_1540_12_345_김민수.txt"))
    common_checks(items, MINSU, "2026-04-26 15:40:12")
    assert items[0].position == "line 6 (export saved 2026-04-26 15:40:12)"
    assert rows(items) == [
        (6, "2026-04-25 15:20:00", MINSU, "incoming", "어디야?", False),
        (7, "2026-04-25 15:21:00", JIEUN, "outgoing", "연락하지 마", False),
        (8, "2026-04-25 15:25:00", MINSU, "incoming", "집 앞에 있어\n불 켜져 있네\n\n나와 : 얘기 좀 하자", False),  # noqa: E501
        (12, "2026-04-25 15:26:00", MINSU, "incoming", None, False),
        (13, "2026-04-25 15:27:00", MINSU, "incoming", None, False),
        (14, "2026-04-25 15:28:00", MINSU, "incoming", None, False),
        (15, "2026-04-25 15:29:00", MINSU, "incoming", None, False),
        (16, "2026-04-25 15:30:00", MINSU, "incoming", "삭제된 메시지입니다.", True),
        (17, "2026-04-25 15:31:00", MINSU, "incoming", None, False),
        (18, "2026-04-25 23:59:00", MINSU, "incoming", "자니?", False),
        (21, "2026-04-26 00:00:00", MINSU, "incoming", "왜 답이 없어", False),
        (22, "2026-04-26 00:30:00", JIEUN, "outgoing", "경찰에 신고할 거야", False),
        (23, "2026-04-26 12:05:00", None, None, "김민수님이 박서준님을 초대했습니다.", True),
        (24, "2026-04-26 12:06:00", None, None, "박서준님이 나갔습니다.", True),
        ("skip", 25, "The date 2026년 2월 30일 does not exist; the message on this line was not read."),  # noqa: E501
        ("skip", 26, "The time 오전 13:10 does not exist; the message on this line was not read."),
        (27, "2026-04-26 13:15:00", MINSU, "incoming", "마지막", False),
    ]  # fmt: skip
    assert media(items) == {
        12: [("사진", None, NOT_INCLUDED)],
        13: [("사진 3장", None, NOT_INCLUDED)],
        14: [("동영상", None, NOT_INCLUDED)],
        15: [("이모티콘", None, NOT_INCLUDED)],
        17: [("계약서.pdf", None, "not found in the export")],
    }


def test_iphone_dotted_dates_and_notices_after_a_colon() -> None:
    items = parse(sample("Talk_2022.12.31 20:30-1.txt"))
    common_checks(items, MINSU, "2022. 12. 31. 오후 8:30")
    assert rows(items) == [
        (5, "2022-12-31 00:15:00", MINSU, "incoming", "새벽인데 뭐해", False),
        (6, "2022-12-31 12:40:00", JIEUN, "outgoing", "그만해", False),
        (7, "2022-12-31 20:21:00", MINSU, "incoming", "어디야", False),
        (8, "2022-12-31 20:22:00", None, None, "김민수님이 이지은님과 박서준님을 초대했습니다.", True),  # noqa: E501
        (9, "2022-12-31 20:23:00", MINSU, "incoming", "삭제된 메시지입니다.", True),
        (10, "2022-12-31 20:24:00", MINSU, "incoming", None, False),
    ]  # fmt: skip
    assert media(items) == {10: [("음성메시지", None, NOT_INCLUDED)]}


def test_english_ui_phone_export() -> None:
    items = parse(sample("KakaoTalk Chats with Minsu Kim.txt"))
    common_checks(items, "Minsu Kim", "Jan 15, 2024 at 3:20 PM")
    minsu = "Minsu Kim"
    assert rows(items) == [
        (5, "2024-01-15 00:05:00", minsu, "incoming", "are you awake", False),
        (6, "2024-01-15 12:10:00", "Jieun Lee", "outgoing", "stop messaging me", False),
        (7, "2024-01-15 13:15:00", minsu, "incoming", None, False),
        (8, "2024-01-15 13:16:00", minsu, "incoming", "This message was deleted.", True),
        (9, "2024-01-15 13:20:00", minsu, "incoming", "I know where you are\nlook outside", False),
        (11, "2024-01-15 13:25:00", None, None, "Minsu Kim invited Seojun Park.", True),
        (12, "2024-01-15 13:26:00", None, None, "Seojun Park left this chatroom.", True),
    ]
    assert media(items) == {7: [("Photo", None, NOT_INCLUDED)]}


def test_pc_export_with_separators_brackets_and_timeless_notices() -> None:
    items = parse(sample("김민수 님과 카카오톡 대화.txt"))
    common_checks(items, MINSU, "2024-01-15 15:20:33")
    assert rows(items) == [
        (6, "2024-01-14 00:00:00", None, None, "김민수님이 들어왔습니다.", True),
        (7, "2024-01-14 23:58:00", MINSU, "incoming", "아직 안 자?", False),
        (8, "2024-01-14 23:59:00", JIEUN, "outgoing", "자려고 해", False),
        (10, "2024-01-15 00:03:00", MINSU, "incoming", "지금 갈게\n문 열어", False),
        (12, "2024-01-15 00:04:00", MINSU, "incoming", None, False),
        (13, "2024-01-15 12:30:00", MINSU, "incoming", None, False),
        (14, "2024-01-15 12:30:00", None, None, "김민수님이 이지은님을 초대했습니다.", True),
        (15, "2024-01-15 15:20:00", JIEUN, "outgoing", "[중요] [메모] 내일 상담", False),
        (16, "2024-01-15 15:21:00", MINSU, "incoming", "삭제된 메시지입니다.", True),
        (17, "2024-01-15 15:21:00", None, None, "김민수님이 나갔습니다.", True),
    ]


def test_pc_export_in_english() -> None:
    items = parse(sample("Talk_Minsu Kim_pc_en.txt"))
    common_checks(items, "Minsu Kim", "2024-01-15 15:20:33")
    assert rows(items) == [
        (5, "2024-01-15 00:03:00", "Minsu Kim", "incoming", "open the door", False),
        (6, "2024-01-15 00:04:00", "Jieun Lee", "outgoing", "go away", False),
        (7, "2024-01-15 12:00:00", "Minsu Kim", "incoming", None, False),
        (8, "2024-01-15 12:00:00", None, None, "Minsu Kim left this chatroom.", True),
    ]


def test_pc_csv_export() -> None:
    source = sample("KakaoTalk_Chat_김민수_2024-01-15-15-20-33.csv")
    items = parse(source)
    common_checks(items, None, None)
    assert rows(items) == [
        (2, "2024-01-15 00:03:10", MINSU, None, "지금 갈게", False),
        (3, "2024-01-15 00:03:50", JIEUN, None, "오지 마", False),
        (4, "2024-01-15 00:04:00", MINSU, None, "문 열어\n안 열면 계속 두드릴 거야", False),
        (6, "2024-01-15 00:05:00", MINSU, None, None, False),
        (7, "2024-01-15 00:06:00", MINSU, None, "삭제된 메시지입니다.", True),
        (8, "2024-01-15 00:07:00", None, None, "김민수님이 나갔습니다.", True),
        (9, "2024-01-15 00:08:00", MINSU, None, "쉼표, 들어간, 메시지", False),
        ("skip", 10, "The date and time 2024-02-30 00:09:00 cannot be read; the message on this line was not read."),  # noqa: E501
        ("skip", 11, "This row does not have the columns Date, User and Message; it was not read."),
    ]  # fmt: skip
    with_me = records(parse(source, me=JIEUN))
    assert [(r.sender, r.direction, r.counterpart) for r in with_me[:2]] == [
        (MINSU, "incoming", MINSU),
        (JIEUN, "outgoing", MINSU),
    ]


def test_zip_with_media_links_every_file() -> None:
    sources = [
        s for s in find_sources([SAMPLES / "KakaoTalk_20260426_김민수_미디어.zip"])
        if not isinstance(s, Skipped)
    ]  # fmt: skip
    chat = next(s for s in sources if s.member.endswith(".txt"))
    assert registry.choose(probe(chat))[0].name == "kakaotalk"  # type: ignore[index]
    assert all(registry.choose(probe(s)) is None for s in sources if s is not chat)
    folder = "KakaoTalk_Chat_김민수/"
    found = media(parse(chat))
    assert found == {
        5: [("KakaoTalk_20260425_152633123.jpg", f"{folder}KakaoTalk_20260425_152633123.jpg", None)],  # noqa: E501
        6: [
            (f"KakaoTalk_20260425_15270{i}111.jpg", f"{folder}KakaoTalk_20260425_15270{i}111.jpg", None)  # noqa: E501
            for i in range(3)
        ],
        8: [("KakaoTalk_20260425_152901000.mp4", f"{folder}KakaoTalk_20260425_152901000.mp4", None)],  # noqa: E501
        9: [("계약서.pdf", f"{folder}계약서.pdf", None)],
        10: [("음성메시지", None, NOT_INCLUDED)],
    }  # fmt: skip


# --- pieces ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("김민수 님과 카카오톡 대화", "김민수"),
        ("대학 동기 카카오톡 대화", "대학 동기"),
        ("KakaoTalk Chats with Minsu Kim", "Minsu Kim"),
        ("저장한 날짜 : 2024-01-15 15:20:33", None),
    ],
)
def test_chat_name(line: str, expected: str | None) -> None:
    assert chat_name(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2022년 10월 27일 목요일", datetime(2022, 10, 27).date()),
        ("--------------- 2024년 1월 15일 월요일 ---------------", datetime(2024, 1, 15).date()),
        ("Monday, January 15, 2024", datetime(2024, 1, 15).date()),
        ("--------------- Monday, January 15, 2024 ---------------", datetime(2024, 1, 15).date()),
        ("2023년 2월 30일 목요일", "2023년 2월 30일 목요일"),
        ("오늘은 목요일", None),
    ],
)
def test_heading_date(line: str, expected: object) -> None:
    assert heading_date(line) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("사진", ("사진", "photo", None, 1)),
        ("사진 3장", ("사진 3장", "photo", None, 3)),
        ("Photos 2", ("Photos 2", "photo", None, 2)),
        ("동영상", ("동영상", "video", None, 1)),
        ("이모티콘", ("이모티콘", None, None, 1)),
        ("파일: 계약서.pdf", ("파일: 계약서.pdf", "file", "계약서.pdf", 1)),
        ("사진 보내줘", None),
    ],
)
def test_placeholder(text: str, expected: object) -> None:
    assert placeholder(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("김민수님이 나갔습니다.", True),
        ("김민수님이 이지은님을 초대했습니다.", True),
        ("김민수님이 들어왔습니다.", True),
        ("Minsu Kim left this chatroom.", True),
        ("Minsu Kim invited Jieun Lee.", True),
        ("나갔어?", False),
        ("문 열어", False),
    ],
)
def test_is_notice(text: str, expected: bool) -> None:
    assert is_notice(text) is expected


def test_describe() -> None:
    plan = describe(sample("김민수 님과 카카오톡 대화.txt"))
    assert (plan.layout, plan.chat, plan.saved, plan.senders) == (
        "pc",
        MINSU,
        "2024-01-15 15:20:33",
        (MINSU, JIEUN),
    )
    assert describe(sample("Talk_2022.12.31 20:30-1.txt")).layout == "dots"
    assert describe(sample("KakaoTalk Chats with Minsu Kim.txt")).layout == "en"


# --- long files, block boundaries ------------------------------------------------------------


def _big_chat(pc: bool) -> tuple[bytes, list[tuple[int, datetime, str, str]]]:
    rng = random.Random(9)
    lines = ["김민수 님과 카카오톡 대화", "저장한 날짜 : 2024-01-01 00:00:00", ""]
    expected: list[tuple[int, datetime, str, str]] = []
    at = datetime(2023, 1, 1, 8, 0)
    day = None
    while sum(len(line.encode()) + 1 for line in lines) < 5 * CHUNK:
        at = at.replace(minute=(at.minute + 7) % 60)
        if rng.random() < 0.02:
            at = at.replace(day=at.day % 28 + 1)
        if at.date() != day:
            day = at.date()
            if pc:
                lines.append(
                    f"--------------- {at.year}년 {at.month}월 {at.day}일 월요일 ---------------"
                )
            else:
                lines += ["", f"{at.year}년 {at.month}월 {at.day}일 월요일"]
        who = rng.choice((MINSU, JIEUN))
        texts = [f"메시지 {len(lines)} " + "가" * rng.randint(0, 300)]
        if rng.random() < 0.1:
            texts += ["둘째 줄", "셋째 줄"]
        half = "오전" if at.hour < 12 else "오후"
        clock = f"{half} {at.hour % 12 or 12}:{at.minute:02d}"
        expected.append((len(lines) + 1, at, who, "\n".join(texts)))
        if pc:
            lines.append(f"[{who}] [{clock}] {texts[0]}")
        else:
            lines.append(f"{at.year}년 {at.month}월 {at.day}일 {clock}, {who} : {texts[0]}")
        lines += texts[1:]
    return ("\n".join(lines) + "\n").encode(), expected


@pytest.mark.parametrize("pc", [False, True], ids=["phone", "pc"])
def test_messages_across_block_boundaries(pc: bool) -> None:
    data, expected = _big_chat(pc)
    assert len(data) > 4 * CHUNK
    items = parse(BytesSource("chat.txt", data))
    assert all(isinstance(item, ParsedRecord) for item in items)
    assert [(number(r.position), r.at, r.sender, r.text) for r in records(items)] == expected
    assert {r.direction for r in records(items) if r.sender == JIEUN} == {"outgoing"}


def test_careful_path_gives_the_same_records(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [BytesSource("a.txt", _big_chat(False)[0]), BytesSource("b.txt", _big_chat(True)[0])]
    sources += [FileSource(p) for p in sorted(SAMPLES.iterdir()) if p.suffix in (".txt", ".csv")]
    fast = [item for source in sources for item in parse(source)]
    monkeypatch.setattr(kakao_module, "SETTERS", None)
    monkeypatch.setattr("safetrail.importers.chatlines.SETTERS", None)
    careful = [item for source in sources for item in parse(source)]
    assert careful == fast


# --- detection and hostile files -------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.iterdir()), ids=lambda p: p.name)
def test_samples_are_detected_as_kakaotalk(path: Path) -> None:
    for source in find_sources([path]):
        if isinstance(source, Skipped) or not source.member.endswith((".txt", ".csv")):
            continue
        assert KAKAO.detect(probe(source)) >= 0.9
        assert registry.choose(probe(source))[0].name == "kakaotalk"  # type: ignore[index]


OTHER_CONTENT = {
    "notes.txt": b"Shopping list\nmilk\neggs\n",
    "whatsapp.txt": "2022. 3. 18. 오후 2:56 - 김민수: 안녕\n".encode() * 3,
    "line.txt": "[LINE] 田中とのトーク履歴\n\n2024/01/15(月)\n10:00\t田中\thi\n".encode(),
    "calls.csv": b"date,number,direction,duration\n2022-03-18 14:56,+447700900123,in,35\n",
    "random.bin": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("name", sorted(OTHER_CONTENT))
def test_other_content_is_not_kakaotalk(name: str) -> None:
    data = OTHER_CONTENT[name]
    assert KAKAO.detect(Probe(name=name, size=len(data), head=data)) < 0.5


def test_whatsapp_and_line_samples_are_not_kakaotalk() -> None:
    root = Path(__file__).parent / "samples"
    for path in sorted([*root.glob("whatsapp/*.txt"), *root.glob("line/*.txt")]):
        data = path.read_bytes()[:65536]
        assert KAKAO.detect(Probe(name=path.name, size=len(data), head=data)) < 0.5


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02\xff" * 300, "그냥 메모입니다.\n장보기 목록\n".encode()],
    ids=["empty", "binary", "prose"],
)
def test_garbled_file_is_refused_with_a_clear_message(data: bytes) -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse(BytesSource("chat.txt", data))
    assert caught.value.message == (
        "No line near the start of chat.txt looks like a KakaoTalk chat, so nothing was imported."
    )


def test_module_exposes_the_importer() -> None:
    assert len(IMPORTERS) == 1 and isinstance(IMPORTERS[0], Importer)
    assert (IMPORTERS[0].name, IMPORTERS[0].label) == ("kakaotalk", "KakaoTalk chat export")


# --- properties ------------------------------------------------------------------------------

NAMES = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Zs"), blacklist_characters=":[]"
    ),
    min_size=1,
    max_size=20,
)
TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda text: text.strip() == text)
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FAST
@given(st.lists(st.tuples(NAMES, TEXTS), min_size=1, max_size=30), st.booleans())
def test_every_named_line_keeps_its_sender(messages: list[tuple[str, str]], pc: bool) -> None:
    lines = ["대화방 카카오톡 대화", "", "2024년 3월 5일 화요일"]
    for index, (name, text) in enumerate(messages):
        clock = f"{index // 60}:{index % 60:02d}"
        if pc:
            lines.append(f"[{name}] [{clock}] {text}")
        else:
            lines.append(f"2024년 3월 5일 {clock}, {name} : {text}")
    items = parse(BytesSource("chat.txt", ("\n".join(lines) + "\n").encode()))
    named = [
        (
            name.strip(
                "\ufeff\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
            ),
            i % 60,
        )
        for i, (name, _text) in enumerate(messages)
    ]
    got = [(r.sender, r.at.minute) for r in records(items)]
    assert [pair for pair in got if pair[0]] == [pair for pair in named if pair[0]]
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
            assert item.channel == "kakaotalk"
    lost = [item for item in items if isinstance(item, Skipped) and item.rest_lost]
    assert len(lost) <= 1 and (not lost or items[-1] is lost[0])
    return items


FRAGMENTS = [
    "김민수 님과 카카오톡 대화", "저장한 날짜 : 2024-01-15 15:20:33", "2024년 1월 15일 월요일",
    "2024년 1월 15일 오후 3:20, ", "2022. 12. 31. 오후 8:21, ", "2022. 12. 31. 오후 8:21: ",
    "January 15, 2024, 2:30 PM, ", "---------------", "[김민수] [오후 3:20] ", "[", "]", " : ",
    "사진", "사진 3장", "파일: a.pdf", "삭제된 메시지입니다.", "님이 나갔습니다.", "Date,User,Message",  # noqa: E501
    ",", '"', "\ufeff", "\r\n", "\n",
]  # fmt: skip
DOCUMENT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=60).map(
    "".join
)


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    _never_crashes(BytesSource("chat.txt", data))


@FAST
@given(DOCUMENT)
def test_fragments_never_crash(text: str) -> None:
    _never_crashes(BytesSource("chat.txt", text.encode("utf-8", "surrogatepass")), me="김민수")


SAMPLE_BYTES = [p.read_bytes() for p in sorted(SAMPLES.iterdir()) if p.suffix in (".txt", ".csv")]


@FAST
@given(st.sampled_from(SAMPLE_BYTES), st.data())
def test_mutated_samples_never_crash(data: bytes, draw: st.DataObject) -> None:
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
    _never_crashes(BytesSource("chat.txt", bytes(mutable)))


# --- end to end: into a vault ----------------------------------------------------------------


def test_import_matches_people_and_reimport_adds_nothing(vault: Vault) -> None:
    # a person named as the chat shows them is matched by name
    minsu = add_person(vault, PersonInput(names=[MINSU]))
    path = SAMPLES / "김민수 님과 카카오톡 대화.txt"
    report = run_import(vault, [path])
    assert (report.records, report.new, report.duplicates, report.skipped) == (10, 10, 0, 0)
    assert [s.importer for s in report.sources] == ["kakaotalk 1"]
    assert [(p.ref, p.count) for p in report.people.values()] == [("P-001", 7)]
    # winter: the vault's zone (Europe/London) is UTC
    assert report.first_at == "2024-01-14T00:00:00.000000Z"
    with vault.read() as conn:
        people = conn.execute(
            select(communications.c.sender, communications.c.person_id).where(
                communications.c.sender.isnot(None)
            )
        ).all()
    assert {(sender, person) for sender, person in people} == {
        (MINSU, minsu.id),
        (JIEUN, minsu.id),  # her own messages are to him
    }
    again = run_import(vault, [path])
    assert (again.records, again.new, again.duplicates) == (10, 0, 10)


def test_zip_import_stores_the_media_as_evidence(vault: Vault) -> None:
    report = run_import(vault, [SAMPLES / "KakaoTalk_20260426_김민수_미디어.zip"])
    assert (report.records, report.new, report.skipped) == (6, 6, 0)
    assert report.attachments_stored == 6


def test_times_are_read_in_the_zone_given_for_the_export(vault: Vault) -> None:
    path = SAMPLES / "KakaoTalk_20260426_1540_12_345_김민수.txt"
    report = run_import(vault, [path], ImportOptions(timezone="Asia/Seoul"), commit=False)
    # 15:20 on a phone in Seoul (UTC+9) is 06:20 UTC
    assert report.first_at == "2026-04-25T06:20:00.000000Z"
    assert [(s.local_times, s.local_zone) for s in report.sources] == [(15, "Asia/Seoul")]


def test_repeated_minutes_read_the_same_in_every_clock_form() -> None:
    """The shortcut remembers half-days and minutes; every form must give the same time."""
    heads = [
        ("2024년 1월 15일 오전 12:05", "00:05"),
        ("2024년 1월 15일 오전 0:05", "00:05"),
        ("2024년 1월 15일 오후 12:05", "12:05"),
        ("2024년 1월 15일 오후 3:20", "15:20"),
        ("2024년 1월 15일 15:20", "15:20"),
        ("2024년 1월 15일 0:05", "00:05"),
        ("2024년 1월 15일 12:05", "12:05"),
        ("2024년 1월 15일 오후 13:10", "13:10"),
        ("2024년 1월 16일 오전 12:05", "00:05"),
    ]
    lines = ["김민수 님과 카카오톡 대화", ""]
    for head, _expected in heads * 3:
        lines.append(f"{head}, 김민수 : 안녕")
    items = parse(BytesSource("chat.txt", ("\n".join(lines) + "\n").encode()))
    got = [r.at.strftime("%d %H:%M") for r in records(items)]
    expected = [("16 " if "16일" in head else "15 ") + clock for head, clock in heads] * 3
    assert got == expected


def test_csv_row_over_the_field_limit_is_reported_and_the_next_row_read() -> None:
    data = (
        'Date,User,Message\n2024-01-15 00:03:10,"김민수","' + "가" * 200_000 + '"\n'
        '2024-01-15 00:04:10,"김민수","다음"\n'
    ).encode()
    items = parse(BytesSource("chat.csv", data))
    assert rows(items) == [
        (
            "skip",
            2,
            "This row is longer than SafeTrail reads in a CSV file (131,072 characters); "
            "it was skipped.",
        ),
        (3, "2024-01-15 00:04:10", MINSU, None, "다음", False),
    ]
