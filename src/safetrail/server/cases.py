"""Server cases: one PostgreSQL schema and one role per case, one shared pool.

``create_case`` makes schema ``case_<hex>`` and the NOLOGIN role ``case_<hex>`` (rights on
that schema's tables only, owner of nothing), runs the personal vault's Alembic
migrations in it, registers the case and returns a fresh random case key, which is
never stored: the caller wraps it (``server.keys``) for the person's password, a
recovery key, a session.

``open_case`` turns (case id, case key, who acts) into a :class:`ServerCase`, the
server factory of :class:`~safetrail.case.CaseContext`: the record store on the shared
engine acting as the case (``server.db.case_engine``) with the case's column cipher,
the evidence blobs in ``BLOBS_DIR/<case id>/`` under keys derived from the case key as in
a personal vault, the signed checkpoint in a row of ``safetrail.case_checkpoints``,
PostgreSQL advisory locks for imports, and the import inbox in ``BLOBS_DIR/<case
id>/inbox/``.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.dialects.postgresql import insert

from safetrail.case import DAMAGED_CHECKPOINT, CaseContext, Checkpoint, FolderInbox
from safetrail.errors import RecordNotFound, VaultBusy
from safetrail.i18n import _
from safetrail.server import (
    alert_jobs,  # its tables join the global schema (Server.init)
    kept,
)
from safetrail.server import keys as server_keys
from safetrail.server.crypto import CaseColumnCipher
from safetrail.server.db import (
    MIGRATE_OPTION,
    case_checkpoints,
    case_engine,
    case_schema,
    cases,
    create_server_tables,
    server_engine,
)
from safetrail.storage import migrate
from safetrail.storage.blobs import BlobStore
from safetrail.storage.records import RecordStore, utc_stamp
from safetrail.vault.keys import VaultKeys

_LOCK_CLASS = b"safetrail/import-lock"


@dataclass
class Server:
    """What every server process shares: the engine (one pool) and the blobs folder."""

    engine: Engine
    blobs_dir: Path

    @classmethod
    def connect(cls, url: str, blobs_dir: Path, server_schema: str | None = None) -> Server:
        engine = server_engine(url) if server_schema is None else server_engine(url, server_schema)
        return cls(engine, blobs_dir)

    def init(self) -> None:
        """Create the global tables and the blobs folder (idempotent)."""
        create_server_tables(self.engine)
        self.blobs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def case_dir(self, case_id: str) -> Path:
        case_schema(case_id)  # only a case id names a folder
        return self.blobs_dir / case_id

    def close(self) -> None:
        self.engine.dispose()


def _key_check(case_key: bytes | bytearray, case_id: str) -> str:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=case_id.encode(),
        info=b"safetrail/server/v1/key-check",
    )
    return hkdf.derive(bytes(case_key)).hex()


def _head_revision() -> str:
    return str(ScriptDirectory.from_config(migrate.alembic_config()).get_current_head())


# -- creating and removing cases ----------------------------------------------------------------


def create_case(server: Server, owner_account_id: str | None) -> tuple[str, bytearray]:
    """A new, empty case: its id and its case key (wipe the key when done with it)."""
    case_id = uuid.uuid4().hex
    name = case_schema(case_id)
    case_key = server_keys.new_key()
    with server.engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" NOLOGIN'))
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
        conn.execute(text(f'REVOKE ALL ON SCHEMA "{name}" FROM PUBLIC'))
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{name}" TO "{name}"'))
        # the server's own login may act as the case (SET ROLE); nobody else can
        conn.execute(text(f'GRANT "{name}" TO CURRENT_USER'))
    try:
        migrate.upgrade(server.engine.execution_options(**{MIGRATE_OPTION: name}))
        with server.engine.begin() as conn:
            _grant_tables(conn, name)
            conn.execute(
                cases.insert().values(
                    id=case_id,
                    owner_account_id=owner_account_id,
                    created_at=utc_stamp(datetime.now(UTC)),
                    schema_version=_head_revision(),
                    key_check=_key_check(case_key, case_id),
                )
            )
        folder = server.case_dir(case_id)
        folder.mkdir(mode=0o700)
        (folder / "inbox").mkdir(mode=0o700)
    except BaseException:
        remove_case(server, case_id)
        server_keys.wipe(case_key)
        raise
    return case_id, case_key


def _grant_tables(conn: Connection, name: str) -> None:
    conn.execute(
        text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{name}" TO "{name}"')
    )
    conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{name}" TO "{name}"'))
    # the schema's migration history is the server's, not the case's to change
    conn.execute(text(f'REVOKE INSERT, UPDATE, DELETE ON "{name}".alembic_version FROM "{name}"'))


def upgrade_case(server: Server, case_id: str) -> None:
    """Bring one case's schema to the newest migration (after a SafeTrail upgrade)."""
    name = case_schema(case_id)
    migrate.upgrade(server.engine.execution_options(**{MIGRATE_OPTION: name}))
    with server.engine.begin() as conn:
        _grant_tables(conn, name)
        conn.execute(
            cases.update().where(cases.c.id == case_id).values(schema_version=_head_revision())
        )


def remove_case(server: Server, case_id: str) -> None:
    """Drop a case entirely: schema, role, registry rows, blobs (idempotent)."""
    name = case_schema(case_id)
    with server.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}
        ).scalar()
        if exists:
            conn.execute(text(f'DROP OWNED BY "{name}"'))
            conn.execute(text(f'DROP ROLE "{name}"'))
        conn.execute(cases.delete().where(cases.c.id == case_id))
    shutil.rmtree(server.case_dir(case_id), ignore_errors=True)


# -- the server's checkpoint, locks and inbox ---------------------------------------------------


class RowCheckpoint:
    """The signed ledger head in ``safetrail.case_checkpoints`` (one row per case)."""

    def __init__(self, engine: Engine, case_id: str) -> None:
        self.engine = engine
        self.case_id = case_id
        self.location = _("the checkpoint of case {case}").format(case=case_id)

    def load(self) -> Checkpoint | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(case_checkpoints).where(case_checkpoints.c.case_id == self.case_id)
            ).first()
        if row is None:
            return None
        try:
            return Checkpoint(
                seq=int(row.seq),
                entry_hash=str(row.entry_hash),
                public_key=str(row.public_key),
                signature=str(row.signature),
            )
        except (TypeError, ValueError):
            return DAMAGED_CHECKPOINT

    def save(self, checkpoint: Checkpoint) -> None:
        values = {
            "seq": checkpoint.seq,
            "entry_hash": checkpoint.entry_hash,
            "public_key": checkpoint.public_key,
            "signature": checkpoint.signature,
        }
        statement = insert(case_checkpoints).values(case_id=self.case_id, **values)
        with self.engine.begin() as conn:
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[case_checkpoints.c.case_id], set_=values
                )
            )
            kept.forget(conn, self.case_id)  # the ledger moved: nothing older stays kept


class AdvisoryLocks:
    """Import locks as PostgreSQL session advisory locks: they hold across transactions,
    processes and machines, and vanish with the connection if a process dies."""

    def __init__(self, engine: Engine, case_id: str) -> None:
        self.engine = engine
        self.case_id = case_id

    def _key(self, import_id: str | None) -> int:
        label = _LOCK_CLASS + b"\x1f" + self.case_id.encode() + b"\x1f" + (import_id or "").encode()
        return int.from_bytes(hashlib.sha256(label).digest()[:8], "big", signed=True)

    @contextmanager
    def import_lock(self, import_id: str | None = None) -> Iterator[None]:
        key = self._key(import_id)
        conn = self.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()  # the lock is the session's; no transaction stays open meanwhile
            if not got:
                raise VaultBusy(
                    _("Another import into this vault is running."),
                    _("Wait until it has finished, then try again."),
                )
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        except BaseException:
            conn.invalidate()  # never hand a connection that may hold the lock to the pool
            raise
        finally:
            conn.close()


# -- the case ------------------------------------------------------------------------------------


class ServerCase(CaseContext):
    """A case on the server as a :class:`CaseContext` (see the module's description)."""

    def __init__(
        self,
        server: Server,
        case_id: str,
        case_key: bytes | bytearray,
        actor: str,
        clock: Callable[[], datetime] | None = None,
        language: str | None = None,
    ) -> None:
        self.server = server
        self.cipher = CaseColumnCipher(case_key, case_id)
        keys = VaultKeys.derive(case_key, case_id)
        folder = server.case_dir(case_id)
        store = RecordStore(case_engine(server.engine, case_id), clock=clock, actor=actor)
        store.cipher = self.cipher
        super().__init__(
            case_id=case_id,
            store=store,
            blobs=BlobStore(folder, keys.blob_wrap, keys.blob_address),
            keys=keys,
            checkpoints=RowCheckpoint(server.engine, case_id),
            locks=AdvisoryLocks(server.engine, case_id),
            inbox=FolderInbox(folder / "inbox"),
            actor=actor,
            language=language,
        )
        self.kept_results = kept.KeptResults(server.engine, case_id, case_key)
        self.kept = self.kept_results

    def checkins_changed(self) -> None:
        """Publish what this case's check-in alerts need (``server.alert_jobs``)."""
        alert_jobs.publish(self)

    def close(self) -> None:
        """Run the close steps and wipe the keys; the shared pool stays open."""
        closing, self.on_close = self.on_close, []
        for step in closing:
            step()
        self.cache.clear()
        self.keys.wipe()
        self.cipher.wipe()
        self.kept_results.wipe()


def open_case(
    server: Server,
    case_id: str,
    case_key: bytes | bytearray,
    actor: str,
    clock: Callable[[], datetime] | None = None,
    language: str | None = None,
) -> ServerCase:
    """The case ``case_id`` opened with ``case_key``, acting as ``actor``.

    An unknown case is :class:`RecordNotFound`; a key that is not this case's is
    :class:`~safetrail.server.keys.KeyUnwrapFailed` (nothing is read with it).
    """
    try:
        case_schema(case_id)
    except ValueError:
        raise _no_case(case_id) from None
    with server.engine.connect() as conn:
        check = conn.execute(select(cases.c.key_check).where(cases.c.id == case_id)).scalar()
    if check is None:
        raise _no_case(case_id)
    if not hmac.compare_digest(str(check), _key_check(case_key, case_id)):
        raise server_keys.KeyUnwrapFailed(
            _("This key does not open the case: the password or key is wrong."),
            _("Check the password or recovery key and try again."),
        )
    return ServerCase(server, case_id, case_key, actor, clock=clock, language=language)


def _no_case(case_id: str) -> RecordNotFound:
    return RecordNotFound(_("There is no case {case}.").format(case=case_id))


def case_ids(server: Server) -> list[str]:
    with server.engine.connect() as conn:
        return [str(i) for i in conn.execute(select(cases.c.id).order_by(cases.c.id)).scalars()]


__all__ = [
    "AdvisoryLocks",
    "RowCheckpoint",
    "Server",
    "ServerCase",
    "case_ids",
    "create_case",
    "open_case",
    "remove_case",
    "upgrade_case",
]
