"""Telegram Desktop JSON export, and the streaming JSON reader under it."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
from safetrail.importers import jsonstream
from safetrail.importers.base import ImportFormatError, ParsedRecord, ParseOptions, Probe, Skipped
from safetrail.importers.jsonstream import BadValue, JsonDamage, JsonReader
from safetrail.importers.sources import BytesSource, FileSource, FolderSource, probe
from safetrail.importers.telegram import TelegramImporter, plain_text

SAMPLES = Path(__file__).parent / "samples"
CHAT = SAMPLES / "telegram" / "result.json"
ACCOUNT = SAMPLES / "telegram" / "account" / "result.json"
PHOTO = "photos/photo_1@05-01-2023_15-05-10.jpg"
TELEGRAM = TelegramImporter()


def parse(source: Any, **options: Any) -> list[ParsedRecord | Skipped]:
    return list(TELEGRAM.parse(source, ParseOptions(**options)))


def records(items: list[ParsedRecord | Skipped]) -> list[ParsedRecord]:
    return [i for i in items if isinstance(i, ParsedRecord)]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def chat_folder() -> FolderSource:
    return FolderSource(SAMPLES / "telegram", "result.json", ["result.json", PHOTO])


# -- one chat ---------------------------------------------------------------------------------


def test_personal_chat_export() -> None:
    items = parse(chat_folder())
    assert len(items) == 13
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert skipped == [
        Skipped(
            "message 11 of 'Alex Doe'",
            "The date 'yesterday' of this message cannot be read, so it was not read.",
        )
    ]
    got = records(items)
    assert [r.source_id for r in got] == [str(n) for n in range(101, 114) if n != 111]
    assert {r.channel for r in got} == {"telegram"}
    assert {r.thread for r in got} == {"Alex Doe"}
    assert {r.counterpart for r in got} == {"Alex Doe"}

    first, second, third, photo, voice, missed, call, naive = got[:8]
    assert first.position == "message 1 of 'Alex Doe'"
    assert first.at == utc(2023, 1, 5, 14, 3, 22)
    assert (first.direction, first.sender, first.text) == ("incoming", "Alex Doe", "Are you home?")
    assert first.participants == ("Alex Doe",)
    assert (second.direction, second.sender) == ("outgoing", "Sam Rivera")
    assert second.text == "Please stop writing to me."
    assert third.text == (
        "I saw you at the café (https://maps.example.org/?q=52.52,13.40) today "
        "https://example.org/x"
    )
    assert photo.text is None
    assert len(photo.attachments) == 1
    assert photo.attachments[0].member == PHOTO
    assert photo.attachments[0].media_type == "image/jpeg"
    assert voice.attachments[0].name == "voice_message"
    assert voice.attachments[0].media_type == "audio/ogg"
    assert voice.attachments[0].member is None
    assert voice.attachments[0].note == "The export did not include this file."
    assert (missed.kind, missed.outcome, missed.direction) == ("call", "missed", "incoming")
    assert missed.at == utc(2023, 1, 5, 21, 40)
    assert missed.system is False
    assert (call.kind, call.outcome, call.direction, call.duration) == (
        "call",
        "answered",
        "outgoing",
        95,
    )
    assert naive.at == datetime(2023, 1, 6, 8, 15)  # only "date": the phone's wall time
    assert naive.at.tzinfo is None
    forwarded, location, pinned, unicode = got[8:]
    assert forwarded.text == "Forwarded from Unknown Person:\nlook"
    assert location.text == "Location: 52.520008, 13.404954"
    assert (pinned.system, pinned.text, pinned.kind) == (True, "pin message", "message")
    assert unicode.text == "Ünïcödé ✓ 😀 日本語"
    assert unicode.at == utc(2023, 1, 6, 8, 30)


def test_photo_without_the_folder_gets_a_note() -> None:
    got = records(parse(FileSource(CHAT)))
    attachment = got[3].attachments[0]
    assert attachment.member is None
    assert attachment.name == "photo_1@05-01-2023_15-05-10.jpg"
    assert attachment.note == "This file was not found next to the export."


def test_me_option_decides_direction() -> None:
    got = records(parse(FileSource(CHAT), me="Alex Doe"))
    assert [r.direction for r in got[:3]] == ["outgoing", "incoming", "outgoing"]
    by_id = records(parse(FileSource(CHAT), me="user7770001"))
    assert [r.direction for r in by_id[:3]] == ["incoming", "outgoing", "incoming"]


# -- whole account --------------------------------------------------------------------------


def test_account_export_reads_every_chat() -> None:
    got = records(parse(FileSource(ACCOUNT)))
    assert len(got) == 6
    assert [r.position for r in got] == [
        "message 1 of 'Alex Doe'",
        "message 2 of 'Alex Doe'",
        "message 1 of 'Neighbours'",
        "message 2 of 'Neighbours'",
        "message 3 of 'Neighbours'",
        "message 1 of 'Old Club'",
    ]
    # "me" comes from personal_information (user_id 7770001), also in group chats
    assert [r.direction for r in got] == [
        "incoming",
        "outgoing",
        "outgoing",
        "incoming",
        "outgoing",
        "incoming",
    ]
    created = got[2]
    assert created.system is True
    assert created.text == "create group: Sam, Jordan Lee, Neighbours"
    assert (created.counterpart, created.thread) == (None, "Neighbours")
    assert (got[3].counterpart, got[3].sender) == ("Jordan Lee", "Jordan Lee")
    deleted = got[5]
    assert deleted.sender == "user5550001"  # a deleted account keeps only its id
    assert deleted.text == "I know where you are tonight."
    assert deleted.at == utc(2022, 12, 24, 20, 0)


def test_group_chat_without_me_has_no_direction() -> None:
    export = {
        "name": "Family",
        "type": "private_supergroup",
        "id": 99,
        "messages": [
            {"id": 1, "type": "message", "date_unixtime": "1700000000", "from": "A", "text": "x"},
            {"id": 2, "type": "message", "date_unixtime": "1700000060", "from": "B", "text": "y"},
        ],
    }
    got = records(parse(BytesSource("result.json", json.dumps(export).encode())))
    assert [r.direction for r in got] == [None, None]
    assert [r.counterpart for r in got] == ["A", "B"]
    assert got[1].at == utc(2023, 11, 14, 22, 14, 20)
    assert [r.direction for r in records(parse(BytesSource("r.json", json.dumps(export)
            .encode()), me="b"))] == ["incoming", "outgoing"]  # fmt: skip


def test_bom_and_text_pieces() -> None:
    export = {
        "name": "X",
        "type": "personal_chat",
        "id": 1,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date": "2023-03-01T10:00:00",
                "from": "X",
                "from_id": "user1",
                "text": ["a ", {"type": "mention", "text": "@b"}, 7, {"type": "bold"}, " c"],
            }
        ],
    }
    data = b"\xef\xbb\xbf" + json.dumps(export, ensure_ascii=False).encode()
    (record,) = records(parse(BytesSource("result.json", data)))
    assert record.text == "a @b c"
    assert record.direction == "incoming"
    assert plain_text(None) == ""
    assert plain_text([{"type": "text_link", "text": "here", "href": "https://x.test"}]) == (
        "here (https://x.test)"
    )


# -- damage ---------------------------------------------------------------------------------


def test_truncated_export_keeps_messages_before_the_damage() -> None:
    data = CHAT.read_bytes()
    cut = data.index(b'"id": 106')
    items = parse(BytesSource("result.json", data[:cut]))
    assert len(records(items)) == 5
    assert items[-1] == Skipped(
        "after message 6 of 'Alex Doe'",
        "The file ends in the middle of a message; everything before this point was read, "
        "nothing after it.",
        rest_lost=True,
    )


def test_one_broken_message_is_skipped_and_the_rest_read() -> None:
    data = CHAT.read_bytes().replace(b'"text": "Good morning."', b'"text": Good morning.')
    items = parse(BytesSource("result.json", data))
    assert len(records(items)) == 11
    assert items[7] == Skipped(
        "message 8 of 'Alex Doe'", "This message is damaged in the file and could not be read."
    )


def test_broken_structure_loses_the_rest() -> None:
    data = CHAT.read_bytes().replace(b'  },\n  {\n   "id": 104', b'  } x {\n   "id": 104')
    items = parse(BytesSource("result.json", data))
    assert len(records(items)) == 3
    assert items[-1].position == "after message 3 of 'Alex Doe'"
    assert isinstance(items[-1], Skipped) and items[-1].rest_lost


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", b"[1, 2, 3]", b'{"foo": 1}', b'{"name": "x", "messages": 5}', b"{"],
)
def test_not_a_telegram_export(data: bytes) -> None:
    with pytest.raises(ImportFormatError):
        parse(BytesSource("result.json", data))


def test_hostile_nesting_is_skipped() -> None:
    deep = b"[" * 50_000 + b"]" * 50_000
    data = b'{"name": "x", "type": "personal_chat", "messages": [' + deep + b"]}"
    items = parse(BytesSource("result.json", data))
    assert items == [
        Skipped("message 1 of 'x'", "This message is damaged in the file and could not be read.")
    ]


# -- size -----------------------------------------------------------------------------------


class _LazyExport(io.RawIOBase):
    """A Telegram export of ``count`` messages made while it is read (never held whole)."""

    def __init__(self, count: int) -> None:
        self._parts = self._generate(count)
        self._pending = b""

    @staticmethod
    def _generate(count: int) -> Iterator[bytes]:
        yield b'{"name": "Alex", "type": "personal_chat", "id": 5, "messages": [\n'
        for n in range(count):
            sender = b'"Alex", "from_id": "user5"' if n % 2 else b'"Me", "from_id": "user9"'
            yield (
                b'{"id": %d, "type": "message", "date": "2023-01-01T00:00:00", '
                b'"date_unixtime": "%d", "from": %s, "text": ["message number %d ", '
                b'{"type": "bold", "text": "with some text to make it realistic"}]}%s\n'
                % (n, 1672531200 + n, sender, n, b"," if n < count - 1 else b"")
            )
        yield b"]}\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            piece = next(self._parts, None)
            if piece is None:
                break
            self._pending += piece
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class _LazySource(BytesSource):
    def __init__(self, count: int) -> None:
        super().__init__("result.json", b"")
        self.count = count

    def open(self) -> BinaryIO:
        return io.BufferedReader(_LazyExport(self.count))  # type: ignore[return-value]


def test_big_export_streams_in_bounded_memory() -> None:
    count = 60_000  # about 13 MB of JSON
    tracemalloc.start()
    try:
        seen = 0
        last = None
        for item in TELEGRAM.parse(_LazySource(count), ParseOptions()):
            assert isinstance(item, ParsedRecord)
            seen += 1
            last = item
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert last is not None and last.direction == "incoming"
    assert last.at == datetime.fromtimestamp(1672531200 + count - 1, UTC)
    assert peak < 8 * 1024 * 1024


# -- the JSON reader ------------------------------------------------------------------------


def _walk(reader: JsonReader) -> Any:
    kind = reader.peek_type()
    if kind == "object":
        reader.begin_object()
        return {key: _walk(reader) for key in reader.fields()}
    if kind == "array":
        reader.begin_array()
        found = []
        for _step in reader.items():
            try:
                found.append(reader.value())
            except BadValue:
                found.append("BAD")
        return found
    return reader.value()


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1024])
def test_reader_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(jsonstream, "CHUNK", chunk)
    data = '\ufeff {"a": 12345, "b": [1, -2.5e3, {"x": "y\\"z\\\\"}, "ü😀", null], "c": {}}'
    assert _walk(JsonReader(io.BytesIO(data.encode()))) == {
        "a": 12345,
        "b": [1, -2500.0, {"x": 'y"z\\'}, "ü😀", None],
        "c": {},
    }


def test_reader_skips_any_value_and_reports_damage() -> None:
    reader = JsonReader(io.BytesIO(b'{"big": [[["]]]"]], {"k": "}"}], "n": 5}'))
    reader.begin_object()
    found = {}
    for key in reader.fields():
        if key == "big":
            reader.skip()
        else:
            found[key] = reader.value()
    assert found == {"n": 5}
    truncated = JsonReader(io.BytesIO(b'{"m": [{"a": 1}, {"a": "x'))
    truncated.begin_object()
    values = []
    with pytest.raises(JsonDamage) as caught:
        for _key in truncated.fields():
            truncated.begin_array()
            for _step in truncated.items():
                values.append(truncated.value())
    assert caught.value.truncated
    assert values == [{"a": 1}]


def test_reader_replaces_lone_surrogates() -> None:
    reader = JsonReader(io.BytesIO(b'["a\\ud800b", "\\ud83d\\ude00"]'))
    assert _walk(reader) == ["a\ufffdb", "😀"]


# -- detection ------------------------------------------------------------------------------


def _probe(path: Path) -> Probe:
    return probe(FileSource(path))


def test_detects_its_samples() -> None:
    assert TELEGRAM.detect(_probe(CHAT)) >= 0.9
    assert TELEGRAM.detect(_probe(ACCOUNT)) >= 0.9


def test_does_not_claim_other_files() -> None:
    others = [
        p
        for folder in ("meta", "discord", "email", "csv")
        for p in (SAMPLES / folder).rglob("*")
        if p.is_file()
    ]
    assert len(others) >= 15
    for path in others:
        assert TELEGRAM.detect(_probe(path)) < 0.5, path
    for head in (b"", b"random words\n", b'{"messages": []}', b'[{"date": 1}]', b"\x00\xff" * 9):
        assert TELEGRAM.detect(Probe("result.json", len(head), head)) < 0.5


# -- fuzzing --------------------------------------------------------------------------------

FUZZ_SAMPLES = [CHAT.read_bytes(), ACCOUNT.read_bytes()]


@st.composite
def mutated(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(samples)))
    how = draw(st.sampled_from(["random", "truncate", "flip", "insert", "delete"]))
    if how == "random":
        return draw(st.binary(max_size=3000))
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data)))])
    if how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    at = draw(st.integers(0, len(data)))
    if how == "insert":
        junk = draw(
            st.one_of(st.binary(min_size=1, max_size=40), st.text("{}[]\",:\\ 0e-tnul", max_size=20)
            .map(str.encode))
        )  # fmt: skip
        return bytes(data[:at] + junk + data[at:])
    end = draw(st.integers(at, min(len(data), at + 200)))
    return bytes(data[:at] + data[end:])


def check_items(items: list[Any]) -> None:
    for item in items:
        assert isinstance(item, ParsedRecord | Skipped)
        for value in (getattr(item, name) for name in item.__slots__):
            if isinstance(value, str):
                value.encode("utf-8")  # no lone surrogates
        if isinstance(item, ParsedRecord):
            assert isinstance(item.at, datetime)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(FUZZ_SAMPLES))
def test_fuzzed_exports_never_crash(data: bytes) -> None:
    try:
        items = list(TELEGRAM.parse(BytesSource("result.json", data), ParseOptions()))
    except SafetrailError:
        return
    check_items(items)
    rest_lost = [i for i in items if isinstance(i, Skipped) and i.rest_lost]
    assert len(rest_lost) <= 1
    assert not rest_lost or items[-1] is rest_lost[0]
