"""Create, unlock and re-key a vault folder (the header and the master keys only).

The header has two key slots (see ``vault.header``): slot 0 opens the vault, slot 1 the
decoy case when a duress passphrase is set. One passphrase-derived key is tried on both
slots every time, so how long unlocking takes says nothing about which one opened.
"""

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
from safetrail.vault.header import (
    FORMAT_VERSION,
    Slot,
    VaultHeader,
    header_path,
    read_header,
    write_header,
)

MIN_PASSPHRASE_CHARS = 10
DB_NAME = "vault.db"
BLOB_DIR = "blobs"
CHECKPOINT_NAME = "ledger.checkpoint"
# The decoy case's files. Every vault has them from the start (random bytes until a duress
# passphrase is set), so their presence says nothing.
SECOND_DB_NAME = "vault-2.db"
SECOND_CHECKPOINT_NAME = "ledger-2.checkpoint"
SECOND_ALERT_NAME = "vault-2.alert"  # the sealed duress alert package (services.duress_alert)
REAL, DECOY = 0, 1  # key slots


@dataclass(frozen=True)
class VaultLayout:
    root: Path
    slot: int = REAL

    @property
    def header(self) -> Path:
        return header_path(self.root)

    @property
    def database(self) -> Path:
        return self.root / (DB_NAME if self.slot == REAL else SECOND_DB_NAME)

    @property
    def blobs(self) -> Path:
        return self.root / BLOB_DIR

    @property
    def checkpoint(self) -> Path:
        return self.root / (CHECKPOINT_NAME if self.slot == REAL else SECOND_CHECKPOINT_NAME)

    def other(self) -> VaultLayout:
        return VaultLayout(self.root, DECOY if self.slot == REAL else REAL)


@dataclass(frozen=True, repr=False)
class Unlocked:
    header: VaultHeader
    keys: keys.VaultKeys
    slot: int = REAL


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
        slots=(Slot.unused(), Slot.unused()),
    )
    header = draft.with_slot(REAL, _wrapped(draft, passphrase, vmk))
    write_header(root, header)
    derived = keys.VaultKeys.derive(vmk, header.vault_id)
    keys.scrub(vmk)
    return Unlocked(header, derived)


def _has_files(folder: Path) -> bool:
    try:
        return any(path.is_file() for path in folder.rglob("*"))
    except OSError:
        return False


def _wrapped(header: VaultHeader, passphrase: str, key: bytes | bytearray) -> Slot:
    """``key`` wrapped under ``passphrase`` for one of ``header``'s slots.

    Every slot uses the header's one salt, so the other slot's passphrase (never known
    here) stays valid; passphrases differ, so their derived keys do too."""
    kek = kdf.derive_kek(passphrase, header.kdf)
    try:
        nonce, wrapped = keys.wrap(kek, bytes(key), header.associated_data())
    finally:
        keys.scrub(kek)
    return Slot(nonce, wrapped)


def open_slot(header: VaultHeader, passphrase: str) -> tuple[int, bytes]:
    """(slot, master key) for the slot ``passphrase`` opens."""
    if not kdf.acceptable(header.kdf):
        raise HeaderError(
            _("The vault header asks for a key strength below SafeTrail's minimum."),
            _("The header may have been tampered with; restore it from a backup."),
        )
    kek = kdf.derive_kek(passphrase, header.kdf)
    found: list[tuple[int, bytes]] = []
    try:
        for index, slot in enumerate(header.slots):  # always every slot: equal time
            try:
                found.append(
                    (index, keys.unwrap(kek, slot.nonce, slot.wrapped, header.associated_data()))
                )
            except InvalidTag:
                continue
    finally:
        keys.scrub(kek)
    if not found:
        raise WrongPassphrase(_("That passphrase does not open this vault."))
    for _index, extra in found[1:]:
        keys.scrub(extra)
    return found[0]


def master_key(header: VaultHeader, passphrase: str) -> bytes:
    return open_slot(header, passphrase)[1]


def unlock(root: Path, passphrase: str) -> Unlocked:
    layout = VaultLayout(root)
    if not root.exists():
        raise VaultNotFound(_("There is no vault at {path}.").format(path=root))
    if not layout.header.exists() and not layout.database.exists():
        raise VaultNotFound(_("There is no vault at {path}.").format(path=root))
    header = read_header(root)
    slot, vmk = open_slot(header, passphrase)
    if header.format_version < FORMAT_VERSION:  # format 1 had one key: rewrite as format 2
        header = header.upgraded()
        header = header.with_slot(REAL, _wrapped(header, passphrase, vmk))
        write_header(root, header)
    derived = keys.VaultKeys.derive(vmk, header.vault_id)
    keys.scrub(vmk)
    return Unlocked(header, derived, slot)


def change_passphrase(root: Path, old: str, new: str) -> VaultHeader:
    """Re-wrap the key ``old`` opens under ``new``; no data is re-encrypted, and the other
    slot (the duress passphrase, if there is one) keeps working."""
    header = read_header(root)
    slot, vmk = open_slot(header, old)
    try:
        check_passphrase_strength(new)
        _refuse_taken(header, new, slot)
        if header.format_version < FORMAT_VERSION:
            header = header.upgraded()
        updated = header.with_slot(slot, _wrapped(header, new, vmk))
    finally:
        keys.scrub(vmk)
    write_header(root, updated)
    return updated


def _refuse_taken(header: VaultHeader, passphrase: str, allowed: int) -> None:
    """A passphrase may open one slot only."""
    try:
        slot, key = open_slot(header, passphrase)
    except WrongPassphrase:
        return
    keys.scrub(key)
    if slot != allowed:
        raise WeakPassphrase(
            _("Choose another passphrase: that one is already in use for this vault.")
        )


def set_decoy_key(root: Path, passphrase: str, duress: str, decoy_key: bytes) -> VaultHeader:
    """Slot 1 := ``decoy_key`` under the duress passphrase (the real passphrase allows it)."""
    header = read_header(root)
    slot, vmk = open_slot(header, passphrase)
    keys.scrub(vmk)
    if slot != REAL:
        raise WrongPassphrase(_("That passphrase does not open this vault."))
    check_passphrase_strength(duress)
    if duress == passphrase:
        raise WeakPassphrase(_("The duress passphrase must be different from your passphrase."))
    if header.format_version < FORMAT_VERSION:
        raise HeaderError(_("Open the vault once before setting a duress passphrase."))
    updated = header.with_slot(DECOY, _wrapped(header, duress, decoy_key))
    write_header(root, updated)
    return updated


def clear_decoy_key(root: Path, passphrase: str) -> VaultHeader:
    """Slot 1 := random bytes again (the real passphrase allows it)."""
    header = read_header(root)
    slot, vmk = open_slot(header, passphrase)
    keys.scrub(vmk)
    if slot != REAL:
        raise WrongPassphrase(_("That passphrase does not open this vault."))
    updated = header.with_slot(DECOY, Slot.unused())
    write_header(root, updated)
    return updated
