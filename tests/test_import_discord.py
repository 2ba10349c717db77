"""Discord channels exported with DiscordChatExporter (JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
from safetrail.importers.base import ImportFormatError, ParsedRecord, ParseOptions, Probe, Skipped
from safetrail.importers.discord import DiscordImporter
from safetrail.importers.sources import BytesSource, FileSource, FolderSource, probe

SAMPLES = Path(__file__).parent / "samples"
ROOT = SAMPLES / "discord"
PHOTO = "dm_alexd.json_Files/your-door-5F3A1.jpg"
DISCORD = DiscordImporter()


def parse(src: Any, **options: Any) -> list[ParsedRecord | Skipped]:
    return list(DISCORD.parse(src, ParseOptions(**options)))


def records(items: list[ParsedRecord | Skipped]) -> list[ParsedRecord]:
    return [i for i in items if isinstance(i, ParsedRecord)]


def dm() -> FolderSource:
    return FolderSource(ROOT, "dm_alexd.json", ["dm_alexd.json", "guild_bookclub.json", PHOTO])


def test_direct_messages() -> None:
    items = parse(dm())
    assert len(items) == 6
    assert items[4] == Skipped(
        "message 5 of 'alexd'",
        "Message 1060000000000000002 appears twice in the export; the first copy was kept "
        "and this one was not read.",
    )
    assert items[5] == Skipped(
        "message 6 of 'alexd'", "This message has no readable time, so it was not read."
    )
    first, mine, photo, call = records(items)
    assert first.position == "message 1 of 'alexd'"
    assert first.at == datetime(2023, 1, 5, 14, 3, 22, 123000, tzinfo=UTC)
    assert (first.direction, first.counterpart, first.counterpart_name) == (
        "incoming",
        "alexd",
        "Alex",
    )
    assert first.source_id == "1060000000000000001"
    assert (first.channel, first.thread, first.system) == ("discord", "alexd", False)
    # the channel of a DM is named after the other person; everyone else is "me"
    assert (mine.direction, mine.counterpart, mine.sender) == ("outgoing", "alexd", "sam_r")
    assert mine.at == datetime(2023, 1, 5, 15, 5, tzinfo=timezone(timedelta(hours=1)))
    assert mine.text == "Stop contacting me."
    assert photo.text is None
    local, remote = photo.attachments
    assert (local.name, local.member, local.media_type) == ("your-door.jpg", PHOTO, "image/jpeg")
    assert remote.name == "list.pdf"
    assert remote.member is None
    assert remote.note == (
        "The export has only a link to this file: https://cdn.discordapp.com/attachments/"
        "1050000000000000001/1070000000000000002/list.pdf"
    )
    assert (call.kind, call.duration, call.direction) == ("call", 150, "incoming")


def test_guild_channel() -> None:
    got = records(parse(FileSource(ROOT / "guild_bookclub.json")))
    assert len(got) == 4
    assert {r.thread for r in got} == {"Book Club › #general"}
    assert [r.sender for r in got] == ["Deleted User", "Deleted User", "SamR#4821", "ClubBot#0001"]
    assert [r.direction for r in got] == [None] * 4
    assert [r.system for r in got] == [True, False, False, False]
    assert got[1].text == "Nice to see you here, Sam 🙂"
    assert got[0].position == "message 1 of 'Book Club › #general'"
    with_me = records(parse(FileSource(ROOT / "guild_bookclub.json"), me="SamR#4821"))
    assert [r.direction for r in with_me] == ["incoming", "incoming", "outgoing", "incoming"]
    deleted = "Deleted User"
    assert [r.counterpart for r in with_me] == [deleted, deleted, None, "ClubBot#0001"]
    by_nickname = records(parse(FileSource(ROOT / "guild_bookclub.json"), me="sam"))
    assert by_nickname[2].direction == "outgoing"


def test_me_option_in_a_dm() -> None:
    got = records(parse(dm(), me="alexd"))
    assert [r.direction for r in got] == ["outgoing", "incoming", "outgoing", "outgoing"]


def test_truncated_export() -> None:
    data = (ROOT / "dm_alexd.json").read_bytes()
    cut = data.index(b'"id": "1060000000000000004"') + 10
    items = parse(BytesSource("dm_alexd.json", data[:cut]))
    assert len(records(items)) == 3
    assert items[-1] == Skipped(
        "after message 4",
        "The file ends in the middle of a message; everything before this point was read, "
        "nothing after it.",
        rest_lost=True,
    )


def test_messages_only_and_odd_fields() -> None:
    export = {
        "messages": [
            {"id": "1", "timestamp": "2023-05-01T10:00:00+02:00", "author": "not an object"},
            {"id": "2", "timestamp": "2023-05-01T10:00:00", "author": {"name": "x"}},
            "not a message",
            {"timestamp": "2023-05-01T11:00:00Z", "content": "no id", "attachments": [5, {}]},
        ]
    }
    items = parse(BytesSource("export.json", json.dumps(export).encode()))
    assert len(items) == 4
    assert isinstance(items[2], Skipped)
    first, second, fourth = records(items)
    assert first.sender is None and first.at.utcoffset() == timedelta(hours=2)
    assert second.at == datetime(2023, 5, 1, 10, 0)  # no offset: left naive
    assert (fourth.source_id, fourth.text, fourth.attachments) == (None, "no id", ())


@pytest.mark.parametrize("data", [b"", b"[]", b"nope", b'{"guild": {}}', b'{"messages": {}}'])
def test_not_an_export(data: bytes) -> None:
    with pytest.raises(ImportFormatError):
        parse(BytesSource("x.json", data))


def test_detect() -> None:
    for name in ("dm_alexd.json", "guild_bookclub.json"):
        assert DISCORD.detect(probe(FileSource(ROOT / name))) >= 0.9
    others = [
        p
        for folder in ("telegram", "meta", "email", "csv")
        for p in (SAMPLES / folder).rglob("*")
        if p.is_file()
    ]
    for path in others:
        found = Probe(path.name, path.stat().st_size, path.read_bytes()[:65536])
        assert DISCORD.detect(found) < 0.5, path
    for head in (b"", b"{}", b'{"messages": [{"timestamp": "x"}]}', b"random text"):
        assert DISCORD.detect(Probe("x.json", len(head), head)) < 0.5


FUZZ_SAMPLES = [(ROOT / n).read_bytes() for n in ("dm_alexd.json", "guild_bookclub.json")]


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
            st.one_of(st.binary(min_size=1, max_size=40), st.text('{}[]",:\\ 0u-tnul', max_size=20)
            .map(str.encode))
        )  # fmt: skip
        return bytes(data[:at] + junk + data[at:])
    end = draw(st.integers(at, min(len(data), at + 300)))
    return bytes(data[:at] + data[end:])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(FUZZ_SAMPLES), st.sampled_from([None, "alexd"]))
def test_fuzzed_exports_never_crash(data: bytes, me: str | None) -> None:
    try:
        items = list(DISCORD.parse(BytesSource("dm_alexd.json", data), ParseOptions(me=me)))
    except SafetrailError:
        return
    for item in items:
        assert isinstance(item, ParsedRecord | Skipped)
        for name in item.__slots__:
            value = getattr(item, name)
            if isinstance(value, str):
                value.encode("utf-8")
    ids = [i.source_id for i in items if isinstance(i, ParsedRecord) and i.source_id]
    assert len(ids) == len(set(ids))
