"""Evidence intake and export, with chain-of-custody details kept for each exhibit.

Intake: encrypt + hash in one pass into the blob store, then one transaction adds
the evidence record (and links it to an incident). A crash before that commit
leaves at most an unreferenced, complete blob, never a partial one.

Files can come from a path (the CLI) or from any readable stream (the web app's
uploads). A stream is never written to disk in plaintext: its photo metadata is
read back from the stored, encrypted copy.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, select

from safetrail import __version__
from safetrail.case import CaseContext
from safetrail.domain.exif import ExifInfo, read_exif
from safetrail.errors import InputFileError, RecordNotFound, ValidationError
from safetrail.i18n import N_, _
from safetrail.services import settings
from safetrail.storage import faults
from safetrail.storage.blobs import BlobReader, StoredBlob
from safetrail.storage.records import Record, Version, format_ref
from safetrail.storage.tables import evidence as evidence_table
from safetrail.storage.tables import incident_evidence, records

Progress = Callable[[int], None]


@dataclass
class IntakeDetails:
    """How the file was obtained (chain of custody)."""

    source_device: str | None = None
    source_account: str | None = None
    # Stored in English (the record is evidence); pages show them translated.
    acquisition_method: str = N_("file copy into the vault")
    performer: str = N_("vault owner")
    description: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class Intake:
    """What an intake did. ``already_stored``: the same bytes were in the vault already.
    ``existing``: they were a live exhibit already, so no new exhibit was made; ``record``
    is that exhibit (linked to the incident, if one was given)."""

    record: Record
    already_stored: bool
    existing: bool = False


def _exif(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return _exif_summary(read_exif(handle))


def _exif_summary(info: ExifInfo) -> dict[str, Any]:
    return {
        "taken_at": info.taken_at,
        "latitude": info.latitude,
        "longitude": info.longitude,
        "camera": " ".join(p for p in (info.make, info.model) if p) or None,
        "problems": list(info.problems),
    }


def _check_input(path: Path) -> os.stat_result:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise InputFileError(_("{path} does not exist.").format(path=path)) from None
    except OSError as exc:
        raise InputFileError(
            _("{path} cannot be read: {reason}.").format(path=path, reason=exc.strerror)
        ) from None
    if not path.is_file():
        raise InputFileError(_("{path} is not a file.").format(path=path))
    return stat


def add_evidence(
    vault: CaseContext,
    path: Path,
    details: IntakeDetails | None = None,
    incident: str | None = None,
    progress: Progress | None = None,
) -> Intake:
    details = details or IntakeDetails()
    stat = _check_input(path)
    stored = vault.blobs.put_file(path, progress=progress)
    modified = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat()
    return _file_record(vault, stored, path.name, modified, _exif(path), details, incident)


def evidence_data(
    vault: CaseContext,
    stored: StoredBlob,
    name: str,
    modified_at: str | None,
    exif: dict[str, Any],
    details: IntakeDetails,
    parent_id: str | None = None,
    media_type: str | None = None,
) -> dict[str, Any]:
    """The data of a new evidence record for a stored blob, with its chain of custody."""
    return {
        "original_name": name,
        "size": stored.size,
        "sha256": stored.sha256,
        "blob_address": stored.address,
        "media_type": media_type or mimetypes.guess_type(name)[0] or "application/octet-stream",
        "file_modified_at": modified_at,
        "acquired_at": datetime.now(UTC).isoformat(),
        "device_timezone": settings.current(vault).timezone,
        "source_device": details.source_device,
        "source_account": details.source_account,
        "acquisition_method": details.acquisition_method,
        "tool": f"SafeTrail {__version__}",
        "performer": details.performer,
        "parent_id": parent_id,
        "description": details.description,
        "exif": exif,
    }


def live_evidence_with_sha256(conn: Connection, sha256: str) -> str | None:
    """The id of a live (not voided) exhibit holding a file with this SHA-256, if any."""
    found = conn.execute(
        select(evidence_table.c.record_id)
        .where(evidence_table.c.sha256 == sha256, evidence_table.c.voided.is_(False))
        .limit(1)
    ).scalar()
    return str(found) if found else None


def _file_record(
    vault: CaseContext,
    stored: StoredBlob,
    name: str,
    modified_at: str | None,
    exif: dict[str, Any],
    details: IntakeDetails,
    incident: str | None,
) -> Intake:
    """One transaction: the evidence record for a stored blob, and its incident link.

    A file that is already a live exhibit (same SHA-256) gets no second exhibit number:
    the existing exhibit is returned (``Intake.existing``) and linked to the incident."""
    with vault.write() as conn:
        existing = live_evidence_with_sha256(conn, stored.sha256)
        if existing is not None:
            if incident:
                _link(vault, conn, incident, existing)
            return Intake(vault.store.get(conn, existing), True, existing=True)
        parent_id = (
            vault.store.resolve(conn, "evidence", details.parent) if details.parent else None
        )
        data = evidence_data(vault, stored, name, modified_at, exif, details, parent_id)
        record = vault.store.create(conn, "evidence", data)
        if incident:
            _link(vault, conn, incident, record.id)
    return Intake(record, stored.already_present)


def _link(vault: CaseContext, conn: Any, incident: str, evidence_id: str) -> None:
    incident_id = vault.store.resolve(conn, "incident", incident)
    current = vault.store.get(conn, incident_id)
    if evidence_id in current.data.get("evidence_ids", []):
        return  # linked already: nothing changes
    linked = sorted(set(current.data.get("evidence_ids", [])) | {evidence_id})
    vault.store.amend(
        conn, incident_id, {**current.data, "evidence_ids": linked}, _("evidence attached")
    )


# -- intake from a stream (web uploads) ------------------------------------------------

UPLOAD_METHOD = "upload through the SafeTrail app"
# Room kept free beside an upload, so the database and checkpoint can still be written.
MAX_NAME_CHARS = 200
_EXIF_WINDOW = 256 * 1024


def clean_file_name(name: str) -> str:
    """The last part of a name a browser sent, without control characters; never empty."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if text in ("", ".", ".."):
        return _("unnamed file")
    return text[:MAX_NAME_CHARS]


def check_intake(vault: CaseContext, incident: str | None, size: int | None) -> str | None:
    """Refuse an upload before any of it is read: unknown incident, or not enough disk space.

    Returns the incident's reference as SafeTrail writes it (e.g. "3" → "I-0003")."""
    ref = None
    if incident:
        try:
            with vault.read() as conn:
                found = vault.store.get(conn, vault.store.resolve(conn, "incident", incident))
                ref = found.ref
        except RecordNotFound:
            raise ValidationError(
                _("There is no incident called {ref}.").format(ref=incident),
                _("Check the number on the timeline, or leave the incident empty."),
            ) from None
    if size is not None:
        vault.inbox.free_space_check(size)
    return ref


def add_evidence_stream(
    vault: CaseContext,
    fileobj: BinaryIO,
    name: str,
    details: IntakeDetails | None = None,
    incident: str | None = None,
    modified_at: str | None = None,
    progress: Progress | None = None,
) -> Intake:
    """Like :func:`add_evidence`, from a readable stream; only ciphertext reaches the disk."""
    details = details or IntakeDetails(acquisition_method=UPLOAD_METHOD)
    check_intake(vault, incident, None)
    stored = vault.blobs.put_stream(fileobj, progress=progress)
    exif = _exif_summary(read_exif(_blob_file(vault.blobs.open(stored.address))))
    return _file_record(vault, stored, clean_file_name(name), modified_at, exif, details, incident)


class _BlobRaw(io.RawIOBase):
    """Seekable, read-only raw file over a stored blob; each read decrypts only what it
    covers. Wrapped in a BufferedReader, a metadata parser's many small reads cost one
    decryption per buffer, and memory stays at one buffer."""

    def __init__(self, reader: BlobReader) -> None:
        super().__init__()
        self._reader = reader
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._reader.size}
        target = base[whence] + offset
        if target < 0:
            raise OSError("negative seek position")
        self._position = target
        return target

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        for piece in self._reader.read_range(self._position, self._position + len(view)):
            view[done : done + len(piece)] = piece
            done += len(piece)
        self._position += done
        return done


def _blob_file(reader: BlobReader) -> BinaryIO:
    return io.BufferedReader(_BlobRaw(reader), buffer_size=_EXIF_WINDOW)


def human_size(size: int) -> str:
    """1,234,567 → "1.2 MB" (decimal units, as file managers show them)."""
    if size < 1000:
        return _("{n} bytes").format(n=size)
    value = size / 1000
    for unit in ("KB", "MB", "GB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


# -- showing exhibits -------------------------------------------------------------------

VIEWERS = ("image", "audio", "video", "pdf")


def viewer_for(media_type: str | None) -> str | None:
    """How a browser may show this type inside SafeTrail, or None: download only.

    SVG is a document that can carry script, so it is never shown inline; nor is HTML,
    text or anything unknown (served as a download, it cannot run in SafeTrail's page).
    """
    kind = (media_type or "").lower()
    if kind == "application/pdf":
        return "pdf"
    major, _sep, minor = kind.partition("/")
    if major in ("image", "audio", "video") and minor and "svg" not in minor:
        return major
    return None


@dataclass(frozen=True)
class EvidenceItem:
    record: Record
    incidents: list[str] = field(default_factory=list)

    @property
    def viewer(self) -> str | None:
        return viewer_for(self.record.data.get("media_type"))


@dataclass(frozen=True)
class EvidenceDetail(EvidenceItem):
    history: list[Version] = field(default_factory=list)
    custody: list[Record] = field(default_factory=list)
    parent: str | None = None


def _incident_refs(conn: Connection, evidence_ids: list[str]) -> dict[str, list[str]]:
    if not evidence_ids:
        return {}
    rows = conn.execute(
        select(incident_evidence.c.evidence_id, records.c.kind, records.c.ref_no)
        .join(records, records.c.id == incident_evidence.c.incident_id)
        .where(incident_evidence.c.evidence_id.in_(evidence_ids))
        .order_by(records.c.ref_no)
    )
    found: dict[str, list[str]] = {}
    for evidence_id, kind, ref_no in rows:
        found.setdefault(str(evidence_id), []).append(format_ref(kind, ref_no))
    return found


def list_with_incidents(vault: CaseContext) -> list[EvidenceItem]:
    """Every current exhibit, in order, with the incidents it is attached to."""
    found = list_evidence(vault)
    with vault.read() as conn:
        links = _incident_refs(conn, [r.id for r in found])
    return [EvidenceItem(r, links.get(r.id, [])) for r in found]


def evidence_detail(vault: CaseContext, ref: str) -> EvidenceDetail:
    """An exhibit with its history, its custody events and what it is attached to."""
    with vault.read() as conn:
        record = vault.store.get(conn, vault.store.resolve(conn, "evidence", ref))
        history = vault.store.history(conn, record.id)
        custody = [
            c
            for c in vault.store.load(conn, vault.store.list_ids(conn, "custody"))
            if c.data.get("evidence_id") == record.id
        ]
        parent_id = record.data.get("parent_id")
        parent = vault.store.refs(conn, [parent_id]).get(parent_id) if parent_id else None
        links = _incident_refs(conn, [record.id])
    return EvidenceDetail(record, links.get(record.id, []), history, custody, parent)


def open_evidence(vault: CaseContext, ref: str) -> tuple[Record, BlobReader]:
    """The exhibit and a decrypting reader of its content (nothing is written anywhere)."""
    record = get_evidence(vault, ref)
    return record, vault.blobs.open(record.data["blob_address"])


def evidence_file(vault: CaseContext, ref: str) -> tuple[Record, BinaryIO]:
    """An exhibit and a seekable binary stream over its decrypted contents (nothing is
    written to disk)."""
    record, reader = open_evidence(vault, ref)
    return record, _blob_file(reader)


def download_stream(
    vault: CaseContext, record: Record, reader: BlobReader, performer: str = "vault owner"
) -> Iterator[bytes]:
    """The whole content, hashed on the way; once all of it is sent, the copy is recorded
    in the exhibit's chain of custody (as an export, like ``safetrail evidence export``)."""
    digest = hashlib.sha256()
    for piece in reader:
        digest.update(piece)
        yield piece
    record_export(
        vault,
        record.id,
        record.data["original_name"],
        digest.hexdigest(),
        performer,
        via="browser download",
    )


def record_export(
    vault: CaseContext,
    evidence_id: str,
    destination_name: str,
    sha256_verified: str,
    performer: str = "vault owner",
    purpose: str | None = None,
    via: str | None = None,
) -> Record:
    """Add a custody event saying a decrypted copy left the vault."""
    data: dict[str, Any] = {
        "evidence_id": evidence_id,
        "action": "export",
        "destination_name": destination_name,
        "sha256_verified": sha256_verified,
        "performer": performer,
        "purpose": purpose,
        "tool": f"SafeTrail {__version__}",
        "at": datetime.now(UTC).isoformat(),
    }
    if via is not None:
        data["via"] = via
    with vault.write() as conn:
        return vault.store.create(conn, "custody", data)


def list_evidence(vault: CaseContext, include_voided: bool = False) -> list[Record]:
    with vault.read() as conn:
        query = select(evidence_table.c.record_id)
        if not include_voided:
            query = query.where(evidence_table.c.voided.is_(False))
        ids = [str(i) for i in conn.execute(query).scalars()]
        return sorted(vault.store.load(conn, ids), key=lambda r: r.ref_no)


def get_evidence(vault: CaseContext, ref: str) -> Record:
    with vault.read() as conn:
        return vault.store.get(conn, vault.store.resolve(conn, "evidence", ref))


def _export_target(destination: Path, original_name: str) -> Path:
    """Where an exported exhibit goes. An existing folder, or a new name without a file
    extension (``--output for-police``), is a folder: it is made, and the copy keeps its
    original name inside. A name with an extension is the file to write."""
    if destination.is_dir():
        return destination / original_name
    if destination.exists() or destination.suffix:
        return destination
    if not destination.parent.is_dir():
        raise ValidationError(
            _("The folder {path} does not exist.").format(path=destination.parent),
            _("Choose a folder that exists; SafeTrail makes only the last folder of the path."),
        )
    try:
        destination.mkdir(mode=0o700)
    except OSError as exc:
        fault = faults.from_os_error(exc, destination.parent)
        if fault is None:
            raise
        raise fault from None
    return destination / original_name


def export_evidence(
    vault: CaseContext,
    ref: str,
    destination: Path,
    performer: str = "vault owner",
    purpose: str | None = None,
) -> Path:
    """Decrypt an exhibit to a place the person chose; recorded as a custody event."""
    record = get_evidence(vault, ref)
    target = _export_target(destination, str(record.data["original_name"]))
    if target.exists():
        raise ValidationError(
            _("{path} already exists; SafeTrail will not overwrite it.").format(path=target),
            _("Choose another file name or folder."),
        )
    if not target.parent.is_dir():
        raise ValidationError(_("The folder {path} does not exist.").format(path=target.parent))
    digest = hashlib.sha256()
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("xb") as out:
            for piece in vault.blobs.open(record.data["blob_address"]):
                digest.update(piece)
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != record.data["sha256"]:
            raise ValidationError(_("The exported copy does not match the stored hash."))
        os.replace(partial, target)
    except OSError as exc:
        fault = faults.from_os_error(exc, target.parent, int(record.data.get("size") or 0))
        if fault is None:
            raise
        raise fault from None
    finally:
        if partial.exists():
            partial.unlink()
    record_export(vault, record.id, target.name, digest.hexdigest(), performer, purpose)
    return target
