"""SMS Backup & Restore importer: samples, hostile XML, truncation, chunking, fuzzing."""

from __future__ import annotations

import base64
import io
import random
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
from safetrail.importers import smsbackup
from safetrail.importers.base import (
    Attachment,
    Importer,
    ImportFormatError,
    Item,
    ParsedRecord,
    ParseOptions,
    Probe,
    Skipped,
)
from safetrail.importers.smsbackup import IMPORTERS, SmsBackupImporter
from safetrail.importers.sources import BytesSource, FileSource, probe
from safetrail.importers.xmlsafe import CharRefRepair, XmlRefused

SAMPLES = Path(__file__).parent / "samples" / "smsbackup"
SMS = SAMPLES / "sms-20220502091433.xml"
CALLS = SAMPLES / "calls-20220502091433.xml"
TRUNCATED = SAMPLES / "sms-truncated.xml"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
IMPORTER = SmsBackupImporter()
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(data: bytes, options: ParseOptions | None = None) -> list[Item]:
    return list(IMPORTER.parse(BytesSource("sms.xml", data), options or ParseOptions()))


def parse_file(path: Path) -> list[Item]:
    return list(IMPORTER.parse(FileSource(path), ParseOptions()))


def records(items: list[Item]) -> list[ParsedRecord]:
    return [i for i in items if isinstance(i, ParsedRecord)]


def skips(items: list[Item]) -> list[Skipped]:
    return [i for i in items if isinstance(i, Skipped)]


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, UTC)


def wrap(body: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
        f'<smses count="1">\n{body}\n</smses>\n'
    ).encode()


def sms(body: str = "hi", **attrs: str) -> str:
    values = {"address": "+15551230000", "date": "1651400000000", "type": "1", "body": body}
    values.update(attrs)
    return "<sms " + " ".join(f'{k}="{v}"' for k, v in values.items()) + " />"


def assert_only_safetrail_errors(data: bytes) -> list[Item]:
    try:
        return parse(data)
    except SafetrailError:
        return []


# --- the contract ---------------------------------------------------------------------


def test_module_exposes_importer() -> None:
    assert len(IMPORTERS) == 1
    importer = IMPORTERS[0]
    assert isinstance(importer, Importer)
    assert importer.name == "smsbackup"
    assert importer.label == "SMS Backup & Restore (Android)"


# --- messages ---------------------------------------------------------------------------


def test_sms_sample_counts_and_order() -> None:
    items = parse_file(SMS)
    assert len(records(items)) == 9
    assert [(r.channel, r.direction) for r in records(items)] == [
        ("sms", "incoming"),
        ("sms", "outgoing"),
        ("sms", "incoming"),
        ("sms", "outgoing"),
        ("sms", "incoming"),
        ("mms", "incoming"),
        ("mms", "outgoing"),
        ("mms", "incoming"),
        ("sms", "outgoing"),
    ]
    assert [s.position for s in skips(items)] == [
        "record 4 (line 8)",
        "record 9 (line 33), part 2",
        "record 11 (line 46)",
    ]
    assert not any(s.rest_lost for s in skips(items))


def test_sms_fields_exact() -> None:
    first, second, third, failed, empty = records(parse_file(SMS))[:5]
    assert first == ParsedRecord(
        position="record 1 (line 5)",
        kind="message",
        channel="sms",
        at=datetime(2022, 5, 1, 10, 13, 20, tzinfo=UTC),
        direction="incoming",
        counterpart="+447700900123",
        counterpart_name="Jordan",
        text="Why are you ignoring me?\nI can see your car.",
    )
    assert second.direction == "outgoing"
    assert second.text == "Please stop contacting me."
    assert second.at == datetime(2022, 5, 1, 10, 14, 20, tzinfo=UTC)
    assert second.source_id is None
    # the emoji arrives as two surrogate references; "(Unknown)" is no contact name
    assert third.text == "I'm outside \U0001f600 & waiting"
    assert third.counterpart == "07700 900456"
    assert third.counterpart_name is None
    # type 5 (failed) is still something the person sent
    assert (failed.direction, failed.text) == ("outgoing", "Leave me alone")
    # an old-style record: no readable_date, no contact_name, body "null"
    assert (empty.text, empty.counterpart_name, empty.subject) == (None, None, None)
    assert empty.at == datetime(2022, 5, 1, 10, 18, 20, tzinfo=UTC)


def test_queued_sms_keeps_blank_lines() -> None:
    last = records(parse_file(SMS))[-1]
    assert last.position == "record 10 (line 45)"
    assert last.direction == "outgoing"
    assert last.text == "I have kept every message.\n\nEvery one."


def test_draft_and_bad_date_are_skipped_with_reasons() -> None:
    draft, _part, bad_date = skips(parse_file(SMS))
    assert draft.reason == "This message is a draft that was never sent; it was not imported."
    assert bad_date.reason == (
        "This message has no date that can be read ('not a date'); it was not imported."
    )


def test_mms_with_picture_text_and_smil() -> None:
    mms = records(parse_file(SMS))[5]
    assert mms.position == "record 7 (line 11)"
    assert mms.at == datetime(2022, 5, 1, 10, 20, tzinfo=UTC)
    assert (mms.direction, mms.counterpart, mms.counterpart_name) == (
        "incoming",
        "+447700900123",
        "Jordan",
    )
    assert mms.text == "Look what I found on your doorstep"
    assert mms.source_id == "mid-0001@mms.example"
    assert mms.participants == ()
    assert mms.sender is None
    (picture,) = mms.attachments  # the SMIL layout part is not an attachment
    assert picture.name == "IMG_0412.png"
    assert picture.media_type == "image/png"
    assert picture.data == PNG
    assert len(PNG) == 69
    assert PNG.startswith(b"\x89PNG\r\n\x1a\n")


def test_outgoing_group_mms_lists_participants() -> None:
    group = records(parse_file(SMS))[6]
    assert group.direction == "outgoing"
    assert group.counterpart is None
    assert group.participants == ("+447700900123", "+447700900789", "+447700900555")
    assert group.thread == "+447700900123~+447700900789~+447700900555"
    assert group.subject == "Saturday"
    assert group.text == "Stop adding me to this group."
    assert group.source_id is None


def test_incoming_group_mms_sender_and_bad_part() -> None:
    items = parse_file(SMS)
    index = next(i for i, item in enumerate(items) if item.position.startswith("record 9 "))
    incoming, bad_part = items[index], items[index + 1]
    assert isinstance(incoming, ParsedRecord)
    assert incoming.direction == "incoming"
    assert incoming.sender == "+447700900789"  # the addr with type 137
    assert incoming.counterpart == "+447700900789"
    assert incoming.participants == ("+447700900789", "+447700900123")
    # a text part given as base64 data instead of text is decoded too
    assert incoming.text == "We are all watching you\nSee you tonight"
    assert incoming.attachments == ()
    assert isinstance(bad_part, Skipped)
    assert bad_part == Skipped(
        "record 9 (line 33), part 2",
        "The attachment 'photo.jpg' of this message is damaged (its contents are not "
        "valid base64), so the message was imported without it.",
    )


def test_mms_part_without_data_and_too_large() -> None:
    body = (
        '<mms date="1651400000000" msg_box="1" address="+15551230000">'
        "<parts>"
        '<part seq="0" ct="image/jpeg" name="null" cl="null" text="null" />'
        '<part seq="1" ct="video/mp4" cl="clip.mp4" data="AAAAAAAAAAAAAAAAAAAA" />'
        '<part seq="2" ct="text/x-vCard" cl="../../etc/contact.vcf" data="QkVHSU4=" />'
        "</parts></mms>"
    )
    items = parse(wrap(body), ParseOptions(max_attachment_bytes=10))
    record, too_big = items
    assert isinstance(record, ParsedRecord)
    assert record.attachments == (
        Attachment(name="part-0.jpg", media_type="image/jpeg", note="not included in the backup"),
        Attachment(name="contact.vcf", media_type="text/x-vcard", data=b"BEGIN"),
    )
    assert too_big == Skipped(
        "record 1 (line 3), part 2",
        "The attachment 'clip.mp4' of this message is larger than 0 MB, so the message was "
        "imported without it.",
    )


def test_draft_mms_and_mms_in_seconds() -> None:
    body = (
        '<mms date="1651400000" msg_box="2" address="+15551230000"><parts>'
        '<part ct="text/plain" text="sent" /></parts></mms>\n'
        '<mms date="1651400000000" msg_box="3" address="+15551230000"><parts>'
        '<part ct="text/plain" text="draft" /></parts></mms>'
    )
    sent, draft = parse(wrap(body))
    assert isinstance(sent, ParsedRecord)
    assert sent.at == datetime(2022, 5, 1, 10, 13, 20, tzinfo=UTC)
    assert (sent.direction, sent.counterpart, sent.text) == ("outgoing", "+15551230000", "sent")
    assert draft == Skipped(
        "record 2 (line 4)", "This message is a draft that was never sent; it was not imported."
    )


def test_character_references_that_xml_forbids() -> None:
    body = sms("a&#xD83D;&#xDE00;b&#1;c&#56832;d&#55357;e&#65535;f&#9;g")
    (record,) = parse(wrap(body))
    assert isinstance(record, ParsedRecord)
    assert record.text == "a\U0001f600b\ufffdc\ufffdd\ufffde\ufffdf\tg"


def test_raw_control_bytes_become_replacement_characters() -> None:
    (record,) = parse(wrap(sms("bell\x07here")))
    assert isinstance(record, ParsedRecord)
    assert record.text == "bell\ufffdhere"


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 8, 13, 16, 17, 64, 4096])
def test_any_chunk_size_gives_the_same_items(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = parse_file(SMS)
    monkeypatch.setattr(smsbackup, "CHUNK_BYTES", chunk)
    assert parse_file(SMS) == expected


def test_repair_is_independent_of_piece_boundaries() -> None:
    data = b'x="&#55357;&#56832;&#10;&#xD83D;&#xDE00;&#55357;&#1;\x02&#56832;&amp;"'
    whole = CharRefRepair()
    expected = whole.feed(data) + whole.flush()
    for cut in range(len(data) + 1):
        repair = CharRefRepair()
        assert repair.feed(data[:cut]) + repair.feed(data[cut:]) + repair.flush() == expected


# --- calls ------------------------------------------------------------------------------


def test_calls_sample_outcomes_and_withheld() -> None:
    items = parse_file(CALLS)
    calls = records(items)
    assert len(calls) == 12
    assert all((c.kind, c.channel) == ("call", "phone") for c in calls)
    assert [(c.direction, c.outcome, c.duration, c.withheld, c.counterpart) for c in calls] == [
        ("incoming", "answered", 125, False, "+447700900123"),
        ("outgoing", None, 0, False, "+447700900123"),
        ("outgoing", "answered", 42, False, "+447700900123"),
        ("incoming", "missed", 0, False, "+447700900123"),
        ("incoming", "voicemail", 18, False, "+447700900123"),
        ("incoming", "rejected", 0, False, "+447700900123"),
        ("incoming", "blocked", 0, False, "+447700900123"),
        ("incoming", "missed", 0, True, None),
        ("incoming", "answered", 31, True, None),
        ("incoming", "missed", 0, True, None),
        ("incoming", "rejected", 0, True, None),
        ("incoming", "answered", 7, False, "07700 900456"),
    ]
    assert calls[0].at == datetime(2022, 5, 1, 10, 30, tzinfo=UTC)
    assert calls[0].counterpart_name == "Jordan"
    assert calls[0].position == "record 1 (line 5)"
    assert calls[-1].at == datetime(2022, 5, 1, 10, 41, tzinfo=UTC)
    assert [c.counterpart_name for c in calls[7:]] == [None] * 5
    assert skips(items) == [
        Skipped(
            "record 13 (line 17)",
            "This call has no date that can be read (''); it was not imported.",
        )
    ]


# --- damage -----------------------------------------------------------------------------


def test_truncated_file_salvages_every_complete_record() -> None:
    items = parse_file(TRUNCATED)
    assert [r.text for r in records(items)] == ["First", "Second", "Third", "Fourth"]
    assert items[-1] == Skipped(
        "line 18",
        "The file ends in the middle of a record at line 18: it was cut short, probably while "
        "it was being copied. Everything before that point was imported.",
        rest_lost=True,
    )
    assert len(items) == 5


def test_damage_in_the_middle_stops_with_rest_lost() -> None:
    data = wrap(sms("one") + "\n<sms <<broken\n" + sms("two"))
    first, damage = parse(data)
    assert isinstance(first, ParsedRecord)
    assert first.text == "one"
    assert damage == Skipped(
        "line 4",
        "The file is damaged at line 4 (not well-formed (invalid token)); nothing after that "
        "point could be read.",
        rest_lost=True,
    )


def test_data_after_the_end_of_the_backup() -> None:
    data = wrap(sms("one")) + b"\x00\x00\x00garbage"
    first, trailing = parse(data)
    assert isinstance(first, ParsedRecord)
    assert isinstance(trailing, Skipped)
    assert trailing.rest_lost
    assert trailing.position == "line 5"
    assert trailing.reason.startswith("The backup ends at line 5, but the file goes on")


def test_unknown_encoding_is_not_a_crash() -> None:
    with pytest.raises(ImportFormatError, match="cannot be read as XML"):
        parse(b"<?xml version='1.0' encoding='STF-8'?><smses />")


def test_undefined_entity_is_damage_not_expansion() -> None:
    first, damage = parse(wrap(sms("one") + "\n" + sms("&secret;")))
    assert isinstance(first, ParsedRecord)
    assert isinstance(damage, Skipped)
    assert damage.rest_lost
    assert "undefined entity" in damage.reason


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"hello, this is not xml", b'{"messages": []}', b"<smses count='1'>"[:5]],
)
def test_not_xml_is_a_format_error(data: bytes) -> None:
    with pytest.raises(ImportFormatError, match="cannot be read as XML"):
        parse(data)


def test_other_xml_is_a_format_error() -> None:
    with pytest.raises(ImportFormatError, match=r"starts with <html>, not <smses> or <calls>"):
        parse(b"<html><body><sms date='1' /></body></html>")


def test_empty_backup_has_no_items() -> None:
    assert parse(b"<?xml version='1.0'?><smses count='0' />") == []


# --- hostile XML ------------------------------------------------------------------------

XXE = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n"
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    b'<smses count="1"><sms address="+1" date="1651400000000" type="1" body="&e;" /></smses>'
)
LAUGHS = (
    b"<?xml version='1.0'?>\n<!DOCTYPE lolz [\n"
    b' <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<smses><sms address="+1" date="1651400000000" type="1" body="&lol9;" /></smses>'
)
PARAMETER = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE smses [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>\n'
    b"<smses />"
)
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE smses SYSTEM "file:///etc/passwd"><smses />'


@pytest.mark.parametrize("data", [XXE, LAUGHS, PARAMETER, EXTERNAL_DTD])
def test_entity_definitions_are_refused(data: bytes) -> None:
    with pytest.raises(XmlRefused, match="document type declaration") as caught:
        parse(data)
    assert isinstance(caught.value, ImportFormatError)


def test_billion_laughs_is_refused_quickly_and_small() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(XmlRefused):
            parse(LAUGHS)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024


# --- memory -----------------------------------------------------------------------------


class _LazyBackup(io.RawIOBase):
    """A backup of ``count`` messages made up while it is read (never held whole)."""

    def __init__(self, count: int) -> None:
        self._pending = iter(self._lines(count))
        self._buffer = b""

    @staticmethod
    def _lines(count: int) -> Iterator[bytes]:
        yield b"<?xml version='1.0' encoding='UTF-8'?>\n<smses>\n"
        for n in range(count):
            yield (
                sms(f"message {n} &#55357;&#56832;", date=str(1651400000000 + n)) + "\n"
            ).encode()
        yield b"</smses>\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self._buffer) < len(buffer):
            more = next(self._pending, None)
            if more is None:
                break
            self._buffer += more
        size = min(len(buffer), len(self._buffer))
        buffer[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class _LazySource(BytesSource):
    def __init__(self, count: int) -> None:
        super().__init__("sms-big.xml", b"")
        self.count = count

    def open(self) -> BinaryIO:
        return io.BufferedReader(_LazyBackup(self.count), buffer_size=64 * 1024)


def _peak_while_parsing(count: int) -> tuple[int, Item | None, int]:
    tracemalloc.start()
    try:
        seen = 0
        last: Item | None = None
        for item in IMPORTER.parse(_LazySource(count), ParseOptions()):
            seen += 1
            last = item
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seen, last, peak


def test_memory_stays_bounded_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    # smaller pieces than the real 1 MiB, so that a few MB of input show the bound
    monkeypatch.setattr(smsbackup, "CHUNK_BYTES", 64 * 1024)
    small_count, _last, small_peak = _peak_while_parsing(5_000)
    count, last, peak = _peak_while_parsing(25_000)
    assert (small_count, count) == (5_000, 25_000)
    assert isinstance(last, ParsedRecord)
    assert last.text == "message 24999 \U0001f600"
    # 0.55 MB and 2.8 MB of input: what is held at once is one piece and its records
    assert peak < 1024 * 1024
    assert peak < small_peak * 1.3


# --- detection --------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SMS, CALLS, TRUNCATED])
def test_detects_its_samples(path: Path) -> None:
    assert IMPORTER.detect(probe(FileSource(path))) >= 0.5


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"just some text people wrote\nover two lines\n",
        b"12/03/2022, 14:56 - Alex: are you home?\n",
        b'{"name": "Alex", "type": "personal_chat", "id": 1, "messages": []}',
        b'[{"sender_name": "Alex", "timestamp_ms": 1651400000000, "content": "hi"}]',
        b"From - Mon May  2 09:14:33 2022\nSubject: hi\n\nbody\n",
        b"date,number,direction,duration\n2022-05-01 10:00,+447700900123,in,30\n",
        b"SQLite format 3\x00" + bytes(84),
        b'<?xml version="1.0"?><html><body>calls and sms</body></html>',
        b'<?xml version="1.0"?><gpx><trk><trkpt lat="1" lon="2"/></trk></gpx>',
        bytes(range(256)),
    ],
)
def test_does_not_claim_other_content(head: bytes) -> None:
    assert IMPORTER.detect(Probe("export.xml", len(head), head)) < 0.5


# --- fuzzing ----------------------------------------------------------------------------

SAMPLE_BYTES = SMS.read_bytes()
CALL_BYTES = CALLS.read_bytes()
FULL_ITEMS = parse(SAMPLE_BYTES)


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash(data: bytes) -> None:
    assert_only_safetrail_errors(data)


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes_inside_a_backup_never_crash(junk: bytes) -> None:
    assert_only_safetrail_errors(wrap(sms("x") + "\n") + junk)
    assert_only_safetrail_errors(SAMPLE_BYTES[:700] + junk + SAMPLE_BYTES[700:])


@FUZZ
@given(st.integers(min_value=0, max_value=len(SAMPLE_BYTES)))
def test_truncation_salvages_a_prefix(cut: int) -> None:
    try:
        items = parse(SAMPLE_BYTES[:cut])
    except ImportFormatError:
        assert cut < SAMPLE_BYTES.index(b"<smses") + 120  # cut before the root was open
        return
    if items and isinstance(items[-1], Skipped) and items[-1].rest_lost:
        kept = items[:-1]
        assert items[-1].reason.startswith("The file ends in the middle of a record")
    else:
        kept = items
        assert cut >= SAMPLE_BYTES.index(b"</smses>") + len(b"</smses>")
    assert kept == FULL_ITEMS[: len(kept)]


@FUZZ
@given(st.data())
def test_mutated_samples_never_crash(data: st.DataObject) -> None:
    source = bytearray(data.draw(st.sampled_from([SAMPLE_BYTES, CALL_BYTES])))
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        where = data.draw(st.integers(min_value=0, max_value=len(source) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "entity"]))
        if action == "flip":
            source[where] ^= data.draw(st.integers(min_value=1, max_value=255))
        elif action == "insert":
            source[where:where] = data.draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del source[where : where + data.draw(st.integers(min_value=1, max_value=32))]
        else:
            source[where:where] = data.draw(
                st.sampled_from([b"&#55357;", b"&#56832;", b"&#0;", b"&#x110000;", b"&#"])
            )
    items = assert_only_safetrail_errors(bytes(source))
    assert sum(1 for i in items if isinstance(i, Skipped) and i.rest_lost) <= 1


def test_seeded_byte_flips_never_crash() -> None:
    rng = random.Random(20220502)
    for _ in range(300):
        source = bytearray(SAMPLE_BYTES)
        for _flip in range(rng.randrange(1, 20)):
            source[rng.randrange(len(source))] = rng.randrange(256)
        assert_only_safetrail_errors(bytes(source))
