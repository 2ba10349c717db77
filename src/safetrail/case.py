"""The case seam: what every use case receives, whichever storage holds the case.

A *case* is one person's records: the record store, the evidence blobs, the keys, the
signed ledger checkpoint, the import lock and the import inbox, and who is acting.
:class:`CaseContext` gathers them; services take a ``CaseContext`` and never ask where
the case lives. Two factories build one:

- ``safetrail.services.vault.Vault`` — the personal vault folder (SQLCipher file,
  ``ledger.checkpoint`` file beside it, ``fcntl`` locks on files in the folder). Features
  that need the folder itself (backup, restore, the duress passphrase's second files)
  take a ``Vault`` and are local-only.
- the server case (``safetrail.server.cases``) — a schema in PostgreSQL, the checkpoint
  in a row, advisory locks.

The small interfaces below are what differs between the two:

- :class:`CheckpointStore` — where the signed ledger head is kept;
- :class:`CaseLocks` — the import lock (non-blocking, exclusive; ``VaultBusy`` when held);
- :class:`ImportInbox` — the case's private folder for files waiting to be read (the
  check-in acknowledgement inbox lives under it too) and the free-space check before
  an upload.

The acting user (:attr:`CaseContext.actor`) is written on every version and every
ledger entry: ``"owner"`` in the personal vault, the account id on the server
(``"person:<uuid>"``, ``"advocate:<uuid>"``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection, Engine, select

from safetrail import canonical
from safetrail.errors import SafetrailError, ValidationError, VaultBusy, VaultDatabaseMismatch
from safetrail.fsutil import atomic_write
from safetrail.i18n import _
from safetrail.storage import faults, ledger
from safetrail.storage.blobs import BlobStore
from safetrail.storage.records import RecordStore
from safetrail.storage.tables import ledger as ledger_table
from safetrail.vault.keys import VaultKeys

OWNER = "owner"  # the actor of the personal vault: the one person who holds the passphrase
SPACE_MARGIN = 64 * 1024 * 1024  # kept free beyond an upload's size (database, WAL, temp files)


@dataclass(frozen=True)
class Checkpoint:
    """The signed head of the ledger: ``seq`` entries, the last one hashing to ``entry_hash``."""

    seq: int
    entry_hash: str
    public_key: str
    signature: str


#: what a damaged or unreadable checkpoint loads as (never authentic)
DAMAGED_CHECKPOINT = Checkpoint(seq=-1, entry_hash="", public_key="", signature="")


# -- the small interfaces ---------------------------------------------------------------------


class CheckpointStore(Protocol):
    """Where the signed ledger checkpoint of one case is kept."""

    #: named in messages about a damaged checkpoint (a file path, or "the case's checkpoint row")
    location: str

    def load(self) -> Checkpoint | None:
        """The stored checkpoint; None when there is none yet; ``DAMAGED_CHECKPOINT`` when
        one exists but cannot be read."""

    def save(self, checkpoint: Checkpoint) -> None:
        """Replace the stored checkpoint (atomically)."""


class CaseLocks(Protocol):
    """Locks held across transactions (today: one import at a time per case)."""

    def import_lock(self, import_id: str | None = None) -> AbstractContextManager[None]:
        """Hold the exclusive import lock without waiting; raise ``VaultBusy`` when it is held.

        ``None`` is the case-wide import lock (one import runs at a time)."""


class ImportInbox(Protocol):
    """The case's private folder for files waiting to be read, and the space check."""

    @property
    def folder(self) -> Path:
        """A folder only this case uses (the check-in acknowledgement inbox lives under it)."""

    def free_space_check(self, size: int) -> None:
        """Raise ``ValidationError`` when ``size`` more bytes would not fit."""


class KeptStore(Protocol):
    """Derived results kept beyond one opening of the case, sealed under a key derived
    from the case's own key (``safetrail.kept_seal``). The server keeps them per case and
    view in PostgreSQL (``safetrail.server.kept``); a personal vault keeps only what does
    not depend on the ledger (the threat scan's memory of texts) inside its encrypted
    database (``services.local_kept``). Anything else lives in :attr:`CaseContext.cache`
    for as long as the case is open."""

    def load(self, slot: str, version: str) -> Any | None:
        """The value kept for ``slot`` at exactly ``version``, or None."""

    def save(self, slot: str, version: str, head_seq: int, value: Any) -> None:
        """Keep ``value`` for ``slot`` at ``version`` (computed at ledger head ``head_seq``)."""


# -- the local (vault folder) implementations ---------------------------------------------------


class FileCheckpoint:
    """The checkpoint as a small JSON file beside the database (``ledger.checkpoint``)."""

    def __init__(self, path: Path, folder: Path | None = None) -> None:
        self.path = path
        self.folder = folder or path.parent
        self.location = str(path)

    def load(self) -> Checkpoint | None:
        try:
            body = json.loads(self.path.read_text("utf-8"))
            return Checkpoint(
                seq=int(body["seq"]),
                entry_hash=str(body["entry_hash"]),
                public_key=str(body["public_key"]),
                signature=str(body["signature"]),
            )
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, OSError):
            return DAMAGED_CHECKPOINT

    def save(self, checkpoint: Checkpoint) -> None:
        body = {
            "seq": checkpoint.seq,
            "entry_hash": checkpoint.entry_hash,
            "public_key": checkpoint.public_key,
            "signature": checkpoint.signature,
        }
        try:
            atomic_write(self.path, (json.dumps(body, indent=2) + "\n").encode())
        except OSError as exc:
            # The transaction is committed; a checkpoint left behind is signed again by the
            # next write. Only a full or read-only drive is expected here.
            if faults.from_os_error(exc, self.folder) is None:
                raise


class FileLocks:
    """``fcntl.flock`` on lock files in the vault folder (released when the process ends)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, import_id: str | None) -> Path:
        if import_id is None:
            return self.folder / "import.lock"
        safe = "".join(c for c in import_id if c.isalnum() or c == "-")
        return self.folder / f"import-{safe}.lock"

    @contextmanager
    def import_lock(self, import_id: str | None = None) -> Iterator[None]:
        fd = os.open(self._path(import_id), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise VaultBusy(
                    _("Another import into this vault is running."),
                    _("Wait until it has finished, then try again."),
                ) from None
            yield
        finally:
            os.close(fd)


class FolderInbox:
    """The vault folder: files waiting to be read live under it; its drive's free space."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    @property
    def folder(self) -> Path:
        return self._folder

    def free_space_check(self, size: int) -> None:
        free = shutil.disk_usage(self._folder).free
        if size + SPACE_MARGIN > free:
            from safetrail.services.evidence import human_size  # local: services import us

            raise ValidationError(
                _("There is not enough free space on this computer for this file."),
                _("Free some space (about {size}), then try again.").format(
                    size=human_size(size + SPACE_MARGIN - free)
                ),
            )


# -- the context ----------------------------------------------------------------------------------


class CaseContext:
    """One open case: storage, keys, checkpoint, locks, inbox, who acts, clock, language.

    Subclasses (``Vault``, the server case) build the parts; everything a service uses
    is here. ``vault_id`` is kept as an alias of ``case_id`` for existing callers.
    """

    def __init__(
        self,
        case_id: str,
        store: RecordStore,
        blobs: BlobStore,
        keys: VaultKeys,
        checkpoints: CheckpointStore,
        locks: CaseLocks,
        inbox: ImportInbox,
        actor: str = OWNER,
        language: str | None = None,
    ) -> None:
        self.case_id = case_id
        self.store = store
        self.blobs = blobs
        self.keys = keys
        self.checkpoints = checkpoints
        self.locks = locks
        self.inbox = inbox
        self.language = language
        self.on_close: list[Callable[[], None]] = []
        #: per-case memo of derived data (e.g. the analysis cache), dropped on close
        self.cache: dict[str, Any] = {}
        #: derived data kept between openings of the case (None: only ``cache``)
        self.kept: KeptStore | None = None
        #: one checkpoint update at a time: two pages saving at once must not write an older
        #: head over a newer one (nor share a temporary file)
        self._checkpointing = threading.Lock()
        self.store.actor = actor

    # -- who acts, when, on what ------------------------------------------------------------

    @property
    def actor(self) -> str:
        """Recorded on every version and ledger entry written through this case."""
        return self.store.actor

    @actor.setter
    def actor(self, value: str) -> None:
        self.store.actor = value

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.store.clock

    @property
    def engine(self) -> Engine:
        return self.store.engine

    @property
    def vault_id(self) -> str:
        return self.case_id

    # -- why writes are refused (None: the case can be changed) ---------------------------------

    @property
    def refusal(self) -> SafetrailError | None:
        return self.store.write_refusal

    def refuse_writes(self, reason: SafetrailError) -> None:
        """From now on every write raises ``reason``; reading keeps working."""
        self.store.write_refusal = reason
        self.blobs.write_refusal = reason

    @property
    def read_only(self) -> bool:
        return self.refusal is not None

    # -- transactions ----------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; the signed checkpoint follows the ledger head after commit."""
        with self.store.writing() as conn:
            yield conn
        self.update_checkpoint()

    def read(self) -> Any:
        return self.store.reading()

    # -- signed checkpoint of the ledger head (detects truncation of the whole chain) ------------

    def _checkpoint_message(self, seq: int, entry_hash: str) -> bytes:
        return canonical.dumps(
            {"vault_id": self.case_id, "seq": seq, "entry_hash": entry_hash}
        ).encode()

    def update_checkpoint(self) -> None:
        """Sign the new ledger head, but only if the chain still contains what was signed."""
        with self._checkpointing:
            self._update_checkpoint()

    def _update_checkpoint(self) -> None:
        with self.store.reading() as conn:
            top = ledger.head(conn)
            existing = self.read_checkpoint()
            problem = None if existing is None else self.checkpoint_problem(conn, existing)
        if top is None:
            return
        if problem is not None:
            self.refuse_writes(problem)
            raise problem
        if existing is not None and existing.seq >= top.seq:
            return
        key = self.keys.ledger_signing_key()
        signature = key.sign(self._checkpoint_message(top.seq, top.entry_hash))
        public = key.public_key().public_bytes_raw()
        self.checkpoints.save(
            Checkpoint(
                seq=top.seq,
                entry_hash=top.entry_hash,
                public_key=public.hex(),
                signature=signature.hex(),
            )
        )

    def read_checkpoint(self) -> Checkpoint | None:
        return self.checkpoints.load()

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

    def checkpoint_problem(
        self, conn: Connection, checkpoint: Checkpoint
    ) -> VaultDatabaseMismatch | None:
        """Why the database does not continue the chain the checkpoint signed, or None."""
        if not self.checkpoint_is_authentic(checkpoint):
            return VaultDatabaseMismatch(
                _(
                    "The signed checkpoint of this vault ({path}) is damaged, so SafeTrail "
                    "cannot confirm that the database is the one it signed."
                ).format(path=self.checkpoints.location)
            )
        signed = conn.execute(
            select(ledger_table.c.entry_hash).where(ledger_table.c.seq == checkpoint.seq)
        ).scalar()
        if signed == checkpoint.entry_hash:
            return None
        top = ledger.head(conn)
        held = top.seq if top is not None else 0
        if signed is None:
            message = _(
                "The vault database holds {held} ledger entries, but {seq} were signed: "
                "it is an older or shortened copy, and later records are missing from it."
            ).format(held=held, seq=checkpoint.seq)
        else:
            message = _(
                "The vault database does not continue the history that was signed: ledger "
                "entry {seq} differs from the signed one. The file was replaced or altered."
            ).format(seq=checkpoint.seq)
        return VaultDatabaseMismatch(message)

    def opens_with(self, passphrase: str) -> bool:
        """True when ``passphrase`` is the secret that opens this case (the vault
        passphrase, the account password): it must not be reused elsewhere, e.g. for a
        bundle. A case that cannot tell answers False."""
        return False

    def public_key_hex(self) -> str:
        return self.keys.ledger_signing_key().public_key().public_bytes_raw().hex()

    def checkins_changed(self) -> None:
        """Check-in state changed (a check-in started or closed, contacts or alert settings
        changed). Nothing to do for a personal vault, whose scheduler reads the vault
        itself; a server case publishes what its alerts need for the check-in workers."""

    def close(self) -> None:
        closing, self.on_close = self.on_close, []
        for step in closing:
            step()
        self.cache.clear()
        self.engine.dispose()


__all__ = [
    "DAMAGED_CHECKPOINT",
    "OWNER",
    "CaseContext",
    "CaseLocks",
    "Checkpoint",
    "CheckpointStore",
    "FileCheckpoint",
    "FileLocks",
    "FolderInbox",
    "ImportInbox",
    "KeptStore",
]
