"""Message and call databases taken from a phone: iOS ``sms.db`` / macOS ``chat.db``,
Android ``mmssms.db``, the Android call log (``calllog.db`` / ``contacts2.db``), and
WhatsApp's ``ChatStorage.sqlite`` from an iPhone backup.

The database is opened read-only and never changed (see
:mod:`safetrail.importers.phonedb_sql`); which reader runs depends on its tables
(``message`` + ``handle``: iOS, :mod:`~safetrail.importers.phonedb_ios`; ``sms`` or
``pdu``: Android, :mod:`~safetrail.importers.phonedb_android`; ``calls``: the Android call
log, :mod:`~safetrail.importers.phonedb_calls`; ``ZWAMESSAGE`` + ``ZWACHATSESSION``: WhatsApp
on an iPhone, :mod:`~safetrail.importers.phonedb_whatsapp`). A database without them,
or without the columns the reader needs, is an :class:`ImportFormatError`; a row that
cannot be read is a ``Skipped``; damage found half-way ends the import with
``rest_lost``.

Changes the phone had not yet written into the database itself sit in a ``-wal`` file
beside it. SafeTrail does not read that file (reading it would mean writing next to the
evidence); when it is there, a ``Skipped`` item says so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import PurePosixPath

from safetrail.i18n import N_, _
from safetrail.importers.base import (
    ImportFormatError,
    Item,
    ParseOptions,
    Probe,
    Skipped,
    Source,
)
from safetrail.importers.phonedb_android import read_android
from safetrail.importers.phonedb_calls import read_android_calls
from safetrail.importers.phonedb_ios import read_ios
from safetrail.importers.phonedb_sql import SQLITE_HEADER, open_database, tables
from safetrail.importers.phonedb_whatsapp import IOS_BACKUP_NAME as WHATSAPP_BACKUP_NAME
from safetrail.importers.phonedb_whatsapp import read_whatsapp_ios

__all__ = ["IMPORTERS", "PhoneDbImporter"]

#: sms.db's name inside an iOS backup: SHA-1 of "HomeDomain-Library/SMS/sms.db"
IOS_BACKUP_NAME = "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
_NAMES = ("sms.db", "chat.db", "mmssms.db", "calllog.db", "contacts2.db", "chatstorage.sqlite")
_SCHEMA_HINTS = (
    (b"create table message", b"handle"),
    (b"create table sms", b"body"),
    (b"create table pdu", b"msg_box"),
    (b"create table calls", b"duration"),
    (b"create table zwamessage", b"ztext"),
)

_NO_TABLES = N_(
    "This database holds no message tables SafeTrail knows: it expected the tables "
    "'message' and 'handle' (iPhone, Mac), 'sms' and 'pdu' (Android messages) or 'calls' "
    "(Android call log), or WhatsApp's 'ZWAMESSAGE' and 'ZWACHATSESSION' (iPhone)."
)
_DAMAGED = N_(
    "The database is damaged after {position} (SQLite reports \u201c{problem}\u201d); "
    "nothing after that point could be read."
)
_NO_SCHEMA = N_(
    "The list of tables in this database cannot be read (SQLite reports \u201c{problem}\u201d)."
)
_WAL = N_(
    "The file {name} next to this database holds changes the phone had not yet written "
    "into it, often the newest messages. SafeTrail reads the database without changing "
    "anything, so those changes were not imported. To include them, copy both files, "
    "open the copy once with any SQLite tool (that merges the changes in) and import the "
    "copy."
)


def _wal_note(source: Source) -> Skipped | None:
    wal_name = PurePosixPath(source.member).name + "-wal"
    size = 0
    local = getattr(source, "local_path", None)
    path = local() if callable(local) else None
    if path is not None:
        wal = path.with_name(path.name + "-wal")
        try:
            size = wal.stat().st_size if wal.is_file() else 0
        except OSError:
            size = 0
    else:
        sibling = source.sibling(source.member + "-wal")
        size = sibling.size if sibling is not None else 0
    if size <= 0:
        return None
    return Skipped(wal_name, _(_WAL).format(name=wal_name))


class PhoneDbImporter:
    name = "phonedb"
    version = "1"
    label = N_("Phone database (iOS sms.db, Android mmssms.db or call log, WhatsApp on iPhone)")

    def detect(self, probe: Probe) -> float:
        if not probe.head.startswith(SQLITE_HEADER):
            return 0.0
        base = PurePosixPath(probe.name.replace("\\", "/")).name.lower()
        if base.endswith(_NAMES) or base in (IOS_BACKUP_NAME, WHATSAPP_BACKUP_NAME):
            return 0.95
        head = probe.head.lower()
        if any(table in head and column in head for table, column in _SCHEMA_HINTS):
            return 0.9
        return 0.2

    def parse(self, source: Source, options: ParseOptions) -> Iterator[Item]:
        connection = open_database(source)
        try:
            yield from self._read(connection, source)
        finally:
            connection.close()

    def _read(self, connection: sqlite3.Connection, source: Source) -> Iterator[Item]:
        try:
            names = tables(connection)
        except sqlite3.Error as exc:
            raise ImportFormatError(_(_NO_SCHEMA).format(problem=str(exc)[:200])) from None
        if "zwamessage" in names and "zwachatsession" in names:
            reader = read_whatsapp_ios(connection, names)
        elif "message" in names and "handle" in names:
            reader = read_ios(connection, names)
        elif "sms" in names or "pdu" in names:
            reader = read_android(connection, names)
        elif "calls" in names:
            reader = read_android_calls(connection, names)
        else:
            raise ImportFormatError(_(_NO_TABLES))
        note = _wal_note(source)
        if note is not None:
            yield note
        last = "the start"
        started = False
        try:
            for item in reader:
                started = True
                last = item.position
                yield item
        except sqlite3.Error as exc:
            if not started:
                # the query itself failed: the tables are not what they claim to be
                raise ImportFormatError(
                    _(_DAMAGED).format(position=last, problem=str(exc)[:200])
                ) from None
            yield Skipped(
                f"after {last}",
                _(_DAMAGED).format(position=last, problem=str(exc)[:200]),
                rest_lost=True,
            )


IMPORTERS = (PhoneDbImporter(),)
