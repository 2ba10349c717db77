"""A duress passphrase and the decoy case it opens.

If someone forces the person to unlock SafeTrail, the person can type a second, duress
passphrase instead. It opens a decoy case: a few ordinary entries the person can read and
edit like any case, never the real one.

Nothing in the vault folder says whether a duress passphrase exists. Every vault has the
decoy's files (``vault-2.db`` and ``ledger-2.checkpoint``) from the start: until a duress
passphrase is set they hold random bytes of exactly the size and shape a fresh decoy case
has, and the header's second key slot holds random bytes of a wrapped key's size. An
encrypted database and a signature look like random bytes to anyone without the key.

The decoy uses the same evidence folder (addresses are keyed per case, so they never
collide); the real vault's ``verify`` counts a decoy's evidence files as files that belong
to no exhibit, which it reports as harmless.

Local-only: the second key slot and the decoy's files are parts of the vault folder, so
everything here takes a ``Vault`` (with its ``layout`` and ``header``), never a bare
``CaseContext``.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from safetrail.errors import ValidationError
from safetrail.fsutil import atomic_write
from safetrail.i18n import _
from safetrail.services import duress_alert, settings
from safetrail.services.incidents import IncidentInput, record_incident
from safetrail.services.vault import Vault, open_new_case
from safetrail.vault import keys, session
from safetrail.vault.header import Slot, VaultHeader, read_header
from safetrail.vault.kdf import KdfParams
from safetrail.vault.session import DECOY, REAL, Unlocked, VaultLayout

# Ordinary, calm entries a person could plausibly keep: a dispute with a neighbour.
# (days before today, what happened, kind of behaviour). They are data, not interface
# text, and stay the same in every language so that every fresh decoy has the same size.
DECOY_ENTRIES = (
    (41, "Music from the flat upstairs until after one in the morning again.", "other"),
    (27, "Left a polite note about the noise. No answer yet.", "other"),
    (12, "Bins left in front of our gate for the third week running.", "other"),
)


@dataclass(frozen=True)
class DecoyShape:
    database_size: int
    checkpoint_seq: int


Place = tuple[str, str]  # (country, time zone): the decoy shares the real vault's


def build_decoy(root: Path, header: VaultHeader, key: bytes | bytearray, place: Place) -> None:
    """Make a fresh decoy case under ``key`` in the vault folder (replacing what is there)."""
    layout = VaultLayout(root, DECOY)
    _remove_second_files(layout)
    unlocked = Unlocked(header, keys.VaultKeys.derive(key, header.vault_id), DECOY)
    vault = open_new_case(layout, unlocked)
    try:
        settings.initialise(vault, *place)
        today = datetime.now(UTC).date()
        for days, text, tactic in DECOY_ENTRIES:
            day = today - timedelta(days=days)
            record_incident(
                vault, IncidentInput(what_happened=text, when=day.isoformat(), tactics=[tactic])
            )
    finally:
        vault.close()
        vault.keys.wipe()


def _remove_second_files(layout: VaultLayout) -> None:
    for path in (layout.database, layout.checkpoint):
        for suffix in ("", "-wal", "-shm"):
            with suppress(FileNotFoundError):
                path.with_name(path.name + suffix).unlink()


@lru_cache(maxsize=8)
def decoy_shape(place: Place = ("GB", "Europe/London")) -> DecoyShape:
    """The size of a fresh decoy database and its ledger length, measured once per run
    (per country and time zone, which the decoy's records hold)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        header = VaultHeader(
            vault_id=str(uuid.uuid4()),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            kdf=KdfParams(8, 1, 1, os.urandom(16)),
            slots=(Slot.unused(), Slot.unused()),
        )
        build_decoy(root, header, os.urandom(32), place)
        layout = VaultLayout(root, DECOY)
        body = json.loads(layout.checkpoint.read_text("utf-8"))
        return DecoyShape(layout.database.stat().st_size, int(body["seq"]))


def write_filler(root: Path, place: Place) -> None:
    """Random stand-ins for the decoy's files, shaped like a fresh decoy case."""
    layout = VaultLayout(root, DECOY)
    shape = decoy_shape(place)
    _remove_second_files(layout)
    atomic_write(layout.database, os.urandom(shape.database_size))
    body = {
        "seq": shape.checkpoint_seq,
        "entry_hash": os.urandom(32).hex(),
        "public_key": os.urandom(32).hex(),
        "signature": os.urandom(64).hex(),
    }
    atomic_write(layout.checkpoint, (json.dumps(body, indent=2) + "\n").encode())


def ensure_second_files(vault: Vault) -> None:
    """New vaults, and vaults made before duress passphrases existed, get their stand-ins."""
    layout = VaultLayout(vault.layout.root, DECOY)
    if not layout.database.exists() and not layout.checkpoint.exists():
        write_filler(vault.layout.root, _place_of(vault))
    duress_alert.ensure_file(vault.layout.root)


def _place_of(vault: Vault) -> Place:
    place = settings.current(vault)
    return place.country, place.timezone


def set_duress_passphrase(vault: Vault, passphrase: str, duress: str, alert: bool = False) -> None:
    """Make a fresh decoy case and let ``duress`` open it (``passphrase`` is the real one).

    With ``alert``, a duress unlock also sends the silent alert to the trusted contacts
    (``services.duress_alert``); without it, no alert package exists."""
    _require_real(vault)
    header = read_header(vault.layout.root)
    session.open_slot(header, passphrase)  # checks it before anything changes
    decoy_key = keys.new_master_key()
    place = _place_of(vault)
    try:
        build_decoy(vault.layout.root, header, decoy_key, place)
        decoy_keys = keys.VaultKeys.derive(decoy_key, header.vault_id)
        try:
            if alert:
                duress_alert.enable(vault, decoy_keys)
            else:
                duress_alert.write_filler(vault.layout.root)
        finally:
            decoy_keys.wipe()
        session.set_decoy_key(vault.layout.root, passphrase, duress, decoy_key)
    except BaseException:
        write_filler(vault.layout.root, place)
        duress_alert.write_filler(vault.layout.root)
        raise
    finally:
        keys.scrub(decoy_key)


def remove_duress_passphrase(vault: Vault, passphrase: str) -> None:
    """The duress passphrase stops working; the decoy's files become random bytes again."""
    _require_real(vault)
    session.clear_decoy_key(vault.layout.root, passphrase)
    write_filler(vault.layout.root, _place_of(vault))
    duress_alert.write_filler(vault.layout.root)


def _require_real(vault: Vault) -> None:
    if vault.layout.slot != REAL:
        raise ValidationError(
            _("This can only be changed with your own passphrase."),
            _("Lock SafeTrail and open it with your own passphrase first."),
        )


def is_decoy(vault: Vault) -> bool:
    return vault.layout.slot == DECOY
