"""WhatsApp's ChatStorage.sqlite from an iPhone backup."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from safetrail.importers.base import ParsedRecord, ParseOptions, Skipped
from safetrail.importers.phonedb import PhoneDbImporter
from safetrail.importers.registry import choose
from safetrail.importers.sources import BytesSource, FileSource, probe
from safetrail.services.imports.run import run_import
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault

STORE = Path(__file__).parent / "samples" / "phonedb" / "ChatStorage.sqlite"
DB = PhoneDbImporter()
ON_PHONE = "stored on the phone, not in this file"


def test_chat_storage_is_detected_by_name_and_by_backup_name() -> None:
    found = probe(FileSource(STORE))
    chosen = choose(found)
    assert chosen is not None and chosen[0].name == "phonedb"
    hashed = BytesSource("7c7fba66680ef796b916b067077cc246adacf01d", STORE.read_bytes())
    assert DB.detect(probe(hashed)) == 0.95


def test_every_message_with_its_sender() -> None:
    items = list(DB.parse(FileSource(STORE), ParseOptions()))
    assert items[-1] == Skipped(
        "message row 9", "This message has no readable time, so it was not read."
    )
    got = [
        (
            r.position, r.at, r.direction, r.sender, r.counterpart, r.thread, r.text,
            r.system, r.source_id, [(a.name, a.note) for a in r.attachments],
        )
        for r in items
        if isinstance(r, ParsedRecord)
    ]  # fmt: skip
    a, n, club = "Alex Morgan", "+447700900123", "Running club"

    def at(*parts: int) -> datetime:
        return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]

    assert got == [
        ("message row 1", at(2024, 5, 2, 20, 0, 5), "incoming", a, n, a,
         "Where are you tonight?", False, "3EB0A1", []),
        ("message row 2", at(2024, 5, 2, 20, 1, 10), "incoming", a, n, a, None, False,
         "3EB0A2", [("photo", ON_PHONE)]),
        ("message row 3", at(2024, 5, 2, 20, 3), "outgoing", None, n, a, "Leave me alone.",
         False, "3EB0A3", []),
        ("message row 4", at(2024, 5, 2, 20, 4, 30), "incoming", a, n, a,
         "This message was deleted", False, "3EB0A4", []),
        ("message row 5", at(2024, 5, 2, 20, 6), "incoming", a, n, a, "Oak Street car park",
         False, "3EB0A5", []),
        ("message row 6", at(2024, 5, 3, 7, 0), None, None, None, club, None, True, "3EB0B1",
         []),
        ("message row 7", at(2024, 5, 3, 7, 2), "incoming", a, n, club,
         "Nice pace this morning", False, "3EB0B2", []),
        ("message row 8", at(2024, 5, 3, 7, 3), "incoming", "Priya", "+447700900777", club,
         "Thanks everyone", False, "3EB0B3", []),
    ]  # fmt: skip


def test_import_matches_the_person_by_number(vault: Vault) -> None:
    add_person(vault, PersonInput(names=["A. M."], identifiers=["07700 900123"]))
    report = run_import(vault, [STORE])
    assert (report.records, report.new, report.skipped) == (8, 8, 1)
    assert [(p.ref, p.count) for p in report.people.values()] == [("P-001", 6)]
