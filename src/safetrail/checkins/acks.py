"""Acknowledgements: the link and the reply code in each alert, and the sealed inbox.

Each (alert, contact) pair gets its own link token and reply code, derived with
HMAC-SHA256 from a vault key, so neither is stored anywhere: the database keeps
only their SHA-256 (``checkin_ack_tokens``) to find the alert they belong to.
A token acknowledges that one alert for that one contact and nothing else; once the
alert is acknowledged or resolved, presenting it again changes nothing.

* link token: 32 bytes of HMAC, base64url (43 characters; unguessable);
* reply code: 50 bits of HMAC in Crockford base32 plus a check symbol (Damm's scheme
  over GF(32)), shown as ``XXXX-XXXX-XXX``: any one wrong character and any two
  swapped neighbours are caught without asking the database (which would tell a
  guesser whether a code exists).

The acknowledgement pages work while the vault is locked, when nothing can be
read or written in the encrypted database. So every acknowledgement is first
*sealed* to the vault's inbox public key (X25519 + HKDF + AES-GCM, one ephemeral
key per message) and written as a file into ``<vault>/checkin-inbox/``. Only a
process holding the unlocked vault (the daemon or the unlocked web app) can open
those files; it records the acknowledgement in the ledger and deletes the file.
Someone reading the disk learns only that some files arrived, never what they say.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safetrail.checkins.clock import stamp
from safetrail.fsutil import atomic_write

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_SYMBOLS = 10  # 50 bits
INBOX_DIR = "checkin-inbox"
PUBLIC_NAME = "inbox.pub"
SUFFIX = ".ack"
MAX_PENDING = 500  # a flood of junk cannot fill the disk; real ones are a handful
MAX_TEXT = 200
_MAGIC = b"STACK1"
_CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{3}(?![0-9A-Za-z])"
)
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _hkdf(root: bytes | bytearray, purpose: str) -> bytes:
    info = f"safetrail/v1/checkin-{purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root)


@dataclass(frozen=True, repr=False)
class AckKeys:
    """The HMAC key for tokens and the inbox key pair, derived from one vault key."""

    token_key: bytes
    inbox_private: bytes

    @classmethod
    def derive(cls, root: bytes | bytearray) -> AckKeys:
        return cls(token_key=_hkdf(root, "ack-token"), inbox_private=_hkdf(root, "ack-inbox"))

    @property
    def inbox_public(self) -> bytes:
        private = X25519PrivateKey.from_private_bytes(self.inbox_private)
        return private.public_key().public_bytes_raw()

    def _mac(self, kind: str, alert_id: str, contact_id: str) -> bytes:
        message = f"{kind}\0{alert_id}\0{contact_id}".encode()
        return hmac.new(self.token_key, message, hashlib.sha256).digest()

    def link_token(self, alert_id: str, contact_id: str) -> str:
        digest = self._mac("link", alert_id, contact_id)
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def reply_code(self, alert_id: str, contact_id: str) -> str:
        value = int.from_bytes(self._mac("code", alert_id, contact_id)[:7], "big") >> 6
        symbols = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(CODE_SYMBOLS)))
        return _format_code(symbols + _check_symbol(symbols))

    def __repr__(self) -> str:
        return "AckKeys(<hidden>)"


def token_hash(kind: str, text: str) -> str:
    """What the database keeps of a token ("link") or a normalised code ("code")."""
    return hashlib.sha256(f"{kind}:{text}".encode()).hexdigest()


def _format_code(symbols: str) -> str:
    return f"{symbols[:4]}-{symbols[4:8]}-{symbols[8:]}"


def _times_two(value: int) -> int:
    """Multiplication by 2 in GF(32), modulo the irreducible x⁵ + x² + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _fold(symbols: str) -> int:
    # x ∘ y = 2x + y over GF(32) is a totally anti-symmetric quasigroup (Damm's scheme):
    # any one wrong symbol, or two neighbours swapped, changes the result.
    interim = 0
    for char in symbols:
        interim = _times_two(interim) ^ ALPHABET.index(char)
    return interim


def _check_symbol(symbols: str) -> str:
    return ALPHABET[_times_two(_fold(symbols))]  # makes the fold over all symbols 0


def parse_code(text: str) -> str | None:
    """The canonical form of a typed reply code, or None when it cannot be one.

    Case, spaces, dashes and the look-alike letters O, I and L are forgiven; the
    check symbol catches any single wrong character and most swapped pairs.
    """
    cleaned = re.sub(r"[\s-]", "", text).upper().translate(_CROCKFORD_ALIASES)
    if len(cleaned) != CODE_SYMBOLS + 1 or any(c not in ALPHABET for c in cleaned):
        return None
    if _fold(cleaned) != 0:
        return None
    return _format_code(cleaned)


def find_code(text: str) -> str | None:
    """The first valid reply code inside a free-text reply ("OK! K7QD-M2XP-9RC thanks")."""
    for match in _CODE_IN_TEXT.finditer(text[:2000]):
        found = parse_code(match.group(0))
        if found:
            return found
    return None


# -- the sealed inbox ---------------------------------------------------------------------


def seal(public: bytes, message: bytes) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public + public,
        info=b"safetrail/v1/checkin-ack-seal",
    ).derive(shared)
    # The key is used once (fresh ephemeral key per message), so a fixed nonce is safe.
    return _MAGIC + ephemeral_public + AESGCM(key).encrypt(b"\0" * 12, message, _MAGIC)


def unseal(private: bytes, sealed: bytes) -> bytes | None:
    if not sealed.startswith(_MAGIC) or len(sealed) < len(_MAGIC) + 32 + 16:
        return None
    ephemeral_public = sealed[len(_MAGIC) : len(_MAGIC) + 32]
    body = sealed[len(_MAGIC) + 32 :]
    own = X25519PrivateKey.from_private_bytes(private)
    try:
        shared = own.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=ephemeral_public + own.public_key().public_bytes_raw(),
            info=b"safetrail/v1/checkin-ack-seal",
        ).derive(shared)
        return AESGCM(key).decrypt(b"\0" * 12, body, _MAGIC)
    except (InvalidTag, ValueError):
        return None


@dataclass(frozen=True)
class Submitted:
    kind: str  # "link" or "code"
    text: str  # the token, or the canonical code
    received_at: str


class AckInbox:
    """The folder where acknowledgements wait, sealed, for an unlocked SafeTrail."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def for_vault(cls, vault_root: Path) -> AckInbox:
        return cls(vault_root / INBOX_DIR)

    @property
    def public_path(self) -> Path:
        return self.directory / PUBLIC_NAME

    def publish(self, public: bytes) -> None:
        """Keep the inbox public key next to the vault (needs no secret to use)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        text = public.hex().encode()
        with contextlib.suppress(FileNotFoundError):
            if self.public_path.read_bytes() == text:
                return
        atomic_write(self.public_path, text)

    def _public(self) -> bytes | None:
        try:
            return bytes.fromhex(self.public_path.read_text("ascii").strip())
        except (OSError, ValueError):
            return None

    def submit(self, kind: str, text: str, received_at: datetime) -> bool:
        """Seal one acknowledgement into the inbox; False when it could not be kept.

        Callers answer the same whatever this returns: the answer must not tell a
        guesser anything about which tokens or codes exist.
        """
        public = self._public()
        if public is None or len(public) != 32 or len(self.pending()) >= MAX_PENDING:
            return False
        body = json.dumps(
            {"kind": kind, "text": text[:MAX_TEXT], "received_at": stamp(received_at)}
        ).encode()
        name = f"{uuid.uuid4().hex}{SUFFIX}"
        atomic_write(self.directory / name, seal(public, body))
        return True

    def pending(self) -> list[Path]:
        try:
            return sorted(p for p in self.directory.iterdir() if p.name.endswith(SUFFIX))
        except FileNotFoundError:
            return []

    def read(self, path: Path, keys: AckKeys) -> Submitted | None:
        try:
            raw = unseal(keys.inbox_private, path.read_bytes())
        except OSError:
            return None
        if raw is None:
            return None
        try:
            body = json.loads(raw)
            return Submitted(str(body["kind"]), str(body["text"]), str(body["received_at"]))
        except (ValueError, KeyError, TypeError):
            return None

    @staticmethod
    def discard(path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
