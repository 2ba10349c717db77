"""WhatsApp chat export importer: every layout, exact records, hostile input, fuzzing."""

from __future__ import annotations

import io
import json
import random
import tempfile
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
from safetrail.importers import whatsapp_slots
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
from safetrail.importers.sources import BytesSource, FileSource, find_sources, probe
from safetrail.importers.whatsapp import IMPORTERS, MAX_TEXT, WhatsAppImporter, describe
from safetrail.importers.whatsapp_build import Builder
from safetrail.importers.whatsapp_fast import batch
from safetrail.importers.whatsapp_layout import LINE_LIMIT, resolve_date, resolve_time
from safetrail.importers.whatsapp_scan import CHUNK
from safetrail.importers.whatsapp_slots import make_record
from safetrail.importers.whatsapp_text import attached_file, chat_name, is_chat_file_name

SAMPLES = Path(__file__).parent / "samples" / "whatsapp"
WA = WhatsAppImporter()
NOT_INCLUDED = "not included in the export"
NOT_FOUND = "not found in the export"


def sample(name: str) -> FileSource:
    return FileSource(SAMPLES / name)


def zip_chat(path: Path) -> Source:
    for found in find_sources([path]):
        if isinstance(found, Skipped):
            continue
        if found.member == "_chat.txt":
            return found
    raise AssertionError("no _chat.txt in the zip")


def parse(source: Source, **options: object) -> list[Item]:
    return list(WA.parse(source, ParseOptions(**options)))  # type: ignore[arg-type]


def records(items: list[Item]) -> list[ParsedRecord]:
    return [item for item in items if isinstance(item, ParsedRecord)]


def rows(items: list[Item]) -> list[tuple[object, ...]]:
    """(position, time, sender, direction, counterpart, text) or ("skip", position, reason)."""
    out: list[tuple[object, ...]] = []
    for item in items:
        if isinstance(item, Skipped):
            out.append(("skip", item.position, item.reason))
        else:
            stamp = item.at.isoformat(sep=" ")
            out.append(
                (item.position, stamp, item.sender, item.direction, item.counterpart, item.text)
            )
    return out


def flags(items: list[Item]) -> dict[str, list[str]]:
    recs = records(items)
    return {
        "system": [r.position for r in recs if r.system],
        "calls": [r.position for r in recs if r.kind == "call"],
    }


def attachments(items: list[Item]) -> dict[str, list[tuple[object, ...]]]:
    return {
        r.position: [(a.name, a.media_type, a.member, a.note) for a in r.attachments]
        for r in records(items)
        if r.attachments
    }


def common_checks(items: list[Item], thread: str | None) -> None:
    for record in records(items):
        assert record.channel == "whatsapp"
        assert record.at.tzinfo is None
        assert record.thread == thread
        assert record.position.startswith("line ")
        if record.kind == "call":
            assert record.outcome == "missed"
        else:
            assert record.outcome is None
        if record.sender is None:
            assert record.system
            assert record.direction is None and record.counterpart is None


# --- every layout ------------------------------------------------------------------------


def test_android_english() -> None:
    items = parse(sample("WhatsApp Chat with Alex Morgan.txt"))
    common_checks(items, "Alex Morgan")
    a, j = "Alex Morgan", "Jordan Lee"
    assert rows(items) == [
        (
            "line 1",
            "2022-03-14 09:12:00",
            None,
            None,
            None,
            "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
            "WhatsApp, can read or listen to them. Tap to learn more.",
        ),
        ("line 2", "2022-03-14 09:15:00", a, "incoming", a, "Are you home?"),
        ("line 3", "2022-03-14 09:16:00", j, "outgoing", a, "Please stop messaging me."),
        (
            "line 4",
            "2022-03-14 09:20:00",
            a,
            "incoming",
            a,
            "I just want to talk: five minutes, that's all",
        ),
        (
            "line 5",
            "2022-03-14 09:21:00",
            a,
            "incoming",
            a,
            "I saw your car at the station.\nIt was parked by the bakery.\n\n"
            "You were wearing the blue coat.",
        ),
        ("line 9", "2022-03-14 21:47:00", a, "incoming", a, None),
        ("line 10", "2022-03-15 07:02:00", a, "incoming", a, "null"),
        ("line 11", "2022-03-15 07:03:00", a, "incoming", a, "This message was deleted"),
        (
            "line 12",
            "2022-03-15 07:05:00",
            a,
            "incoming",
            a,
            "location: https://maps.google.com/?q=51.5072,-0.1276",
        ),
        ("line 13", "2022-03-15 07:06:00", j, "outgoing", a, "You deleted this message"),
        (
            "skip",
            "line 14",
            "The date 31/02/2022 does not exist; the message on this line was not read.",
        ),
        ("line 16", "2022-03-16 23:59:00", a, "incoming", a, "Missed voice call"),
        (
            "skip",
            "line 17",
            "The time 25:10 does not exist; the message on this line was not read.",
        ),
        ("line 18", "2022-03-17 08:30:00", j, "outgoing", a, "This is the car that follows me"),
        (
            "line 20",
            "2022-03-17 08:31:00",
            None,
            None,
            None,
            "You blocked this contact. Tap to unblock.",
        ),
        ("line 21", "2022-03-17 08:40:00", a, "incoming", a, "You can't block me forever"),
    ]
    assert flags(items) == {
        "system": ["line 1", "line 20"],
        "calls": ["line 16"],
    }
    assert attachments(items) == {
        "line 9": [("<Media omitted>", None, None, NOT_INCLUDED)],
        "line 18": [("IMG-20220317-WA0004.jpg", "image/jpeg", None, NOT_FOUND)],
    }
    assert all(not item.rest_lost for item in items if isinstance(item, Skipped))


def test_ios_zip_with_media() -> None:
    source = zip_chat(SAMPLES / "WhatsApp Chat - Sam Rivera.zip")
    assert source.name == "WhatsApp Chat - Sam Rivera.zip › _chat.txt"
    items = parse(source)
    common_checks(items, "Sam Rivera")
    s, c = "Sam Rivera", "Casey Kim"
    assert rows(items) == [
        (
            "line 1",
            "2022-03-23 13:30:05",
            s,
            "incoming",
            s,
            "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
            "WhatsApp, can read or listen to them.",
        ),
        ("line 2", "2022-03-23 13:31:40", s, "incoming", s, "Why did you block me on Instagram?"),
        ("line 3", "2022-03-23 13:31:58", c, "outgoing", s, "I asked you to leave me alone."),
        ("line 4", "2022-03-23 13:32:01", s, "incoming", s, None),
        ("line 5", "2022-03-23 13:32:30", s, "incoming", s, "Recognise this door?"),
        ("line 6", "2022-03-23 13:40:12", s, "incoming", s, None),
        ("line 7", "2022-03-23 13:41:00", s, "incoming", s, None),
        ("line 8", "2022-03-23 13:45:10", c, "outgoing", s, None),
        ("line 9", "2022-03-23 14:02:44", s, "incoming", s, "Missed voice call"),
        ("line 10", "2022-03-23 14:03:02", s, "incoming", s, "Answer the phone\nNow"),
        ("line 12", "2022-03-24 08:15:00", s, "incoming", s, "This message was deleted."),
        ("line 13", "2022-03-24 08:16:30", c, "outgoing", s, "I am going to the police."),
        ("line 14", "2022-03-24 08:16:31", s, "incoming", s, "Go ahead: they won't do anything"),
    ]
    assert flags(items) == {"system": ["line 1"], "calls": ["line 9"]}
    photo = "00000003-PHOTO-2022-03-23-13-32-01.jpg"
    voice = "00000005-AUDIO-2022-03-23-13-40-12.opus"
    missing = "00000006-PHOTO-2022-03-23-13-41-00.jpg"
    assert attachments(items) == {
        "line 4": [(photo, "image/jpeg", photo, None)],
        "line 6": [(voice, "audio/ogg", voice, None)],
        "line 7": [(missing, "image/jpeg", None, NOT_FOUND)],
        "line 8": [("image omitted", None, None, NOT_INCLUDED)],
    }
    # the attachment's member really is the photo inside the zip
    sibling = source.sibling(photo)
    assert sibling is not None
    with sibling.open() as stream:
        assert stream.read(3) == b"\xff\xd8\xff"


def test_ios_zip_attachment_over_the_size_limit() -> None:
    source = zip_chat(SAMPLES / "WhatsApp Chat - Sam Rivera.zip")
    items = parse(source, max_attachment_bytes=100)
    too_big = [item for item in items if isinstance(item, Skipped)]
    assert [(s.position, s.reason) for s in too_big] == [
        (
            "line 4",
            "The file 00000003-PHOTO-2022-03-23-13-32-01.jpg (0 MB) is larger than SafeTrail "
            "stores (0 MB); the message was kept without it.",
        )
    ]
    assert attachments(items)["line 4"] == [
        ("00000003-PHOTO-2022-03-23-13-32-01.jpg", "image/jpeg", None, "too large to store (0 MB)")
    ]
    # the 47-byte voice note is under the limit and keeps its member
    assert attachments(items)["line 6"][0][2] == "00000005-AUDIO-2022-03-23-13-40-12.opus"
    assert len(records(items)) == 13


def test_german_dots_without_comma() -> None:
    items = parse(sample("WhatsApp Chat mit Kai Weber.txt"))
    common_checks(items, "Kai Weber")
    k, lena = "Kai Weber", "Lena Schulz"
    assert [r[:5] for r in rows(items)] == [
        ("line 1", "2022-04-05 18:02:00", None, None, None),
        ("line 2", "2022-04-05 18:03:00", k, "incoming", k),
        ("line 3", "2022-04-05 18:05:00", lena, "outgoing", k),
        ("line 4", "2022-04-05 18:06:00", k, "incoming", k),
        ("line 5", "2022-04-06 07:41:00", k, "incoming", k),
        ("line 6", "2022-04-06 07:45:00", None, None, None),
        ("line 7", "2022-04-06 07:50:00", k, "incoming", k),
        ("line 8", "2022-04-07 12:00:00", k, "incoming", k),
        ("line 10", "2022-04-07 12:03:00", lena, "outgoing", k),
        ("line 11", "2022-04-07 12:04:00", k, "incoming", k),
        ("line 12", "2022-04-13 22:10:00", k, "incoming", k),
    ]
    recs = {r.position: r for r in records(items)}
    assert recs["line 6"].text == (
        "Du hast diesen Kontakt blockiert. Tippe, um die Blockierung aufzuheben."
    )
    assert recs["line 8"].text == (
        "Ich habe dich heute im Park gesehen.\nDu hattest die rote Jacke an."
    )
    assert flags(items) == {
        "system": ["line 1", "line 6"],
        "calls": ["line 11"],
    }
    assert attachments(items) == {"line 4": [("<Medien ausgeschlossen>", None, None, NOT_INCLUDED)]}


def test_dutch_dashes() -> None:
    items = parse(sample("WhatsApp-chat met Noor Visser.txt"))
    common_checks(items, "Noor Visser")
    assert [(r[0], r[1], r[3]) for r in rows(items)] == [
        ("line 1", "2022-05-02 10:00:00", None),
        ("line 2", "2022-05-02 10:01:00", "incoming"),
        ("line 3", "2022-05-02 10:02:00", "outgoing"),
        ("line 4", "2022-05-02 10:04:00", "incoming"),
        ("line 5", "2022-05-03 09:15:00", "incoming"),
        ("line 6", "2022-05-03 09:16:00", "incoming"),
        ("line 7", "2022-05-03 09:30:00", "outgoing"),
        ("line 8", "2022-05-04 18:45:00", "incoming"),
        ("line 10", "2022-05-04 18:46:00", "incoming"),
        ("line 11", "2022-05-14 23:50:00", "incoming"),
    ]
    assert flags(items) == {
        "system": ["line 1"],
        "calls": ["line 10"],
    }
    assert attachments(items) == {"line 4": [("<Media weggelaten>", None, None, NOT_INCLUDED)]}
    assert records(items)[7].text == "Ik zag je bij het station.\nJe liep naar de bus."


def test_us_twelve_hour_clock_with_narrow_no_break_space() -> None:
    items = parse(sample("WhatsApp Chat with Riley Chen.txt"))
    common_checks(items, "Riley Chen")
    r, m = "Riley Chen", "Morgan Diaz"
    assert rows(items)[1:] == [
        ("line 2", "2022-03-09 08:16:00", r, "incoming", r, "hey"),
        ("line 3", "2022-03-09 08:20:00", m, "outgoing", r, "Don't contact me again."),
        # out of order in the file, kept as it is; 12:05 AM is just after midnight
        ("line 4", "2022-03-09 00:05:00", r, "incoming", r, "you can't ignore me forever"),
        ("line 5", "2022-03-18 12:30:00", r, "incoming", r, "I'm outside your office"),
        # a plain space before PM on this line only
        ("line 6", "2022-03-18 23:59:00", r, "incoming", r, "answer me"),
        ("line 7", "2022-03-19 01:02:00", r, "incoming", r, None),
        (
            "line 8",
            "2022-03-19 01:03:00",
            r,
            "incoming",
            r,
            "why won't you talk to me\ni just want to explain",
        ),
        ("line 10", "2022-03-19 07:45:00", m, "outgoing", r, "I have saved all of these messages."),
        ("line 11", "2022-03-19 07:46:00", r, "incoming", r, "Missed video call"),
        ("line 12", "2022-03-20 22:10:00", r, "incoming", r, "I know which gym you go to"),
    ]
    assert rows(items)[0][:3] == ("line 1", "2022-03-09 08:15:00", None)
    assert flags(items) == {"system": ["line 1"], "calls": ["line 11"]}
    scanned = describe(sample("WhatsApp Chat with Riley Chen.txt"))
    assert (scanned.day_first, scanned.order_rule, scanned.deciding_date) == (
        False,
        "file",
        "3/18/22",
    )


def test_vietnamese_time_before_date() -> None:
    items = parse(sample("WhatsApp Chat with Minh Tran.txt"))
    common_checks(items, "Minh Tran")
    assert [(r[0], r[1], r[2], r[3]) for r in rows(items)] == [
        ("line 1", "2022-03-18 09:12:00", None, None),
        ("line 2", "2022-03-18 09:13:00", "Minh Tran", "incoming"),
        ("line 3", "2022-03-18 09:15:00", "Lan Pham", "outgoing"),
        ("line 4", "2022-03-18 09:20:00", "Minh Tran", "incoming"),
        ("line 5", "2022-03-18 09:45:00", "Lan Pham", "outgoing"),
        ("line 6", "2022-03-18 12:00:00", "Minh Tran", "incoming"),
        ("line 7", "2022-03-19 21:40:00", "Minh Tran", "incoming"),
        ("line 9", "2022-03-19 21:41:00", "Minh Tran", "incoming"),
        ("line 10", "2022-03-20 07:05:00", "Lan Pham", "outgoing"),
        ("line 11", "2022-03-20 07:06:00", "Minh Tran", "incoming"),
    ]
    assert records(items)[6].text == "Anh biết nhà em ở đâu\nAnh sẽ đến"
    assert describe(sample("WhatsApp Chat with Minh Tran.txt")).layout == "time-date"


def test_indonesian_dotted_times() -> None:
    items = parse(sample("WhatsApp Chat - Budi Santoso.txt"))
    common_checks(items, "Budi Santoso")
    b, s = "Budi Santoso", "Sari Dewi"
    assert rows(items) == [
        ("line 1", "2022-03-18 14:56:01", b, "incoming", b, "Kamu di mana?"),
        ("line 2", "2022-03-18 14:57:10", s, "outgoing", b, "Jangan hubungi saya lagi."),
        ("line 3", "2022-03-18 15:02:33", b, "incoming", b, None),
        ("line 4", "2022-03-18 15:10:00", b, "incoming", b, "Kenapa diam?"),
        ("line 5", "2022-03-18 15:10:30", b, "incoming", b, "Jawab!"),
        (
            "line 6",
            "2022-03-18 16:00:00",
            s,
            "outgoing",
            b,
            "Saya sudah menyimpan semua pesan ini.",
        ),
        (
            "line 7",
            "2022-03-19 07:00:00",
            b,
            "incoming",
            b,
            "Aku tahu alamatmu.\nAku akan datang nanti malam.",
        ),
        ("line 9", "2022-03-19 07:01:12", b, "incoming", b, "Pesan ini telah dihapus"),
        ("line 10", "2022-03-19 21:30:45", b, "incoming", b, "Aku di depan rumahmu"),
    ]
    assert flags(items) == {"system": [], "calls": []}
    assert attachments(items) == {"line 3": [("gambar tidak disertakan", None, None, NOT_INCLUDED)]}


def test_spanish_a_m_p_m_including_impossible_zero_hour() -> None:
    items = parse(sample("Chat de WhatsApp con Diego Ruiz.txt"))
    common_checks(items, "Diego Ruiz")
    assert [(r[0], r[1], r[2], r[3]) for r in rows(items)] == [
        ("line 1", "2022-03-18 00:08:00", None, None),
        ("line 2", "2022-03-18 00:08:00", "Diego Ruiz", "incoming"),  # "00:08 a. m."
        ("line 3", "2022-03-18 00:15:00", "Diego Ruiz", "incoming"),  # "12:15 a. m."
        ("line 4", "2022-03-18 09:40:00", "Lucía Gómez", "outgoing"),
        ("line 5", "2022-03-18 12:01:00", "Diego Ruiz", "incoming"),  # "12:01 p. m."
        ("line 6", "2022-03-18 19:30:00", "Diego Ruiz", "incoming"),
        ("line 7", "2022-03-19 23:05:00", "Diego Ruiz", "incoming"),
        ("line 8", "2022-03-19 23:06:00", "Diego Ruiz", "incoming"),
        ("line 10", "2022-03-20 08:00:00", "Lucía Gómez", "outgoing"),
        ("line 11", "2022-03-20 08:01:00", "Diego Ruiz", "incoming"),
    ]
    assert flags(items) == {"system": ["line 1"], "calls": ["line 11"]}
    assert attachments(items) == {"line 5": [("<Multimedia omitido>", None, None, NOT_INCLUDED)]}
    assert records(items)[7].text == "Llevas el abrigo verde\ny vas sola"


def test_eastern_arabic_digits_with_right_to_left_marks() -> None:
    items = parse(sample("WhatsApp Chat with Omar Haddad.txt"))
    common_checks(items, "Omar Haddad")
    o, layla = "Omar Haddad", "ليلى ناصر"
    assert [r[:5] for r in rows(items)] == [
        ("line 1", "2022-03-18 09:05:00", None, None, None),
        ("line 2", "2022-03-18 09:06:00", o, "incoming", o),
        ("line 3", "2022-03-18 09:07:00", layla, "outgoing", o),
        ("line 4", "2022-03-18 14:15:00", o, "incoming", o),
        ("line 5", "2022-03-18 14:16:00", o, "incoming", o),
        ("line 6", "2022-03-18 14:30:00", layla, "outgoing", o),
        ("line 7", "2022-03-18 00:10:00", o, "incoming", o),  # ١٢:١٠ ص
        ("line 8", "2022-03-19 23:45:00", o, "incoming", o),
        ("line 10", "2022-03-20 12:00:00", o, "incoming", o),
        ("line 11", "2022-03-20 12:01:00", layla, "outgoing", o),
    ]
    assert flags(items) == {"system": ["line 1"], "calls": []}
    assert attachments(items) == {"line 4": [("<تم استبعاد الوسائط>", None, None, NOT_INCLUDED)]}
    assert records(items)[7].text == "أنا أمام منزلك\nافتحي الباب"


def test_japanese_era_years() -> None:
    items = parse(sample("WhatsApp Chat - 佐藤 陽翔.txt"))
    common_checks(items, "佐藤 陽翔")
    assert [(r[0], r[1], r[3]) for r in rows(items)] == [
        ("line 1", "2022-03-18 14:50:00", "incoming"),
        ("line 2", "2022-03-18 14:56:01", "incoming"),
        ("line 3", "2022-03-18 14:57:30", "outgoing"),
        ("line 4", "2022-03-18 15:01:12", "incoming"),
        ("line 5", "2022-03-19 08:05:44", "incoming"),
        ("line 6", "2022-03-19 08:06:10", "incoming"),
        ("line 7", "2022-03-19 09:00:00", "outgoing"),
        ("line 8", "2022-03-19 09:01:30", "incoming"),
        ("line 9", "2022-03-20 22:10:00", "incoming"),
        ("line 11", "2022-03-20 22:15:00", "incoming"),
    ]
    recs = records(items)
    # iOS writes the notice under the contact's name, after a left-to-right mark: the
    # name is kept, and the notice is a system line
    assert (recs[0].sender, recs[0].system) == ("佐藤 陽翔", True)
    assert recs[0].text is not None and recs[0].text.startswith("メッセージと通話は")
    assert flags(items) == {"system": ["line 1"], "calls": ["line 8"]}
    assert attachments(items) == {"line 4": [("画像は含まれていません", None, None, NOT_INCLUDED)]}
    assert recs[2].sender == "田中 結衣"


def test_buddhist_years() -> None:
    items = parse(sample("WhatsApp Chat - สมชาย ใจดี.txt"))
    common_checks(items, "สมชาย ใจดี")
    assert [(r[0], r[1], r[3]) for r in rows(items)] == [
        ("line 1", "2022-03-18 14:56:01", "incoming"),
        ("line 2", "2022-03-18 14:58:10", "outgoing"),
        ("line 3", "2022-03-18 15:00:00", "incoming"),
        ("line 4", "2022-03-18 15:05:00", "incoming"),
        ("line 5", "2022-03-18 16:20:00", "outgoing"),
        ("line 6", "2022-03-19 09:00:00", "incoming"),
        ("line 8", "2022-03-19 09:01:00", "incoming"),
        ("line 9", "2022-03-20 21:00:00", "incoming"),
        ("line 10", "2022-03-20 21:02:30", "outgoing"),
    ]
    name = "00000009-PHOTO-2022-03-19-09-01-00.jpg"
    assert attachments(items) == {"line 8": [(name, "image/jpeg", None, NOT_FOUND)]}


def test_korean_year_first_with_am_pm_before_the_time() -> None:
    items = parse(sample("WhatsApp Chat - 김민준.txt"))
    common_checks(items, "김민준")
    assert [(r[0], r[1], r[3]) for r in rows(items)] == [
        ("line 1", "2022-03-18 14:50:00", None),
        ("line 2", "2022-03-18 14:56:00", "incoming"),
        ("line 3", "2022-03-18 14:57:00", "outgoing"),
        ("line 4", "2022-03-18 15:10:00", "incoming"),
        ("line 5", "2022-03-19 00:05:00", "incoming"),
        ("line 6", "2022-03-19 00:06:00", "incoming"),
        ("line 7", "2022-03-19 09:00:00", "outgoing"),
        ("line 8", "2022-03-19 12:30:00", "incoming"),
        ("line 9", "2022-03-19 23:50:00", "incoming"),
    ]
    assert flags(items) == {"system": ["line 1"], "calls": ["line 8"]}
    assert attachments(items) == {"line 4": [("<미디어 파일 생략됨>", None, None, NOT_INCLUDED)]}
    assert describe(sample("WhatsApp Chat - 김민준.txt")).order_rule == "year-first"


def test_french_with_a_between_date_and_time() -> None:
    items = parse(sample("Discussion WhatsApp avec Hugo Martin.txt"))
    common_checks(items, "Hugo Martin")
    assert [(r[0], r[1], r[3]) for r in rows(items)] == [
        ("line 1", "2022-03-18 14:50:00", None),
        ("line 2", "2022-03-18 14:56:00", "incoming"),
        ("line 3", "2022-03-18 14:57:00", "outgoing"),
        ("line 4", "2022-03-18 15:10:00", "incoming"),
        ("line 5", "2022-03-18 15:11:00", "incoming"),
        ("line 6", "2022-03-18 15:12:00", "incoming"),
        ("line 7", "2022-03-18 15:30:00", "outgoing"),
        ("line 8", "2022-03-19 08:00:00", "incoming"),
        ("line 9", "2022-03-19 08:01:00", "incoming"),
        ("line 11", "2022-03-19 08:02:00", None),
    ]
    assert flags(items) == {
        "system": ["line 1", "line 11"],
        "calls": ["line 8"],
    }
    assert attachments(items) == {"line 4": [("<Médias omis>", None, None, NOT_INCLUDED)]}
    assert records(items)[1].text == "Tu es où ?"


def test_portuguese_with_attached_file_and_caption() -> None:
    items = parse(sample("Conversa do WhatsApp com Ana Costa.txt"))
    common_checks(items, "Ana Costa")
    assert [(r[0], r[1], r[3], r[5]) for r in rows(items)] == [
        (
            "line 1",
            "2022-03-18 14:50:00",
            None,
            "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta. "
            "Ninguém fora desta conversa, nem mesmo o WhatsApp, pode ler ou ouvi-las.",
        ),
        ("line 2", "2022-03-18 14:56:00", "incoming", "Onde você está?"),
        ("line 3", "2022-03-18 14:58:00", "outgoing", "Me deixa em paz."),
        ("line 4", "2022-03-18 15:02:00", "incoming", None),
        ("line 5", "2022-03-18 15:03:00", "incoming", "Esta mensagem foi apagada"),
        ("line 6", "2022-03-18 15:04:00", "incoming", "Olha isso"),
        ("line 8", "2022-03-18 15:20:00", "outgoing", "Vou à polícia."),
        ("line 9", "2022-03-18 15:21:00", "incoming", "Chamada de voz perdida"),
        ("line 10", "2022-03-19 22:00:00", "incoming", "Estou na sua porta"),
        (
            "line 11",
            "2022-03-19 22:01:00",
            None,
            "Você bloqueou este contato. Toque para desbloquear.",
        ),
    ]
    assert attachments(items) == {
        "line 4": [("<Mídia oculta>", None, None, NOT_INCLUDED)],
        "line 6": [("IMG-20220318-WA0007.jpg", "image/jpeg", None, NOT_FOUND)],
    }


def test_group_chat() -> None:
    items = parse(sample("WhatsApp Chat with Book Club.txt"))
    common_checks(items, "Book Club")
    p, t, j = "Priya Shah", "Tom Okafor", "Jordan Lee"
    assert rows(items) == [
        ("line 1", "2022-06-01 19:00:00", None, None, None, 'Priya Shah created group "Book Club"'),
        ("line 2", "2022-06-01 19:00:00", None, None, None, "Priya Shah added you"),
        (
            "line 3",
            "2022-06-01 19:01:00",
            None,
            None,
            None,
            "Messages to this group are now secured with end-to-end encryption. Tap for more info.",
        ),
        ("line 4", "2022-06-01 19:02:00", p, None, p, "Welcome everyone!"),
        ("line 5", "2022-06-01 19:03:00", t, None, t, "Thanks Priya"),
        (
            "line 6",
            "2022-06-01 19:05:00",
            None,
            None,
            None,
            'Priya Shah changed the subject from "Book Club" to "Book Club: June"',
        ),
        ("line 7", "2022-06-01 19:06:00", j, None, j, "Hello all"),
        ("line 8", "2022-06-13 20:15:00", t, None, t, None),
        ("line 9", "2022-06-02 08:00:00", p, None, p, "First meeting on Friday\nBring the book"),
        ("line 11", "2022-06-02 08:05:00", j, None, j, "I'll be there"),
        ("line 12", "2022-06-13 20:16:00", None, None, None, "Tom Okafor left"),
    ]
    assert flags(items)["system"] == ["line 1", "line 2", "line 3", "line 6", "line 12"]


def test_group_chat_with_me_given() -> None:
    items = parse(sample("WhatsApp Chat with Book Club.txt"), me="jordan lee")
    assert [(r[0], r[2], r[3], r[4]) for r in rows(items) if r[2]] == [
        ("line 4", "Priya Shah", "incoming", "Priya Shah"),
        ("line 5", "Tom Okafor", "incoming", "Tom Okafor"),
        ("line 7", "Jordan Lee", "outgoing", None),
        ("line 8", "Tom Okafor", "incoming", "Tom Okafor"),
        ("line 9", "Priya Shah", "incoming", "Priya Shah"),
        ("line 11", "Jordan Lee", "outgoing", None),
    ]


def test_crlf_boms_nbsp_and_invisible_marks() -> None:
    source = sample("WhatsApp Chat with Harbour Street.txt")
    assert source.path.read_bytes().startswith(b"\xef\xbb\xbf20/07/2023")
    assert b"\r\n" in source.path.read_bytes()
    items = parse(source, me="Taylor Green")
    common_checks(items, "Harbour Street")
    j, t, n = "Jamie Fox", "Taylor Green", "+44 7700 900123"
    assert rows(items) == [
        ("line 1", "2023-07-20 08:00:00", j, "incoming", j, "Morning\u00a0sunshine"),
        ("line 2", "2023-07-20 08:01:00", j, "incoming", j, "Look https://example.org/path"),
        ("line 3", "2023-07-20 08:02:00", t, "outgoing", None, "second line of the caption"),
        ("line 5", "2023-07-20 08:03:00", j, "incoming", j, None),
        # the number's left-to-right embedding marks are not part of the name
        ("line 6", "2023-07-20 08:04:00", n, "incoming", n, "who is this"),
        ("line 7", "2023-07-20 08:05:00", t, "outgoing", None, "Please stop"),
        ("line 8", "2023-07-20 08:06:00", j, "incoming", j, None),
        ("line 9", "2023-07-20 08:07:00", j, "incoming", j, "Read it\nall of it"),
        ("line 11", "2023-07-20 08:09:00", t, "outgoing", None, "No"),
    ]
    assert attachments(items) == {
        "line 3": [("VID-20230720-WA0001.mp4", "video/mp4", None, NOT_FOUND)],
        "line 5": [("PTT-20230720-WA0002.opus", "audio/ogg", None, NOT_FOUND)],
        "line 8": [("DOC-20230720-WA0003.pdf", "application/pdf", None, NOT_FOUND)],
    }
    assert flags(items)["system"] == []


# --- day and month order -----------------------------------------------------------------


def test_ambiguous_dates_default_to_day_first() -> None:
    source = sample("WhatsApp Chat with Robin Blake.txt")
    scanned = describe(source)
    assert (scanned.day_first, scanned.order_rule, scanned.deciding_date) == (
        True,
        "default",
        None,
    )
    items = parse(source)
    assert [r[1] for r in rows(items)] == [
        "2022-04-03 10:00:00",
        "2022-04-05 11:30:00",
        "2022-04-07 09:15:00",
        "2022-04-07 09:16:00",
        "2022-04-08 07:00:00",
        "2022-04-08 07:05:00",
        "2022-04-09 22:30:00",
        "2022-04-10 06:45:00",
        "2022-04-11 12:00:00",
        "2022-04-12 18:20:00",
    ]
    # a deleted message is still the sender's message
    assert not records(items)[8].system and records(items)[8].direction == "outgoing"


def test_ambiguous_dates_with_day_first_option() -> None:
    source = sample("WhatsApp Chat with Robin Blake.txt")
    assert describe(source, ParseOptions(day_first=False)).order_rule == "option"
    items = parse(source, day_first=False)
    assert [r[1] for r in rows(items)][:3] == [
        "2022-03-04 10:00:00",
        "2022-05-04 11:30:00",
        "2022-07-04 09:15:00",
    ]
    assert len(records(items)) == 10


def test_ambiguous_us_clock_defaults_to_month_first() -> None:
    source = sample("WhatsApp Chat with Robin Blake (2).txt")
    scanned = describe(source)
    assert (scanned.day_first, scanned.order_rule) == (False, "default")
    items = parse(source)
    assert [r[1] for r in rows(items)] == [
        "2022-03-04 10:00:00",
        "2022-05-04 11:30:00",
        "2022-07-04 21:15:00",
        "2022-07-04 21:16:00",
        "2022-08-04 07:00:00",
        "2022-08-04 07:05:00",
        "2022-09-04 22:30:00",
        "2022-10-04 06:45:00",
        "2022-11-04 12:00:00",
        "2022-12-04 18:20:00",
    ]
    # "(2)" of a second download is not part of the chat's name
    assert records(items)[0].thread == "Robin Blake"
    assert records(items)[1].direction == "outgoing"
    assert parse(source, day_first=True)[0].at == datetime(2022, 4, 3, 10, 0)  # type: ignore[union-attr]


def test_late_deciding_date_and_option_override() -> None:
    lines = [f"0{d}/0{m}/2022, 10:00 - Alex: message {d}{m}" for d in range(1, 4) for m in (5, 6)]
    lines.append("13/06/2022, 10:00 - Alex: this one decides: day first")
    data = "\n".join(lines).encode()
    source = BytesSource("_chat.txt", data)
    assert parse(source)[0].at == datetime(2022, 5, 1, 10, 0)  # type: ignore[union-attr]
    forced = parse(source, day_first=False)
    assert forced[0].at == datetime(2022, 1, 5, 10, 0)  # type: ignore[union-attr]
    assert forced[-1] == Skipped(
        "line 7", "The date 13/06/2022 does not exist; the message on this line was not read."
    )


# --- who is who --------------------------------------------------------------------------


def test_unknown_chat_name_gives_no_direction() -> None:
    data = (SAMPLES / "WhatsApp Chat with Alex Morgan.txt").read_bytes()
    items = parse(BytesSource("_chat.txt", data))
    recs = records(items)
    assert {r.direction for r in recs} == {None}
    assert {r.thread for r in recs} == {None}
    assert recs[1].counterpart == "Alex Morgan" and recs[2].counterpart == "Jordan Lee"


def test_me_option_overrides_the_guess() -> None:
    items = parse(sample("WhatsApp Chat with Alex Morgan.txt"), me="Alex Morgan")
    recs = {r.position: r for r in records(items)}
    assert (recs["line 2"].direction, recs["line 2"].counterpart) == ("outgoing", "Jordan Lee")
    assert (recs["line 3"].direction, recs["line 3"].counterpart) == ("incoming", "Jordan Lee")


def test_chat_with_one_person_writing() -> None:
    data = b"18/03/2022, 10:00 - Alex: one\n18/03/2022, 10:01 - Alex: two\n"
    recs = records(parse(BytesSource("WhatsApp Chat with Alex.txt", data)))
    assert [(r.direction, r.counterpart) for r in recs] == [("incoming", "Alex")] * 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("WhatsApp Chat with Alex.txt", "Alex"),
        ("WhatsApp Chat - Alex Morgan.zip › _chat.txt", "Alex Morgan"),
        ("export › WhatsApp Chat with Alex (3).txt", "Alex"),
        ("WhatsApp Chat mit Kai.txt", "Kai"),
        ("Chat de WhatsApp con Diego.txt", "Diego"),
        ("Discussion WhatsApp avec Hugo.txt", "Hugo"),
        ("WhatsApp-chat met Noor.txt", "Noor"),
        ("Conversa do WhatsApp com Ana.txt", "Ana"),
        ("_chat.txt", None),
        ("notes.txt", None),
        ("WhatsApp Chat with .txt", None),
    ],
)
def test_chat_name_from_file_name(name: str, expected: str | None) -> None:
    assert chat_name(name) == expected


def test_chat_file_names() -> None:
    assert is_chat_file_name("_chat.txt")
    assert is_chat_file_name("folder/WhatsApp Chat with Alex.txt")
    assert not is_chat_file_name("WhatsApp Chat with Alex.zip")
    assert not is_chat_file_name("result.json")


# --- pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("12", "05", None, "AM"), (0, 5, 0)),
        (("12", "30", None, "p. m."), (12, 30, 0)),
        (("00", "08", None, "a.\u00a0m."), (0, 8, 0)),
        (("7", "30", "15", "PM"), (19, 30, 15)),
        (("2", "56", None, "오후"), (14, 56, 0)),
        (("9", "05", None, "ص"), (9, 5, 0)),
        (("٢", "٥٦", None, "م"), (14, 56, 0)),
        (("13", "05", None, "PM"), (13, 5, 0)),
        (("23", "59", "59", None), (23, 59, 59)),
    ],
)
def test_resolve_time(parts: tuple[str, str, str | None, str | None], expected: object) -> None:
    assert resolve_time(*parts) == expected


@pytest.mark.parametrize("parts", [("24", "00", None, None), ("10", "60", None, None)])
def test_resolve_time_refuses(parts: tuple[str, str, str | None, str | None]) -> None:
    with pytest.raises(ValueError):
        resolve_time(*parts)


@pytest.mark.parametrize(
    ("fields", "day_first", "expected"),
    [
        (("3", "18", "R4", "3/18/R4"), False, (2022, 3, 18)),
        (("R4", "3", "18", "R4/3/18"), True, (2022, 3, 18)),
        (("H31", "4", "30", "H31/4/30"), True, (2019, 4, 30)),
        (("18", "3", "2565", "18/3/2565 BE"), True, (2022, 3, 18)),
        (("18", "3", "2565", "18/3/2565"), True, (2022, 3, 18)),
        (("18", "03", "22", "18.03.22"), True, (2022, 3, 18)),
        (("2022", "3", "18", "2022. 3. 18."), False, (2022, 3, 18)),
        (("٢٣", "٣", "٢٠٢٢", "٢٣/٣/٢٠٢٢"), True, (2022, 3, 23)),
    ],
)
def test_resolve_date(fields: tuple[str, str, str, str], day_first: bool, expected: object) -> None:
    assert resolve_date(*fields, day_first=day_first) == expected


def test_resolve_date_refuses_impossible_dates() -> None:
    with pytest.raises(ValueError):
        resolve_date("29", "2", "2021", "29/2/2021", True)
    assert resolve_date("29", "2", "2024", "29/2/2024", True) == (2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IMG-20220323-WA0002.jpg (file attached)", "IMG-20220323-WA0002.jpg"),
        ("My notes.pdf (Datei angehängt)", "My notes.pdf"),
        (
            "<attached: 00000012-PHOTO-2022-03-23-13-32-01.jpg>",
            "00000012-PHOTO-2022-03-23-13-32-01.jpg",
        ),
        (
            "<pièce jointe : 00000012-PHOTO-2022-03-23-13-32-01.jpg>",
            "00000012-PHOTO-2022-03-23-13-32-01.jpg",
        ),
        ("<Anhang: Vertrag.pdf>", "Vertrag.pdf"),
        ("see you at 5 (maybe)", None),
        ("<note: remember.txt>", None),
        ("I like this.jpg (really)", None),
        ("<3", None),
    ],
)
def test_attached_file(text: str, expected: str | None) -> None:
    assert attached_file(text) == expected


# --- damaged and hostile input -----------------------------------------------------------


def test_empty_file_is_not_whatsapp() -> None:
    items = WA.parse(BytesSource("_chat.txt", b""), ParseOptions())  # nothing read yet
    with pytest.raises(ImportFormatError):
        next(items)


def test_prose_is_not_whatsapp() -> None:
    data = b"Dear diary,\ntoday was a long day.\n" * 50
    with pytest.raises(ImportFormatError):
        parse(BytesSource("WhatsApp Chat with Alex.txt", data))


def test_text_before_the_first_message() -> None:
    data = b"\nsomething pasted here\nand here\n18/03/2022, 10:00 - Alex: hi\n"
    items = parse(BytesSource("_chat.txt", data))
    assert items[0] == Skipped(
        "line 2",
        "The text at the start of the file does not belong to any message; it was not read.",
    )
    assert rows(items)[1] == ("line 4", "2022-03-18 10:00:00", "Alex", None, "Alex", "hi")


def test_very_long_line_is_cut_and_reported() -> None:
    data = (
        b"18/03/2022, 10:00 - Alex: "
        + b"x" * (LINE_LIMIT + 5000)
        + b"\n18/03/2022, 10:01 - Alex: after\n"
    )
    items = parse(BytesSource("_chat.txt", data))
    assert len(items) == 3
    first = items[0]
    assert isinstance(first, ParsedRecord) and first.text is not None
    assert set(first.text) == {"x"}
    assert LINE_LIMIT - 100 <= len(first.text) <= MAX_TEXT
    assert isinstance(items[1], Skipped) and items[1].position == "line 1"
    assert "longer than SafeTrail reads" in items[1].reason
    assert isinstance(items[2], ParsedRecord) and items[2].text == "after"


def test_message_with_too_many_lines_is_cut() -> None:
    line = b"y" * 999 + b"\n"
    count = MAX_TEXT // 1000 + 50
    data = b"18/03/2022, 10:00 - Alex: start\n" + line * count + b"18/03/2022, 10:01 - Alex: next\n"
    items = parse(BytesSource("_chat.txt", data))
    assert [type(item).__name__ for item in items] == ["ParsedRecord", "Skipped", "ParsedRecord"]
    first = items[0]
    assert isinstance(first, ParsedRecord) and first.text is not None
    assert MAX_TEXT - 1000 <= len(first.text) <= MAX_TEXT + 1000
    assert items[2].position == f"line {count + 2}"


def test_undecodable_bytes_and_nul() -> None:
    data = b"18/03/2022, 10:00 - Alex: caf\xe9 \x00 ok\n"
    assert records(parse(BytesSource("_chat.txt", data)))[0].text == "caf\ufffd \x00 ok"


def test_utf16_export() -> None:
    text = "\ufeff18/03/2022, 10:00 - Alex: hallo\r\n18/03/2022, 10:01 - Sam: tschüss\r\n"
    items = parse(BytesSource("WhatsApp Chat with Alex.txt", text.encode("utf-16-le")))
    assert rows(items) == [
        ("line 1", "2022-03-18 10:00:00", "Alex", "incoming", "Alex", "hallo"),
        ("line 2", "2022-03-18 10:01:00", "Sam", "outgoing", "Alex", "tschüss"),
    ]


def _damaged_zip(tmp: Path) -> Path:
    """A zip whose chat (about 1 MB, hard to compress) is damaged three quarters in."""
    rng = random.Random(5)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    body = "".join(
        f"{day:02d}/03/2022, {hour:02d}:{minute:02d} - Alex: message {day} {hour} {minute} "
        + " ".join(rng.choice(words) + str(rng.randint(0, 99999)) for _ in range(12))
        + "\n"
        for day in range(13, 29)
        for hour in range(24)
        for minute in range(0, 60, 3)
    ).encode()
    assert len(body) > 1_000_000
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_chat.txt", body)
    data = bytearray(packed.getvalue())
    damage = len(data) * 3 // 4
    for offset in range(damage, damage + 64):
        data[offset] ^= 0x5A
    path = tmp / "WhatsApp Chat with Alex.zip"
    path.write_bytes(bytes(data))
    return path


def test_damaged_zip_member_keeps_what_came_before(tmp_path: Path) -> None:
    source = zip_chat(_damaged_zip(tmp_path))
    items = parse(source)
    assert isinstance(items[-1], Skipped) and items[-1].rest_lost
    assert "could not be read" in items[-1].reason
    recs = records(items)
    assert len(recs) > 1000
    assert recs[0].text and recs[0].text.startswith("message 13 0 0 ")
    assert all(not item.rest_lost for item in items[:-1] if isinstance(item, Skipped))


# --- large files: blocks, the first pass beyond its sample --------------------------------


def _big_chat(layout: str, count: int = 25_000) -> tuple[bytes, list[tuple[object, ...]]]:
    """A chat of ``count`` messages (about 2.5 MB: several blocks), some multi-line, and
    what each record must say."""
    rng = random.Random(11)
    lines: list[str] = []
    expected: list[tuple[object, ...]] = []
    start = datetime(2022, 3, 13, 8, 0)
    for index in range(count):
        at = start + timedelta(minutes=index)
        who = ("Alex", "Sam")[index % 2]
        texts = [f"message {index} " + "w" * rng.randint(0, 150)]
        texts += [f"more {index}.{k}" for k in range(rng.choice((0, 0, 0, 1, 3)))]
        if layout == "android":
            head = f"{at:%d/%m/%Y, %H:%M} - "
        elif layout == "ios":
            head = f"\u200e[{at:%d/%m/%y, %H:%M:%S}] "
        else:
            head = f"{at:%H:%M, %d/%m/%Y} - "
        expected.append((f"line {len(lines) + 1}", at, who, "\n".join(texts)))
        lines.append(f"{head}{who}: {texts[0]}")
        lines.extend(texts[1:])
    return ("\n".join(lines) + "\n").encode(), expected


@pytest.mark.parametrize("layout", ["android", "ios", "time-first"])
def test_messages_across_block_boundaries(layout: str) -> None:
    data, expected = _big_chat(layout)
    assert len(data) > 4 * CHUNK
    items = parse(BytesSource("WhatsApp Chat with Alex.txt", data))
    assert all(isinstance(item, ParsedRecord) for item in items)
    got = [(r.position, r.at, r.sender, r.text) for r in records(items)]
    assert got == expected
    assert {r.direction for r in records(items) if r.sender == "Sam"} == {"outgoing"}


def test_giant_line_across_several_reads() -> None:
    data = (
        b"18/03/2022, 10:00 - Alex: start\n"
        + b"z" * (3 * LINE_LIMIT)
        + b"\n18/03/2022, 10:01 - Alex: after\nend\n"
    )
    items = parse(BytesSource("_chat.txt", data))
    assert [type(item).__name__ for item in items] == ["ParsedRecord", "Skipped", "ParsedRecord"]
    first, notice, last = items
    assert isinstance(first, ParsedRecord) and first.text is not None
    assert first.text.startswith("start\nzzz") and len(first.text) <= MAX_TEXT
    assert notice.position == "line 1"
    assert isinstance(last, ParsedRecord)
    assert (last.position, last.text) == ("line 3", "after\nend")


def test_deciding_date_after_the_sample() -> None:
    lines = [f"{d:02d}/0{m}/2022, 10:00 - Alex: hi {d} {m}" for m in (3, 4) for d in range(1, 13)]
    lines *= 5  # 120 headers: more than the first pass samples
    lines.append("04/13/2022, 10:00 - Alex: month first after all")
    source = BytesSource("_chat.txt", "\n".join(lines).encode())
    scanned = describe(source)
    assert (scanned.day_first, scanned.order_rule, scanned.deciding_date) == (
        False,
        "file",
        "04/13/2022",
    )
    assert records(parse(source))[0].at == datetime(2022, 1, 3, 10, 0)


def test_third_sender_late_in_the_file_makes_it_a_group() -> None:
    data, _expected = _big_chat("android", 3000)
    data += b"01/01/2023, 09:00 - Casey: hello everyone\n"
    source = BytesSource("WhatsApp Chat with Alex.txt", data)
    scanned = describe(source)
    assert (scanned.senders, scanned.many_senders) == (("Alex", "Sam", "Casey"), True)
    recs = records(parse(source))
    assert {r.direction for r in recs} == {None}
    assert recs[-1].counterpart == "Casey" and recs[1].counterpart == "Sam"


def test_ios_system_lines_do_not_count_as_senders() -> None:
    lines = [
        "[01/06/22, 19:00:00] Book Club: \u200eAlex created this group",
        "[01/06/22, 19:00:01] Book Club: \u200eAlex added you",
        "[01/06/22, 19:01:00] Alex: Welcome",
        "[01/06/22, 19:02:00] Sam: Thanks",
        "[13/06/22, 19:03:00] Casey: Hi all",
    ]
    source = BytesSource("WhatsApp Chat - Book Club.zip › _chat.txt", "\n".join(lines).encode())
    assert describe(source).senders == ("Alex", "Sam", "Casey")
    recs = records(parse(source, me="Sam"))
    assert [(r.sender, r.system, r.text) for r in recs[:2]] == [
        (None, True, "Alex created this group"),
        (None, True, "Alex added you"),
    ]
    assert [(r.sender, r.direction, r.counterpart) for r in recs[2:]] == [
        ("Alex", "incoming", "Alex"),
        ("Sam", "outgoing", None),
        ("Casey", "incoming", "Casey"),
    ]


def test_fast_records_are_the_same_records() -> None:
    assert make_record is not whatsapp_slots._plain_record
    assert whatsapp_slots.SETTERS is not None
    example = (
        "line 3", "message", datetime(2022, 3, 18, 14, 56), "incoming", "Alex", "Alex",
        "hi\nthere", None, "Alex", False, (),
    )  # fmt: skip
    fast = make_record(*example)
    plain = whatsapp_slots._plain_record(*example)  # type: ignore[arg-type]
    assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
    with pytest.raises(AttributeError):
        fast.text = "changed"  # type: ignore[misc]
    # the shortcut in the second pass gives exactly what the careful path gives
    source = sample("WhatsApp Chat with Alex Morgan.txt")
    plan = describe(source)
    assert set(plan.raw_names) == {"Alex Morgan", "Jordan Lee"}
    builder = Builder(source, ParseOptions(), plan)
    careful_calls: list[int] = []
    build = builder.build

    def counted(*args: object) -> Item:
        careful_calls.append(1)
        return build(*args)  # type: ignore[arg-type]

    builder.build = counted  # type: ignore[method-assign]
    out: list[Item] = []
    add, finish = batch(builder, out)
    bodies = [
        "Alex Morgan: hello",
        "Jordan Lee: two\nlines\n",
        "Alex Morgan: <Media omitted>",
        "Alex Morgan: <Media omitted>\nwith a caption",
        "Alex Morgan: This message was deleted.",
        "Alex Morgan: Missed video call",
        "Alex Morgan: IMG-20220317-WA0004.jpg (file attached)",
        "Alex Morgan: \u200eimage omitted",
        "Somebody New: hi",
        "You blocked this contact.",
    ]
    careful = [build("14/03/2022", "09:15", None, 7, body) for body in bodies]
    for body in bodies:  # as the split gives them: without the sender it recognised…
        add([("14/03/2022", "09:15", None, None, body)], 7, False)
    finish()
    assert out == careful
    out.clear()
    for body in bodies:  # …and with it
        who, _, rest = body.partition(": ")
        if who in plan.raw_names:
            add([("14/03/2022", "09:15", None, who, rest)], 7, False)
        else:
            add([("14/03/2022", "09:15", None, None, body)], 7, False)
    finish()
    assert out == careful
    assert len(careful_calls) < 2 * len(bodies)  # most went the short way
    assert [repr(item) for item in out] == [repr(item) for item in careful]


# --- detection ---------------------------------------------------------------------------


def _probe(path: Path) -> list[Probe]:
    found = []
    for source in find_sources([path]):
        if not isinstance(source, Skipped) and source.member.endswith(".txt"):
            found.append(probe(source))
    return found


@pytest.mark.parametrize("path", sorted(SAMPLES.iterdir()), ids=lambda p: p.name)
def test_detect_scores_samples_high(path: Path) -> None:
    probes = _probe(path)
    assert probes
    for found in probes:
        assert WA.detect(found) >= 0.5


OTHER_CONTENT = {
    "notes.txt": b"Shopping list\nmilk\neggs\n\nCall the landlord about the heating.\n",
    "result.json": json.dumps(
        {"name": "Alex", "type": "personal_chat", "messages": [{"id": 1, "text": "hi"}]}
    ).encode(),
    "message_1.json": b'{"participants": [{"name": "Alex"}], "messages": []}',
    "sms.xml": b"<?xml version='1.0' encoding='UTF-8'?>\n<smses count=\"1\">\n"
    b'<sms address="+4477" date="1647600000000" type="1" body="hi" />\n</smses>\n',
    "calls.csv": b"date,number,direction,duration\n18/03/2022 14:56,+447700900123,in,35\n"
    b"18/03/2022 15:00,+447700900123,out,0\n",
    "semicolon.csv": b"18/03/2022;14:56;+447700900123;incoming\n",
    "mail.mbox": b"From alex@example.org Fri Mar 18 14:56:00 2022\nSubject: hi\n\nhello\n",
    "server.log": b"2022-03-18 14:56:01 - INFO: started\n2022-03-18 14:56:02 - INFO: ok\n" * 5,
    "random.bin": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("name", sorted(OTHER_CONTENT))
def test_detect_scores_other_content_low(name: str) -> None:
    data = OTHER_CONTENT[name]
    assert WA.detect(Probe(name=name, size=len(data), head=data)) < 0.5


def test_detect_name_alone_is_not_enough() -> None:
    data = b"nothing that looks like a chat\n"
    assert WA.detect(Probe(name="_chat.txt", size=len(data), head=data)) < 0.5


def test_module_exposes_the_importer() -> None:
    assert len(IMPORTERS) == 1
    assert isinstance(IMPORTERS[0], Importer)
    assert (IMPORTERS[0].name, IMPORTERS[0].label) == ("whatsapp", "WhatsApp chat export")


# --- properties --------------------------------------------------------------------------

FRAGMENTS = [
    "14/03/2022, 09:12 - ",
    "31/02/2022, 08:00 - ",
    "99/99/9999, 99:99 - ",
    "[23/03/22, 13:30:05] ",
    "3/9/22, 8:15\u202fAM - ",
    "18/3/22, 0:08 a. m. - ",
    "09:12, 18/03/2022 - ",
    "[18/03/22 14.56.01] ",
    "[3/18/R4 14:56:01] ",
    "[18/3/2565 BE 14:56:01] ",
    "٢٣\u200f/٣\u200f/٢٠٢٢ ٢:٥٦ م - ",
    "2022. 3. 18. 오후 2:56 - ",
    "18/03/2022 à 14:56 - ",
    "Alex: ",
    "\u202a+44 7700\u202c: ",
    '"quoted: name"',
    "\u200e",
    "\u200f",
    "\ufeff",
    "\u00a0",
    "<Media omitted>",
    "<attached: 00000001-PHOTO-2022-01-01-00-00-00.jpg>",
    "IMG-20220101-WA0001.jpg (file attached)",
    "This message was deleted.",
    "Missed voice call",
    ":",
    ": ",
    "[",
    "]",
    " - ",
    "\r",
    "\r\n",
    "null",
]
LINE = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=6).map(
    "".join
)
DOCUMENT = st.lists(LINE, max_size=25).map("\n".join)
FAST = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check_never_crashes(source: Source, **options: object) -> list[Item]:
    try:
        items = parse(source, **options)
    except SafetrailError:
        return []
    for item in items:
        assert isinstance(item, ParsedRecord | Skipped)
        assert item.position.startswith("line ")
        if isinstance(item, ParsedRecord):
            assert item.at.tzinfo is None
            assert item.channel == "whatsapp"
            assert item.direction in (None, "incoming", "outgoing")
    lost = [item for item in items if isinstance(item, Skipped) and item.rest_lost]
    assert len(lost) <= 1 and (not lost or items[-1] is lost[0])
    return items


@FAST
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash(data: bytes) -> None:
    _check_never_crashes(BytesSource("WhatsApp Chat with Alex.txt", data))


@FAST
@given(DOCUMENT, st.sampled_from(["utf-8", "utf-16"]), st.sampled_from([None, True, False]))
def test_header_fragments_never_crash(text: str, encoding: str, day_first: bool | None) -> None:
    data = text.encode(encoding, errors="surrogatepass")
    _check_never_crashes(
        BytesSource("WhatsApp Chat with Alex.txt", data), day_first=day_first, me="Alex"
    )


SAMPLE_BYTES = [path.read_bytes() for path in sorted(SAMPLES.iterdir()) if path.suffix == ".txt"]


ANDROID_BYTES = [
    (SAMPLES / name).read_bytes()
    for name in (
        "WhatsApp Chat with Alex Morgan.txt",
        "WhatsApp Chat with Book Club.txt",
        "WhatsApp Chat with Harbour Street.txt",
        "WhatsApp Chat with Robin Blake.txt",
    )
]


@st.composite
def mutated(draw: st.DrawFn, pool: list[bytes] = SAMPLE_BYTES) -> bytes:
    data = bytearray(draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif data:
            del data[at : at + draw(st.integers(1, 30))]
    return bytes(data)


@FAST
@given(mutated())
def test_mutated_samples_never_crash(data: bytes) -> None:
    _check_never_crashes(BytesSource("WhatsApp Chat with Alex Morgan.txt", data))


@FAST
@given(mutated(ANDROID_BYTES))
def test_mutated_samples_still_read_a_later_message(data: bytes) -> None:
    """Whatever the damage before it, a later message in the file's layout is read."""
    tail = b"\n01/01/2030, 10:00 - Alex Morgan: the end\n"
    items = _check_never_crashes(BytesSource("_chat.txt", data + tail))
    if items:
        last = items[-1]
        assert isinstance(last, ParsedRecord)
        assert last.text == "the end" and last.sender == "Alex Morgan"


ZIP_BYTES = (SAMPLES / "WhatsApp Chat - Sam Rivera.zip").read_bytes()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(ZIP_BYTES) - 1), st.binary(min_size=1, max_size=8), st.booleans())
def test_damaged_zip_never_crashes(at: int, junk: bytes, truncate: bool) -> None:
    data = ZIP_BYTES[:at] if truncate else ZIP_BYTES[:at] + junk + ZIP_BYTES[at + len(junk) :]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "WhatsApp Chat - Sam Rivera.zip"
        path.write_bytes(data)
        try:
            sources = list(find_sources([path]))
        except SafetrailError:
            return
        for source in sources:
            if isinstance(source, Skipped) or not source.member.endswith(".txt"):
                continue
            _check_never_crashes(source)
