"""A case's column keys: what ``storage.columns`` encrypts content with on PostgreSQL.

Both keys come from the case key by HKDF (salt = the case id, so a value copied into
another case's schema does not open there):

- ``secret``: AES-256-GCM, a random 96-bit nonce per value. Stored as base64 of
  ``nonce || ciphertext || tag``.
- ``match``: AES-SIV (512-bit key: 256 for the MAC, 256 for CTR), deterministic: the
  same text gives the same stored value within the case, so equality, ``IN``, joins,
  primary keys and de-duplication keep working. This is the keyed blind index of
  design.md §10, reversible so the value can also be shown. It reveals which stored
  values are equal, and nothing else.

A value that does not decrypt (a wrong case key, or a value altered in the database)
raises :class:`ContentUnreadable`.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safetrail.errors import DatabaseCorrupt
from safetrail.i18n import _
from safetrail.storage.columns import CipherMissing
from safetrail.vault.keys import held, scrub

NONCE_BYTES = 12


class ContentUnreadable(DatabaseCorrupt):
    """A stored value that the case's column keys cannot open."""


def _derive(case_key: bytes | bytearray, case_id: str, purpose: str, length: int) -> bytearray:
    info = f"safetrail/server/v1/column-{purpose}".encode()
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=case_id.encode(), info=info)
    return held(hkdf.derive(case_key))


def _unreadable() -> ContentUnreadable:
    return ContentUnreadable(
        _("Some of this case's stored content cannot be decrypted with its key."),
        _("The case key is wrong, or the database was altered; restore from a backup."),
    )


class CaseColumnCipher:
    """The column cipher of one open case (``storage.columns.ColumnCipher``).

    Keys live in bytearrays that :meth:`wipe` zeroes when the case is closed.
    """

    def __init__(self, case_key: bytes | bytearray, case_id: str) -> None:
        self._secret_key = _derive(case_key, case_id, "secret", 32)
        self._match_key = _derive(case_key, case_id, "match", 64)
        self._secret: AESGCM | None = AESGCM(self._secret_key)
        self._match: AESSIV | None = AESSIV(self._match_key)

    def _gcm(self) -> AESGCM:
        if self._secret is None:
            raise CipherMissing("the case was closed: its column keys are wiped")
        return self._secret

    def _siv(self) -> AESSIV:
        if self._match is None:
            raise CipherMissing("the case was closed: its column keys are wiped")
        return self._match

    def seal(self, text: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._gcm().encrypt(nonce, text.encode("utf-8"), None)
        return base64.b64encode(sealed).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            raw = base64.b64decode(sealed, validate=True)
            plain = self._gcm().decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
        except (InvalidTag, ValueError, binascii.Error):
            raise _unreadable() from None
        return plain.decode("utf-8")

    def seal_match(self, text: str) -> str:
        return base64.b64encode(self._siv().encrypt(text.encode("utf-8"), None)).decode("ascii")

    def open_match(self, sealed: str) -> str:
        try:
            plain = self._siv().decrypt(base64.b64decode(sealed, validate=True), None)
        except (InvalidTag, ValueError, binascii.Error):
            raise _unreadable() from None
        return plain.decode("utf-8")

    def wipe(self) -> None:
        # the library objects hold their own copies of the keys: drop them as well
        self._secret = None
        self._match = None
        scrub(self._secret_key)
        scrub(self._match_key)

    def __repr__(self) -> str:
        return "CaseColumnCipher(<hidden>)"
