"""LINE PC exports whose message lines separate time, sender and text by spaces: exact
records, the senders known and learned, the lines no sender can be decided for, and a
property over random chats (every line written under a name keeps that name)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.importers.base import Item, ParsedRecord, ParseOptions, Probe, Skipped, Source
from safetrail.importers.chatlines import NameSplitter, clean_name, learn_names
from safetrail.importers.line import LineImporter, describe
from safetrail.importers.line_text import notice, unsent
from safetrail.importers.sources import BytesSource, FileSource

SAMPLES = Path(__file__).parent / "samples" / "line"
LINE = LineImporter()
NO_SENDER = (
    "Who wrote this message cannot be told from the line: its name and text are separated "
    "by spaces only, and no name known from the rest of the chat fits. It was kept without a "
    "sender, with the whole line after the time as its text."
)
NOT_INCLUDED = "not included in the export"


def parse(source: Source, **options: object) -> list[Item]:
    return list(LINE.parse(source, ParseOptions(**options)))  # type: ignore[arg-type]


def text_source(*lines: str) -> BytesSource:
    return BytesSource("chat.txt", ("\n".join(lines) + "\n").encode())


def number(position: str) -> int:
    return int(position.split(" ")[1])


def rows(items: list[Item]) -> list[tuple[object, ...]]:
    """(line, time, kind, sender, direction, text, system) or ("skip", line, reason)."""
    out: list[tuple[object, ...]] = []
    for item in items:
        if isinstance(item, Skipped):
            out.append(("skip", number(item.position), item.reason))
        else:
            out.append(
                (
                    number(item.position),
                    item.at.isoformat(sep=" ")[:16],
                    item.kind,
                    item.sender,
                    item.direction,
                    item.text,
                    item.system,
                )
            )
    return out


def records(items: list[Item]) -> list[ParsedRecord]:
    return [item for item in items if isinstance(item, ParsedRecord)]


def test_japanese_pc_export_with_spaces_only() -> None:
    items = parse(FileSource(SAMPLES / "[LINE] 山田 太郎とのトーク履歴 (PC).txt"))
    taro, misaki = "山田 太郎", "佐藤 美咲"
    assert rows(items) == [
        (5, "2026-05-02 21:40", "message", taro, "incoming", "どこにいるか知ってるよ", False),
        (6, "2026-05-02 21:41", "message", misaki, "outgoing", "もう連絡しないでください", False),
        (7, "2026-05-02 21:42", "message", taro, "incoming", None, False),
        (8, "2026-05-02 21:43", "call", taro, "incoming", "☎ 不在着信", False),
        (9, "2026-05-02 21:44", "call", taro, "incoming", "☎ 通話時間 0:35", False),
        (10, "2026-05-02 21:45", "message", misaki, "outgoing", "警察に相談します", False),
        (11, "2026-05-02 21:46", "message", taro, "incoming", "窓の外を見て\n2026/05/03(日) に会おう", False),  # noqa: E501
        (13, "2026-05-02 21:47", "message", taro, "incoming", "山田 太郎がメッセージの送信を取り消しました", True),  # noqa: E501
        (14, "2026-05-02 21:48", "message", misaki, "outgoing", "返事はしません", False),
        (15, "2026-05-02 21:49", "message", None, None, "田中 二郎 はじめまして", False),
        ("skip", 15, NO_SENDER),
        (16, "2026-05-02 21:50", "message", None, None, "山田 太郎がグループに参加しました。", True),  # noqa: E501
        (19, "2026-05-03 00:05", "message", taro, "incoming", "起きてる？", False),
        (20, "2026-05-03 00:06", "message", misaki, "outgoing", None, False),
    ]  # fmt: skip
    calls = [(r.outcome, r.duration) for r in records(items) if r.kind == "call"]
    assert calls == [("missed", None), ("answered", 35)]
    media = {number(r.position): [(a.name, a.note) for a in r.attachments] for r in records(items)}
    assert {line: found for line, found in media.items() if found} == {
        7: [("[写真]", NOT_INCLUDED)],
        20: [("[スタンプ]", NOT_INCLUDED)],
    }
    assert all(item.position.endswith(" (export saved 2026/05/03 07:30)") for item in items)
    assert all(r.thread == taro and r.channel == "line" for r in records(items))


def test_english_pc_export_mixing_tabs_and_spaces_with_am_pm() -> None:
    source = FileSource(SAMPLES / "[LINE] Chat history with Kim Min-jun (PC).txt")
    plan = describe(source)
    assert (plan.chat, plan.day_first, plan.senders) == (
        "Kim Min-jun",
        True,
        ("Kim Ji-eun", "Kim Min-jun"),
    )
    assert plan.names == ("Kim Ji-eun", "Kim Min-jun")
    minjun, jieun = "Kim Min-jun", "Kim Ji-eun"
    assert rows(parse(source)) == [
        (5, "2026-05-13 21:40", "message", jieun, "outgoing", "please stop", False),
        (6, "2026-05-13 21:41", "message", minjun, "incoming", "I know where you live", False),
        (7, "2026-05-13 21:42", "message", jieun, "outgoing", "Leave me alone", False),
        (8, "2026-05-13 21:43", "call", minjun, "incoming", "☎ Missed call", False),
        (9, "2026-05-13 21:44", "message", minjun, "incoming", None, False),
        (10, "2026-05-13 23:59", "message", minjun, "incoming", "Kim Ji-eun answer me", False),
        (13, "2026-05-14 00:05", "message", minjun, "incoming", "Kim Min-jun unsent a message.", True),  # noqa: E501
        (14, "2026-05-14 00:06", "message", minjun, "incoming", "are you asleep\nI am outside", False),  # noqa: E501
        (16, "2026-05-14 00:07", "message", jieun, "outgoing", "I called the police", False),
        (17, "2026-05-14 00:08", "message", None, None, "Kim Min-jun joined the group.", True),
    ]  # fmt: skip


def test_people_sharing_a_family_name_are_never_taken_for_one() -> None:
    lines = ["[LINE] 山田家のトーク履歴", "", "2026/05/02(土)"]
    said = [
        ("山田 太郎", "どこ"), ("山田 花子", "家"), ("山田 太郎", "迎えに行く"),
        ("山田 花子", "いい"), ("山田 太郎", "待ってて"), ("山田 花子", "来ないで"),
    ]  # fmt: skip
    for minute, (who, text) in enumerate(said):
        lines.append(f"10:{minute:02d} {who} {text}")
    items = parse(text_source(*lines))
    assert [(r.sender, r.text) for r in records(items)] == [
        (None, "山田 太郎 どこ"), (None, "山田 花子 家"), (None, "山田 太郎 迎えに行く"),
        (None, "山田 花子 いい"), (None, "山田 太郎 待ってて"), (None, "山田 花子 来ないで"),
    ]  # fmt: skip
    assert [(number(s.position), s.reason) for s in items if isinstance(s, Skipped)] == [
        (line, NO_SENDER) for line in range(4, 10)
    ]
    # one tab-separated line names 山田 花子: then both are decided
    items = parse(text_source(*lines, "10:06\t山田 花子\tもう寝る"))
    assert [r.sender for r in records(items)] == ["山田 太郎", "山田 花子"] * 3 + ["山田 花子"]
    assert not [item for item in items if isinstance(item, Skipped)]


def test_me_given_decides_my_own_lines() -> None:
    lines = ["[LINE] Chat history with Taro", "", "2026/05/02 Sat"]
    lines += ["21:40 Taro I know where you live", "21:41 Misaki Sato stop", "21:42 Taro no"]
    items = parse(text_source(*lines))
    assert [(r.sender, r.text) for r in records(items)] == [
        ("Taro", "I know where you live"), (None, "Misaki Sato stop"), ("Taro", "no"),
    ]  # fmt: skip
    assert [number(s.position) for s in items if isinstance(s, Skipped)] == [5]
    items = parse(text_source(*lines), me="Misaki Sato")
    assert [(r.sender, r.direction, r.text) for r in records(items)] == [
        ("Taro", "incoming", "I know where you live"),
        ("Misaki Sato", "outgoing", "stop"),
        ("Taro", "incoming", "no"),
    ]
    assert not [item for item in items if isinstance(item, Skipped)]


def test_ambiguous_names_leave_the_line_without_a_sender() -> None:
    lines = ["[LINE] Chat history with friends", "", "2026/05/02 Sat"]
    lines += ["21:40\tKim\thello", "21:41\tKim Min-jun\thi", "21:42 Kim Min-jun where are you"]
    lines += ["21:43 Kim see you"]
    items = parse(text_source(*lines))
    assert rows(items)[2:] == [
        (6, "2026-05-02 21:42", "message", None, None, "Kim Min-jun where are you", False),
        ("skip", 6, NO_SENDER),
        (7, "2026-05-02 21:43", "message", "Kim", None, "see you", False),
    ]


def test_time_forms_and_a_name_that_starts_like_a_marker() -> None:
    lines = ["[LINE] Chat history with PM Kim", "", "2026/05/02 Sat", "00:05\tAlex\thi"]
    lines += [
        "00:06 PM Kim are you up",
        "午後9:40 Alex 家",
        "오후 9:41 PM Kim 집",
        "9:42 PM Alex ok",
    ]
    lines += ["21:43 AM Kim no one"]
    items = parse(text_source(*lines))
    assert rows(items)[1:] == [
        (5, "2026-05-02 00:06", "message", "PM Kim", "incoming", "are you up", False),
        (6, "2026-05-02 21:40", "message", "Alex", "outgoing", "家", False),
        (7, "2026-05-02 21:41", "message", "PM Kim", "incoming", "집", False),
        (8, "2026-05-02 21:42", "message", "Alex", "outgoing", "ok", False),
        (9, "2026-05-02 21:43", "message", None, None, "AM Kim no one", False),
        ("skip", 9, NO_SENDER),
    ]


def test_a_line_after_a_message_is_never_merged_into_it() -> None:
    lines = ["[LINE] Chat history with Taro", "", "2026/05/02 Sat", "21:40\tTaro\twhere are you"]
    lines += ["21:41 Stranger here", "and more", "21:42\tTaro\tanswer"]
    assert rows(parse(text_source(*lines))) == [
        (4, "2026-05-02 21:40", "message", "Taro", "incoming", "where are you", False),
        (5, "2026-05-02 21:41", "message", None, None, "Stranger here\nand more", False),
        ("skip", 5, NO_SENDER),
        (7, "2026-05-02 21:42", "message", "Taro", "incoming", "answer", False),
    ]


def test_space_separated_files_are_detected() -> None:
    data = "2026/05/02(土)\n21:40 山田 太郎 a\n21:41 山田 太郎 b\n21:42 佐藤 美咲 c\n".encode()
    assert LINE.detect(Probe(name="chat.txt", size=len(data), head=data)) == 0.7
    notes = b"2026/05/02\n10:00 dentist\n"
    assert LINE.detect(Probe(name="notes.txt", size=len(notes), head=notes)) == 0.0


def test_name_splitter_and_learning() -> None:
    splitter = NameSplitter(["Kim", "Kim Min-jun", "山田 太郎", " ", "\u200eTaro\u200e"])
    assert splitter.names == {"Kim", "Kim Min-jun", "山田 太郎", "Taro"}
    assert splitter.split("Kim hi there") == ("Kim", "hi there")
    assert splitter.split("Kim Min-jun hi") is None
    assert splitter.split("山田 太郎 家") == ("山田 太郎", "家")
    assert splitter.split("山田 太郎") == ("山田 太郎", "")
    assert splitter.split("山田太郎 家") is None
    assert splitter.fits("Kim Min-jun hi") and not splitter.fits("Kimchi")
    assert learn_names(["Misaki Sato a", "Misaki Sato b", "Misaki Sato c c"]) == ["Misaki Sato"]
    assert learn_names(["Misaki Sato a", "Misaki Sato b"]) == []
    # what follows repeats like given names, not like free text: nothing learned
    assert learn_names(["Kim A x", "Kim A y", "Kim B z", "Kim B w"]) == []
    # every line shares more words than a name has
    assert learn_names(["a b c d e f", "a b c d e g", "a b c d e h"]) == []


def test_notices_and_unsent_lines() -> None:
    assert notice("田中 健太がグループに参加しました。") == "田中 健太"
    assert notice("Kim Min-jun joined the group.") == "Kim Min-jun"
    assert notice("Kim Min-jun I know where you live") is None
    assert unsent("Kim Min-jun unsent a message.") == "Kim Min-jun"


# --- property: every line written under a name keeps it ----------------------------------

NAMES = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\t\ufeff"
    ),
    min_size=1,
    max_size=20,
).filter(lambda name: clean_name(name) == name and "  " not in name)
TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda text: text.strip() == text and text[0] not in '"\ufeff')


def _distinct(names: list[str]) -> bool:
    """No name is another followed by more words (the line could not be decided)."""
    return all(not b.startswith(a + " ") for a in names for b in names if a != b)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(NAMES, min_size=1, max_size=3, unique=True).filter(_distinct),
    st.lists(st.tuples(st.integers(0, 2), TEXTS), min_size=1, max_size=30),
)
def test_every_named_space_line_keeps_its_sender(
    names: list[str], messages: list[tuple[int, str]]
) -> None:
    lines = ["[LINE] Chat history with someone", "", "2024/03/05(火)"]
    lines += [f"00:00\t{name}\thello" for name in names]  # each name once with tabs
    expected: list[tuple[str, int]] = [(name, 0) for name in names]
    for index, (who, text) in enumerate(messages, 1):
        name = names[who % len(names)]
        rest = f"{name} {text}"
        if notice(rest) is not None or unsent(rest) is not None:
            continue
        lines.append(f"{index // 60:02d}:{index % 60:02d} {rest}")
        expected.append((name, index % 60))
    items = parse(text_source(*lines))
    assert [(r.sender, r.at.minute) for r in records(items)] == expected
    assert not [item for item in items if isinstance(item, Skipped)]
