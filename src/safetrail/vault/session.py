"""Create, unlock and re-key a vault folder (the header and the master key only)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag

from safetrail.errors import (
    HeaderError,
    VaultExists,
    VaultNotFound,
    WeakPassphrase,
    WrongPassphrase,
)
from safetrail.i18n import _
from safetrail.vault import kdf, keys
from safetrail.vault.header import VaultHeader, header_path, read_header, write_header

MIN_PASSPHRASE_CHARS = 10
DB_NAME = "vault.db"
BLOB_DIR = "blobs"
CHECKPOINT_NAME = "ledger.checkpoint"


@dataclass(frozen=True)
class VaultLayout:
    root: Path

    @property
    def header(self) -> Path:
        return header_path(self.root)

    @property
    def database(self) -> Path:
        return self.root / DB_NAME

    @property
    def blobs(self) -> Path:
        return self.root / BLOB_DIR

    @property
    def checkpoint(self) -> Path:
        return self.root / CHECKPOINT_NAME


@dataclass(frozen=True, repr=False)
class Unlocked:
    header: VaultHeader
    keys: keys.VaultKeys


def check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise WeakPassphrase(
            _("That passphrase is too short ({n} characters; at least {min} are needed).").format(
                n=len(passphrase), min=MIN_PASSPHRASE_CHARS
            )
        )


def create(root: Path, passphrase: str, params: kdf.KdfParams | None = None) -> Unlocked:
    layout = VaultLayout(root)
    if layout.header.exists() or layout.database.exists():
        raise VaultExists(_("A vault already exists at {path}.").format(path=root))
    if layout.checkpoint.exists() or _has_files(layout.blobs):
        # The header and database are gone, but this was a vault: never start over in it.
        raise VaultExists(
            _(
                "{path} holds the remains of a vault (its checkpoint or evidence files), "
                "so SafeTrail will not create a new vault there."
            ).format(path=root),
            _(
                "Restore that vault from a backup with 'safetrail restore FILE --vault "
                "NEW_FOLDER', or choose another place with --vault PATH."
            ),
        )
    check_passphrase_strength(passphrase)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(root, 0o700)
    params = params or kdf.calibrate()
    vmk = keys.new_master_key()
    draft = VaultHeader(
        vault_id=str(uuid.uuid4()),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        kdf=params,
        wrap_nonce=b"",
        wrapped_key=b"",
    )
    kek = kdf.derive_kek(passphrase, params)
    nonce, wrapped = keys.wrap(kek, vmk, draft.associated_data())
    keys.scrub(kek)
    header = draft.rewrapped(params, nonce, wrapped)
    write_header(root, header)
    derived = keys.VaultKeys.derive(vmk, header.vault_id)
    keys.scrub(vmk)
    return Unlocked(header, derived)


def _has_files(folder: Path) -> bool:
    try:
        return any(path.is_file() for path in folder.rglob("*"))
    except OSError:
        return False


def master_key(header: VaultHeader, passphrase: str) -> bytes:
    if not kdf.acceptable(header.kdf):
        raise HeaderError(
            _("The vault header asks for a key strength below SafeTrail's minimum."),
            _("The header may have been tampered with; restore it from a backup."),
        )
    kek = kdf.derive_kek(passphrase, header.kdf)
    try:
        return keys.unwrap(kek, header.wrap_nonce, header.wrapped_key, header.associated_data())
    except InvalidTag:
        raise WrongPassphrase(_("That passphrase does not open this vault.")) from None
    finally:
        keys.scrub(kek)


def unlock(root: Path, passphrase: str) -> Unlocked:
    layout = VaultLayout(root)
    if not root.exists():
        raise VaultNotFound(_("There is no vault at {path}.").format(path=root))
    if not layout.header.exists() and not layout.database.exists():
        raise VaultNotFound(_("There is no vault at {path}.").format(path=root))
    header = read_header(root)
    vmk = master_key(header, passphrase)
    derived = keys.VaultKeys.derive(vmk, header.vault_id)
    keys.scrub(vmk)
    return Unlocked(header, derived)


def change_passphrase(root: Path, old: str, new: str) -> VaultHeader:
    """Re-wrap the master key under a new passphrase; no data is re-encrypted."""
    header = read_header(root)
    vmk = master_key(header, old)
    check_passphrase_strength(new)
    params = header.kdf.with_new_salt()
    draft = header.rewrapped(params, b"", b"")
    kek = kdf.derive_kek(new, params)
    nonce, wrapped = keys.wrap(kek, vmk, draft.associated_data())
    keys.scrub(kek)
    keys.scrub(vmk)
    updated = draft.rewrapped(params, nonce, wrapped)
    write_header(root, updated)
    return updated
