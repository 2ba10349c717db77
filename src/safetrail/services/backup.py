"""One-file encrypted backups and verified restores.

Backup file:
    "SAFETRAIL-BACKUP" (16 bytes) | u8 format | u32 preamble length | preamble JSON
    | chunked AES-256-GCM stream of a tar archive
The preamble holds the vault header (needed to unlock with the passphrase) and the
per-backup key wrapped under the vault's backup key. The tar holds a consistent
snapshot of the (already encrypted) database, the checkpoint and every blob.
Restore refuses anything but regular files at the expected paths.

Local-only: a backup copies the vault folder (header, database file, checkpoint file,
the duress second files), so it takes a ``Vault``, never a bare ``CaseContext``; a
server case is backed up with the database's own tools.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import struct
import tarfile
import threading
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safetrail.errors import BackupError, VaultExists
from safetrail.fsutil import fsync_dir
from safetrail.i18n import _
from safetrail.services.vault import Vault, open_vault, raw_connection
from safetrail.services.verify import VerifyReport, verify
from safetrail.storage import faults
from safetrail.storage.engine import open_sqlcipher
from safetrail.vault import session
from safetrail.vault.header import HEADER_NAME, parse_header
from safetrail.vault.keys import VaultKeys
from safetrail.vault.stream import StreamDamaged, StreamReader, encrypt_stream

MAGIC = b"SAFETRAIL-BACKUP"
FORMAT = 1
CHUNK = 1024 * 1024
SNAPSHOT = ".backup-snapshot.db"


def _snapshot_database(vault: Vault, beside: Path) -> Path:
    """A consistent copy of the encrypted database, made with SQLite's online backup.

    It is made beside the backup file, not in the vault folder, so that a read-only vault
    can be backed up too (the copy is as encrypted as the database itself)."""
    target = beside.with_name(f".{beside.name}{SNAPSHOT}")
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    source = raw_connection(vault)
    copy = open_sqlcipher(target, vault.keys.database)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
    finally:
        copy.close()
        source.close()
    return target


def _write_tar(vault: Vault, snapshot: Path, sink: BinaryIO) -> None:
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        tar.add(vault.layout.header, arcname=HEADER_NAME)
        tar.add(snapshot, arcname=vault.layout.database.name)
        if vault.layout.checkpoint.exists():
            tar.add(vault.layout.checkpoint, arcname=vault.layout.checkpoint.name)
        # The other case's files (the decoy, or random stand-ins) go along unchanged, so a
        # restored vault opens with either passphrase; that case is closed, so they are whole.
        other = vault.layout.other()
        alert = vault.layout.root / session.SECOND_ALERT_NAME
        for path in (other.database, other.checkpoint, alert):
            if path.exists():
                tar.add(path, arcname=path.name)
        for address in sorted(vault.blobs.addresses()):
            path = vault.blobs.path_for(address)
            tar.add(path, arcname=str(path.relative_to(vault.layout.root)))


def create_backup(vault: Vault, output: Path) -> int:
    if output.exists():
        raise BackupError(
            _("{path} already exists; SafeTrail will not overwrite it.").format(path=output),
            _("Choose a new file name for the backup."),
        )
    file_key = os.urandom(32)
    nonce = os.urandom(12)
    header_bytes = vault.layout.header.read_bytes()
    preamble = json.dumps(
        {
            "vault_header": base64.b64encode(header_bytes).decode(),
            "key_nonce": nonce.hex(),
            "wrapped_key": AESGCM(vault.keys.backup).encrypt(nonce, file_key, MAGIC).hex(),
            "chunk_size": CHUNK,
        },
        sort_keys=True,
    ).encode()
    lead = MAGIC + struct.pack(">BI", FORMAT, len(preamble)) + preamble
    snapshot = _snapshot_database(vault, output)
    partial = output.with_name(f".{output.name}.partial")
    read_fd, write_fd = os.pipe()
    errors: list[BaseException] = []

    def produce() -> None:
        try:
            with os.fdopen(write_fd, "wb") as sink:
                _write_tar(vault, snapshot, sink)
        except BaseException as exc:  # reported by the consumer below
            errors.append(exc)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    try:
        with os.fdopen(read_fd, "rb") as source, partial.open("xb") as out:
            out.write(lead)
            encrypt_stream(source, out, file_key, lead, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        producer.join()
        if errors:
            if isinstance(errors[0], OSError):
                raise errors[0]
            raise BackupError(_("The backup could not be written: {e}.").format(e=errors[0]))
        os.replace(partial, output)
        fsync_dir(output.parent)
    except OSError as exc:
        fault = faults.from_os_error(exc, output.parent)
        if fault is None:
            raise
        raise fault from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        with contextlib.suppress(FileNotFoundError):
            snapshot.unlink()
    return output.stat().st_size


def _read_lead(handle: BinaryIO) -> tuple[bytes, dict[str, Any]]:
    magic = handle.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupError(_("This file is not a SafeTrail backup."))
    fixed = handle.read(5)
    if len(fixed) != 5:
        raise BackupError(_("The backup file is cut short."))
    version, length = struct.unpack(">BI", fixed)
    if version != FORMAT:
        raise BackupError(_("This backup was made by a newer SafeTrail."), _("Update SafeTrail."))
    raw = handle.read(length)
    try:
        preamble = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BackupError(_("The backup file is damaged (its first part is unreadable).")) from None
    return magic + fixed + raw, preamble


_TOP_LEVEL = (
    HEADER_NAME,
    session.DB_NAME,
    session.CHECKPOINT_NAME,
    session.SECOND_DB_NAME,
    session.SECOND_CHECKPOINT_NAME,
    session.SECOND_ALERT_NAME,
)


def _safe_members(tar: tarfile.TarFile) -> Any:
    for member in tar:
        name = member.name
        parts = Path(name).parts
        allowed = name in _TOP_LEVEL or (
            len(parts) == 3 and parts[0] == session.BLOB_DIR and ".." not in parts
        )
        if not member.isfile() or not allowed or Path(name).is_absolute():
            raise BackupError(_("The backup contains an unexpected entry: {n}.").format(n=name))
        yield member


def restore_backup(backup: Path, target: Path, passphrase: str) -> tuple[Vault, VerifyReport]:
    if target.exists() and any(target.iterdir()):
        raise VaultExists(
            _("{path} is not empty; restore needs a new, empty folder.").format(path=target)
        )
    try:
        handle = backup.open("rb")
    except OSError as exc:
        raise BackupError(_("{p} cannot be read: {r}.").format(p=backup, r=exc.strerror)) from None
    with handle:
        lead, preamble = _read_lead(handle)
        try:
            header = parse_header(base64.b64decode(preamble["vault_header"]), backup)
            nonce = bytes.fromhex(preamble["key_nonce"])
            wrapped = bytes.fromhex(preamble["wrapped_key"])
            chunk = int(preamble["chunk_size"])
        except (KeyError, ValueError, TypeError):
            raise BackupError(
                _("The backup file is damaged (its first part is invalid).")
            ) from None
        vmk = session.master_key(header, passphrase)
        keys = VaultKeys.derive(vmk, header.vault_id)
        try:
            file_key = AESGCM(keys.backup).decrypt(nonce, wrapped, MAGIC)
        except InvalidTag:
            raise BackupError(_("The backup's key does not match its vault header.")) from None
        size = os.fstat(handle.fileno()).st_size - len(lead)
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            reader = StreamReader(handle, file_key, lead, chunk, len(lead), size)
            _extract(reader, target)
        except (StreamDamaged, tarfile.TarError) as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise BackupError(
                _("The backup file is damaged or incomplete ({why}).").format(why=exc)
            ) from None
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
    vault = open_vault(target, passphrase)
    return vault, verify(vault)


class _Chunks:
    """A file-like view of an iterator of bytes, for tarfile's streaming mode."""

    def __init__(self, pieces: Any) -> None:
        self._pieces = iter(pieces)
        self._buffer = bytearray()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._pieces)
            except StopIteration:
                break
        if size < 0:
            size = len(self._buffer)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]  # cheap: bytearray drops bytes from the front in place
        return out


def _extract(reader: StreamReader, target: Path) -> None:
    with tarfile.open(fileobj=cast(IO[bytes], _Chunks(reader)), mode="r|") as tar:
        for member in _safe_members(tar):
            destination = target / member.name
            destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            source = tar.extractfile(member)
            if source is None:
                continue
            with destination.open("xb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
    for folder in {target, target / session.BLOB_DIR}:
        fsync_dir(folder)
