from __future__ import annotations

import fcntl
import hashlib
import hmac
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from safetrail.errors import EvidenceDamaged, EvidenceMissing, InputFileError
from safetrail.storage.blobs import HEADER_SIZE, MAGIC, BlobStore, StoredBlob

WRAP = bytes(range(32))
ADDR = bytes(range(100, 132))
CHUNK = 16
SEALED = CHUNK + 16


def pattern(size: int) -> bytes:
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", WRAP, ADDR, chunk_size=CHUNK)


def put(store: BlobStore, data: bytes) -> StoredBlob:
    return store.put_stream(io.BytesIO(data))


Change = Callable[[bytearray], bytearray]


def rewrite(path: Path, change: Change) -> None:
    path.write_bytes(bytes(change(bytearray(path.read_bytes()))))


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 3])
def test_round_trip(store: BlobStore, size: int) -> None:
    data = pattern(size)
    blob = put(store, data)
    digest = hashlib.sha256(data).digest()

    assert blob.sha256 == digest.hex()
    assert blob.size == size
    assert blob.address == hmac.new(ADDR, digest, "sha256").hexdigest()
    assert blob.already_present is False
    path = store.root / blob.address[:2] / blob.address
    assert store.path_for(blob.address) == path
    chunks = max(1, -(-size // CHUNK))
    assert blob.stored_size == path.stat().st_size == 72 + size + 16 * chunks
    reader = store.open(blob.address)
    assert reader.size == size
    assert b"".join(reader) == data
    assert b"".join(reader.read_range(1, size + 5)) == data[1:]
    assert b"".join(reader.read_range(CHUNK - 1, CHUNK + 2)) == data[CHUNK - 1 : CHUNK + 2]
    assert store.verify(blob.address, blob.sha256) is None


def test_header_layout(store: BlobStore) -> None:
    blob = put(store, b"x")
    raw = store.path_for(blob.address).read_bytes()
    assert HEADER_SIZE == 72
    assert raw[:8] == MAGIC == b"STBLOB\x00\x01"
    assert raw[8:12] == (16).to_bytes(4, "big")
    assert len(raw) == 72 + 1 + 16


def test_put_file_with_progress(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "photo.jpg"
    data = pattern(3000)
    source.write_bytes(data)
    seen: list[int] = []
    blob = store.put_file(source, progress=seen.append)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert seen[-1] == 3000
    assert b"".join(store.open(blob.address)) == data
    assert list((store.root / "tmp").iterdir()) == []


def test_same_content_is_stored_once(store: BlobStore) -> None:
    first = put(store, pattern(100))
    second = put(store, pattern(100))
    assert second.already_present is True
    assert (second.address, second.sha256, second.size) == (first.address, first.sha256, 100)
    assert list(store.addresses()) == [first.address]
    assert [p.name for p in files_under(store.root)] == [first.address]


def test_default_chunk_store_hides_plaintext_and_its_hash(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs", WRAP, ADDR)
    marker = b"MEET-ME-AT-THE-CAR-PARK-9731"
    data = b"".join(marker + i.to_bytes(4, "big") for i in range(10_000))  # > 2 chunks
    blob = put(store, data)
    raw = store.path_for(blob.address).read_bytes()
    assert raw[8:12] == (64 * 1024).to_bytes(4, "big")
    assert len(raw) == 72 + len(data) + 16 * 5
    assert marker not in raw and marker[:8] not in raw
    assert blob.sha256 not in str(files_under(store.root))
    assert bytes.fromhex(blob.sha256) not in raw
    assert b"".join(store.open(blob.address).read_range(65530, 65540)) == data[65530:65540]


def test_addresses_lists_every_blob(store: BlobStore) -> None:
    made = {put(store, pattern(n)).address for n in (0, 1, 2, 40)}
    (store.root / "tmp" / "put-junk").write_bytes(b"junk")
    (store.root / "notes.txt").write_bytes(b"ignored")
    assert list(store.addresses()) == sorted(made)


def test_path_for_refuses_non_addresses(store: BlobStore) -> None:
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")
    with pytest.raises(ValueError):
        store.path_for("AB" * 32)


def test_missing_blob(store: BlobStore) -> None:
    address = "ab" * 32
    with pytest.raises(EvidenceMissing, match=address):
        store.open(address)
    assert store.verify(address, "00" * 32) == "missing"


def test_verify_reports_a_different_hash(store: BlobStore) -> None:
    blob = put(store, b"abc")
    assert store.verify(blob.address, hashlib.sha256(b"abd").hexdigest()) == "content hash differs"
    assert store.verify(blob.address, blob.sha256.upper()) is None


# -- tampering: 5 chunks of 16 bytes (last one 9), so chunk k starts at 72 + 32 k ---------------


def flip(offset: int) -> Change:
    def change(data: bytearray) -> bytearray:
        data[offset] ^= 0x01
        return data

    return change


def swap_chunks(a: int, b: int) -> Change:
    def change(data: bytearray) -> bytearray:
        sa, sb = 72 + a * SEALED, 72 + b * SEALED
        data[sa : sa + SEALED], data[sb : sb + SEALED] = (
            data[sb : sb + SEALED],
            data[sa : sa + SEALED],
        )
        return data

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (flip(0), "damaged: the file does not start like a SafeTrail evidence file"),
        (flip(11), "damaged: the file key could not be unlocked (header altered)"),
        (flip(20), "damaged: the file key could not be unlocked (header altered)"),
        (flip(50), "damaged: the file key could not be unlocked (header altered)"),
        (flip(72 + 2 * SEALED + 5), "damaged: authentication failed at chunk 2"),
        (swap_chunks(1, 2), "damaged: authentication failed at chunk 1"),
        (lambda d: d[:-3], "damaged: authentication failed at chunk 4"),
        (lambda d: d[:-25], "damaged: authentication failed at chunk 3"),
        (lambda d: d[:-10], "damaged: the file has been cut short or has bytes added"),
        (lambda d: d + bytes(7), "damaged: authentication failed at chunk 4"),
        (lambda d: d[:40], "damaged: the file is too short to be evidence"),
    ],
    ids=[
        "magic",
        "chunk-size",
        "wrap-nonce",
        "wrapped-key",
        "middle-chunk",
        "swap",
        "cut-last-chunk",
        "drop-last-chunk",
        "cut-tag",
        "append",
        "header-cut",
    ],
)
def test_tampering_is_detected(store: BlobStore, change: Change, problem: str) -> None:
    data = pattern(4 * CHUNK + 9)
    blob = put(store, data)
    path = store.path_for(blob.address)
    rewrite(path, change)

    assert store.verify(blob.address, blob.sha256) == problem
    with pytest.raises(EvidenceDamaged, match=blob.address):
        b"".join(store.open(blob.address))


def test_middle_damage_shows_when_read_not_when_opened(store: BlobStore) -> None:
    blob = put(store, pattern(4 * CHUNK + 9))
    rewrite(store.path_for(blob.address), flip(72 + 2 * SEALED + 5))
    reader = store.open(blob.address)  # only the final chunk is checked at open
    assert b"".join(reader.read_range(0, 2 * CHUNK)) == pattern(32)
    with pytest.raises(EvidenceDamaged) as info:
        b"".join(reader)
    assert str(info.value) == (
        f"Evidence file {blob.address} is damaged: authentication failed at chunk 2."
    )


def test_whole_chunk_truncation_is_caught_at_open(store: BlobStore) -> None:
    blob = put(store, pattern(4 * CHUNK + 9))
    rewrite(store.path_for(blob.address), lambda d: d[:-25])  # length alone looks plausible
    with pytest.raises(EvidenceDamaged) as info:
        store.open(blob.address)  # so a reported size is never a truncated one
    assert str(info.value) == (
        f"Evidence file {blob.address} is damaged: authentication failed at chunk 3."
    )


def test_chunk_moved_from_another_blob_is_detected(store: BlobStore) -> None:
    a = put(store, pattern(3 * CHUNK))
    b = put(store, bytes(3 * CHUNK))
    pa, pb = store.path_for(a.address), store.path_for(b.address)
    stolen = pb.read_bytes()[72 + SEALED : 72 + 2 * SEALED]
    rewrite(pa, lambda d: d[: 72 + SEALED] + stolen + d[72 + 2 * SEALED :])
    assert store.verify(a.address, a.sha256) == "damaged: authentication failed at chunk 1"


def test_wrong_wrap_key(store: BlobStore, tmp_path: Path) -> None:
    blob = put(store, b"evidence")
    other = BlobStore(store.root, bytes(32), ADDR, chunk_size=CHUNK)
    with pytest.raises(EvidenceDamaged, match="could not be unlocked"):
        other.open(blob.address)
    assert (
        other.verify(blob.address, blob.sha256)
        == "damaged: the file key could not be unlocked (header altered)"
    )


# -- input files -----------------------------------------------------------------------------


def test_missing_input_file(store: BlobStore, tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as info:
        store.put_file(tmp_path / "nothing.mp4")
    assert str(info.value) == f"'{tmp_path}/nothing.mp4' does not exist."


def test_folder_as_input(store: BlobStore, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is a folder, not a file"):
        store.put_file(tmp_path)


def test_fifo_as_input(store: BlobStore, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="pipe' is not a regular file"):
        store.put_file(fifo)


def test_unreadable_input(
    store: BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "secret.txt"
    source.write_bytes(b"x")
    # Simulated: tests often run as root, which may read a chmod 000 file anyway.
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == source:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(InputFileError) as info:
        store.put_file(source)
    assert str(info.value) == f"SafeTrail is not allowed to read '{source}'."


class FailingSource(io.RawIOBase):
    """Gives some data, then an I/O error, like a USB stick pulled out mid-copy."""

    name = "usb-video.mp4"

    def __init__(self) -> None:
        self._left = 3

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        self._left -= 1
        if self._left < 0:
            raise OSError(5, "Input/output error")
        return bytes(size if size > 0 else 100)


def test_read_error_leaves_nothing_behind(store: BlobStore) -> None:
    with pytest.raises(InputFileError) as info:
        store.put_stream(FailingSource())  # type: ignore[arg-type]
    assert str(info.value) == "'usb-video.mp4' could not be read: Input/output error."
    assert files_under(store.root) == []


# -- temp files and crashes ------------------------------------------------------------------


def test_cleanup_removes_abandoned_but_not_locked_temp(store: BlobStore) -> None:
    tmp = store.root / "tmp"
    tmp.mkdir(parents=True)
    (tmp / "put-abandoned").write_bytes(b"half")
    with (tmp / "put-live").open("wb") as live:
        fcntl.flock(live.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert store.cleanup_temp() == 1
        assert [p.name for p in tmp.iterdir()] == ["put-live"]
    assert store.cleanup_temp() == 1
    assert list(tmp.iterdir()) == []


def test_cleanup_during_a_real_write_keeps_the_writer_file(store: BlobStore) -> None:
    data = pattern(5000)
    results: list[int] = []

    class CleansMidway(io.RawIOBase):
        def __init__(self) -> None:
            self._src = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1, /) -> bytes:
            if self._src.tell() > 0 and not results:
                (store.root / "tmp" / "put-crashed").write_bytes(b"old")
                results.append(len(list((store.root / "tmp").iterdir())))
                results.append(store.cleanup_temp())
            return self._src.read(min(size, 1000))

    blob = store.put_stream(CleansMidway())  # type: ignore[arg-type]
    assert results == [2, 1]  # two temp files existed; only the abandoned one was removed
    assert store.verify(blob.address, hashlib.sha256(data).hexdigest()) is None
    assert list((store.root / "tmp").iterdir()) == []


CRASH_CHILD = """
import io, os, sys
from pathlib import Path
from safetrail.storage.blobs import BlobStore

class Dies(io.RawIOBase):
    def __init__(self): self.calls = 0
    def readable(self): return True
    def read(self, size=-1):
        self.calls += 1
        if self.calls > 2:
            os._exit(9)  # power cut: no cleanup, no exception handlers
        return b"z" * size

store = BlobStore(Path(sys.argv[1]), bytes(range(32)), bytes(range(100, 132)), chunk_size=16)
store.put_stream(Dies())
"""


def test_crash_mid_write_leaves_only_a_temp_file(store: BlobStore) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", CRASH_CHILD, str(store.root)], env=env, capture_output=True
    )
    assert done.returncode == 9, done.stderr
    assert list(store.addresses()) == []
    leftovers = files_under(store.root)
    assert len(leftovers) == 1 and leftovers[0].parent == store.root / "tmp"
    assert leftovers[0].stat().st_size > 72
    assert store.cleanup_temp() == 1
    assert files_under(store.root) == []


def test_keys_must_be_32_bytes(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        BlobStore(tmp_path, b"short", ADDR)
