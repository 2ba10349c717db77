"""Content-addressed store of encrypted evidence files.

Blob file (``root/<first 2 hex>/<address>``)::

    magic        8 bytes   b"STBLOB\\x00\\x01"
    chunk size   4 bytes   big-endian plaintext bytes per chunk
    wrap nonce  12 bytes   random
    file key    48 bytes   random key sealed with AES-256-GCM under wrap_key (AD = first 12 bytes)
    chunks ...             vault.stream format; the 72 header bytes are each chunk's AD

Address = HMAC-SHA256(address_key, SHA-256 digest of the plaintext): same content is stored once,
and file names do not reveal the evidentiary hash. Writes go to ``root/tmp`` and are fsynced
before an atomic rename, so a final address never holds a partial file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import os
import re
import stat
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from safetrail.errors import (
    DiskFull,
    EvidenceDamaged,
    EvidenceMissing,
    InputFileError,
    SafetrailError,
)
from safetrail.fsutil import fsync_dir
from safetrail.i18n import _
from safetrail.storage import faults
from safetrail.vault.stream import (
    DEFAULT_CHUNK_SIZE,
    KEY_SIZE,
    MAX_CHUNK_SIZE,
    BackgroundHasher,
    StreamDamaged,
    StreamReader,
    check_chunk_size,
    encrypt_stream,
)

MAGIC = b"STBLOB\x00\x01"
_HEADER = struct.Struct(">8sI12s48s")
HEADER_SIZE = _HEADER.size
_ADDRESS = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = "put-"
_TEMP_ATTEMPTS = 5

Progress = Callable[[int], None]


@dataclass(frozen=True)
class StoredBlob:
    address: str
    sha256: str
    size: int
    stored_size: int
    already_present: bool


def _stored_size(size: int | None, chunk_size: int) -> int | None:
    """Bytes a blob of ``size`` plaintext bytes takes on disk (header and chunk tags)."""
    if size is None:
        return None
    chunks = max(1, -(-size // chunk_size))
    return HEADER_SIZE + size + chunks * 16


def copy_error(error: SafetrailError) -> SafetrailError:
    """A fresh exception with the same class, message and hint (each raise its own)."""
    return type(error)(error.message, error.hint)


def _seal_header(wrap_key: bytes | bytearray, file_key: bytes, chunk_size: int) -> bytes:
    nonce = os.urandom(12)
    fixed = MAGIC + chunk_size.to_bytes(4, "big")
    return _HEADER.pack(MAGIC, chunk_size, nonce, AESGCM(wrap_key).encrypt(nonce, file_key, fixed))


def _open_header(wrap_key: bytes | bytearray, header: bytes) -> tuple[bytes, int]:
    """Return (file key, chunk size); raise StreamDamaged when the header is not ours or altered."""
    if len(header) < HEADER_SIZE:
        raise StreamDamaged("the file is too short to be evidence")
    magic, chunk_size, nonce, wrapped = _HEADER.unpack(header)
    if magic != MAGIC:
        raise StreamDamaged("the file does not start like a SafeTrail evidence file")
    try:
        file_key = AESGCM(wrap_key).decrypt(nonce, wrapped, header[:12])
    except InvalidTag:
        raise StreamDamaged("the file key could not be unlocked (header altered)") from None
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:  # authenticated, so only a future format does this
        raise StreamDamaged("unsupported chunk size")
    return file_key, chunk_size


class _InputReader:
    """Read the person's file, reporting read failures as InputFileError (not as vault damage)."""

    def __init__(self, src: BinaryIO, name: str) -> None:
        self._src = src
        self._name = name

    def read(self, size: int = -1) -> bytes:
        try:
            return self._src.read(size)
        except OSError as exc:
            raise InputFileError(
                _("'{name}' could not be read: {reason}.").format(
                    name=self._name, reason=exc.strerror or exc
                )
            ) from exc


class BlobReader:
    """Decrypting view of one stored blob. Each read opens the file anew, so nothing to close."""

    def __init__(
        self, path: Path, address: str, file_key: bytes, chunk_size: int, size: int
    ) -> None:
        self.address = address
        self.size = size
        self._path = path
        self._file_key = file_key
        self._chunk_size = chunk_size

    def __iter__(self) -> Iterator[bytes]:
        """All plaintext, in pieces of up to about 1 MiB."""
        with self._stream() as stream:
            yield from stream

    def read_range(self, start: int, end: int) -> Iterator[bytes]:
        """Plaintext ``[start, end)``; only the chunks covering it are read and decrypted."""
        with self._stream() as stream:
            yield from stream.read_range(start, end)

    @contextlib.contextmanager
    def _stream(self) -> Iterator[StreamReader]:
        with _open_blob(self._path, self.address) as (src, header, stored_size):
            try:
                yield _stream_reader(src, self._file_key, header, self._chunk_size, stored_size)
            except StreamDamaged as exc:
                raise _damaged(self.address, exc) from None


def _stream_reader(
    src: BinaryIO, file_key: bytes, header: bytes, chunk_size: int, stored_size: int
) -> StreamReader:
    return StreamReader(src, file_key, header, chunk_size, HEADER_SIZE, stored_size - HEADER_SIZE)


def _damaged(address: str, exc: StreamDamaged) -> EvidenceDamaged:
    return EvidenceDamaged(
        _("Evidence file {address} is damaged: {problem}.").format(address=address, problem=exc)
    )


@contextlib.contextmanager
def _open_blob(path: Path, address: str) -> Iterator[tuple[BinaryIO, bytes, int]]:
    try:
        src = path.open("rb")
    except FileNotFoundError:
        raise EvidenceMissing(
            _("Evidence file {address} is missing from the vault.").format(address=address)
        ) from None
    with src:
        yield src, src.read(HEADER_SIZE), os.fstat(src.fileno()).st_size


def blob_addresses(root: Path) -> Iterator[str]:
    """Every stored blob's address under ``root`` (file names only; no key needed)."""
    if not root.is_dir():
        return
    for fan in sorted(root.iterdir()):
        if len(fan.name) == 2 and fan.is_dir():
            for entry in sorted(fan.iterdir()):
                if _ADDRESS.fullmatch(entry.name) and entry.name[:2] == fan.name:
                    yield entry.name


class BlobStore:
    def __init__(
        self,
        root: Path,
        wrap_key: bytes | bytearray,
        address_key: bytes | bytearray,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        if len(wrap_key) != KEY_SIZE or len(address_key) != KEY_SIZE:
            raise ValueError("blob keys must be 32 bytes")
        check_chunk_size(chunk_size)
        self.root = root
        self._tmp = root / "tmp"
        self._wrap_key = wrap_key
        self._address_key = address_key
        self._chunk_size = chunk_size
        #: set when the vault may not be changed (read-only folder, full disk, mismatch)
        self.write_refusal: SafetrailError | None = None

    # -- names ---------------------------------------------------------------------------------

    def address_for(self, sha256_hex: str) -> str:
        return hmac.new(self._address_key, bytes.fromhex(sha256_hex), "sha256").hexdigest()

    def path_for(self, address: str) -> Path:
        if not _ADDRESS.fullmatch(address):  # also keeps path tricks out of the store
            raise ValueError(f"not a blob address: {address!r}")
        return self.root / address[:2] / address

    def addresses(self) -> Iterator[str]:
        return blob_addresses(self.root)

    # -- writing -------------------------------------------------------------------------------

    def put_file(self, path: Path, progress: Progress | None = None) -> StoredBlob:
        try:
            info = path.stat()
            mode = info.st_mode
            if stat.S_ISDIR(mode):
                raise InputFileError(_("'{name}' is a folder, not a file.").format(name=path))
            if not stat.S_ISREG(mode):  # a FIFO or device could block or never end
                raise InputFileError(_("'{name}' is not a regular file.").format(name=path))
            src = path.open("rb", buffering=0)
        except FileNotFoundError:
            raise InputFileError(_("'{name}' does not exist.").format(name=path)) from None
        except PermissionError:
            raise InputFileError(
                _("SafeTrail is not allowed to read '{name}'.").format(name=path)
            ) from None
        except OSError as exc:
            raise InputFileError(
                _("'{name}' could not be opened: {reason}.").format(name=path, reason=exc.strerror)
            ) from None
        with src:
            return self._put(_InputReader(src, str(path)), progress, info.st_size)

    def put_stream(self, fileobj: BinaryIO, progress: Progress | None = None) -> StoredBlob:
        name = str(getattr(fileobj, "name", "the input"))
        return self._put(_InputReader(fileobj, name), progress, None)

    def _put(self, src: _InputReader, progress: Progress | None, size: int | None) -> StoredBlob:
        if isinstance(self.write_refusal, DiskFull):  # say how much this file needs
            raise faults.disk_full(self.root, _stored_size(size, self._chunk_size))
        if self.write_refusal is not None:
            raise copy_error(self.write_refusal)
        try:
            return self._put_file(src, progress)
        except OSError as exc:
            fault = faults.from_os_error(exc, self.root, _stored_size(size, self._chunk_size))
            if fault is None:
                raise
            raise fault from None

    def _put_file(self, src: _InputReader, progress: Progress | None) -> StoredBlob:
        file_key = os.urandom(KEY_SIZE)
        header = _seal_header(self._wrap_key, file_key, self._chunk_size)
        dst, tmp = self._locked_temp()
        try:
            with dst:  # closing releases the lock, after the rename
                dst.write(header)
                sha256, size = encrypt_stream(
                    src, dst, file_key, header, self._chunk_size, progress
                )
                dst.flush()
                os.fsync(dst.fileno())
                stored_size = dst.tell()
                address = self.address_for(sha256)
                final = self.path_for(address)
                present = final.exists()
                if present:
                    tmp.unlink()
                else:
                    self._place(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return StoredBlob(address, sha256, size, stored_size, already_present=present)

    def _locked_temp(self) -> tuple[BinaryIO, Path]:
        """Create a temp file and hold an exclusive lock on it, so cleanup_temp leaves it alone."""
        for directory in (self.root, self._tmp):
            if not directory.is_dir():
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                fsync_dir(directory.parent)  # a new blobs/ must survive a crash too
        for _attempt in range(_TEMP_ATTEMPTS):
            fd, name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self._tmp)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                # cleanup_temp may have removed the name between mkstemp and flock.
                if os.path.samestat(os.stat(name), os.fstat(fd)):
                    return os.fdopen(fd, "wb"), Path(name)
            except OSError:  # locked by cleanup_temp, or already unlinked: take a new name
                pass
            os.close(fd)
        raise OSError(f"could not create a temporary file in {self._tmp}")

    def _place(self, tmp: Path, final: Path) -> None:
        fan = final.parent
        if not fan.is_dir():
            fan.mkdir(mode=0o700, exist_ok=True)
            fsync_dir(self.root)
        os.replace(tmp, final)
        fsync_dir(fan)

    def cleanup_temp(self) -> int:
        """Delete temp files left by crashed writers; files a live writer has locked are kept."""
        removed = 0
        if not self._tmp.is_dir():
            return 0
        for entry in self._tmp.iterdir():
            try:
                fd = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                entry.unlink()  # while holding the lock, so no writer can be adopting it
                removed += 1
            except OSError:
                pass
            finally:
                os.close(fd)
        return removed

    # -- reading -------------------------------------------------------------------------------

    def open(self, address: str) -> BlobReader:
        """Open a blob for reading; its final chunk is authenticated now, so ``size`` is trusted."""
        path = self.path_for(address)
        with _open_blob(path, address) as (src, header, stored_size):
            try:
                file_key, chunk_size = _open_header(self._wrap_key, header)
                stream = _stream_reader(src, file_key, header, chunk_size, stored_size)
                stream.check_final_chunk()
            except StreamDamaged as exc:
                raise _damaged(address, exc) from None
        return BlobReader(path, address, file_key, chunk_size, stream.size)

    def verify(self, address: str, expected_sha256: str) -> str | None:
        """Re-decrypt and re-hash; None when intact, else a short description of the problem."""
        path = self.path_for(address)
        try:
            with _open_blob(path, address) as (src, header, stored_size):
                file_key, chunk_size = _open_header(self._wrap_key, header)
                stream = _stream_reader(src, file_key, header, chunk_size, stored_size)
                with BackgroundHasher() as hasher:
                    for piece in stream:
                        hasher.update(piece)
                    actual = hasher.hexdigest()
        except EvidenceMissing:
            return _("missing")
        except StreamDamaged as exc:
            return _("damaged: {problem}").format(problem=exc)
        except OSError as exc:  # one unreadable file must not stop a whole-vault check
            return _("unreadable: {reason}").format(reason=exc.strerror or exc)
        if not hmac.compare_digest(actual, expected_sha256.lower()):
            return _("content hash differs")
        return None
