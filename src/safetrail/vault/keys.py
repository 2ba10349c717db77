"""Key hierarchy: KEK wraps the vault master key; HKDF derives purpose keys from it.

passphrase --Argon2id--> KEK --AES-GCM wrap--> VMK --HKDF--> database key
                                                         --> blob wrapping key
                                                         --> blob address key
                                                         --> ledger key (checkpoint signing)
                                                         --> backup key
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VMK_BYTES = 32
NONCE_BYTES = 12


def new_master_key() -> bytes:
    return os.urandom(VMK_BYTES)


def wrap(kek: bytes, vmk: bytes, associated: bytes) -> tuple[bytes, bytes]:
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(kek).encrypt(nonce, vmk, associated)


def unwrap(kek: bytes, nonce: bytes, wrapped: bytes, associated: bytes) -> bytes:
    """Raises cryptography's InvalidTag when the KEK (passphrase) or header is wrong."""
    return AESGCM(kek).decrypt(nonce, wrapped, associated)


def _hkdf(vmk: bytes, purpose: str, vault_id: str) -> bytes:
    info = f"safetrail/v1/{purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=vault_id.encode(), info=info).derive(vmk)


@dataclass(frozen=True, repr=False)
class VaultKeys:
    """Purpose keys of one unlocked vault. ``repr`` hides them from logs and tracebacks."""

    database: bytes
    blob_wrap: bytes
    blob_address: bytes
    ledger: bytes
    backup: bytes

    @classmethod
    def derive(cls, vmk: bytes, vault_id: str) -> VaultKeys:
        return cls(
            database=_hkdf(vmk, "database", vault_id),
            blob_wrap=_hkdf(vmk, "blob-wrap", vault_id),
            blob_address=_hkdf(vmk, "blob-address", vault_id),
            ledger=_hkdf(vmk, "ledger", vault_id),
            backup=_hkdf(vmk, "backup", vault_id),
        )

    def ledger_signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.ledger)

    def __repr__(self) -> str:
        return "VaultKeys(<hidden>)"
