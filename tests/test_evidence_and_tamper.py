"""Evidence intake/export, no plaintext at rest, and tamper detection by verify."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from safetrail.errors import EvidenceMissing, ValidationError
from safetrail.services import evidence, incidents
from safetrail.services.evidence import IntakeDetails
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault
from safetrail.services.verify import verify
from safetrail.storage.engine import open_sqlcipher

MARKER = "ZEBRA-QUOKKA-7731"


def _evidence_file(tmp_path: Path, name: str = "screenshot.txt", size: int = 300_000) -> Path:
    path = tmp_path / name
    body = (MARKER + " ").encode() * (size // (len(MARKER) + 1))
    path.write_bytes(body)
    return path


def test_intake_records_custody_fields_and_links(vault: Vault, tmp_path: Path) -> None:
    incident = incidents.record_incident(vault, IncidentInput(what_happened="Message received"))
    source = _evidence_file(tmp_path)
    intake = evidence.add_evidence(
        vault,
        source,
        IntakeDetails(
            source_device="my phone",
            source_account="+447700900111",
            acquisition_method="screenshot",
        ),
        incident=incident.ref,
    )
    data = intake.record.data
    assert intake.record.ref == "EX-0001"
    assert not intake.already_stored
    assert data["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert data["size"] == source.stat().st_size
    assert data["original_name"] == "screenshot.txt"
    assert data["media_type"] == "text/plain"
    assert data["source_device"] == "my phone"
    assert data["acquisition_method"] == "screenshot"
    assert data["tool"].startswith("SafeTrail ")
    assert data["device_timezone"] == "Europe/London"
    linked, history = incidents.show_incident(vault, incident.ref)
    assert linked.data["evidence_ids"] == [intake.record.id]
    assert [(v.version, v.reason) for v in history] == [(1, None), (2, "evidence attached")]
    again = evidence.add_evidence(vault, source)
    assert (again.already_stored, again.existing) == (True, True)
    assert again.record.ref == "EX-0001"  # the same file is one exhibit
    assert len(list(vault.blobs.addresses())) == 1
    assert verify(vault).ok


def test_export_is_a_custody_event(vault: Vault, tmp_path: Path) -> None:
    source = _evidence_file(tmp_path)
    intake = evidence.add_evidence(vault, source)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    written = evidence.export_evidence(vault, intake.record.ref, out_dir, purpose="police")
    assert written == out_dir / "screenshot.txt"
    assert written.read_bytes() == source.read_bytes()
    with pytest.raises(ValidationError, match="will not overwrite"):
        evidence.export_evidence(vault, intake.record.ref, out_dir)
    with vault.read() as conn:
        ids = vault.store.list_ids(conn, "custody")
        custody = vault.store.load(conn, ids)
    assert len(custody) == 1
    assert custody[0].data["evidence_id"] == intake.record.id
    assert custody[0].data["action"] == "export"
    assert custody[0].data["purpose"] == "police"
    assert custody[0].data["sha256_verified"] == intake.record.data["sha256"]
    assert verify(vault).ok


def test_missing_input_file(vault: Vault, tmp_path: Path) -> None:
    from safetrail.errors import InputFileError

    with pytest.raises(InputFileError):
        evidence.add_evidence(vault, tmp_path / "nope.jpg")


def test_no_plaintext_at_rest(vault: Vault, vault_path: Path, tmp_path: Path) -> None:
    # Hold a reader open so SQLite cannot checkpoint and delete the WAL before we scan it.
    reader = open_sqlcipher(vault_path / "vault.db", vault.keys.database)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM records").fetchone()
    try:
        incidents.record_incident(
            vault,
            IncidentInput(
                what_happened=f"He wrote {MARKER} on my door", private_note=f"note {MARKER}"
            ),
        )
        evidence.add_evidence(vault, _evidence_file(tmp_path))
        wal = vault_path / "vault.db-wal"
        assert wal.exists() and wal.stat().st_size > 0
        files = [p for p in vault_path.rglob("*") if p.is_file()]
        assert len(files) >= 5  # header, db, wal, shm, checkpoint, blob
        needles = [MARKER.encode(), MARKER.encode("utf-16-le")]
        for path in files:
            raw = path.read_bytes()
            for needle in needles:
                assert needle not in raw, f"plaintext found in {path.name}"
    finally:
        reader.rollback()
        reader.close()


def _raw(vault: Vault, sql: str, **params: object) -> None:
    with vault.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_untouched_vault_verifies(vault: Vault, tmp_path: Path) -> None:
    incidents.record_incident(vault, IncidentInput(what_happened="one"))
    evidence.add_evidence(vault, _evidence_file(tmp_path))
    report = verify(vault)
    assert report.ok, report.problems
    assert (report.entries, report.versions, report.records, report.blobs_checked) == (4, 4, 4, 1)
    assert report.head_hash != "0" * 64


def test_one_byte_in_a_row_is_found(vault: Vault) -> None:
    incidents.record_incident(vault, IncidentInput(what_happened="first"))
    incidents.record_incident(vault, IncidentInput(what_happened="He followed me home"))
    _raw(
        vault,
        "UPDATE versions SET data = replace(data, 'followed', 'fellowed') "
        "WHERE record_id = (SELECT id FROM records WHERE kind='incident' AND ref_no=2)",
    )
    report = verify(vault, check_blobs=False)
    assert not report.ok
    assert [str(p) for p in report.problems] == [
        "incident I-0002 version 1: content was altered after it was recorded",
        "incident I-0002 version 1: does not match its ledger entry",
        "incident I-0002: the incidents index was altered",
    ]


def test_projection_edit_is_found(vault: Vault) -> None:
    incidents.record_incident(vault, IncidentInput(what_happened="first", fear=2))
    _raw(vault, "UPDATE incidents SET fear = 0")
    report = verify(vault, check_blobs=False)
    assert [str(p) for p in report.problems] == ["incident I-0001: the incidents index was altered"]


def test_ledger_edit_is_found(vault: Vault) -> None:
    incidents.record_incident(vault, IncidentInput(what_happened="first"))
    _raw(vault, "UPDATE ledger SET recorded_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 3")
    report = verify(vault, check_blobs=False)
    assert [str(p) for p in report.problems] == [
        "ledger entry 3 (incident I-0001 version 1): entry was altered (its hash does not match)",
        "incident I-0001 version 1: does not match its ledger entry",
    ]


def test_truncating_the_chain_is_found(vault: Vault) -> None:
    incidents.record_incident(vault, IncidentInput(what_happened="first"))
    incidents.record_incident(vault, IncidentInput(what_happened="second"))
    _raw(vault, "DELETE FROM incident_tactics")
    _raw(
        vault,
        "DELETE FROM incidents WHERE record_id IN "
        "(SELECT id FROM records WHERE ref_no = 2 AND kind = 'incident')",
    )
    _raw(vault, "DELETE FROM versions WHERE ledger_seq = 4")
    _raw(vault, "DELETE FROM records WHERE ref_no = 2 AND kind = 'incident'")
    _raw(vault, "DELETE FROM ledger WHERE seq = 4")
    report = verify(vault, check_blobs=False)
    assert [str(p) for p in report.problems] == [
        "ledger: entries up to 4 were signed, but the chain no longer contains them"
    ]


def test_one_byte_in_a_blob_is_found(vault: Vault, tmp_path: Path) -> None:
    intake = evidence.add_evidence(vault, _evidence_file(tmp_path))
    path = vault.blobs.path_for(intake.record.data["blob_address"])
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    report = verify(vault)
    assert [str(p) for p in report.problems] == [
        "evidence EX-0001 version 1: evidence file damaged: authentication failed at chunk 2"
    ]


def test_missing_blob_is_named(vault: Vault, tmp_path: Path) -> None:
    intake = evidence.add_evidence(vault, _evidence_file(tmp_path))
    os.unlink(vault.blobs.path_for(intake.record.data["blob_address"]))
    report = verify(vault)
    assert [str(p) for p in report.problems] == [
        "evidence EX-0001 version 1: evidence file missing"
    ]
    out = tmp_path / "copy.txt"
    with pytest.raises(EvidenceMissing):
        evidence.export_evidence(vault, "EX-0001", out)
    assert not out.exists()


PHOTO = Path(__file__).parent / "samples" / "evidence" / "car-outside.jpg"


def test_the_same_photo_twice_is_one_exhibit_linked_to_both_incidents(
    vault: Vault, tmp_path: Path
) -> None:
    first_incident = incidents.record_incident(
        vault, IncidentInput(what_happened="His car outside my house at night.")
    )
    second_incident = incidents.record_incident(
        vault, IncidentInput(what_happened="The same car outside my work.")
    )
    first = evidence.add_evidence(vault, PHOTO, incident=first_incident.ref)
    assert (first.record.ref, first.already_stored, first.existing) == ("EX-0001", False, False)
    copy = tmp_path / "IMG_2041.jpg"  # the same photo, sent again under another name
    copy.write_bytes(PHOTO.read_bytes())
    second = evidence.add_evidence(vault, copy, incident=second_incident.ref)
    assert (second.record.ref, second.already_stored, second.existing) == ("EX-0001", True, True)
    assert second.record.data["original_name"] == "car-outside.jpg"
    assert [r.ref for r in evidence.list_evidence(vault)] == ["EX-0001"]
    one, _history = incidents.show_incident(vault, first_incident.ref)
    two, history = incidents.show_incident(vault, second_incident.ref)
    assert one.data["evidence_ids"] == two.data["evidence_ids"] == [first.record.id]
    assert [(v.version, v.reason) for v in history] == [(1, None), (2, "evidence attached")]
    # adding it a third time to an incident that has it already changes nothing
    evidence.add_evidence(vault, copy, incident=second_incident.ref)
    _two, history = incidents.show_incident(vault, second_incident.ref)
    assert len(history) == 2
    assert verify(vault).ok
