"""The vault header: the only unencrypted file, holding what is needed to unlock.

It says what it is (magic, format version), how the passphrase is stretched (KDF
parameters) and, in format 2, two key slots of exactly the same size: slot 0 wraps the
vault's master key under the passphrase, slot 1 the decoy case's master key under the
duress passphrase, or holds random bytes when there is none. Nobody holding the file can
tell which. Everything except the slots is the associated data of each wrap, so editing
any parameter makes unlocking fail. Format 1 (one wrapped key) is read, and rewritten as
format 2 the next time the vault is opened.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from safetrail import canonical
from safetrail.errors import HeaderError
from safetrail.fsutil import atomic_write
from safetrail.i18n import _
from safetrail.vault.kdf import KdfParams

MAGIC = "safetrail-vault"
FORMAT_VERSION = 2
HEADER_NAME = "vault.header"
SLOTS = 2
NONCE_BYTES = 12
WRAPPED_BYTES = 48  # a 32-byte key and its 16-byte tag


@dataclass(frozen=True)
class Slot:
    nonce: bytes
    wrapped: bytes

    @classmethod
    def unused(cls) -> Slot:
        """Random bytes of a used slot's exact size: no one can tell it apart."""
        return cls(os.urandom(NONCE_BYTES), os.urandom(WRAPPED_BYTES))


@dataclass(frozen=True)
class VaultHeader:
    vault_id: str
    created_at: str
    kdf: KdfParams
    slots: tuple[Slot, ...]
    format_version: int = FORMAT_VERSION

    @property
    def wrap_nonce(self) -> bytes:
        return self.slots[0].nonce

    @property
    def wrapped_key(self) -> bytes:
        return self.slots[0].wrapped

    def associated_data(self) -> bytes:
        return canonical.dumps(self._public()).encode()

    def _public(self) -> dict[str, object]:
        public: dict[str, object] = {
            "magic": MAGIC,
            "format": self.format_version,
            "vault_id": self.vault_id,
            "created_at": self.created_at,
            "kdf": self.kdf.to_json(),
            "wrap_alg": "AES-256-GCM",
        }
        if self.format_version >= 2:
            public["slots"] = SLOTS
        return public

    def to_bytes(self) -> bytes:
        body = self._public()
        body["slots"] = [{"nonce": _b64(s.nonce), "key": _b64(s.wrapped)} for s in self.slots]
        return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()

    def with_slot(self, index: int, slot: Slot) -> VaultHeader:
        slots = list(self.slots)
        slots[index] = slot
        return replace(self, slots=tuple(slots))

    def upgraded(self) -> VaultHeader:
        """The same vault in format 2; its slot 0 must be wrapped again (new associated data)."""
        return replace(self, format_version=FORMAT_VERSION)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _slot(item: dict[str, str]) -> Slot:
    slot = Slot(
        base64.b64decode(item["nonce"], validate=True),
        base64.b64decode(item["key"], validate=True),
    )
    if len(slot.nonce) != NONCE_BYTES or len(slot.wrapped) != WRAPPED_BYTES:
        raise ValueError("slot size")
    return slot


def header_path(vault_dir: Path) -> Path:
    return vault_dir / HEADER_NAME


def write_header(vault_dir: Path, header: VaultHeader) -> None:
    atomic_write(header_path(vault_dir), header.to_bytes())


def read_header(vault_dir: Path) -> VaultHeader:
    path = header_path(vault_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise HeaderError(
            _("The vault header file is missing ({path}).").format(path=path)
        ) from None
    except OSError as exc:
        raise HeaderError(
            _("The vault header could not be read: {reason}.").format(reason=exc.strerror)
        ) from None
    return parse_header(raw, path)


def parse_header(raw: bytes, where: Path | str = "header") -> VaultHeader:
    if not raw.strip():
        raise HeaderError(_("The vault header ({path}) is empty.").format(path=where))
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HeaderError(
            _("The vault header ({path}) is damaged or truncated: it is not readable.").format(
                path=where
            )
        ) from None
    if not isinstance(body, dict) or body.get("magic") != MAGIC:
        raise HeaderError(
            _("{path} is not a SafeTrail vault header (it belongs to something else).").format(
                path=where
            ),
            _("Check the --vault path points at a SafeTrail vault folder."),
        )
    version = body.get("format")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise HeaderError(
            _("This vault was made by a newer SafeTrail (format {found}).").format(found=version),
            _("Update SafeTrail, then open the vault again."),
        )
    if version not in (1, FORMAT_VERSION) or isinstance(version, bool):
        raise HeaderError(_("The vault header has an unknown format version."))
    try:
        if version == 1:
            slots: tuple[Slot, ...] = (_slot(body["wrap"]), Slot.unused())
        else:
            found = body["slots"]
            if not isinstance(found, list) or len(found) != SLOTS:
                raise ValueError("slots")
            slots = tuple(_slot(item) for item in found)
        return VaultHeader(
            vault_id=str(body["vault_id"]),
            created_at=str(body["created_at"]),
            kdf=KdfParams.from_json(body["kdf"]),
            slots=slots,
            format_version=int(version),
        )
    except (KeyError, TypeError, ValueError):
        raise HeaderError(
            _(
                "The vault header ({path}) is damaged: a required field is missing or invalid."
            ).format(path=where)
        ) from None
