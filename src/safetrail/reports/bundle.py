"""The case bundle: one zip an advocate, a lawyer or the police can check on their own.

    case-SR-20261121-1A2B3C4D/
      README.txt              what is inside and how to check it
      report.pdf              the full report
      log.json                the same selection as JSON (schema: log.schema.json)
      log.schema.json
      analysis.json           the signals, counts and breaches (as ``safetrail analyze --json``)
      incidents.csv
      communications.csv
      evidence/EX-0001_<original name>   the original files, decrypted, byte for byte
      timestamps/             RFC 3161 tokens of the ledger head, the hashed statements,
                              the certificates they carry and how to check them offline
      SHA256SUMS              every file above, as 'sha256sum -c SHA256SUMS' reads it
      SHA256SUMS.sig          Ed25519 signature of SHA256SUMS by the vault's ledger key
      signing-key.pem         that key's public half

The zip is produced as a stream of pieces (no temporary files, memory bounded by one
evidence chunk), so the same code writes a file for the CLI and a download for the web.

Encrypted for sending (a separate passphrase, never the vault's):

    "SAFETRAIL-BUNDLE" (16 bytes) | u8 format (1) | u32 preamble length | preamble JSON
    | chunked AES-256-GCM stream of the zip (the STREAM construction of vault/stream.py,
      1 MiB chunks, the bytes before it as associated data)

The preamble holds the Argon2id parameters and salt; the key is Argon2id(passphrase).
``safetrail open-bundle`` turns it back into the zip, checking every chunk.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safetrail import __version__
from safetrail.analysis.serialize import analysis_json
from safetrail.case import CaseContext
from safetrail.domain.when import zone
from safetrail.errors import BackupError, EvidenceDamaged, ValidationError, WrongPassphrase
from safetrail.fsutil import fsync_dir
from safetrail.i18n import _
from safetrail.reports.comms import communications_csv
from safetrail.reports.messages import communications_section
from safetrail.reports.model import CaseData, ExhibitRow, ReportOptions
from safetrail.reports.pdf_report import Report, build_report, custody_details
from safetrail.reports.schema import EXPORT_SCHEMA
from safetrail.services import exports
from safetrail.services.exports import ExportScope
from safetrail.timestamps import service as timestamps
from safetrail.vault import kdf, session
from safetrail.vault.stream import StreamDamaged, StreamReader, chunk_nonce

MAGIC = b"SAFETRAIL-BUNDLE"
FORMAT = 1
CHUNK = 1024 * 1024
PIECE = 1024 * 1024
SUMS = "SHA256SUMS"


@dataclass
class BundleResult:
    """Filled in while the bundle streams; complete once the last piece is out."""

    report: Report | None = None
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (path, sha256, size)
    manifest_sha256: str = ""
    sha256: str = ""  # of the bytes handed out (the zip, or the encrypted file)
    size: int = 0
    encrypted: bool = False
    exhibits: list[ExhibitRow] = field(default_factory=list)
    complete: bool = False

    @property
    def case(self) -> CaseData:
        assert self.report is not None
        return self.report.case

    @property
    def folder(self) -> str:
        return f"case-{self.case.report_id}"


class _Sink:
    """Where zipfile writes: collects bytes until the generator hands them on."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def safe_name(name: str) -> str:
    """A file name that is safe in a zip and in a SHA256SUMS line (no separators or
    control characters, no leading dot); letters of any script are kept."""
    cleaned = "".join(
        "_" if ch in '/\\:*?"<>|' or unicodedata.category(ch)[0] == "C" else ch for ch in name
    )
    cleaned = cleaned.strip().lstrip(".") or "file"
    return cleaned[:150]


def _scope(case: CaseData) -> ExportScope:
    return ExportScope(
        incident_ids=frozenset(i.id for i in case.incidents),
        person_ids=frozenset(p.id for p in case.people),
        evidence_ids=frozenset(e.id for e in case.exhibits),
        notice_ids=frozenset(n.id for n in case.notices),
        order_ids=frozenset(o.id for o in case.orders),
        witness_contacts=case.options.witness_contacts,
    )


def _readme(case: CaseData, encrypted_note: bool) -> str:
    lines = [
        _("SafeTrail case bundle {id}").format(id=case.report_id),
        "",
        _("Made with {software} on {utc} UTC.").format(
            software=case.software, utc=f"{case.generated_at:%Y-%m-%d %H:%M:%S}"
        ),
        _("Ledger head at that time: {head} ({n} entries).").format(
            head=case.head_hash, n=case.ledger_entries
        ),
        "",
        _("What is inside"),
        _("  report.pdf             the full report: summary, incident log, evidence index,"),
        _("                         witnesses, police references and integrity statement"),
        _("  log.json               the same records as data: incidents, people, evidence,"),
        _("                         notices and orders"),
        _("  log.schema.json        the JSON Schema that describes log.json"),
        _("  analysis.json          the signals found in the log and the incidents behind them"),
        _("  incidents.csv          the incident log as a spreadsheet"),
        _("  communications.csv     imported messages and calls (may be empty)"),
        _("                         (in both CSV files, a cell that starts with = + - @"),
        _("                         has an apostrophe in front so it stays plain text)"),
        _("  evidence/              the original evidence files, exactly as they were added"),
        _("  timestamps/            trusted timestamps of the ledger head, if any (README inside)"),
        _("  SHA256SUMS             the SHA-256 of every file above"),
        _("  SHA256SUMS.sig         a signature of SHA256SUMS by the vault's key"),
        _("  signing-key.pem        the public key to check that signature"),
        "",
        _("How to check that nothing was changed"),
        _("  In this folder run:   sha256sum -c SHA256SUMS"),
        _("  Every line must end in OK. On Windows PowerShell, compare each file's"),
        _("  Get-FileHash -Algorithm SHA256 with its line in SHA256SUMS."),
        "",
        _("  The signature can be checked with OpenSSL 3:"),
        "  openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin "
        "-in SHA256SUMS -sigfile SHA256SUMS.sig",
        _("  The key's fingerprint (raw public key, hex) is printed in the report's"),
        _("  integrity statement: {key}").format(key=case.public_key),
        "",
        _("Private notes kept by the person are never included."),
    ]
    if not case.options.witness_contacts:
        lines.append(_("Witnesses' contact details are left out."))
    if encrypted_note:
        lines.append(_("This bundle was sent encrypted; it was opened with its own passphrase."))
    return "\n".join(lines) + "\n"


def _signature_files(vault: CaseContext, manifest: bytes) -> tuple[bytes, bytes]:
    key = vault.keys.ledger_signing_key()
    signature = key.sign(manifest)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return signature, pem


def _zip_info(name: str, moment: datetime, size: int | None = None, stored: bool = False) -> Any:
    info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    if size is not None:
        info.file_size = size
    return info


def zip_pieces(vault: CaseContext, options: ReportOptions, result: BundleResult) -> Iterator[bytes]:
    """The bundle zip, piece by piece. Evidence is decrypted straight into the zip and its
    SHA-256 re-checked against the one recorded at intake; a mismatch stops the bundle."""
    report = build_report(vault, options)
    result.report = report
    case = report.case
    result.exhibits = list(case.exhibits)
    folder = f"case-{case.report_id}"
    moment = case.generated_at.astimezone(zone(case.timezone))  # zip times are local
    sink = _Sink()
    archive = zipfile.ZipFile(cast(IO[bytes], sink), "w", allowZip64=True)

    def add(name: str, payload: bytes) -> None:
        archive.writestr(_zip_info(f"{folder}/{name}", moment), payload)
        result.files.append((name, hashlib.sha256(payload).hexdigest(), len(payload)))

    scope = _scope(case)
    comms = communications_section(vault, case)
    add("README.txt", _readme(case, encrypted_note=False).encode())
    add("report.pdf", report.pdf)
    yield sink.take()
    log = exports.build_json(vault, scope)
    add("log.json", (json.dumps(log, ensure_ascii=False, indent=2) + "\n").encode())
    add("log.schema.json", (json.dumps(EXPORT_SCHEMA, indent=2) + "\n").encode())
    findings = analysis_json(report.findings.analysis)
    add("analysis.json", (json.dumps(findings, ensure_ascii=False, indent=2) + "\n").encode())
    add("incidents.csv", exports.build_csv(vault, scope).encode("utf-8-sig"))
    add("communications.csv", communications_csv(comms, case.refs).encode("utf-8-sig"))
    for name, content in timestamps.bundle_files(report.stamps):
        add(name, content)
    yield sink.take()
    used: set[str] = set()
    for exhibit in case.exhibits:
        name = f"evidence/{exhibit.ref}_{safe_name(exhibit.name)}"
        if name in used:  # two exhibits cannot share a name; the reference keeps them apart
            name = f"evidence/{exhibit.ref}_{exhibit.sha256[:8]}_{safe_name(exhibit.name)}"
        used.add(name)
        digest = hashlib.sha256()
        size = 0
        info = _zip_info(f"{folder}/{name}", moment, exhibit.size, stored=True)
        with archive.open(info, "w") as entry:
            for piece in vault.blobs.open(exhibit.blob_address):
                digest.update(piece)
                size += len(piece)
                entry.write(piece)
                yield sink.take()
        if digest.hexdigest() != exhibit.sha256 or size != exhibit.size:
            raise EvidenceDamaged(
                _("Exhibit {ref} no longer matches the SHA-256 recorded when it was added.").format(
                    ref=exhibit.ref
                )
            )
        result.files.append((name, exhibit.sha256, size))
    manifest = "".join(f"{sha}  {name}\n" for name, sha, _size in result.files).encode()
    archive.writestr(_zip_info(f"{folder}/{SUMS}", moment), manifest)
    signature, pem = _signature_files(vault, manifest)
    archive.writestr(_zip_info(f"{folder}/{SUMS}.sig", moment), signature)
    archive.writestr(_zip_info(f"{folder}/signing-key.pem", moment), pem)
    result.manifest_sha256 = hashlib.sha256(manifest).hexdigest()
    archive.close()
    yield sink.take()


# -- encryption for sending ------------------------------------------------------------------


def _bundle_kdf() -> kdf.KdfParams:
    salt = os.urandom(kdf.SALT_BYTES)
    if kdf.weak_kdf_allowed():
        return kdf.KdfParams(memory_kib=8, iterations=1, parallelism=1, salt=salt)
    # RFC 9106's second recommended setting: strong, and quick enough on an old laptop.
    return kdf.KdfParams(memory_kib=kdf.MIN_MEMORY_KIB, iterations=3, parallelism=4, salt=salt)


class Sealer:
    """Encrypts a stream of pieces into STREAM chunks, holding back the last chunk until
    ``finish`` so it can carry the final flag."""

    def __init__(self, key: bytes, associated: bytes, chunk: int = CHUNK) -> None:
        self._aead = AESGCM(key)
        self._associated = associated
        self._chunk = chunk
        self._buffer = bytearray()
        self._index = 0

    def feed(self, data: bytes) -> bytes:
        self._buffer += data
        out = []
        while len(self._buffer) > self._chunk:
            piece = bytes(self._buffer[: self._chunk])
            del self._buffer[: self._chunk]
            out.append(self._seal(piece, final=False))
        return b"".join(out)

    def finish(self) -> bytes:
        return self._seal(bytes(self._buffer), final=True)

    def _seal(self, piece: bytes, final: bool) -> bytes:
        sealed = self._aead.encrypt(chunk_nonce(self._index, final), piece, self._associated)
        self._index += 1
        return sealed


def check_bundle_passphrase(vault: CaseContext, passphrase: str) -> None:
    """A sending passphrase must be long enough and must not be the vault's own."""
    session.check_passphrase_strength(passphrase)
    if not vault.opens_with(passphrase):
        return
    raise ValidationError(
        _("That is your vault passphrase. Use a different one for the bundle."),
        _("Whoever receives the bundle will learn its passphrase; keep your vault's private."),
    )


def encrypt_pieces(pieces: Iterator[bytes], passphrase: str) -> Iterator[bytes]:
    params = _bundle_kdf()
    preamble = json.dumps({"kdf": params.to_json(), "chunk_size": CHUNK}, sort_keys=True).encode()
    lead = MAGIC + struct.pack(">BI", FORMAT, len(preamble)) + preamble
    sealer = Sealer(kdf.derive_kek(passphrase, params), lead)
    yield lead
    for piece in pieces:
        sealed = sealer.feed(piece)
        if sealed:
            yield sealed
    yield sealer.finish()


def bundle_pieces(
    vault: CaseContext, options: ReportOptions, result: BundleResult, passphrase: str | None = None
) -> Iterator[bytes]:
    """What is handed out, piece by piece: the zip, or the zip encrypted with ``passphrase``.
    ``result`` is complete (hashes, size) once the last piece has been taken."""
    pieces = zip_pieces(vault, options, result)
    if passphrase:
        result.encrypted = True
        pieces = encrypt_pieces(pieces, passphrase)
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
        result.size += len(piece)
        yield piece
    result.sha256 = digest.hexdigest()
    result.complete = True


def record_bundle(vault: CaseContext, result: BundleResult, file_name: str, via: str) -> None:
    """Custody: one event per exhibit that left the vault decrypted, and the export itself."""
    if not result.complete:
        return
    now = datetime.now(UTC).isoformat()
    with vault.write() as conn:
        for exhibit in result.exhibits:
            vault.store.create(
                conn,
                "custody",
                {
                    "evidence_id": exhibit.id,
                    "action": "export",
                    "destination_name": f"{file_name} ({result.case.report_id})",
                    "sha256_verified": exhibit.sha256,
                    "performer": "vault owner",
                    "purpose": _("case bundle"),
                    "tool": f"SafeTrail {__version__}",
                    "at": now,
                    "via": via,
                },
            )
    details = {
        **custody_details(result.case),
        "manifest_sha256": result.manifest_sha256,
        "report_sha256": result.report.sha256 if result.report else None,
        "files": len(result.files),
        "encrypted": result.encrypted,
        "via": via,
    }
    exports.record_export(
        vault,
        "bundle-encrypted" if result.encrypted else "bundle",
        file_name,
        result.sha256,
        result.size,
        details,
    )


def write_bundle(
    vault: CaseContext, options: ReportOptions, output: Path, passphrase: str | None = None
) -> BundleResult:
    """Write the bundle to ``output`` (never overwriting), then record the custody events."""
    exports.check_output(output)
    if passphrase:
        check_bundle_passphrase(vault, passphrase)
    result = BundleResult()
    partial = output.with_name(f".{output.name}.partial")
    try:
        with partial.open("xb") as out:
            for piece in bundle_pieces(vault, options, result, passphrase):
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, output)
        fsync_dir(output.parent)
    finally:
        if partial.exists():
            partial.unlink()
    record_bundle(vault, result, output.name, "command line")
    return result


def open_bundle(source: Path, passphrase: str, output: Path) -> int:
    """Decrypt an encrypted bundle back into its zip; every chunk is authenticated first."""
    exports.check_output(output)
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise BackupError(_("{p} cannot be read: {r}.").format(p=source, r=exc.strerror)) from None
    with handle:
        magic = handle.read(len(MAGIC))
        fixed = handle.read(5)
        if magic != MAGIC or len(fixed) != 5:
            raise BackupError(_("This file is not an encrypted SafeTrail case bundle."))
        version, length = struct.unpack(">BI", fixed)
        if version != FORMAT:
            raise BackupError(
                _("This bundle was made by a newer SafeTrail."), _("Update SafeTrail.")
            )
        raw = handle.read(length)
        try:
            preamble = json.loads(raw)
            params = kdf.KdfParams.from_json(preamble["kdf"])
            chunk = int(preamble["chunk_size"])
        except (ValueError, KeyError, TypeError):
            raise BackupError(
                _("The bundle file is damaged (its first part is invalid).")
            ) from None
        if not kdf.acceptable(params):
            raise BackupError(_("The bundle asks for a key strength below SafeTrail's minimum."))
        lead = magic + fixed + raw
        key = kdf.derive_kek(passphrase, params)
        size = os.fstat(handle.fileno()).st_size - len(lead)
        partial = output.with_name(f".{output.name}.partial")
        try:
            reader = StreamReader(handle, key, lead, chunk, len(lead), size)
            reader.check_final_chunk()
            with partial.open("xb") as out:
                for piece in reader:
                    out.write(piece)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, output)
        except (StreamDamaged, InvalidTag):
            raise WrongPassphrase(
                _("This passphrase does not open the bundle, or the file was damaged in transit."),
                _("Check the passphrase with the sender; if it is right, ask for the file again."),
            ) from None
        finally:
            if partial.exists():
                partial.unlink()
    return output.stat().st_size
