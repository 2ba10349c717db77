"""Key hierarchy: KEK wraps the vault master key; HKDF derives purpose keys from it.

passphrase --Argon2id--> KEK --AES-GCM wrap--> VMK --HKDF--> database key
                                                         --> blob wrapping key
                                                         --> blob address key
                                                         --> ledger key (checkpoint signing)
                                                         --> backup key
"""

from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass, fields

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VMK_BYTES = 32
NONCE_BYTES = 12


def scrub(secret: bytes | bytearray) -> None:
    """Overwrite key material in place with zeros.

    A bytearray is simply zeroed. Libraries hand keys back as immutable ``bytes``; CPython
    stores their contents inside the object, so those are overwritten through ctypes. Only
    call this on objects SafeTrail made and that nothing else uses any more (an empty or
    one-byte ``bytes`` is a shared constant and is left alone). See docs/security.md for what
    this can and cannot promise.
    """
    size = len(secret)
    if size == 0:
        return
    if isinstance(secret, bytearray):
        buffer = (ctypes.c_char * size).from_buffer(secret)
        ctypes.memset(ctypes.addressof(buffer), 0, size)
    elif size > 1 and sys.implementation.name == "cpython":
        ctypes.memset(id(secret) + sys.getsizeof(secret) - size - 1, 0, size)


def scrub_text(secret: str) -> None:
    """Zero an ASCII ``str`` SafeTrail built around key material (a key as hex in a PRAGMA).

    CPython keeps a compact ASCII string's characters, and its UTF-8 form, in the object.
    """
    size = len(secret)
    if size > 1 and secret.isascii() and sys.implementation.name == "cpython":
        ctypes.memset(id(secret) + sys.getsizeof(secret) - size - 1, 0, size)


def held(secret: bytes) -> bytearray:
    """A mutable copy that can be zeroed later; the immutable original is scrubbed now."""
    copy = bytearray(secret)
    scrub(secret)
    return copy


def new_master_key() -> bytes:
    return os.urandom(VMK_BYTES)


def wrap(kek: bytes, vmk: bytes, associated: bytes) -> tuple[bytes, bytes]:
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(kek).encrypt(nonce, vmk, associated)


def unwrap(kek: bytes, nonce: bytes, wrapped: bytes, associated: bytes) -> bytes:
    """Raises cryptography's InvalidTag when the KEK (passphrase) or header is wrong."""
    return AESGCM(kek).decrypt(nonce, wrapped, associated)


def _hkdf(vmk: bytes | bytearray, purpose: str, vault_id: str) -> bytes:
    info = f"safetrail/v1/{purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=vault_id.encode(), info=info).derive(vmk)


@dataclass(frozen=True, repr=False)
class VaultKeys:
    """Purpose keys of one unlocked vault. ``repr`` hides them from logs and tracebacks.

    Each key lives in a bytearray that :meth:`wipe` zeroes when the vault is locked; every
    holder (the database engine, the blob store) keeps a reference to the same buffer.
    """

    database: bytearray
    blob_wrap: bytearray
    blob_address: bytearray
    ledger: bytearray
    backup: bytearray

    @classmethod
    def derive(cls, vmk: bytes | bytearray, vault_id: str) -> VaultKeys:
        return cls(
            database=held(_hkdf(vmk, "database", vault_id)),
            blob_wrap=held(_hkdf(vmk, "blob-wrap", vault_id)),
            blob_address=held(_hkdf(vmk, "blob-address", vault_id)),
            ledger=held(_hkdf(vmk, "ledger", vault_id)),
            backup=held(_hkdf(vmk, "backup", vault_id)),
        )

    def wipe(self) -> None:
        for item in fields(self):
            scrub(getattr(self, item.name))

    @property
    def wiped(self) -> bool:
        return all(not any(getattr(self, item.name)) for item in fields(self))

    def ledger_signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.ledger)

    def __repr__(self) -> str:
        return "VaultKeys(<hidden>)"
