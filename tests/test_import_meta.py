"""Facebook Messenger and Instagram ("Download your information" JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
from safetrail.importers.base import ImportFormatError, ParsedRecord, ParseOptions, Probe, Skipped
from safetrail.importers.csvfile import CsvImporter
from safetrail.importers.meta import MetaImporter, repair
from safetrail.importers.registry import DETECT_THRESHOLD, all_importers, choose
from safetrail.importers.sources import BytesSource, FolderSource, probe

SAMPLES = Path(__file__).parent / "samples"
ROOT = SAMPLES / "meta"
ONE_TO_ONE = "messages/inbox/alexdoe_10001/message_1.json"
GROUP = "messages/inbox/neighbours_20002/message_1.json"
INSTA = "your_instagram_activity/messages/inbox/jordanlee_30003/message_1.json"
PHOTO = "messages/inbox/alexdoe_10001/photos/334455.jpg"
MESSENGER = MetaImporter("messenger")
INSTAGRAM = MetaImporter("instagram")


def members() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file())


def source(member: str) -> FolderSource:
    return FolderSource(ROOT, member, members())


def parse(importer: MetaImporter, src: Any, **options: Any) -> list[ParsedRecord | Skipped]:
    return list(importer.parse(src, ParseOptions(**options)))


def records(items: list[ParsedRecord | Skipped]) -> list[ParsedRecord]:
    return [i for i in items if isinstance(i, ParsedRecord)]


def utc_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_one_to_one_messenger_thread() -> None:
    items = parse(MESSENGER, source(ONE_TO_ONE))
    assert len(items) == 8
    assert items[-1] == Skipped(
        f"message 8 of {ONE_TO_ONE}", "This message has no readable time, so it was not read."
    )
    got = records(items)
    assert [r.position for r in got] == [f"message {n} of {ONE_TO_ONE}" for n in range(1, 8)]
    # file order (newest first) is kept
    assert [r.at for r in got] == [
        utc_ms(t)
        for t in (
            1672930000000,
            1672929000000,
            1672928000000,
            1672927000000,
            1672926000000,
            1672925000000,
            1672924000000,
        )
    ]
    assert got[0].at == datetime(2023, 1, 5, 14, 46, 40, tzinfo=UTC)
    assert {r.channel for r in got} == {"messenger"}
    assert {r.thread for r in got} == {"Alex Doe"}
    assert {r.counterpart for r in got} == {"Alex Doe"}
    assert {r.participants for r in got} == {("Alex Doe", "Sam Rivera")}
    # the last participant is the exporter
    assert [r.direction for r in got] == ["incoming"] * 2 + ["outgoing"] + ["incoming"] * 3 + [
        "outgoing"
    ]
    assert got[0].text == "Why don’t you answer? 😡"  # double-encoded UTF-8 repaired
    assert got[6].text == "Leave me alone. Grüße"
    missed, answered = got[1], got[2]
    assert (missed.kind, missed.outcome, missed.duration) == ("call", "missed", 0)
    assert (answered.kind, answered.outcome, answered.duration) == ("call", "answered", 125)
    assert answered.sender == "Sam Rivera"
    photo = got[3]
    assert photo.text is None
    assert len(photo.attachments) == 1
    assert photo.attachments[0].member == PHOTO
    assert photo.attachments[0].media_type == "image/jpeg"
    assert got[4].text == "https://example.org/your-street"  # the share link only once
    unsent = got[5]
    assert (unsent.text, unsent.system, unsent.kind) == (None, False, "message")


def test_me_option_overrides_the_participant_rule() -> None:
    got = records(parse(MESSENGER, source(ONE_TO_ONE), me="alex doe"))
    assert [r.direction for r in got[:3]] == ["outgoing", "outgoing", "incoming"]
    assert got[0].counterpart == "Sam Rivera"


def test_group_thread_with_bom() -> None:
    data = (ROOT / GROUP).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    got = records(parse(MESSENGER, source(GROUP)))
    assert len(got) == 3
    assert [r.direction for r in got] == [None, None, None]
    assert [r.counterpart for r in got] == [None, None, None]
    assert [r.sender for r in got] == ["Jordan Lee", "Alex Doe", "Sam Rivera"]
    assert got[0].text == "Café at 8?"
    assert got[0].thread == "Neighbours"
    assert [a.name for a in got[1].attachments] == ["voice_1.mp4", "plan.pdf"]
    assert all(a.member is None and a.note for a in got[1].attachments)
    assert got[2].system is True
    with_me = records(parse(MESSENGER, source(GROUP), me="Sam Rivera"))
    assert [r.direction for r in with_me] == ["incoming", "incoming", "outgoing"]
    assert [r.counterpart for r in with_me] == ["Jordan Lee", "Alex Doe", None]


def test_instagram_thread() -> None:
    got = records(parse(INSTAGRAM, source(INSTA)))
    assert len(got) == 2
    assert {r.channel for r in got} == {"instagram"}
    link = "https://www.instagram.com/p/EXAMPLE123/"
    assert got[0].text == f"Did you see this? 👀\nEvening walk\n{link}"
    assert (got[0].direction, got[0].counterpart) == ("incoming", "jordan.lee")
    assert (got[1].direction, got[1].counterpart) == ("outgoing", "jordan.lee")
    assert got[1].at == datetime(2023, 3, 28, 10, 40, tzinfo=UTC)
    assert got[1].attachments[0].name == "clip_1.mp4"


def test_repair() -> None:
    assert repair("\u00f0\u009f\u0098\u0080") == "😀"
    assert repair("plain") == "plain"
    assert repair("café") == "café"  # already right: left alone
    assert repair("😀") == "😀"


def test_title_after_messages_and_message_2_files() -> None:
    thread = {
        "participants": [{"name": "A"}, {"name": "B"}],
        "messages": [{"sender_name": "A", "timestamp_ms": 1, "content": "x"}],
        "title": "Old friends",
    }
    src = BytesSource(
        "messages/inbox/old_1/message_2.json", json.dumps(thread).encode()
    )  # fmt: skip
    (record,) = records(parse(MESSENGER, src))
    assert record.thread == "Old friends"
    assert record.position == "message 1 of messages/inbox/old_1/message_2.json"
    assert record.at == datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)


def test_truncated_thread() -> None:
    data = (ROOT / ONE_TO_ONE).read_bytes()
    cut = data.index(b'"timestamp_ms": 1672927000000')
    items = parse(MESSENGER, BytesSource(ONE_TO_ONE, data[:cut]))
    assert len(records(items)) == 3
    last = items[-1]
    assert isinstance(last, Skipped) and last.rest_lost
    assert last.position == f"after message 4 of {ONE_TO_ONE}"


@pytest.mark.parametrize("data", [b"", b"[]", b'{"participants": 1}', b"text", b'{"a": [1, 2'])
def test_not_a_thread(data: bytes) -> None:
    with pytest.raises(ImportFormatError):
        parse(MESSENGER, BytesSource("message_1.json", data))


# -- detection ------------------------------------------------------------------------------


def test_detects_its_samples_and_channel_by_path() -> None:
    for member, best in ((ONE_TO_ONE, MESSENGER), (GROUP, MESSENGER), (INSTA, INSTAGRAM)):
        found = probe(source(member))
        other = INSTAGRAM if best is MESSENGER else MESSENGER
        assert best.detect(found) >= 0.9
        assert other.detect(found) < best.detect(found)


def test_does_not_claim_other_files() -> None:
    others = [
        p
        for folder in ("telegram", "discord", "email", "csv")
        for p in (SAMPLES / folder).rglob("*")
        if p.is_file()
    ]
    for path in others:
        found = Probe(path.name, path.stat().st_size, path.read_bytes()[:65536])
        assert MESSENGER.detect(found) < 0.5, path
        assert INSTAGRAM.detect(found) < 0.5, path
    for head in (b"", b"hello", b'{"messages": [{"timestamp_ms": 1}]}', b"[1]"):
        assert MESSENGER.detect(Probe("message_1.json", len(head), head)) < 0.5


EXPECTED_WINNERS = {
    "email": "email",
    "telegram": "telegram",
    "discord": "discord",
    "meta/messages": "messenger",
    "meta/your_instagram_activity": "instagram",
    "meta/dm-export": "instagram",
}


def test_every_sample_goes_to_its_importer() -> None:
    """Every importer's detect runs on every sample; the right one must win (and CSV
    tables, which need a mapping, must not be claimed by anyone)."""
    names = {i.name for i in all_importers()}
    assert {"email", "telegram", "messenger", "instagram", "discord", "csv"} <= names
    checked = 0
    for folder in ("email", "telegram", "meta", "discord", "csv"):
        root = SAMPLES / folder
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix in (".jpg", ".png", ".mp4"):
                continue
            member = path.relative_to(root).as_posix()
            found = Probe(member, path.stat().st_size, path.read_bytes()[:65536])
            winner = choose(found)
            key = folder if folder != "meta" else f"meta/{member.split('/')[0]}"
            if folder == "csv":
                assert winner is None, (path, winner)
                scores = {i.name: i.detect(found) for i in all_importers()}
                assert 0 < scores["csv"] < DETECT_THRESHOLD
                assert CsvImporter().detect(found) == max(scores.values()), (path, scores)
            else:
                assert winner is not None, path
                assert winner[0].name == EXPECTED_WINNERS[key], (path, winner)
            checked += 1
    assert checked == 24


# -- fuzzing --------------------------------------------------------------------------------

FUZZ_SAMPLES = [(ROOT / m).read_bytes() for m in (ONE_TO_ONE, GROUP, INSTA)]


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
    end = draw(st.integers(at, min(len(data), at + 200)))
    return bytes(data[:at] + data[end:])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(FUZZ_SAMPLES), st.sampled_from([MESSENGER, INSTAGRAM]))
def test_fuzzed_threads_never_crash(data: bytes, importer: MetaImporter) -> None:
    try:
        items = list(importer.parse(BytesSource(ONE_TO_ONE, data), ParseOptions()))
    except SafetrailError:
        return
    for item in items:
        assert isinstance(item, ParsedRecord | Skipped)
        for name in item.__slots__:
            value = getattr(item, name)
            if isinstance(value, str):
                value.encode("utf-8")
    assert sum(1 for i in items if isinstance(i, Skipped) and i.rest_lost) <= 1


MINE = ("email", "telegram", "meta", "discord", "csv")


def test_my_importers_leave_other_formats_alone() -> None:
    """Whatever other formats have samples (WhatsApp, SMS backups, phone databases, …):
    none of the e-mail/Telegram/Meta/Discord/CSV detectors may claim them."""
    mine = [i for i in all_importers() if i.name in {*EXPECTED_WINNERS.values(), "csv"}]
    assert len(mine) == 6
    for folder in sorted(SAMPLES.iterdir()):
        if not folder.is_dir() or folder.name in MINE:
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                member = path.relative_to(folder).as_posix()
                found = Probe(member, path.stat().st_size, path.read_bytes()[:65536])
                for importer in mine:
                    assert importer.detect(found) < DETECT_THRESHOLD, (path, importer.name)


def test_instagram_recognised_by_its_content_without_instagram_in_the_path() -> None:
    """An Instagram conversation given as ``inbox/<thread>/message_1.json`` (the folder
    taken out of its export): user names as participants and a link to instagram.com."""
    member = "dm-export/inbox/casey.m_40004/message_1.json"
    found = probe(source(member))
    assert "instagram" not in found.name.lower()
    winner = choose(found)
    assert winner is not None and winner[0].name == "instagram"
    assert INSTAGRAM.detect(found) >= 0.9 > MESSENGER.detect(found)
    got = records(parse(INSTAGRAM, source(member)))
    assert [(r.channel, r.at, r.sender, r.direction, r.counterpart, r.text) for r in got] == [
        (
            "instagram",
            datetime(2024, 4, 2, 20, 30, tzinfo=UTC),
            "casey.m_92",
            "incoming",
            "casey.m_92",
            "Why did you remove me? \U0001f621",
        ),
        (
            "instagram",
            datetime(2024, 4, 2, 19, 30, tzinfo=UTC),
            "casey.m_92",
            "incoming",
            "casey.m_92",
            "Nice jacket today\nhttps://www.instagram.com/stories/robin.park/3300000000000000000/",
        ),
        (
            "instagram",
            datetime(2024, 4, 2, 17, 46, 40, tzinfo=UTC),
            "robin.park",
            "outgoing",
            "casey.m_92",
            "Please leave me alone.",
        ),
    ]
    # a Messenger thread between people's names stays Messenger
    plain = probe(source(ONE_TO_ONE))
    assert MESSENGER.detect(plain) > INSTAGRAM.detect(plain)
