"""Android call log databases (``calllog.db`` / ``contacts2.db``)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safetrail.importers.base import ImportFormatError, ParsedRecord, ParseOptions, Skipped
from safetrail.importers.phonedb import PhoneDbImporter
from safetrail.importers.registry import choose
from safetrail.importers.sources import BytesSource, FileSource, probe
from safetrail.services.imports.run import run_import
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault

CALLLOG = Path(__file__).parent / "samples" / "phonedb" / "calllog.db"
DB = PhoneDbImporter()


def test_calllog_is_detected_and_every_call_read() -> None:
    found = probe(FileSource(CALLLOG))
    chosen = choose(found)
    assert chosen is not None and chosen[0].name == "phonedb"
    items = list(DB.parse(FileSource(CALLLOG), ParseOptions(region="GB")))
    assert all(isinstance(i, ParsedRecord) for i in items)
    got = [
        (
            r.position, r.at, r.direction, r.outcome, r.duration, r.counterpart,
            r.counterpart_name, r.withheld, r.kind, r.channel,
        )
        for r in items
        if isinstance(r, ParsedRecord)
    ]  # fmt: skip
    a, n = "Alex Morgan", "07700 900123"
    assert got == [
        ("call row 1", datetime(2024, 3, 9, 21, 40, tzinfo=UTC), "incoming", "missed", 0, n,
         a, False, "call", "phone"),
        ("call row 2", datetime(2024, 3, 9, 21, 42, tzinfo=UTC), "incoming", "missed", 0, n,
         a, False, "call", "phone"),
        ("call row 3", datetime(2024, 3, 9, 21, 55, tzinfo=UTC), "incoming", "missed", 0,
         None, None, True, "call", "phone"),
        ("call row 4", datetime(2024, 3, 9, 22, 10, tzinfo=UTC), "incoming", "answered", 47,
         "+447700900123", a, False, "call", "phone"),
        ("call row 5", datetime(2024, 3, 10, 8, 0, tzinfo=UTC), "outgoing", "answered", 125,
         "+447700900555", "Mum", False, "call", "phone"),
        ("call row 6", datetime(2024, 3, 10, 8, 30, tzinfo=UTC), "outgoing", None, 0,
         "+447700900123", a, False, "call", "phone"),
        ("call row 7", datetime(2024, 3, 10, 23, 5, tzinfo=UTC), "incoming", "rejected", 0, n,
         a, False, "call", "phone"),
        ("call row 8", datetime(2024, 3, 11, 0, 15, tzinfo=UTC), "incoming", "blocked", 0,
         None, None, True, "call", "phone"),
        ("call row 9", datetime(2024, 3, 11, 7, 0, tzinfo=UTC), "incoming", "voicemail", 31,
         "+447700900123", a, False, "call", "phone"),
    ]  # fmt: skip


def test_calllog_import_matches_the_person(vault: Vault) -> None:
    add_person(vault, PersonInput(names=["Alex Morgan"], identifiers=["07700 900123"]))
    report = run_import(vault, [CALLLOG])
    assert (report.records, report.new, report.skipped) == (9, 9, 0)
    assert [(p.ref, p.count) for p in report.people.values()] == [("P-001", 6)]
    again = run_import(vault, [CALLLOG])
    assert (again.new, again.duplicates) == (0, 9)


def _db(script: str) -> bytes:
    connection = sqlite3.connect(":memory:")
    connection.executescript(script)
    data = connection.serialize()
    connection.close()
    return data


def test_old_contacts2_layout_and_damaged_rows() -> None:
    data = _db(
        "CREATE TABLE calls (_id INTEGER PRIMARY KEY, number TEXT, date INTEGER, "
        "duration INTEGER, type INTEGER, name TEXT);"
        "INSERT INTO calls VALUES (1, '+15550100', 1500000000000, 12, 1, 'Sam');"
        "INSERT INTO calls VALUES (2, '+15550100', NULL, 0, 3, 'Sam');"
        "INSERT INTO calls VALUES (3, '+15550100', 1500000600000, -5, 2, NULL);"
    )
    source = BytesSource("contacts2.db", data)
    assert DB.detect(probe(source)) >= 0.9
    items = list(DB.parse(source, ParseOptions()))
    assert items[1] == Skipped("call row 2", "This call has no readable time, so it was not read.")
    first, third = items[0], items[2]
    assert isinstance(first, ParsedRecord) and isinstance(third, ParsedRecord)
    assert (first.direction, first.outcome, first.duration) == ("incoming", "answered", 12)
    assert (third.direction, third.outcome, third.duration) == ("outgoing", None, None)


def test_a_calls_table_without_its_columns_is_refused() -> None:
    data = _db("CREATE TABLE calls (_id INTEGER PRIMARY KEY, number TEXT);")
    with pytest.raises(ImportFormatError) as caught:
        list(DB.parse(BytesSource("calllog.db", data), ParseOptions()))
    assert caught.value.message == (
        "This database has a 'calls' table without the column(s) date, duration, type, so "
        "SafeTrail cannot tell who called or when."
    )
