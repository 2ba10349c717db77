"""Build the small phone databases the phonedb tests read.

Run once from the repository root when the samples must change, and commit the outputs:

    .venv/bin/python tests/samples/phonedb/make_samples.py

* ``ios10-sms.db``: an older iOS database, dates in seconds since 2001-01-01, no
  ``attributedBody`` column; one-to-one SMS and iMessage, an attachment, a row without date.
* ``ios16-sms.db``: a newer one, dates in nanoseconds, texts only in ``attributedBody``,
  a group chat, a system row, a tapback-style reaction; kept in WAL journal mode.
* ``android-mmssms.db``: Android's ``mmssms.db`` with ``sms``, ``pdu``, ``part``, ``addr``.
* ``notes.db``: an SQLite file with no message tables at all.

The schemas hold the columns the importer reads plus a few it ignores, written for these
tests (not copied from a phone). Every value is made up.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

HERE = Path(__file__).parent

IOS_SCHEMA_OLD = """
CREATE TABLE handle (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT,
    service TEXT NOT NULL, uncanonicalized_id TEXT, UNIQUE (id, service));
CREATE TABLE message (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT,
    replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0,
    subject TEXT, country TEXT, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0,
    service TEXT, account TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER,
    date_delivered INTEGER, is_delivered INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0,
    is_read INTEGER DEFAULT 0, item_type INTEGER DEFAULT 0, group_title TEXT,
    cache_has_attachments INTEGER DEFAULT 0);
CREATE TABLE chat (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER,
    state INTEGER, chat_identifier TEXT, service_name TEXT, display_name TEXT);
CREATE TABLE chat_handle_join (
    chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
    handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE,
    UNIQUE (chat_id, handle_id));
CREATE TABLE chat_message_join (
    chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
    message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, message_id));
CREATE TABLE attachment (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
    created_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT,
    transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, transfer_name TEXT,
    total_bytes INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (
    message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
    attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE,
    UNIQUE (message_id, attachment_id));
CREATE INDEX chat_message_join_idx_message_id ON chat_message_join (message_id);
"""

IOS_SCHEMA_NEW = IOS_SCHEMA_OLD.replace(
    "subject TEXT, country TEXT,",
    "subject TEXT, country TEXT, attributedBody BLOB, associated_message_guid TEXT, "
    "associated_message_type INTEGER DEFAULT 0,",
)

ANDROID_SCHEMA = """
CREATE TABLE sms (
    _id INTEGER PRIMARY KEY, thread_id INTEGER, address TEXT, person INTEGER, date INTEGER,
    date_sent INTEGER DEFAULT 0, protocol INTEGER, read INTEGER DEFAULT 0,
    status INTEGER DEFAULT -1, type INTEGER, reply_path_present INTEGER, subject TEXT,
    body TEXT, service_center TEXT, locked INTEGER DEFAULT 0, sub_id INTEGER DEFAULT -1,
    error_code INTEGER DEFAULT 0, creator TEXT, seen INTEGER DEFAULT 0);
CREATE TABLE pdu (
    _id INTEGER PRIMARY KEY AUTOINCREMENT, thread_id INTEGER, date INTEGER,
    date_sent INTEGER DEFAULT 0, msg_box INTEGER, read INTEGER DEFAULT 0, m_id TEXT,
    sub TEXT, sub_cs INTEGER, ct_t TEXT, m_type INTEGER, m_size INTEGER, tr_id TEXT,
    locked INTEGER DEFAULT 0, sub_id INTEGER DEFAULT -1, seen INTEGER DEFAULT 0,
    creator TEXT, text_only INTEGER DEFAULT 0);
CREATE TABLE part (
    _id INTEGER PRIMARY KEY AUTOINCREMENT, mid INTEGER, seq INTEGER DEFAULT 0, ct TEXT,
    name TEXT, chset INTEGER, cd TEXT, fn TEXT, cid TEXT, cl TEXT, ctt_s INTEGER,
    ctt_t TEXT, _data TEXT, text TEXT);
CREATE TABLE addr (
    _id INTEGER PRIMARY KEY, msg_id INTEGER, contact_id INTEGER, address TEXT,
    type INTEGER, charset INTEGER);
CREATE INDEX partMidIndex ON part (mid);
CREATE INDEX addrMsgIdIndex ON addr (msg_id);
"""

#: seconds from 1970-01-01 to 2001-01-01
APPLE_OFFSET = 978_307_200


def apple_seconds(unix: int) -> int:
    return unix - APPLE_OFFSET


def apple_nanos(unix: int) -> int:
    return (unix - APPLE_OFFSET) * 1_000_000_000


def attributed_body(text: str) -> bytes:
    """A typedstream blob shaped like the ones iOS keeps in ``attributedBody``."""
    raw = text.encode()
    length = bytes([len(raw)]) if len(raw) < 0x80 else b"\x81" + len(raw).to_bytes(2, "little")
    return (
        b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00"
        b"\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+"
        + length
        + raw
        + b"\x86\x84\x02iI\x01"
        + bytes([min(len(text), 127)])
        + b"\x92\x84\x84\x84\x0cNSDictionary\x00\x94\x84\x01i\x01\x92\x84\x96\x96"
        b"\x1d__kIMMessagePartAttributeName\x86\x92\x84\x84\x84\x08NSNumber\x00\x84\x84"
        b"\x07NSValue\x00\x94\x84\x01*\x84\x99\x99\x00\x86\x86\x86"
    )


def _fresh(name: str) -> sqlite3.Connection:
    path = HERE / name
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return sqlite3.connect(path)


def make_ios10() -> None:
    db = _fresh("ios10-sms.db")
    db.executescript(IOS_SCHEMA_OLD)
    db.executemany(
        "INSERT INTO handle (ROWID, id, country, service) VALUES (?, ?, ?, ?)",
        [(1, "+447700900123", "gb", "SMS"), (2, "jordan@example.com", "gb", "iMessage")],
    )
    db.executemany(
        "INSERT INTO chat (ROWID, guid, style, chat_identifier, service_name) "
        "VALUES (?, ?, 45, ?, ?)",
        [
            (1, "SMS;-;+447700900123", "+447700900123", "SMS"),
            (2, "iMessage;-;jordan@example.com", "jordan@example.com", "iMessage"),
        ],
    )
    db.executemany("INSERT INTO chat_handle_join VALUES (?, ?)", [(1, 1), (2, 2)])
    # (rowid, guid, text, handle, service, unix time, from me, subject, has attachment)
    rows = [
        (1, "A1", "Why are you ignoring me?", 1, "SMS", 1651400000, 0, None, 0),
        (2, "A2", "Please stop contacting me.", 1, "SMS", 1651400060, 1, None, 0),
        (3, "A3", "I'm outside \U0001f600", 2, "iMessage", 1651400120, 0, None, 0),
        (4, "A4", "\ufffcLook what I found", 2, "iMessage", 1651400180, 0, None, 1),
        # sent from this phone in the one-to-one chat, handle_id left at 0 as iOS does
        (5, "A5", "Leave me alone.", 0, "iMessage", 1651400240, 1, "Last warning", 0),
        (6, "A6", "no date on this one", 1, "SMS", None, 0, None, 0),
    ]
    for rowid, guid, text, handle, service, unix, mine, subject, has in rows:
        date = apple_seconds(unix) if unix is not None else 0
        db.execute(
            "INSERT INTO message (ROWID, guid, text, handle_id, service, date, is_from_me, "
            "subject, cache_has_attachments) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rowid, guid, text, handle, service, date, mine, subject, has),
        )
    db.executemany(
        "INSERT INTO chat_message_join VALUES (?, ?)",
        [(1, 1), (1, 2), (2, 3), (2, 4), (2, 5), (1, 6)],
    )
    db.execute(
        "INSERT INTO attachment (ROWID, guid, filename, uti, mime_type, transfer_name, "
        "total_bytes) VALUES (1, 'AT1', '~/Library/SMS/Attachments/0a/10/AT1/IMG_0412.HEIC', "
        "'public.heic', 'image/heic', 'IMG_0412.HEIC', 812345)"
    )
    db.execute("INSERT INTO message_attachment_join VALUES (4, 1)")
    db.commit()
    db.execute("VACUUM")
    db.close()


def make_ios16() -> None:
    db = _fresh("ios16-sms.db")
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(IOS_SCHEMA_NEW)
    db.executemany(
        "INSERT INTO handle (ROWID, id, country, service) VALUES (?, ?, 'gb', 'iMessage')",
        [(1, "+447700900123"), (2, "+447700900789"), (3, "sam@example.org")],
    )
    db.execute(
        "INSERT INTO chat (ROWID, guid, style, chat_identifier, service_name, display_name) "
        "VALUES (1, 'iMessage;+;chat845201', 43, 'chat845201', 'iMessage', 'Saturday')"
    )
    db.execute(
        "INSERT INTO chat (ROWID, guid, style, chat_identifier, service_name) "
        "VALUES (2, 'SMS;-;+447700900123', 45, '+447700900123', 'SMS')"
    )
    db.executemany("INSERT INTO chat_handle_join VALUES (?, ?)", [(1, 1), (1, 2), (1, 3), (2, 1)])
    long_text = "I know where you were on Saturday. " * 5
    # (rowid, guid, text, body, handle, service, unix, from me, item type, assoc. type)
    rows = [
        (
            10,
            "B10",
            None,
            attributed_body("We are all watching you"),
            2,
            "iMessage",
            1651400600,
            0,
            0,
            0,
        ),
        (
            11,
            "B11",
            None,
            attributed_body("Stop adding me to this group."),
            0,
            "iMessage",
            1651400660,
            1,
            0,
            0,
        ),
        (12, "B12", None, None, 0, "iMessage", 1651400700, 1, 1, 0),
        (13, "B13", None, attributed_body(long_text.strip()), 1, "SMS", 1651400760, 0, 0, 0),
        (14, "B14", None, b"\x04\x0bstreamtyped garbage", 1, "SMS", 1651400820, 0, 0, 0),
        (
            15,
            "B15",
            "Loved \u201cStop adding me to this group.\u201d",
            None,
            3,
            "iMessage",
            1651400880,
            0,
            0,
            2000,
        ),
    ]
    for rowid, guid, text, body, handle, service, unix, mine, item, assoc in rows:
        db.execute(
            "INSERT INTO message (ROWID, guid, text, attributedBody, handle_id, service, date, "
            "is_from_me, item_type, associated_message_type) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rowid,
                guid,
                text,
                body,
                handle,
                service,
                apple_nanos(unix) + 123_456_789,
                mine,
                item,
                assoc,
            ),
        )
    db.executemany(
        "INSERT INTO chat_message_join VALUES (?, ?)",
        [(1, 10), (1, 11), (1, 12), (2, 13), (2, 14), (1, 15)],
    )
    db.commit()
    db.close()


def make_android() -> None:
    db = _fresh("android-mmssms.db")
    db.executescript(ANDROID_SCHEMA)
    # (id, thread, address, ms, type, subject, body)
    sms = [
        (1, 1, "+447700900123", 1651400000000, 1, None, "Why are you ignoring me?\nI can see you."),
        (2, 1, "+447700900123", 1651400060000, 2, None, "Please stop contacting me."),
        (3, 2, "07700 900456", 1651400120000, 1, None, "I'm outside \U0001f600"),
        (4, 1, None, 1651400180000, 3, None, "I am going to the police"),
        (5, 1, "+447700900123", 1651400240000, 5, None, "Leave me alone"),
        (6, 1, "+447700900123", 0, 1, None, "no date"),
    ]
    db.executemany(
        "INSERT INTO sms (_id, thread_id, address, date, type, subject, body) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        sms,
    )
    # MMS dates are seconds in pdu
    db.executemany(
        "INSERT INTO pdu (_id, thread_id, date, msg_box, m_id, sub, ct_t, m_type) "
        "VALUES (?, ?, ?, ?, ?, ?, 'application/vnd.wap.multipart.related', ?)",
        [
            (1, 1, 1651400400, 1, "mid-0001@mms.example", None, 132),
            (2, 3, 1651400500, 2, None, "Saturday", 128),
            (3, 3, 1651400600, 1, "mid-0003@mms.example", None, 132),
        ],
    )
    db.executemany(
        "INSERT INTO part (mid, seq, ct, name, chset, cl, _data, text) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1, -1, "application/smil", None, None, "smil.xml", None, "<smil><body/></smil>"),
            (
                1,
                0,
                "image/jpeg",
                "IMG_0412.jpg",
                None,
                "IMG_0412.jpg",
                "/data/user_de/0/com.android.providers.telephony/app_parts/PART_1651400400",
                None,
            ),
            (1, 0, "text/plain", None, 106, "text_0.txt", None, "Look what I found"),
            (2, 0, "text/plain", None, 106, "text_0.txt", None, "Stop adding me to this group."),
            (3, 0, "text/plain", None, 106, "text_0.txt", None, "We are all watching you"),
        ],
    )
    db.executemany(
        "INSERT INTO addr (msg_id, address, type, charset) VALUES (?, ?, ?, 106)",
        [
            (1, "+447700900123", 137),
            (1, "insert-address-token", 151),
            (2, "insert-address-token", 137),
            (2, "+447700900123", 151),
            (2, "+447700900789", 151),
            (3, "+447700900789", 137),
            (3, "+447700900123", 151),
            (3, "+447700900111", 151),
        ],
    )
    db.commit()
    db.execute("VACUUM")
    db.close()


def make_notes() -> None:
    db = _fresh("notes.db")
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("INSERT INTO notes (body) VALUES ('not messages')")
    db.commit()
    db.close()


def main() -> None:
    make_ios10()
    make_ios16()
    make_android()
    make_notes()
    for path in sorted(HERE.glob("*.db")):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
