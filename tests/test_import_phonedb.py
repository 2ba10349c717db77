"""Phone database importer (iOS sms.db / chat.db, Android mmssms.db)."""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
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
from safetrail.importers.phonedb import IMPORTERS, IOS_BACKUP_NAME, PhoneDbImporter
from safetrail.importers.phonedb_ios import attributed_text
from safetrail.importers.phonedb_sql import apple_time, unix_time
from safetrail.importers.sources import BytesSource, FileSource, probe

SAMPLES = Path(__file__).parent / "samples" / "phonedb"
IOS10 = SAMPLES / "ios10-sms.db"
IOS16 = SAMPLES / "ios16-sms.db"
ANDROID = SAMPLES / "android-mmssms.db"
NOTES = SAMPLES / "notes.db"
IMPORTER = PhoneDbImporter()
ON_PHONE = "stored on the phone, not in this file"
NO_DATE = "This message has no date that can be read; it was not imported."
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_file(path: Path) -> list[Item]:
    return list(IMPORTER.parse(FileSource(path), ParseOptions()))


def parse_bytes(data: bytes, name: str = "sms.db", **others: bytes) -> list[Item]:
    return list(IMPORTER.parse(BytesSource(name, data, dict(others)), ParseOptions()))


def records(items: list[Item]) -> list[ParsedRecord]:
    return [i for i in items if isinstance(i, ParsedRecord)]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def serialized(script: str, rows: list[tuple[str, tuple[Any, ...]]] | None = None) -> bytes:
    db = sqlite3.connect(":memory:")
    db.executescript(script)
    for sql, values in rows or []:
        db.execute(sql, values)
    db.commit()
    data = db.serialize()
    db.close()
    return data


def only_safetrail_errors(data: bytes, name: str = "sms.db") -> list[Item]:
    try:
        return parse_bytes(data, name)
    except SafetrailError:
        return []


# --- contract ---------------------------------------------------------------------------


def test_module_exposes_importer() -> None:
    (importer,) = IMPORTERS
    assert isinstance(importer, Importer)
    assert importer.name == "phonedb"
    assert (
        importer.label
        == "Phone database (iOS sms.db, Android mmssms.db or call log, WhatsApp on iPhone)"
    )


# --- iOS ----------------------------------------------------------------------------------


def test_ios_seconds_database() -> None:
    items = parse_file(IOS10)
    assert len(items) == 6
    first, second, third, fourth, fifth = records(items)
    assert first == ParsedRecord(
        position="message row 1",
        kind="message",
        channel="sms",
        at=utc(2022, 5, 1, 10, 13, 20),
        direction="incoming",
        counterpart="+447700900123",
        text="Why are you ignoring me?",
        source_id="A1",
    )
    assert (second.direction, second.counterpart, second.channel) == (
        "outgoing",
        "+447700900123",
        "sms",
    )
    assert second.at == utc(2022, 5, 1, 10, 14, 20)
    assert third.channel == "imessage"
    assert third.counterpart == "jordan@example.com"
    assert third.text == "I'm outside \U0001f600"
    # the attachment placeholder character is removed; the file stays on the phone
    assert fourth.text == "Look what I found"
    assert fourth.attachments == (
        Attachment(name="IMG_0412.HEIC", media_type="image/heic", note=ON_PHONE),
    )
    # sent from this phone with handle_id 0: the one-to-one chat names the other side
    assert (fifth.direction, fifth.counterpart, fifth.subject) == (
        "outgoing",
        "jordan@example.com",
        "Last warning",
    )
    assert fifth.participants == ()
    assert items[-1] == Skipped("message row 6", NO_DATE)


def test_ios_nanosecond_database_with_attributed_bodies_and_group() -> None:
    items = parse_file(IOS16)
    assert all(isinstance(i, ParsedRecord) for i in items)
    incoming, outgoing, system, long_sms, unreadable, reaction = records(items)
    group = ("+447700900123", "+447700900789", "sam@example.org")
    assert incoming.at == datetime(2022, 5, 1, 10, 23, 20, 123456, tzinfo=UTC)
    assert incoming.text == "We are all watching you"  # from attributedBody; text is NULL
    assert (incoming.direction, incoming.sender, incoming.counterpart) == (
        "incoming",
        "+447700900789",
        "+447700900789",
    )
    assert incoming.participants == group
    assert incoming.thread == "chat845201"
    assert (outgoing.direction, outgoing.counterpart, outgoing.sender) == ("outgoing", None, None)
    assert outgoing.participants == group
    assert outgoing.text == "Stop adding me to this group."
    assert system.system is True
    assert system.text is None
    # longer than 127 bytes: the typedstream length takes three bytes
    assert long_sms.text == ("I know where you were on Saturday. " * 5).strip()
    assert (long_sms.channel, long_sms.participants, long_sms.thread) == ("sms", (), None)
    assert unreadable.text is None  # no NSString in the blob: text left empty
    assert reaction.text == "Loved \u201cStop adding me to this group.\u201d"
    assert reaction.sender == "sam@example.org"
    assert [r.position for r in records(items)] == [f"message row {n}" for n in range(10, 16)]


def test_attributed_text_variants() -> None:
    assert attributed_text(None) is None
    assert attributed_text("text") is None
    assert attributed_text(b"") is None
    assert attributed_text(b"NSString\x01\x94\x84\x01+\x05hello\x86") == "hello"
    assert attributed_text(b"NSMutableString\x01\x94\x84\x01+\x02hi") == "hi"
    assert attributed_text(b"NSString\x01\x94\x84\x01+\x81\x03\x00abc") == "abc"
    assert attributed_text(b"NSString\x01\x94\x84\x01+\x82\x02\x00\x00\x00ok") == "ok"
    assert attributed_text(b"NSString\x01\x94\x84\x01+\x09short") is None
    assert attributed_text(b"NSString\x01\x94\x84\x01+\x90abc") is None
    assert attributed_text(b"NSString\x01\x94\x84\x01+") is None
    assert attributed_text(b"NSString\x01\x94\x84\x01+\x02\xff\xfe") == "\ufffd\ufffd"


def test_apple_and_unix_times() -> None:
    assert apple_time(673_092_800) == utc(2022, 5, 1, 10, 13, 20)
    assert apple_time(673_092_800_000_000_001) == utc(2022, 5, 1, 10, 13, 20)
    assert apple_time("673092800") == utc(2022, 5, 1, 10, 13, 20)
    assert apple_time(673_092_800.5) == datetime(2022, 5, 1, 10, 13, 20, 500000, tzinfo=UTC)
    for value in (None, 0, -5, "soon", b"\x00", float("nan"), float("inf"), 10**30):
        assert apple_time(value) is None
    assert unix_time(1651400000000) == utc(2022, 5, 1, 10, 13, 20)
    assert unix_time(1651400000) == utc(2022, 5, 1, 10, 13, 20)
    assert unix_time(10**20) is None


# --- Android --------------------------------------------------------------------------------


def test_android_sms_and_mms() -> None:
    items = parse_file(ANDROID)
    assert len(items) == 9
    assert len(records(items)) == 7
    first, second, third, failed, picture, group_out, group_in = records(items)
    assert first == ParsedRecord(
        position="sms row 1",
        kind="message",
        channel="sms",
        at=utc(2022, 5, 1, 10, 13, 20),
        direction="incoming",
        counterpart="+447700900123",
        text="Why are you ignoring me?\nI can see you.",
        source_id="sms:1",
    )
    assert (second.direction, second.text) == ("outgoing", "Please stop contacting me.")
    assert (third.counterpart, third.text) == ("07700 900456", "I'm outside \U0001f600")
    assert (failed.position, failed.direction) == ("sms row 5", "outgoing")
    assert items[3] == Skipped(
        "sms row 4", "This message is a draft that was never sent; it was not imported."
    )
    assert items[5] == Skipped("sms row 6", NO_DATE)
    # MMS: pdu dates are seconds
    assert picture.at == utc(2022, 5, 1, 10, 20)
    assert (picture.channel, picture.direction, picture.counterpart) == (
        "mms",
        "incoming",
        "+447700900123",
    )
    assert picture.text == "Look what I found"
    assert picture.source_id == "mid-0001@mms.example"
    assert picture.attachments == (
        Attachment(name="IMG_0412.jpg", media_type="image/jpeg", note=ON_PHONE),
    )
    assert group_out.direction == "outgoing"
    assert group_out.counterpart is None
    assert group_out.participants == ("+447700900123", "+447700900789")
    assert group_out.subject == "Saturday"
    assert group_out.source_id == "mms:2"
    assert group_in.sender == "+447700900789"
    assert group_in.participants == ("+447700900789", "+447700900123", "+447700900111")
    assert group_in.text == "We are all watching you"


# --- opening ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [IOS10, IOS16, ANDROID])
def test_in_memory_copy_reads_the_same(path: Path) -> None:
    # IOS16 is in WAL mode: the private in-memory copy is switched back to a rollback journal
    assert parse_bytes(path.read_bytes(), path.name) == parse_file(path)


def test_never_writes_next_to_the_database(tmp_path: Path) -> None:
    for sample in (IOS10, IOS16, ANDROID):
        shutil.copy2(sample, tmp_path / sample.name)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    for path in list(tmp_path.iterdir()):
        assert records(parse_file(path))
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    assert after == before  # no -wal, -shm or -journal appeared, nothing changed


def test_awkward_file_names(tmp_path: Path) -> None:
    path = tmp_path / "my phone #2 ?100% sms.db"
    shutil.copy(IOS10, path)
    assert len(parse_file(path)) == 6


def test_read_only_file_system_permissions(tmp_path: Path) -> None:
    path = tmp_path / "sms.db"
    shutil.copy(IOS10, path)
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        assert len(parse_file(path)) == 6
    finally:
        tmp_path.chmod(0o755)


def test_wal_file_beside_the_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "sms.db"
    shutil.copy(IOS16, path)
    (tmp_path / "sms.db-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(28))
    items = parse_file(path)
    note = items[0]
    assert isinstance(note, Skipped)
    assert note.position == "sms.db-wal"
    assert note.reason.startswith("The file sms.db-wal next to this database holds changes")
    assert not note.rest_lost
    assert len(records(items)) == 6
    in_zip = parse_bytes(
        IOS16.read_bytes(), "Library/SMS/sms.db", **{"Library/SMS/sms.db-wal": b"x"}
    )
    assert in_zip[0] == note
    assert parse_bytes(IOS16.read_bytes(), "sms.db", **{"sms.db-wal": b""})[0] != note


def test_database_without_message_tables() -> None:
    with pytest.raises(ImportFormatError, match="no message tables SafeTrail knows"):
        parse_file(NOTES)


@pytest.mark.parametrize(
    ("script", "missing"),
    [
        (
            "CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text, handle_id, is_from_me);"
            "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id);",
            "'message' table without the column(s) date",
        ),
        (
            "CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text, handle_id, date, is_from_me);"
            "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, who);",
            "'handle' table without the column(s) id",
        ),
        (
            "CREATE TABLE sms (_id INTEGER PRIMARY KEY, address, type);",
            "'sms' table without the column(s) date, body",
        ),
        (
            "CREATE TABLE pdu (_id INTEGER PRIMARY KEY, date);",
            "'pdu' table without the column(s) msg_box",
        ),
    ],
)
def test_missing_columns_are_a_format_error(script: str, missing: str) -> None:
    with pytest.raises(ImportFormatError, match=missing.replace("(", r"\(").replace(")", r"\)")):
        parse_bytes(serialized(script))


@pytest.mark.parametrize(
    "data",
    [b"", b"SQLite format 3\x00", b"SQLite format 3\x00" + bytes(84), b"not a database" * 100],
)
def test_not_a_database(data: bytes) -> None:
    with pytest.raises(ImportFormatError):
        parse_bytes(data)


class _HugeSource(BytesSource):
    @property
    def size(self) -> int:
        return 1024**3 + 1


def test_too_large_inside_an_archive() -> None:
    source = _HugeSource("sms.db", IOS10.read_bytes())
    with pytest.raises(ImportFormatError, match="larger than 1 GB"):
        list(IMPORTER.parse(source, ParseOptions()))


def test_minimal_tables_are_enough() -> None:
    data = serialized(
        "CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text, handle_id, date, is_from_me);"
        "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id);"
        "INSERT INTO handle VALUES (1, '+15551230000');"
        "INSERT INTO message VALUES (1, 'hi', 1, 673092800, 0);"
        "INSERT INTO message VALUES (2, X'ff6869', 7, '673092860', 1);"
    )
    first, second = parse_bytes(data)
    assert isinstance(first, ParsedRecord) and isinstance(second, ParsedRecord)
    assert (first.text, first.counterpart, first.channel) == ("hi", "+15551230000", "imessage")
    assert (second.text, second.counterpart, second.direction) == ("\ufffdhi", None, "outgoing")
    assert second.at == utc(2022, 5, 1, 10, 14, 20)


def test_damage_half_way_keeps_what_came_before() -> None:
    rows = [
        (
            "INSERT INTO message VALUES (?, ?, 1, ?, 0)",
            (n, f"message {n} " + "x" * 300, 673092800 + n),
        )
        for n in range(1, 401)
    ]
    data = bytearray(
        serialized(
            "PRAGMA page_size = 1024;"
            "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id);"
            "INSERT INTO handle VALUES (1, '+15551230000');"
            "CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text, handle_id, date, is_from_me);",
            rows,
        )
    )
    page = len(data) // 1024 // 2  # a leaf page of the message table, half-way through
    data[page * 1024 : page * 1024 + 1024] = b"\xff" * 1024
    items = parse_bytes(bytes(data))
    kept = records(items)
    assert 10 < len(kept) < 400
    assert [r.text for r in kept] == [f"message {n} " + "x" * 300 for n in range(1, len(kept) + 1)]
    last = items[-1]
    assert isinstance(last, Skipped)
    assert last.rest_lost
    assert last.position == f"after message row {len(kept)}"
    assert "The database is damaged after message row" in last.reason


# --- detection ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [IOS10, IOS16, ANDROID])
def test_detects_its_samples(path: Path) -> None:
    assert IMPORTER.detect(probe(FileSource(path))) >= 0.5
    head = path.read_bytes()[:65536]
    # by the schema alone, and by the name iOS backups give sms.db
    assert IMPORTER.detect(Probe("backup.sqlite", len(head), head)) >= 0.5
    assert IMPORTER.detect(Probe(f"3d/{IOS_BACKUP_NAME}", len(head), head)) >= 0.5


def test_backup_name_is_the_hash_of_the_domain_path() -> None:
    assert hashlib.sha1(b"HomeDomain-Library/SMS/sms.db").hexdigest() == IOS_BACKUP_NAME


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("notes.db", NOTES.read_bytes()),
        ("sms-1.xml", b"<?xml version='1.0'?><smses count='1'><sms body='sms.db' /></smses>"),
        ("result.json", b'{"name": "Alex", "type": "personal_chat", "messages": []}'),
        ("_chat.txt", b"12/03/2022, 14:56 - Alex: are you home?\n"),
        ("sms.db", b"just text that happens to be named like a database"),
        ("calls.csv", b"date,number,direction\n"),
        ("random.bin", bytes(range(256))),
    ],
)
def test_does_not_claim_other_content(name: str, head: bytes) -> None:
    assert IMPORTER.detect(Probe(name, len(head), head[:65536])) < 0.5


# --- fuzzing ------------------------------------------------------------------------------

SAMPLE_BYTES = [IOS10.read_bytes(), IOS16.read_bytes(), ANDROID.read_bytes()]
VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.binary(max_size=60),
    st.integers(min_value=0, max_value=6),
    st.sampled_from([b"NSString\x01\x94\x84\x01+\x05hello", "iMessage", "SMS", 137, 151]),
)
IOS_LAX = (
    "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id);"
    "CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid, text, attributedBody, handle_id,"
    " service, subject, date, is_from_me, item_type);"
    "CREATE TABLE chat (ROWID INTEGER PRIMARY KEY, guid, chat_identifier);"
    "CREATE TABLE chat_handle_join (chat_id, handle_id);"
    "CREATE TABLE chat_message_join (chat_id, message_id);"
    "CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY, filename, mime_type, transfer_name);"
    "CREATE TABLE message_attachment_join (message_id, attachment_id);"
)
ANDROID_LAX = (
    "CREATE TABLE sms (_id INTEGER PRIMARY KEY, address, date, type, body, subject);"
    "CREATE TABLE pdu (_id INTEGER PRIMARY KEY, date, msg_box, sub, m_id);"
    "CREATE TABLE part (_id INTEGER PRIMARY KEY, mid, seq, ct, name, cl, fn, _data, text);"
    "CREATE TABLE addr (_id INTEGER PRIMARY KEY, msg_id, address, type);"
)
#: table → (whether its first column is an INTEGER PRIMARY KEY, number of other columns)
TABLES = {
    "handle": (True, 1),
    "message": (True, 9),
    "chat": (True, 2),
    "chat_handle_join": (False, 2),
    "chat_message_join": (False, 2),
    "attachment": (True, 3),
    "message_attachment_join": (False, 2),
    "sms": (True, 5),
    "pdu": (True, 4),
    "part": (True, 8),
    "addr": (True, 3),
}


def _filled(script: str, names: list[str], data: st.DataObject) -> tuple[bytes, int]:
    rows: list[tuple[str, tuple[Any, ...]]] = []
    main = 0
    for table in names:
        has_id, width = TABLES[table]
        for rowid in range(1, data.draw(st.integers(min_value=0, max_value=6)) + 1):
            values = tuple(data.draw(VALUES) for _ in range(width))
            if has_id:
                values = (rowid, *values)
            marks = ", ".join("?" * len(values))
            rows.append((f"INSERT INTO {table} VALUES ({marks})", values))
            if table in ("message", "sms", "pdu"):
                main += 1
    return serialized(script, rows), main


@FUZZ
@given(st.data())
def test_random_ios_rows_never_crash(data: st.DataObject) -> None:
    names = [
        "handle",
        "message",
        "chat",
        "chat_handle_join",
        "chat_message_join",
        "attachment",
        "message_attachment_join",
    ]
    blob, count = _filled(IOS_LAX, names, data)
    items = parse_bytes(blob, "chat.db")
    assert len(items) == count  # exactly one record or one reason per message row
    assert not any(isinstance(i, Skipped) and i.rest_lost for i in items)


@FUZZ
@given(st.data())
def test_random_android_rows_never_crash(data: st.DataObject) -> None:
    blob, count = _filled(ANDROID_LAX, ["sms", "pdu", "part", "addr"], data)
    items = parse_bytes(blob, "mmssms.db")
    assert len(items) == count
    assert not any(isinstance(i, Skipped) and i.rest_lost for i in items)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_after_a_valid_header(tail: bytes) -> None:
    assert only_safetrail_errors(b"SQLite format 3\x00" + tail) == []


@FUZZ
@given(st.data())
def test_damaged_samples_never_crash(data: st.DataObject) -> None:
    source = bytearray(data.draw(st.sampled_from(SAMPLE_BYTES)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=12))):
        where = data.draw(st.integers(min_value=0, max_value=len(source) - 1))
        source[where] = data.draw(st.integers(min_value=0, max_value=255))
    if data.draw(st.booleans()):
        source = source[: data.draw(st.integers(min_value=0, max_value=len(source)))]
    items = only_safetrail_errors(bytes(source))
    assert sum(1 for i in items if isinstance(i, Skipped) and i.rest_lost) <= 1


def test_seeded_page_damage_never_crashes() -> None:
    rng = random.Random(1651400000)
    for _ in range(150):
        source = bytearray(rng.choice(SAMPLE_BYTES))
        start = rng.randrange(100, len(source))
        length = rng.randrange(1, 600)
        source[start : start + length] = bytes(rng.randrange(256) for _ in range(length))
        only_safetrail_errors(bytes(source))
