"""The vault header: the only unencrypted file, holding what is needed to unlock.

It says what it is (magic, format version), how the passphrase is stretched (KDF
parameters) and the wrapped master key. Everything except the wrapped key is the
associated data of the wrap, so editing any parameter makes unlocking fail.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from pathlib import Path

from safetrail import canonical
from safetrail.errors import HeaderError
from safetrail.fsutil import atomic_write
from safetrail.i18n import _
from safetrail.vault.kdf import KdfParams

MAGIC = "safetrail-vault"
FORMAT_VERSION = 1
HEADER_NAME = "vault.header"


@dataclass(frozen=True)
class VaultHeader:
    vault_id: str
    created_at: str
    kdf: KdfParams
    wrap_nonce: bytes
    wrapped_key: bytes
    format_version: int = FORMAT_VERSION

    def associated_data(self) -> bytes:
        return canonical.dumps(self._public()).encode()

    def _public(self) -> dict[str, object]:
        return {
            "magic": MAGIC,
            "format": self.format_version,
            "vault_id": self.vault_id,
            "created_at": self.created_at,
            "kdf": self.kdf.to_json(),
            "wrap_alg": "AES-256-GCM",
        }

    def to_bytes(self) -> bytes:
        body = self._public()
        body["wrap"] = {
            "nonce": _b64(self.wrap_nonce),
            "key": _b64(self.wrapped_key),
        }
        return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()

    def rewrapped(self, kdf: KdfParams, nonce: bytes, wrapped: bytes) -> VaultHeader:
        return replace(self, kdf=kdf, wrap_nonce=nonce, wrapped_key=wrapped)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


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
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise HeaderError(
            _("This vault was made by a newer SafeTrail (format {found}).").format(found=version),
            _("Update SafeTrail, then open the vault again."),
        )
    if version != FORMAT_VERSION:
        raise HeaderError(_("The vault header has an unknown format version."))
    try:
        return VaultHeader(
            vault_id=str(body["vault_id"]),
            created_at=str(body["created_at"]),
            kdf=KdfParams.from_json(body["kdf"]),
            wrap_nonce=base64.b64decode(body["wrap"]["nonce"], validate=True),
            wrapped_key=base64.b64decode(body["wrap"]["key"], validate=True),
        )
    except (KeyError, TypeError, ValueError):
        raise HeaderError(
            _(
                "The vault header ({path}) is damaged: a required field is missing or invalid."
            ).format(path=where)
        ) from None
