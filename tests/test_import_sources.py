"""Finding inputs: plain files, zip members, folders; hostile archives refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from safetrail.errors import InputFileError
from safetrail.importers import sources
from safetrail.importers.base import Skipped
from safetrail.importers.registry import all_importers, by_name, choose
from safetrail.importers.sources import (
    ArchiveRefused,
    FileSource,
    FolderSource,
    ZipMemberSource,
    find_sources,
    probe,
)
from safetrail.services.imports.run import run_import
from safetrail.services.vault import Vault
from safetrail.storage.comm_tables import communications

SMS = Path(__file__).parent / "samples" / "imports" / "alex-sms.xml"


def test_every_format_module_loads() -> None:
    names = sorted(i.name for i in all_importers())
    assert {"smsbackup", "whatsapp", "email", "telegram", "discord", "csv", "phonedb"} <= set(names)
    assert {"messenger", "instagram"} <= set(names)
    assert by_name("smsbackup").label


def test_a_plain_file_is_one_source(tmp_path: Path) -> None:
    found = list(find_sources([SMS]))
    assert len(found) == 1
    source = found[0]
    assert isinstance(source, FileSource)
    assert (source.name, source.size) == ("alex-sms.xml", SMS.stat().st_size)
    chosen = choose(probe(source))
    assert chosen is not None and chosen[0].name == "smsbackup"


def test_zip_members_and_folders_are_opened_up(tmp_path: Path) -> None:
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("phone/sms.xml", SMS.read_bytes())
        out.writestr("__MACOSX/phone/._sms.xml", b"junk")
        out.writestr("phone/photo.jpg", b"\xff\xd8\xff")
    found = list(find_sources([archive]))
    assert [s.name for s in found if isinstance(s, ZipMemberSource)] == [
        "backup.zip › phone/sms.xml",
        "backup.zip › phone/photo.jpg",
    ]
    first = found[0]
    assert isinstance(first, ZipMemberSource)
    assert first.sibling("photo.jpg") is not None
    assert first.open().read() == SMS.read_bytes()
    folder = tmp_path / "export"
    (folder / "inbox" / "alex").mkdir(parents=True)
    (folder / "inbox" / "alex" / "sms.xml").write_bytes(SMS.read_bytes())
    (folder / ".hidden").write_text("x")
    items = list(find_sources([folder]))
    assert [s.member for s in items if isinstance(s, FolderSource)] == ["inbox/alex/sms.xml"]


def test_path_traversal_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("chat.txt", b"hello")
        out.writestr("../../etc/cron.d/evil", b"* * * * * root rm -rf /")
    with pytest.raises(ArchiveRefused) as caught:
        list(find_sources([archive]))
    assert caught.value.message == (
        "evil.zip contains a file called '../../etc/cron.d/evil' that points outside the "
        "archive; SafeTrail does not open archives like this."
    )


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("_chat.txt", b"\0" * (64 * 1024 * 1024))
    assert archive.stat().st_size < 200_000
    with pytest.raises(ArchiveRefused) as caught:
        list(find_sources([archive]))
    assert "that is how a zip bomb looks" in caught.value.message


def test_a_damaged_zip_is_explained_not_raised(tmp_path: Path) -> None:
    archive = tmp_path / "cut.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("sms.xml", SMS.read_bytes() * 50)
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])  # no central directory any more
    found = list(find_sources([archive]))
    assert len(found) == 1
    assert isinstance(found[0], FileSource)  # not a zip any more: read as a file, refused later


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        list(find_sources([tmp_path / "nothing-here"]))


def test_hostile_archive_in_an_import_is_reported_not_raised(vault: Vault, tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("../x.xml", SMS.read_bytes())
    report = run_import(vault, [archive, SMS])
    assert report.sources[0].name == "evil.zip"
    assert report.sources[0].refused == (
        "evil.zip contains a file called '../x.xml' that points outside the archive; "
        "SafeTrail does not open archives like this."
    )
    assert (report.status, report.new) == ("complete", 9)


def test_skipped_items_carry_a_reason() -> None:
    item = Skipped("line 3", "The date 31/02/2022 does not exist.")
    assert (item.position, item.rest_lost) == ("line 3", False)


def test_one_oversized_attachment_leaves_out_only_that_file(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The video in this chat's zip is larger than SafeTrail opens from an archive (the
    limit is lowered for the test): the video alone is left out, counted and explained;
    the chat and the photo are imported."""
    archive = Path(__file__).parent / "samples" / "whatsapp" / "WhatsApp Chat - Lee Grant.zip"
    monkeypatch.setattr(sources, "MAX_MEMBER_BYTES", 64 * 1024)
    video = "00000004-VIDEO-2024-06-11-18-20-13.mp4"
    report = run_import(vault, [archive])
    left_out = [s for s in report.sources if s.refused]
    assert [(s.name, s.refused) for s in left_out] == [
        (
            f"WhatsApp Chat - Lee Grant.zip › {video}",
            f"'{video}' (0 MB) is larger than SafeTrail opens from an archive (0 MB); it "
            "was left out, and the rest of WhatsApp Chat - Lee Grant.zip was read.",
        )
    ]
    chat = [s for s in report.sources if not s.refused]
    assert [(s.name, s.records, s.new, s.skipped_total) for s in chat] == [
        ("WhatsApp Chat - Lee Grant.zip › _chat.txt", 6, 6, 0)
    ]
    assert report.attachments_stored == 1  # the photo
    with vault.read() as conn:
        rows = conn.execute(
            select(
                communications.c.position,
                communications.c.sender,
                communications.c.kind,
                communications.c.attachments,
            ).order_by(communications.c.id)
        ).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("line 1", "Lee Grant", "message"),
        ("line 2", "Lee Grant", "message"),
        ("line 3", "Ana Silva", "message"),
        ("line 4", "Lee Grant", "message"),
        ("line 5", "Lee Grant", "message"),
        ("line 6", "Lee Grant", "call"),
    ]
    photo, film = json.loads(rows[1][3]), json.loads(rows[3][3])
    assert "evidence_id" in photo[0]
    assert [(a["name"], a["note"]) for a in film] == [(video, "not found in the export")]
