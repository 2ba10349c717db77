"""Key handling on the server: case keys, password-derived keys, wrapping and sealing.

- :func:`new_key` — a random 256-bit key (a case key, a session secret, a recovery key).
- :func:`derive_kek` — Argon2id raw hash of a password with the account's salt: the key
  that wraps the person's case key (only ever computed at sign-in).
- :func:`wrap` / :func:`unwrap` — AES-256-GCM with associated data naming what the
  wrapped key is and whose (``purpose`` and ``ids``), so a wrapped key copied to another
  row, account or case does not open there.
- :func:`seal_to` / :func:`open_sealed` — anonymous-sender encryption to an X25519 public
  key (an advocate's, or the check-in workers' alert key): a fresh ephemeral key pair,
  X25519, HKDF-SHA-256 over both public keys, AES-256-GCM.

Keys are handed out in ``bytearray`` so their holders can zero them (:func:`wipe`) when
a session or a case closes; see docs/security.md for what that can and cannot promise.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safetrail.errors import WrongPassphrase
from safetrail.i18n import _
from safetrail.vault.kdf import WEAK_KDF_ENV, KdfParams
from safetrail.vault.keys import held, scrub

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
_WRAP_VERSION = b"\x01"
_SEAL_VERSION = b"\x01"
_PUBLIC_BYTES = 32

#: Argon2id cost of a sign-in: 64 MiB (a personal vault's minimum), 3 passes; tests ask for less
SERVER_MEMORY_KIB = 64 * 1024
SERVER_ITERATIONS = 3


class KeyUnwrapFailed(WrongPassphrase):
    """A wrapped or sealed key did not open: wrong password, wrong key, or altered."""


def _failed() -> KeyUnwrapFailed:
    return KeyUnwrapFailed(
        _("This key does not open the case: the password or key is wrong."),
        _("Check the password or recovery key and try again."),
    )


def new_key() -> bytearray:
    """A fresh random 256-bit key, in a buffer that :func:`wipe` can zero."""
    return bytearray(os.urandom(KEY_BYTES))


def wipe(*keys: bytearray | None) -> None:
    for key in keys:
        if key is not None:
            scrub(key)


def kek_params(salt: bytes | None = None) -> KdfParams:
    """Argon2id parameters for a new account's password (a fresh salt unless given)."""
    weak = os.environ.get(WEAK_KDF_ENV) == "1"
    return KdfParams(
        memory_kib=8 if weak else SERVER_MEMORY_KIB,
        iterations=1 if weak else SERVER_ITERATIONS,
        parallelism=1,
        salt=salt if salt is not None else os.urandom(SALT_BYTES),
    )


def derive_kek(password: str, params: KdfParams) -> bytearray:
    """The password's key-encryption key: Argon2id raw output (not a password hash)."""
    secret = password.encode("utf-8")
    raw = hash_secret_raw(
        secret=secret,
        salt=params.salt,
        time_cost=params.iterations,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
        version=params.version,
    )
    return held(raw)


def _associated(kind: str, purpose: str, ids: Sequence[str]) -> bytes:
    for part in (purpose, *ids):
        if "\x1f" in part:
            raise ValueError("key labels may not contain the unit separator")
    return "\x1f".join(("safetrail/server/v1", kind, purpose, *ids)).encode("utf-8")


def wrap(kek: bytes | bytearray, key: bytes | bytearray, purpose: str, ids: Sequence[str]) -> bytes:
    """``key`` encrypted under ``kek``; ``purpose`` and ``ids`` must match to unwrap it.

    E.g. ``wrap(kek, case_key, "case-key/password", [account_id, case_id])``.
    """
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(kek).encrypt(nonce, bytes(key), _associated("wrap", purpose, ids))
    return _WRAP_VERSION + nonce + body


def unwrap(kek: bytes | bytearray, wrapped: bytes, purpose: str, ids: Sequence[str]) -> bytearray:
    """The key :func:`wrap` wrapped; :class:`KeyUnwrapFailed` for a wrong key or label."""
    if len(wrapped) < 1 + NONCE_BYTES + 16 or wrapped[:1] != _WRAP_VERSION:
        raise _failed()
    nonce, body = wrapped[1 : 1 + NONCE_BYTES], wrapped[1 + NONCE_BYTES :]
    try:
        plain = AESGCM(kek).decrypt(nonce, body, _associated("wrap", purpose, ids))
    except InvalidTag:
        raise _failed() from None
    return held(plain)


@dataclass(frozen=True, repr=False)
class KeyPair:
    """An X25519 key pair: ``private`` (32 bytes, wipeable) and ``public`` (32 bytes)."""

    private: bytearray
    public: bytes

    def wipe(self) -> None:
        scrub(self.private)

    def __repr__(self) -> str:
        return f"KeyPair(public={self.public.hex()})"


def new_key_pair() -> KeyPair:
    private = X25519PrivateKey.generate()
    return KeyPair(held(private.private_bytes_raw()), private.public_key().public_bytes_raw())


def _seal_key(shared: bytes, ephemeral: bytes, recipient: bytes, associated: bytes) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=ephemeral + recipient,
        info=b"safetrail/server/v1/seal\x1f" + associated,
    )
    return hkdf.derive(shared)


def seal_to(
    public_key: bytes, message: bytes | bytearray, purpose: str, ids: Sequence[str]
) -> bytes:
    """``message`` readable only with the private key of ``public_key`` (X25519)."""
    if len(public_key) != _PUBLIC_BYTES:
        raise ValueError("an X25519 public key is 32 bytes")
    associated = _associated("seal", purpose, ids)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    key = _seal_key(shared, ephemeral_public, public_key, associated)
    try:
        nonce = os.urandom(NONCE_BYTES)
        body = AESGCM(key).encrypt(nonce, bytes(message), associated)
    finally:
        scrub(shared)
        scrub(key)
    return _SEAL_VERSION + ephemeral_public + nonce + body


def open_sealed(
    private_key: bytes | bytearray, sealed: bytes, purpose: str, ids: Sequence[str]
) -> bytearray:
    """What :func:`seal_to` sealed; :class:`KeyUnwrapFailed` for a wrong key or label."""
    head = 1 + _PUBLIC_BYTES + NONCE_BYTES
    if len(sealed) < head + 16 or sealed[:1] != _SEAL_VERSION:
        raise _failed()
    ephemeral_public = sealed[1 : 1 + _PUBLIC_BYTES]
    nonce, body = sealed[1 + _PUBLIC_BYTES : head], sealed[head:]
    private = X25519PrivateKey.from_private_bytes(bytes(private_key))
    recipient = private.public_key().public_bytes_raw()
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:  # an all-zero shared secret: a forged ephemeral key
        raise _failed() from None
    associated = _associated("seal", purpose, ids)
    key = _seal_key(shared, ephemeral_public, recipient, associated)
    try:
        plain = AESGCM(key).decrypt(nonce, body, associated)
    except InvalidTag:
        raise _failed() from None
    finally:
        scrub(shared)
        scrub(key)
    return held(plain)
