"""Opening a vault: unlock the keys, open the encrypted database, migrate, tidy up.

``Vault`` is the personal vault folder as a :class:`~safetrail.case.CaseContext` (what
every use case receives): the record store, the blob store and the signed ledger
checkpoint kept beside the database.

Opening refuses to write to a database that is not the one the header and the signed
checkpoint describe: a missing or empty ``vault.db`` is never replaced by a new one, and
a database whose ledger does not contain the signed checkpoint (an older copy, a
truncated file) opens for reading only. The database key is derived from the master
key with the vault id as salt, so a database of another vault does not open at all.
A read-only folder and a full disk also open for reading only, and say so on a write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from safetrail.case import OWNER, CaseContext, Checkpoint, FileCheckpoint, FileLocks, FolderInbox
from safetrail.errors import (
    DiskFull,
    ReadOnlyVault,
    SafetrailError,
    VaultDatabaseMissing,
    WrongPassphrase,
)
from safetrail.fsutil import remove_stale_temps
from safetrail.i18n import _
from safetrail.services import settings
from safetrail.services.local_kept import LocalKept
from safetrail.storage import faults, migrate
from safetrail.storage.blobs import BlobStore, blob_addresses
from safetrail.storage.engine import DISK_FULL, READ_ONLY, WRITE, sqlcipher_engine
from safetrail.storage.records import RecordStore
from safetrail.vault import session
from safetrail.vault.kdf import KdfParams
from safetrail.vault.session import VaultLayout


class Vault(CaseContext):
    """The personal vault folder as a case: the local-folder factory of :class:`CaseContext`.

    The checkpoint is the ``ledger.checkpoint`` file beside the database, the import lock
    an ``fcntl`` lock on a file in the folder, the inbox the folder itself; the actor is
    always ``"owner"``. ``layout`` and ``header`` are local-only: backup, restore and the
    duress passphrase's second files need the folder and take a ``Vault``, never a bare
    ``CaseContext``.
    """

    def __init__(
        self,
        layout: VaultLayout,
        unlocked: session.Unlocked,
        engine: Engine,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.layout = layout
        self.header = unlocked.header
        super().__init__(
            case_id=unlocked.header.vault_id,
            store=RecordStore(engine, clock=clock, actor=OWNER, location=layout.root),
            blobs=BlobStore(layout.blobs, unlocked.keys.blob_wrap, unlocked.keys.blob_address),
            keys=unlocked.keys,
            checkpoints=FileCheckpoint(layout.checkpoint, layout.root),
            locks=FileLocks(layout.root),
            inbox=FolderInbox(layout.root),
        )
        self.mode = WRITE
        #: results kept between unlocks, inside the database (``services.local_kept``)
        self.local_kept = LocalKept(self.store, self.case_id, unlocked.keys.database)
        self.kept = self.local_kept
        self.on_close.append(self.local_kept.wipe)

    def opens_with(self, passphrase: str) -> bool:
        try:
            session.master_key(self.header, passphrase)
        except WrongPassphrase:
            return False
        return True


def create_vault(
    root: Path,
    passphrase: str,
    country: str,
    timezone: str,
    params: KdfParams | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Vault:
    country, timezone = settings.validate_place(country, timezone)
    layout = VaultLayout(root)
    unlocked = session.create(root, passphrase, params)
    try:
        vault = _open(layout, unlocked, clock, creating=True)
        settings.initialise(vault, country, timezone)
        _second_files(vault)
    except BaseException:
        _remove_half_made(layout)
        raise
    return vault


def _second_files(vault: Vault) -> None:
    """Every vault carries a decoy case's files (random until a duress passphrase is set)."""
    from safetrail.services import duress  # local: duress builds on this module

    duress.ensure_second_files(vault)


def open_new_case(layout: VaultLayout, unlocked: session.Unlocked) -> Vault:
    """A new, empty case in ``layout`` (the decoy case of a duress passphrase)."""
    return _open(layout, unlocked, None, creating=True)


def _remove_half_made(layout: VaultLayout) -> None:
    second = layout.other()
    alert = layout.root / session.SECOND_ALERT_NAME
    for path in (layout.header, layout.database, layout.checkpoint, second.database, alert):
        with suppress(OSError):
            path.unlink()
    with suppress(OSError):
        second.checkpoint.unlink()
    for suffix in ("-wal", "-shm"):
        with suppress(OSError):
            layout.database.with_name(layout.database.name + suffix).unlink()


def open_vault(root: Path, passphrase: str, clock: Callable[[], datetime] | None = None) -> Vault:
    unlocked = session.unlock(root, passphrase)
    layout = VaultLayout(root, unlocked.slot)  # the duress passphrase opens the decoy case
    _require_database_file(layout, unlocked)
    vault = _open(layout, unlocked, clock, creating=False)
    if unlocked.slot == session.REAL and vault.refusal is None:
        _second_files(vault)
    _duress_alert(vault)
    return vault


def _duress_alert(vault: Vault) -> None:
    """The real vault refreshes the sealed alert package at unlock and lock; a duress
    unlock sends the alert in the background (see ``services.duress_alert``)."""
    from safetrail.services import duress_alert  # local: it reads the checkin records

    if vault.layout.slot == session.REAL:
        if vault.refusal is None:
            duress_alert.refresh(vault)
            vault.on_close.append(lambda: _refresh_on_lock(vault))
        return
    sender = duress_alert.start_sender(vault.layout.root, vault.vault_id, vault.keys)
    vault.on_close.append(sender.stop)


def _refresh_on_lock(vault: Vault) -> None:
    from safetrail.services import duress_alert

    if vault.refusal is None and not vault.keys.wiped:
        duress_alert.refresh(vault)


# -- a missing or empty database is reported, never replaced ---------------------------------


def _signed_entries(layout: VaultLayout) -> int | None:
    try:
        body = json.loads(layout.checkpoint.read_text("utf-8"))
        return int(body["seq"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _blob_files(layout: VaultLayout) -> int:
    try:
        return sum(1 for _address in blob_addresses(layout.blobs))
    except OSError:
        return 0


def _missing(layout: VaultLayout, unlocked: session.Unlocked, what: str) -> VaultDatabaseMissing:
    signed = _signed_entries(layout)
    blobs = _blob_files(layout)
    details = _(
        "Its signed checkpoint records {seq} ledger entries; {n} evidence files are still "
        "in the folder. SafeTrail will not start a new, empty database in their place."
    ).format(seq=signed if signed is not None else 0, n=blobs)
    return VaultDatabaseMissing(f"{what} {details}")


def _require_database_file(layout: VaultLayout, unlocked: session.Unlocked) -> None:
    path = layout.database
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _missing(
            layout,
            unlocked,
            _("The vault database file ({path}) is missing.").format(path=path),
        ) from None
    except OSError as exc:
        fault = faults.from_os_error(exc, layout.root)
        if fault is not None:
            raise fault from None
        raise
    if size == 0:
        raise _missing(
            layout,
            unlocked,
            _("The vault database file ({path}) is empty (0 bytes).").format(path=path),
        )


def _has_schema(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar())


# -- opening ---------------------------------------------------------------------------------


def _connect_engine(
    layout: VaultLayout, key: bytes | bytearray
) -> tuple[Engine, str, SafetrailError | None]:
    """An engine that can at least read: normally read-write; on a read-only folder or a
    full disk, a reading one and the reason writes will be refused."""
    refusal: SafetrailError | None
    if faults.is_read_only(layout.root):
        mode, refusal = READ_ONLY, faults.read_only(layout.root)
    else:
        mode, refusal = WRITE, None
    engine = sqlcipher_engine(layout.database, key, mode, create=False)
    try:
        engine.connect().close()
    except DiskFull as exc:
        engine.dispose()
        mode, refusal = DISK_FULL, exc
    except ReadOnlyVault as exc:
        engine.dispose()
        mode, refusal = READ_ONLY, exc
    else:
        return engine, mode, refusal
    engine = sqlcipher_engine(layout.database, key, mode, create=False)
    try:
        engine.connect().close()
    except BaseException:
        engine.dispose()
        raise
    return engine, mode, refusal


def _prepare_schema(engine: Engine, writable: bool) -> None:
    if writable:
        try:
            migrate.upgrade(engine)
        except SafetrailError:
            raise
        except Exception as exc:
            from sqlalchemy.exc import DBAPIError

            from safetrail.storage.records import translate_db_error

            if isinstance(exc, DBAPIError):
                translated = translate_db_error(exc)
                if isinstance(translated, SafetrailError):
                    raise translated from None
            raise
    elif not migrate.is_current(engine):
        raise ReadOnlyVault(
            _(
                "This vault must be updated for this SafeTrail version, and its folder is "
                "read-only."
            ),
            _("Open it once from a folder you can write to; after that it also opens read-only."),
        )


def _open(
    layout: VaultLayout,
    unlocked: session.Unlocked,
    clock: Callable[[], datetime] | None,
    creating: bool,
) -> Vault:
    if creating:
        layout.blobs.mkdir(mode=0o700, exist_ok=True)
        engine = sqlcipher_engine(layout.database, unlocked.keys.database)
        mode, refusal = WRITE, None
    else:
        engine, mode, refusal = _connect_engine(layout, unlocked.keys.database)
    try:
        if not creating and not _has_schema(engine):
            raise _missing(
                layout,
                unlocked,
                _("The vault database file ({path}) holds no records at all.").format(
                    path=layout.database
                ),
            )
        _prepare_schema(engine, writable=refusal is None)
        vault = Vault(layout, unlocked, engine, clock)
        vault.mode = mode
        if refusal is not None:
            vault.refuse_writes(refusal)
        else:
            _check_checkpoint(vault)
    except BaseException:
        engine.dispose()
        raise
    if vault.refusal is None:
        layout.blobs.mkdir(mode=0o700, exist_ok=True)
        vault.blobs.cleanup_temp()
        remove_stale_temps(layout.root)
        if not creating:
            _settle_interrupted_imports(vault)
    return vault


def _check_checkpoint(vault: Vault) -> None:
    checkpoint = vault.read_checkpoint()
    if checkpoint is None:
        return
    with vault.read() as conn:
        problem = vault.checkpoint_problem(conn, checkpoint)
    if problem is not None:
        vault.refuse_writes(problem)


def _settle_interrupted_imports(vault: Vault) -> None:
    from safetrail.services.imports.run import settle_interrupted  # local: it uses Vault

    with suppress(DiskFull, ReadOnlyVault):  # reading still works; a later open settles them
        settle_interrupted(vault)


def raw_connection(vault: Vault) -> Any:
    """A DB-API connection to the vault database, opened the way the vault was."""
    from safetrail.storage.engine import open_sqlcipher

    return open_sqlcipher(vault.layout.database, vault.keys.database, vault.mode, create=False)


__all__ = ["Checkpoint", "Vault", "create_vault", "open_vault", "raw_connection"]
