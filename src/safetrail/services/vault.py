"""Opening a vault: unlock the keys, open the encrypted database, migrate, tidy up.

``Vault`` is what every use case receives. It owns the record store, the blob
store and the signed ledger checkpoint kept beside the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection, Engine

from safetrail import canonical
from safetrail.errors import DatabaseCorrupt, SafetrailError
from safetrail.fsutil import atomic_write, remove_stale_temps
from safetrail.i18n import _
from safetrail.storage import ledger, migrate
from safetrail.storage.blobs import BlobStore
from safetrail.storage.engine import sqlcipher_engine
from safetrail.storage.records import RecordStore
from safetrail.vault import session
from safetrail.vault.kdf import KdfParams
from safetrail.vault.keys import VaultKeys
from safetrail.vault.session import VaultLayout


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    public_key: str
    signature: str


class Vault:
    def __init__(
        self,
        layout: VaultLayout,
        unlocked: session.Unlocked,
        engine: Engine,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.layout = layout
        self.header = unlocked.header
        self.keys: VaultKeys = unlocked.keys
        self.engine = engine
        self.store = RecordStore(engine, clock=clock)
        self.blobs = BlobStore(layout.blobs, unlocked.keys.blob_wrap, unlocked.keys.blob_address)

    @property
    def vault_id(self) -> str:
        return self.header.vault_id

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; the signed checkpoint follows the ledger head after commit."""
        with self.store.writing() as conn:
            yield conn
        self.update_checkpoint()

    def read(self) -> Any:
        return self.store.reading()

    # -- signed checkpoint of the ledger head (detects truncation of the whole chain) --

    def _checkpoint_message(self, seq: int, entry_hash: str) -> bytes:
        return canonical.dumps(
            {"vault_id": self.vault_id, "seq": seq, "entry_hash": entry_hash}
        ).encode()

    def update_checkpoint(self) -> None:
        with self.store.reading() as conn:
            top = ledger.head(conn)
        if top is None:
            return
        existing = self.read_checkpoint()
        if existing is not None and existing.seq >= top.seq:
            return
        key = self.keys.ledger_signing_key()
        signature = key.sign(self._checkpoint_message(top.seq, top.entry_hash))
        public = key.public_key().public_bytes_raw()
        body = {
            "seq": top.seq,
            "entry_hash": top.entry_hash,
            "public_key": public.hex(),
            "signature": signature.hex(),
        }
        atomic_write(self.layout.checkpoint, (json.dumps(body, indent=2) + "\n").encode())

    def read_checkpoint(self) -> Checkpoint | None:
        try:
            body = json.loads(self.layout.checkpoint.read_text("utf-8"))
            return Checkpoint(
                seq=int(body["seq"]),
                entry_hash=str(body["entry_hash"]),
                public_key=str(body["public_key"]),
                signature=str(body["signature"]),
            )
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, OSError):
            return Checkpoint(seq=-1, entry_hash="", public_key="", signature="")

    def checkpoint_is_authentic(self, checkpoint: Checkpoint) -> bool:
        public = self.keys.ledger_signing_key().public_key()
        try:
            public.verify(
                bytes.fromhex(checkpoint.signature),
                self._checkpoint_message(checkpoint.seq, checkpoint.entry_hash),
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def public_key_hex(self) -> str:
        return self.keys.ledger_signing_key().public_key().public_bytes_raw().hex()

    def close(self) -> None:
        self.engine.dispose()


def _engine_for(layout: VaultLayout, unlocked: session.Unlocked) -> Engine:
    return sqlcipher_engine(layout.database, unlocked.keys.database)


def create_vault(
    root: Path,
    passphrase: str,
    country: str,
    timezone: str,
    params: KdfParams | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Vault:
    from safetrail.services import settings  # local: settings uses Vault

    country, timezone = settings.validate_place(country, timezone)
    layout = VaultLayout(root)
    unlocked = session.create(root, passphrase, params)
    try:
        vault = _open(layout, unlocked, clock)
        settings.initialise(vault, country, timezone)
    except BaseException:
        _remove_half_made(layout)
        raise
    return vault


def _remove_half_made(layout: VaultLayout) -> None:
    for path in (layout.header, layout.database, layout.checkpoint):
        with suppress(OSError):
            path.unlink()
    for suffix in ("-wal", "-shm"):
        with suppress(OSError):
            layout.database.with_name(layout.database.name + suffix).unlink()


def open_vault(root: Path, passphrase: str, clock: Callable[[], datetime] | None = None) -> Vault:
    layout = VaultLayout(root)
    unlocked = session.unlock(root, passphrase)
    if not layout.database.exists():
        raise DatabaseCorrupt(
            _("The vault database file is missing from {path}.").format(path=root),
        )
    return _open(layout, unlocked, clock)


def _open(
    layout: VaultLayout, unlocked: session.Unlocked, clock: Callable[[], datetime] | None
) -> Vault:
    layout.blobs.mkdir(mode=0o700, exist_ok=True)
    engine = _engine_for(layout, unlocked)
    try:
        migrate.upgrade(engine)
    except SafetrailError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        from sqlalchemy.exc import DBAPIError

        from safetrail.storage.records import translate_db_error

        if isinstance(exc, DBAPIError):
            translated = translate_db_error(exc)
            if isinstance(translated, SafetrailError):
                raise translated from None
        raise
    vault = Vault(layout, unlocked, engine, clock)
    vault.blobs.cleanup_temp()
    remove_stale_temps(layout.root)
    return vault
