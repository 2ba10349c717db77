"""Signing certificates of an Android app, read from the end of its APK file.

APK Signature Scheme v2/v3 keeps the signer's certificates in the "APK Signing Block",
just before the zip central directory. Reading the last few MiB of the file is enough
for almost every app, so a check never has to copy whole apps off the phone. Apps signed
only with the old v1 (JAR) scheme keep the certificate in META-INF/*.RSA; that is read when
the whole file fits in what was read. The indicator lists name certificates by the SHA-1
of the certificate's DER bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile

from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

EOCD_MAGIC = b"PK\x05\x06"
BLOCK_MAGIC = b"APK Sig Block 42"
SCHEME_IDS = (0x7109871A, 0xF05368C0, 0x1B93AD61)  # v2, v3, v3.1
MAX_ITEMS = 64


class ApkError(ValueError):
    pass


def _take(data: bytes, offset: int) -> tuple[bytes, int]:
    """A little-endian uint32 length-prefixed value at ``offset``."""
    if offset + 4 > len(data):
        raise ApkError("length prefix past the end")
    (size,) = struct.unpack_from("<I", data, offset)
    end = offset + 4 + size
    if end > len(data):
        raise ApkError("value past the end")
    return data[offset + 4 : end], end


def _sequence(data: bytes) -> list[bytes]:
    items, offset = [], 0
    while offset < len(data):
        item, offset = _take(data, offset)
        items.append(item)
        if len(items) > MAX_ITEMS:
            raise ApkError("too many items")
    return items


def _signing_block(tail: bytes) -> bytes:
    eocd = tail.rfind(EOCD_MAGIC, max(0, len(tail) - 65_557))
    if eocd < 0 or eocd + 22 > len(tail):
        raise ApkError("no end of central directory")
    cd_size, _cd_offset = struct.unpack_from("<II", tail, eocd + 12)
    cd_start = eocd - cd_size
    if cd_start < 32 or tail[cd_start - 16 : cd_start] != BLOCK_MAGIC:
        raise ApkError("no APK signing block (the app may only have an older signature)")
    (size,) = struct.unpack_from("<Q", tail, cd_start - 24)
    start = cd_start - size - 8
    if start < 0:
        raise ApkError("the signing block starts before the data that was read")
    if struct.unpack_from("<Q", tail, start)[0] != size:
        raise ApkError("the signing block sizes disagree")
    return tail[start + 8 : cd_start - 24]


def _pairs(block: bytes) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    offset = 0
    while offset + 12 <= len(block):
        (size,) = struct.unpack_from("<Q", block, offset)
        if size < 4 or offset + 8 + size > len(block):
            raise ApkError("damaged signing block entry")
        (kind,) = struct.unpack_from("<I", block, offset + 8)
        found[kind] = block[offset + 12 : offset + 8 + size]
        offset += 8 + size
    return found


def signer_certificates(tail: bytes) -> list[bytes]:
    """DER certificates of the first signer in the newest signature scheme present."""
    pairs = _pairs(_signing_block(tail))
    for scheme in reversed(SCHEME_IDS):
        if scheme not in pairs:
            continue
        signers, _end = _take(pairs[scheme], 0)
        for signer in _sequence(signers):
            signed_data, _end = _take(signer, 0)
            _digests, offset = _take(signed_data, 0)
            certificates, _end = _take(signed_data, offset)
            return _sequence(certificates)
    raise ApkError("no v2 or v3 signature in the signing block")


def certificate_hashes(tail: bytes) -> tuple[str, str]:
    """(SHA-1, SHA-256) of the signing certificate, upper-case hex."""
    certificates = signer_certificates(tail)
    if not certificates:
        raise ApkError("the signer has no certificate")
    first = certificates[0]
    return hashlib.sha1(first).hexdigest().upper(), hashlib.sha256(first).hexdigest().upper()


V1_SIGNATURE = re.compile(r"^META-INF/[^/]+\.(RSA|DSA|EC)$", re.IGNORECASE)
MAX_V1_BLOCK = 1024 * 1024


def v1_certificate_hashes(apk: bytes) -> tuple[str, str]:
    """(SHA-1, SHA-256) of the signer of an APK signed only with the old (v1, JAR) scheme.

    Needs the whole file; only the small signature file is decompressed, with a cap."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(apk))
        names = [i for i in archive.infolist() if V1_SIGNATURE.match(i.filename)]
        if not names or names[0].file_size > MAX_V1_BLOCK:
            raise ApkError("no usable v1 signature")
        with archive.open(names[0]) as handle:
            block = handle.read(MAX_V1_BLOCK + 1)
        certificates = pkcs7.load_der_pkcs7_certificates(block)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise ApkError(f"v1 signature not readable: {exc}") from None
    if not certificates:
        raise ApkError("the v1 signature has no certificate")
    first = certificates[0].public_bytes(Encoding.DER)
    return hashlib.sha1(first).hexdigest().upper(), hashlib.sha256(first).hexdigest().upper()


def build_tail(certificate: bytes, padding: bytes = b"") -> bytes:
    """The end of an APK signed (v2) with ``certificate``: for tests and samples only."""

    def prefixed(value: bytes) -> bytes:
        return struct.pack("<I", len(value)) + value

    signed_data = prefixed(b"") + prefixed(prefixed(certificate)) + prefixed(b"")
    signer = prefixed(signed_data) + prefixed(b"") + prefixed(b"")
    value = prefixed(prefixed(signer))
    pair = struct.pack("<QI", len(value) + 4, SCHEME_IDS[0]) + value
    size = len(pair) + 24
    block = struct.pack("<Q", size) + pair + struct.pack("<Q", size) + BLOCK_MAGIC
    cd_offset = len(padding) + len(block)
    eocd = EOCD_MAGIC + struct.pack("<HHHHIIH", 0, 0, 0, 0, 0, cd_offset, 0)
    return padding + block + eocd
