"""Signal Desktop conversations exported with sigtop (text, JSON) or signal-export
(chat.md, data.json): every layout read from samples written by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
from safetrail.importers.base import (
    ImportFormatError,
    Item,
    ParsedRecord,
    ParseOptions,
    Probe,
    Skipped,
)
from safetrail.importers.registry import DETECT_THRESHOLD, all_importers, by_name, choose
from safetrail.importers.signal_desktop import SignalImporter
from safetrail.importers.sources import BytesSource, FolderSource, probe

DATA = Path(__file__).parent / "data" / "signal"
SAMPLES = Path(__file__).parent / "samples"
SIGNAL = SignalImporter()
TOKYO = timezone(timedelta(hours=9))
ALEX_TXT = "Alex Kim (+15551234567).txt"
ALEX_JSON = "Alex Kim (+15551234567).json"
DOOR = "Alex Kim (+15551234567)/door.jpg"
EXPORT_DOOR = "AlexKim/media/2024-03-09T22-01-05.000_00_door.jpg"
THREAT = "I know where you live.\n\nIf I can't have you, nobody will."
JA = "お前の家の前にいる。逃げられないぞ。"
KO_NOW, KO_BEFORE = "너 어디 있는지 다 알아", "너 죽여버릴 거야"
QUOTED = "> Stop contacting me.\n\nNice door 🚪 See you soon."


def folder(layout: str, member: str) -> FolderSource:
    root = DATA / layout
    members = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return FolderSource(root, member, members)


def parse(source: Any, **options: Any) -> list[Item]:
    return list(SIGNAL.parse(source, ParseOptions(**options)))


def records(items: list[Item]) -> list[ParsedRecord]:
    return [i for i in items if isinstance(i, ParsedRecord)]


def who(r: ParsedRecord) -> tuple[object, ...]:
    return (r.kind, r.direction, r.sender, r.counterpart, r.system)


# -- sigtop text ----------------------------------------------------------------------------


def test_sigtop_text_one_to_one() -> None:
    items = parse(folder("sigtop-text", ALEX_TXT))
    assert all(isinstance(i, ParsedRecord) for i in items)
    got = records(items)
    assert len(got) == 7
    assert [who(r) for r in got] == [
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("message", "outgoing", "You", "+15551234567", False),
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("call", None, "Alex Kim", "+15551234567", False),
        ("message", None, None, "+15551234567", True),
    ]
    assert [r.position for r in got] == [
        "line 3 of 'Alex Kim' (received Sat, 9 Mar 2024 21:40:13 +0900)",
        "line 12 of 'Alex Kim'",
        "line 18 of 'Alex Kim' (reactions: 😡 from Sam Lee (+15550001111))",
        "line 33 of 'Alex Kim' (received Sun, 10 Mar 2024 08:20:02 +0900)",
        "line 40 of 'Alex Kim' (received Sun, 10 Mar 2024 08:20:03 +0900; edited, 2 versions)",
        "line 56 of 'Alex Kim'",
        "line 61 of 'Alex Kim'",
    ]
    threat, mine, photo, ja, ko, call, notice = got
    # the time as sigtop wrote it (Tokyo), the same instant in UTC
    assert threat.at == datetime(2024, 3, 9, 21, 40, 12, tzinfo=TOKYO)
    assert threat.at.astimezone(UTC) == datetime(2024, 3, 9, 12, 40, 12, tzinfo=UTC)
    assert (threat.text, threat.counterpart_name, threat.thread) == (THREAT, "Alex Kim", "Alex Kim")
    assert (mine.text, mine.at) == (
        "Stop contacting me.",
        datetime(2024, 3, 9, 21, 45, tzinfo=TOKYO),
    )
    assert photo.text == QUOTED
    door, voice = photo.attachments
    assert (door.name, door.member, door.media_type, door.note) == (
        "door.jpg",
        DOOR,
        "image/jpeg",
        None,
    )
    assert (voice.name, voice.member, voice.media_type) == ("(no file name)", None, "audio/aac")
    assert voice.note == "This file was not found next to the export."
    assert ja.text == JA
    # the final text, then the earlier version with its time: nothing they wrote is lost
    assert ko.text == f"{KO_NOW}\n\n✎ 2024-03-09T23:16:00Z\n{KO_BEFORE}"
    assert ko.at == datetime(2024, 3, 10, 8, 16, tzinfo=TOKYO)
    assert (call.duration, call.outcome, call.text) == (None, None, None)
    assert notice.text == "keychange"
    assert {r.channel for r in got} == {"signal"}


def test_sigtop_text_group() -> None:
    got = records(parse(folder("sigtop-text", "Neighbours (group).txt")))
    assert [who(r) for r in got] == [
        ("message", "incoming", "Mina Park", "+15552223333", False),
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("message", "outgoing", "You", None, False),
        ("message", None, None, None, True),
    ]
    # a line of text that says "From: …" after a blank line is not a new message
    assert got[1].text == "That's mine. Tell Sam I'm watching.\n\nFrom: the window upstairs"
    assert got[1].at == datetime(2024, 3, 15, 18, 7, 41, tzinfo=UTC)
    assert {r.thread for r in got} == {"Neighbours"}
    assert got[3].text == "group-v2-change"


# -- sigtop JSON ----------------------------------------------------------------------------


def test_sigtop_json_one_to_one() -> None:
    items = parse(folder("sigtop-json", ALEX_JSON))
    assert len(items) == 10
    assert items[8] == Skipped(
        "message 9 of 'Alex Kim'", "This message has no time, so it was not read."
    )
    got = records(items)
    assert [who(r) for r in got] == [
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("message", "outgoing", None, "+15551234567", False),
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("message", "incoming", "Alex Kim", "+15551234567", False),
        ("call", "incoming", "Alex Kim", "+15551234567", False),
        ("call", "outgoing", None, "+15551234567", False),
        ("message", None, None, "+15551234567", True),
    ]
    threat, mine, photo, ja, ko, deleted, missed, video, notice = got
    assert threat.at == datetime(2024, 3, 9, 12, 40, 12, 345000, tzinfo=UTC)
    assert threat.at.astimezone(TOKYO).isoformat() == "2024-03-09T21:40:12.345000+09:00"
    assert threat.position == "message 1 of 'Alex Kim' (received 2024-03-09T12:40:13Z)"
    assert threat.text == THREAT
    assert threat.source_id == "7f1c2d3e-0001-4000-8000-000000000001"
    assert mine.text == "Stop contacting me." and mine.position == "message 2 of 'Alex Kim'"
    assert photo.text == QUOTED
    assert photo.position == (
        "message 3 of 'Alex Kim' (received 2024-03-09T13:01:06Z; reactions: 😡)"
    )
    assert [(a.name, a.member, a.media_type) for a in photo.attachments] == [
        ("door.jpg", DOOR, "image/jpeg"),
        ("(no file name)", None, "audio/aac"),
    ]
    assert ja.text == JA
    assert ko.text == f"{KO_NOW}\n\n✎ 2024-03-09T23:16:00Z\n{KO_BEFORE}"
    assert ko.position.endswith("; edited, 2 versions)")
    assert (deleted.text, deleted.position) == (
        None,
        "message 6 of 'Alex Kim' (received 2024-03-10T14:02:05Z; deleted for everyone)",
    )
    assert (missed.outcome, missed.duration) == ("missed", None)
    assert missed.at == datetime(2024, 3, 10, 14, 3, 12, tzinfo=UTC)
    assert (video.outcome, video.duration) == ("answered", 125)
    assert notice.text == "keychange"


def test_sigtop_json_group_names_senders_by_number_or_service_id() -> None:
    got = records(parse(folder("sigtop-json", "Neighbours (group).json")))
    assert [who(r) for r in got] == [
        ("message", "incoming", "+15552223333", "+15552223333", False),
        (
            "message",
            "incoming",
            "5d7c0f5e-2b1a-4c3d-9e8f-112233445566",
            "5d7c0f5e-2b1a-4c3d-9e8f-112233445566",
            False,
        ),
        ("message", "outgoing", None, None, False),
    ]
    assert [r.counterpart_name for r in got] == [None, None, None]
    assert got[1].text == "That's mine. Tell Sam I'm watching."


# -- signal-export --------------------------------------------------------------------------

EXPORT_WHO = [
    ("message", "incoming", "AlexKim", "AlexKim", False),
    ("message", "outgoing", "Me", "AlexKim", False),
    ("message", "incoming", "AlexKim", "AlexKim", False),
    ("message", "incoming", "AlexKim", "AlexKim", False),
    ("message", "incoming", "AlexKim", "AlexKim", False),
    ("message", "incoming", "AlexKim", "AlexKim", False),
    ("call", "incoming", "AlexKim", "AlexKim", False),
    ("call", "outgoing", "Me", "AlexKim", False),
]


def _same_in_both(got: list[ParsedRecord]) -> None:
    threat, mine, photo, ja, ko, deleted, missed, video = got[:8]
    # wall-clock times of the computer that made the export: no zone in the file
    assert threat.at.replace(microsecond=0) == datetime(2024, 3, 9, 21, 40, 12)
    assert threat.at.tzinfo is None
    assert threat.text == THREAT
    assert (mine.text, mine.at) == ("Stop contacting me.", datetime(2024, 3, 9, 21, 45))
    assert photo.text == QUOTED
    door, voice = photo.attachments
    assert (door.name, door.member, door.media_type) == (
        "2024-03-09T22-01-05.000_00_door.jpg",
        EXPORT_DOOR,
        "image/jpeg",
    )
    assert (voice.member, voice.note) == (None, "This file was not found next to the export.")
    assert (ja.text, ko.text) == (JA, KO_NOW)
    assert deleted.text is None and deleted.position.endswith("(deleted for everyone)")
    assert (missed.outcome, missed.duration, missed.text) == ("missed", None, None)
    assert (video.outcome, video.duration) == ("answered", 125)


def test_signal_export_markdown() -> None:
    items = parse(folder("signal-export", "AlexKim/chat.md"))
    got = records(items)
    assert len(items) == len(got) == 9
    assert [who(r) for r in got] == [*EXPORT_WHO, EXPORT_WHO[0]]
    assert [r.position for r in got] == [
        "line 1 of 'AlexKim'",
        "line 5 of 'AlexKim'",
        "line 7 of 'AlexKim' (reactions: Me: 😡)",
        "line 14 of 'AlexKim'",
        "line 16 of 'AlexKim'",
        "line 18 of 'AlexKim' (deleted for everyone)",
        "line 20 of 'AlexKim'",
        "line 22 of 'AlexKim'",
        "line 24 of 'AlexKim'",
    ]
    _same_in_both(got)
    assert got[8].text == "🔪"  # a sticker: its emoji
    assert {r.thread for r in got} == {"AlexKim"}


def test_signal_export_data_json_with_a_cut_last_line() -> None:
    items = parse(folder("signal-export", "AlexKim/data.json"))
    assert len(items) == 9
    assert items[8] == Skipped(
        "line 9 of 'AlexKim'",
        "This line is not a message signal-export writes, so it was not read.",
    )
    got = records(items)
    assert [who(r) for r in got] == EXPORT_WHO
    assert got[0].at == datetime(2024, 3, 9, 21, 40, 12, 345000)
    _same_in_both(got)


def test_signal_export_group_markdown() -> None:
    items = parse(folder("signal-export", "Neighbours/chat.md"))
    assert len(items) == 5
    assert items[2] == Skipped(
        "line 6 of 'Neighbours'",
        "The date '?' of this message cannot be read, so it was not read.",
    )
    got = records(items)
    assert [who(r) for r in got] == [
        ("message", "incoming", "MinaPark", "MinaPark", False),
        ("message", "incoming", "AlexKim", "AlexKim", False),
        ("message", "outgoing", "Me", "Neighbours", False),
        ("message", None, None, "Neighbours", False),
    ]
    assert got[1].text == "That's mine. Tell Sam I'm watching.\nFrom the window upstairs."
    assert got[3].text is None


# -- detection ------------------------------------------------------------------------------


def _all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_every_signal_sample_goes_to_signal_and_its_media_to_nobody() -> None:
    checked = 0
    for path in _all_files(DATA):
        member = path.relative_to(DATA).as_posix()
        found = Probe(member, path.stat().st_size, path.read_bytes()[:65536])
        winner = choose(found)
        if path.suffix == ".jpg":
            assert winner is None, path
        else:
            assert winner is not None and winner[0].name == "signal", (path, winner)
            assert winner[1] >= 0.9
        checked += 1
    assert checked == 10


def test_signal_claims_no_other_sample() -> None:
    """Every other format's samples still go to their own importer: Signal scores below
    the threshold on each of them."""
    paths = _all_files(SAMPLES)
    assert len(paths) > 100
    for path in paths:
        found = Probe(path.name, path.stat().st_size, path.read_bytes()[:65536])
        assert SIGNAL.detect(found) < DETECT_THRESHOLD, path
        member = probe(folder_of(path))
        assert SIGNAL.detect(member) < DETECT_THRESHOLD, path


def folder_of(path: Path) -> FolderSource:
    return FolderSource(path.parent, path.name, [path.name])


def test_a_whatsapp_chat_with_iso_dates_is_not_signal_export() -> None:
    line = b"[2024-03-09 21:40:12] Alex: I know where you live\n"
    assert SIGNAL.detect(Probe("_chat.txt", len(line), line)) == 0.0
    assert SIGNAL.detect(Probe("AlexKim/chat.md", len(line), line)) == 0.9


def test_the_format_is_named_signal() -> None:
    assert by_name("signal") is next(i for i in all_importers() if i.name == "signal")
    assert str(SIGNAL.label) == "Signal Desktop (sigtop or signal-export)"


# -- hostile input --------------------------------------------------------------------------


def test_truncated_sigtop_json_keeps_what_came_before() -> None:
    data = (DATA / "sigtop-json" / ALEX_JSON).read_bytes()
    cut = data[: data.index(b'"body":"\xe3\x81\x8a')]  # inside the Japanese message
    items = parse(BytesSource(ALEX_JSON, cut))
    assert [type(i).__name__ for i in items] == ["ParsedRecord"] * 3 + ["Skipped"]
    last = items[-1]
    assert isinstance(last, Skipped) and last.rest_lost
    assert last.position == "after message 4 of 'Alex Kim'"


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02\xff" * 100, b"[", b"[{]", b"Conversation: x\n", b"{not json"],
)
def test_garbage_is_refused_cleanly(data: bytes) -> None:
    with pytest.raises(ImportFormatError):
        parse(BytesSource("x.json", data))


def test_a_huge_line_is_counted_and_skipped(tmp_path: Path) -> None:
    text = (DATA / "sigtop-text" / ALEX_TXT).read_text(encoding="utf-8")
    huge = "A" * (3 * 1024 * 1024)
    text = text.replace("Stop contacting me.\n", f"Stop contacting me.\n{huge}\n", 1)
    items = parse(BytesSource(ALEX_TXT, text.encode()))
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert skipped == [
        Skipped(
            "line 17 of 'Alex Kim'",
            "Line 17 is longer than 1048576 characters; it was not read (the lines around it "
            "were).",
        )
    ]
    assert len(records(items)) == 7


# -- properties -----------------------------------------------------------------------------

NAMES = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Nd")), min_size=1, max_size=12
).filter(lambda n: n not in ("Me", "You"))
TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="`")
    | st.just("\n"),
    min_size=1,
    max_size=60,
).filter(lambda t: t.strip() != "" and not t.startswith(("\n", ">")) and not t.endswith("\n"))
CHATS = st.lists(st.tuples(NAMES, TEXTS), min_size=1, max_size=25)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASE = datetime(2024, 3, 9, 12, 0, tzinfo=UTC)


def _sigtop_text(chat: list[tuple[str, str]]) -> bytes:
    out = ["Conversation: Street (group)", ""]
    for i, (name, text) in enumerate(chat):
        sent = (BASE + timedelta(minutes=i)).strftime("%a, %-d %b %Y %H:%M:%S +0000")
        out += [f"From: {name} (+1555000{i:04d})", "Type: incoming", f"Sent: {sent}"]
        out += [f"Received: {sent}", "", *text.split("\n"), ""]
    return ("\n".join(out) + "\n").encode()


def _sigtop_json(chat: list[tuple[str, str]]) -> bytes:
    rows = [
        {
            "type": "incoming",
            "conversationId": "c1",
            "source": f"+1555000{i:04d}",
            "sent_at": int((BASE + timedelta(minutes=i)).timestamp() * 1000),
            "body": text,
        }
        for i, (_name, text) in enumerate(chat)
    ]
    return ("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n").encode()


def _export_md(chat: list[tuple[str, str]]) -> bytes:
    lines = []
    for i, (name, text) in enumerate(chat):
        stamp = (BASE + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"[{stamp}] {name}: {text}  \n")
    return "\n".join(lines).encode() + b"\n"


def _export_json(chat: list[tuple[str, str]]) -> bytes:
    rows = [
        {
            "date": (BASE + timedelta(minutes=i)).replace(tzinfo=None).isoformat(),
            "sender": name,
            "body": f"{text}  ",
            "quote": "",
            "sticker": "",
            "reactions": [],
            "attachments": [],
        }
        for i, (name, text) in enumerate(chat)
    ]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


LAYOUTS = {
    "Street (group).txt": (_sigtop_text, lambda i, name: name),
    "Street (group).json": (_sigtop_json, lambda i, name: f"+1555000{i:04d}"),
    "Street/chat.md": (_export_md, lambda i, name: name),
    "Street/data.json": (_export_json, lambda i, name: name),
}


@FAST
@given(CHATS, st.sampled_from(sorted(LAYOUTS)))
def test_every_message_keeps_its_sender_and_text(chat: list[tuple[str, str]], member: str) -> None:
    render, sender = LAYOUTS[member]
    data = render(chat)
    assert choose(Probe(member, len(data), data[:65536])) is not None
    items = parse(BytesSource(member, data))
    got = records(items)
    assert len(items) == len(got) == len(chat)
    assert [(r.sender, r.text, r.direction) for r in got] == [
        (sender(i, name), text, "incoming") for i, (name, text) in enumerate(chat)
    ]
    assert [r.at.replace(tzinfo=UTC) for r in got] == [
        BASE + timedelta(minutes=i) for i in range(len(chat))
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(LAYOUTS)), st.binary(max_size=1500), st.integers(0, 4000))
def test_damaged_files_never_crash(member: str, junk: bytes, cut: int) -> None:
    render, _sender = LAYOUTS[member]
    data = render([("Alex", "I know where you live"), ("Sam", "stop")])
    for variant in (data[:cut] + junk, junk, data[:cut]):
        try:
            items = parse(BytesSource(member, variant))
        except SafetrailError:
            continue
        for item in items:
            assert isinstance(item, ParsedRecord | Skipped)
        lost = [i for i in items if isinstance(i, Skipped) and i.rest_lost]
        assert len(lost) <= 1


def test_a_file_cut_after_its_first_message_keeps_it() -> None:
    data = (DATA / "sigtop-json" / ALEX_JSON).read_bytes()
    cut = data[: data.index(b"},\n") + 1]
    items = parse(BytesSource(ALEX_JSON, cut))
    assert [type(i).__name__ for i in items] == ["ParsedRecord", "Skipped"]
    assert items[1] == Skipped(
        "after message 1 of 'Alex Kim'",
        "The file ends in the middle of a message; everything before this point was read, "
        "nothing after it.",
        rest_lost=True,
    )
