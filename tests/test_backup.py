"""One-file encrypted backup and verified restore."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetrail.errors import BackupError, VaultExists, WrongPassphrase
from safetrail.services import evidence, exports, incidents
from safetrail.services.backup import create_backup, restore_backup
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault
from tests.conftest import PASSPHRASE

MARKER = b"BACKUP-MARKER-5521"


def _fill(vault: Vault, tmp_path: Path) -> list[Path]:
    incidents.record_incident(
        vault, IncidentInput(what_happened="He called 12 times", tactics=["unwanted_calls"])
    )
    incidents.amend_incident(vault, "I-0001", {"fear": 2}, "added fear")
    files = []
    for index, size in enumerate((0, 70_000, 1_500_000)):
        path = tmp_path / f"file{index}.bin"
        path.write_bytes((MARKER * (size // len(MARKER) + 1))[:size])
        evidence.add_evidence(vault, path)
        files.append(path)
    return files


def test_backup_restore_round_trip(vault: Vault, tmp_path: Path) -> None:
    files = _fill(vault, tmp_path)
    backup = tmp_path / "backup.stbk"
    size = create_backup(vault, backup)
    raw = backup.read_bytes()
    assert size == len(raw)
    assert raw.startswith(b"SAFETRAIL-BACKUP")
    assert MARKER not in raw and b"He called" not in raw
    restored, report = restore_backup(backup, tmp_path / "restored", PASSPHRASE)
    try:
        assert report.ok, report.problems
        assert report.blobs_checked == 3
        assert exports.build_json(restored)["incidents"] == exports.build_json(vault)["incidents"]
        assert exports.build_json(restored)["evidence"] == exports.build_json(vault)["evidence"]
        for index, path in enumerate(files, start=1):
            record = evidence.get_evidence(restored, f"EX-{index:04d}")
            copy = b"".join(restored.blobs.open(record.data["blob_address"]))
            assert copy == path.read_bytes()
        assert report.head_hash == exports.build_json(vault)["ledger"]["head_hash"]
    finally:
        restored.close()


def test_restore_refusals(vault: Vault, tmp_path: Path) -> None:
    _fill(vault, tmp_path)
    backup = tmp_path / "backup.stbk"
    create_backup(vault, backup)
    with pytest.raises(BackupError, match="already exists"):
        create_backup(vault, backup)
    with pytest.raises(WrongPassphrase):
        restore_backup(backup, tmp_path / "r1", "wrong passphrase here")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "something").write_text("x")
    with pytest.raises(VaultExists, match="not empty"):
        restore_backup(backup, occupied, PASSPHRASE)
    cut = tmp_path / "cut.stbk"
    cut.write_bytes(backup.read_bytes()[:-1000])
    with pytest.raises(BackupError, match="damaged or incomplete"):
        restore_backup(cut, tmp_path / "r2", PASSPHRASE)
    assert not (tmp_path / "r2").exists()
    flipped = bytearray(backup.read_bytes())
    flipped[-5000] ^= 0xFF
    (tmp_path / "flip.stbk").write_bytes(bytes(flipped))
    with pytest.raises(BackupError, match="damaged or incomplete"):
        restore_backup(tmp_path / "flip.stbk", tmp_path / "r3", PASSPHRASE)
    foreign = tmp_path / "foreign.stbk"
    foreign.write_bytes(b"PK\x03\x04 not a backup")
    with pytest.raises(BackupError, match="not a SafeTrail backup"):
        restore_backup(foreign, tmp_path / "r4", PASSPHRASE)
