from __future__ import annotations

import hashlib
import io

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from safetrail.vault import stream
from safetrail.vault.stream import (
    StreamDamaged,
    StreamReader,
    chunk_nonce,
    encrypt_stream,
    encrypted_size,
    plaintext_size,
)

KEY = bytes(range(32))
HEADER = b"test-header"
CHUNK = 16
SEALED = CHUNK + 16


def pattern(size: int) -> bytes:
    """Deterministic, non-repeating-per-chunk plaintext so a swapped chunk is visible."""
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


def seal(data: bytes, key: bytes = KEY, header: bytes = HEADER, chunk: int = CHUNK) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, key, header, chunk)
    return out.getvalue()


def reader(blob: bytes, key: bytes = KEY, header: bytes = HEADER) -> StreamReader:
    return StreamReader(io.BytesIO(blob), key, header, CHUNK, 0, len(blob))


SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 3]


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_hash_and_layout(size: int) -> None:
    data = pattern(size)
    out = io.BytesIO()
    digest, length = encrypt_stream(io.BytesIO(data), out, KEY, HEADER, CHUNK)
    blob = out.getvalue()

    assert digest == hashlib.sha256(data).hexdigest()
    assert length == size
    assert len(blob) == size + 16 * max(1, -(-size // CHUNK)) == encrypted_size(size, CHUNK)
    r = reader(blob)
    assert r.size == size
    assert b"".join(r) == data


def test_expected_ciphertext_lengths() -> None:
    assert [encrypted_size(n, CHUNK) for n in SIZES] == [16, 17, 31, 32, 49, 179]
    assert [plaintext_size(encrypted_size(n, CHUNK), CHUNK) for n in SIZES] == SIZES


def test_nonce_is_counter_then_last_flag() -> None:
    assert chunk_nonce(0, False) == bytes(12)
    assert chunk_nonce(258, True) == bytes(9) + b"\x01\x02" + b"\x01"
    with pytest.raises(ValueError):
        chunk_nonce(1 << 88, False)


def test_chunks_are_plain_aes_gcm_with_documented_nonces() -> None:
    data = pattern(2 * CHUNK + 5)
    blob = seal(data)
    aead = AESGCM(KEY)
    assert aead.decrypt(bytes(12), blob[:SEALED], HEADER) == data[:CHUNK]
    assert aead.decrypt(bytes(10) + b"\x01\x00", blob[SEALED : 2 * SEALED], HEADER) == data[16:32]
    assert aead.decrypt(bytes(10) + b"\x02\x01", blob[2 * SEALED :], HEADER) == data[32:]


def test_empty_file_is_one_empty_final_chunk() -> None:
    blob = seal(b"")
    assert AESGCM(KEY).decrypt(bytes(11) + b"\x01", blob, HEADER) == b""
    assert list(reader(blob)) == [b""]
    with pytest.raises(StreamDamaged):
        plaintext_size(0, CHUNK)


@pytest.mark.parametrize("size", [0, 63, 64, 65, 128, 150])
def test_batch_boundaries(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    # 64-byte batches = 4 chunks, so look-ahead at the batch edge is exercised.
    monkeypatch.setattr(stream, "_BATCH_BYTES", 64)
    data = pattern(size)
    calls: list[int] = []
    out = io.BytesIO()
    digest, _ = encrypt_stream(io.BytesIO(data), out, KEY, HEADER, CHUNK, calls.append)
    assert digest == hashlib.sha256(data).hexdigest()
    assert b"".join(reader(out.getvalue())) == data
    expected = {0: [0], 63: [63], 64: [64], 65: [64, 65], 128: [64, 128], 150: [64, 128, 150]}
    assert calls == expected[size]


class Trickle(io.RawIOBase):
    """A source that returns at most 7 bytes per read, like a slow pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        return self._data.read(min(size, 7) if size >= 0 else 7)


def test_short_reads_give_the_same_stream_layout() -> None:
    data = pattern(100)
    out = io.BytesIO()
    digest, size = encrypt_stream(Trickle(data), out, KEY, HEADER, CHUNK)
    assert (digest, size) == (hashlib.sha256(data).hexdigest(), 100)
    assert len(out.getvalue()) == 100 + 7 * 16
    assert b"".join(reader(out.getvalue())) == data


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(min_value=0, max_value=8 * CHUNK + 5),
    start=st.integers(min_value=0, max_value=9 * CHUNK),
    end=st.integers(min_value=0, max_value=9 * CHUNK),
)
def test_any_range_equals_slice(size: int, start: int, end: int) -> None:
    data = pattern(size)
    assert b"".join(reader(seal(data)).read_range(start, end)) == data[start:end]


def test_range_decrypts_only_needed_chunks() -> None:
    blob = bytearray(seal(pattern(6 * CHUNK)))
    blob[5] ^= 1  # chunk 0 damaged
    r = reader(bytes(blob))
    assert b"".join(r.read_range(3 * CHUNK + 2, 4 * CHUNK + 1)) == pattern(6 * CHUNK)[50:65]
    with pytest.raises(StreamDamaged) as info:
        b"".join(r.read_range(CHUNK - 1, CHUNK + 1))
    assert info.value.chunk == 0


def test_negative_range_is_refused() -> None:
    with pytest.raises(ValueError):
        list(reader(seal(b"abc")).read_range(-1, 2))


def damage_at(blob: bytes, fn: str) -> bytes:
    chunks = [blob[i : i + SEALED] for i in range(0, len(blob), SEALED)]
    if fn == "flip_middle":
        b = bytearray(blob)
        b[2 * SEALED + 3] ^= 0x40
        return bytes(b)
    if fn == "swap":
        chunks[1], chunks[2] = chunks[2], chunks[1]
    elif fn == "drop_last_chunk":
        chunks = chunks[:-1]
    elif fn == "drop_middle_chunk":
        del chunks[2]
    elif fn == "append_chunk":
        chunks.append(chunks[0])
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("fn", "chunk"),
    [
        ("flip_middle", 2),
        ("swap", 1),
        ("drop_last_chunk", 3),  # chunk 3 was sealed as "not final"
        ("drop_middle_chunk", 2),
        ("append_chunk", 4),  # old final chunk is no longer last
    ],
)
def test_tampering_fails_authentication_at_the_right_chunk(fn: str, chunk: int) -> None:
    blob = seal(pattern(4 * CHUNK + 9))  # 5 chunks
    with pytest.raises(StreamDamaged) as info:
        b"".join(reader(damage_at(blob, fn)))
    assert info.value.chunk == chunk
    assert str(info.value) == f"authentication failed at chunk {chunk}"


def test_cut_or_padded_lengths_are_refused() -> None:
    blob = seal(pattern(4 * CHUNK))  # 4 full chunks, 128 bytes
    for impossible in (blob[:-20], blob + bytes(16), blob + bytes(5), blob[:15]):
        with pytest.raises(StreamDamaged, match="cut short or has bytes added"):
            reader(impossible)
    for plausible, chunk in ((blob[:-1], 3), (blob + bytes(20), 3)):
        with pytest.raises(StreamDamaged) as info:
            b"".join(reader(plausible))
        assert info.value.chunk == chunk


def test_check_final_chunk_catches_whole_chunk_truncation() -> None:
    blob = seal(pattern(4 * CHUNK + 9))
    r = reader(blob[:-25])  # final 25-byte chunk dropped: length still plausible
    assert r.size == 4 * CHUNK
    with pytest.raises(StreamDamaged) as info:
        r.check_final_chunk()
    assert info.value.chunk == 3


def test_chunk_from_another_file_is_refused() -> None:
    # Same key on purpose (never happens in the vault): the header as AD still binds chunks.
    a = seal(pattern(3 * CHUNK), header=b"file-a")
    b = seal(pattern(3 * CHUNK), header=b"file-b")
    spliced = a[:SEALED] + b[SEALED : 2 * SEALED] + a[2 * SEALED :]
    with pytest.raises(StreamDamaged) as info:
        b"".join(reader(spliced, header=b"file-a"))
    assert info.value.chunk == 1


def test_wrong_key_or_header_fails() -> None:
    blob = seal(b"hello")
    with pytest.raises(StreamDamaged):
        b"".join(reader(blob, key=bytes(32)))
    with pytest.raises(StreamDamaged):
        b"".join(reader(blob, header=b"other"))


def test_chunk_size_must_be_sane() -> None:
    with pytest.raises(ValueError):
        encrypt_stream(io.BytesIO(b""), io.BytesIO(), KEY, HEADER, 0)
    with pytest.raises(ValueError):
        encrypt_stream(io.BytesIO(b""), io.BytesIO(), KEY, HEADER, stream.MAX_CHUNK_SIZE + 1)
