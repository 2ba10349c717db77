"""Signal exports through the import service: folders, files stored as evidence, no
duplicates (two files of one signal-export chat, a second import, ``--me``), refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from safetrail.services.imports.run import ImportOptions, run_import
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault
from safetrail.storage.comm_tables import communications

DATA = Path(__file__).parent / "data" / "signal"


def _rows(vault: Vault) -> list[tuple[object, ...]]:
    with vault.read() as conn:
        found = conn.execute(
            select(
                communications.c.kind,
                communications.c.direction,
                communications.c.sender,
                communications.c.at,
                communications.c.text,
                communications.c.person_id,
            ).order_by(communications.c.at, communications.c.id)
        ).all()
    return [tuple(r) for r in found]


def _count(vault: Vault) -> int:
    with vault.read() as conn:
        return int(conn.execute(select(func.count()).select_from(communications)).scalar_one())


def test_sigtop_folder_with_attachments_and_the_feared_person(vault: Vault) -> None:
    alex = add_person(vault, PersonInput(names=["Alex Kim"], identifiers=["+1 555 123 4567"])).id
    report = run_import(vault, [DATA / "sigtop-json"])
    assert report.status == "complete"
    assert (report.records, report.new, report.duplicates, report.skipped) == (12, 12, 0, 1)
    assert report.attachments_stored == 1
    assert report.other_files == 1  # the photo itself, linked to its message
    rows = _rows(vault)
    threat = rows[0]
    assert threat[:5] == (
        "message",
        "incoming",
        "Alex Kim",
        "2024-03-09T12:40:12.345000Z",
        "I know where you live.\n\nIf I can't have you, nobody will.",
    )
    assert threat[5] == alex
    assert report.people[alex].count == 9
    again = run_import(vault, [DATA / "sigtop-json"], ImportOptions(me="Sam Lee"))
    assert (again.new, again.duplicates) == (0, 12)
    assert _count(vault) == 12


def test_sigtop_text_times_keep_their_instant(vault: Vault) -> None:
    run_import(vault, [DATA / "sigtop-text" / "Alex Kim (+15551234567).txt"])
    rows = _rows(vault)
    assert [r[3] for r in rows[:2]] == [
        "2024-03-09T12:40:12.000000Z",
        "2024-03-09T12:45:00.000000Z",
    ]
    assert rows[4][4] == "너 어디 있는지 다 알아\n\n✎ 2024-03-09T23:16:00Z\n너 죽여버릴 거야"


def test_signal_export_folder_reads_both_files_and_stores_each_message_once(
    vault: Vault,
) -> None:
    report = run_import(vault, [DATA / "signal-export"])
    assert report.status == "complete"
    by_file = {s.name.split(" › ")[1]: (s.records, s.new, s.duplicates) for s in report.sources}
    assert by_file == {
        "AlexKim/chat.md": (9, 9, 0),
        "AlexKim/data.json": (8, 0, 8),
        "Neighbours/chat.md": (4, 4, 0),
    }
    rows = _rows(vault)
    assert len(rows) == 13
    # naive export times are read in the vault's zone (Europe/London: UTC in March)
    assert rows[0][:5] == (
        "message",
        "incoming",
        "AlexKim",
        "2024-03-09T21:40:12.000000Z",
        "I know where you live.\n\nIf I can't have you, nobody will.",
    )
    tokyo = run_import(vault, [DATA / "signal-export"], ImportOptions(timezone="Asia/Tokyo"))
    assert tokyo.new == 13  # other instants: the same words nine hours earlier


def test_reimport_with_me_adds_nothing(vault: Vault, tmp_path: Path) -> None:
    chat = tmp_path / "AlexKim"
    shutil.copytree(DATA / "signal-export" / "AlexKim", chat)
    first = run_import(vault, [chat])
    assert first.new == 9
    again = run_import(vault, [chat], ImportOptions(me="Me", format="signal"))
    assert (again.new, again.duplicates) == (0, 17)
    assert _count(vault) == 9


def test_hostile_files_are_refused_with_the_input_exit_code(vault: Vault, tmp_path: Path) -> None:
    binary = tmp_path / "Alex (+15551234567).json"
    binary.write_bytes(b"\x00\xff\xfe" * 5000)
    cut = tmp_path / "Bob (+15550009999).json"
    cut.write_bytes(b'[\n{"type":"incoming","conversationId":"c","sent_at":1709988012345,"bo')
    for path in (binary, cut):
        report = run_import(vault, [path], ImportOptions(format="signal"))
        assert (report.status, report.exit_code, report.ref) == ("refused", 5, None), path
        assert report.sources[0].refused
    assert _count(vault) == 0
