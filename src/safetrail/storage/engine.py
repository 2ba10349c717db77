"""Database engines: SQLCipher 4 for the personal vault, PostgreSQL by URL for server mode."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.pool import NullPool

from safetrail import config
from safetrail.errors import DatabaseCorrupt, VaultBusy
from safetrail.i18n import _
from safetrail.storage import faults
from safetrail.storage.columns import allow_clear_content
from safetrail.vault.keys import scrub_text

DEFAULT_BUSY_SECONDS = config.DEFAULT_BUSY_SECONDS
WRITE_OPTION = "safetrail_write"
#: a write transaction whose caller checks its references itself, once, instead of SQLite
#: per inserted row (see ``RecordStore.writing``); SQLite only
UNCHECKED_OPTION = "safetrail_unchecked_references"


class SQLCipherDialect(SQLiteDialect_pysqlite):
    """The pysqlite dialect on the sqlcipher3 driver; keying is done by our own connect()."""

    driver = "sqlcipher3"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        return sqlcipher3


registry.register("sqlite.safetrail_sqlcipher", __name__, "SQLCipherDialect")


def busy_seconds() -> float:
    return config.current().busy_timeout


#: how a vault database is opened (see :func:`open_sqlcipher`)
WRITE, READ_ONLY, DISK_FULL = "write", "read-only", "disk-full"


def _uri(path: Path, mode: str, create: bool) -> str:
    base = "file:" + quote(str(path.absolute()))
    if mode != READ_ONLY:
        return base if create else base + "?mode=rw"  # rw: SQLite must not make a new file
    wal = path.with_name(path.name + "-wal")
    try:
        pending = wal.stat().st_size > 0
    except OSError:
        pending = False
    # A read-only folder cannot hold the WAL index. With no WAL to replay the file is
    # complete as it is ("immutable"); with one (a crash left it), SQLite reads it in
    # read-only mode through the -shm file that was left with it.
    return base + ("?mode=ro" if pending else "?mode=ro&immutable=1")


def open_sqlcipher(
    path: Path, key: bytes | bytearray, mode: str = WRITE, create: bool = True
) -> Any:
    """One keyed connection, verified readable, in WAL mode with memory-only temp storage.

    ``mode`` is WRITE (the normal case; with ``create`` a missing file is made, private),
    READ_ONLY
    (a read-only folder: nothing is created or written) or DISK_FULL (no space for the
    shared-memory index: an exclusive lock keeps the WAL index in memory, for reading).
    """
    if not path.exists():
        if mode != WRITE or not create:  # an existing vault's database is never made anew
            raise DatabaseCorrupt(
                _("The vault database file ({path}) is missing.").format(path=path)
            )
        # Created private up front: SQLite gives its -wal/-shm files the same permissions.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    conn = sqlcipher3.connect(
        _uri(path, mode, create),
        uri=True,
        timeout=busy_seconds(),
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        # SQLCipher zeroes every allocation it frees (decrypted pages included) from now on,
        # so closing the engine at lock leaves no plaintext in its memory.
        conn.execute("PRAGMA cipher_memory_security = ON")
        statement = f"PRAGMA key = \"x'{key.hex()}'\""
        try:
            conn.execute(statement)
        finally:
            scrub_text(statement)
        if mode == DISK_FULL:  # before anything reads the file (cache_size already does)
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -32768")  # 32 MiB of decrypted pages at most
        if mode != READ_ONLY:
            conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if mode != READ_ONLY:
            found = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if found is None or str(found[0]).lower() != "wal":
                raise sqlcipher3.OperationalError("could not switch to WAL")
            conn.execute("PRAGMA synchronous = FULL")
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        message = str(exc).lower()
        if "locked" in message or "busy" in message:
            raise VaultBusy(_("The vault is busy: another program is using it.")) from None
        fault = faults.from_database_message(message, path.parent)
        if fault is not None:
            raise fault from None
        raise DatabaseCorrupt(
            _(
                "The vault database ({path}) cannot be read: it is damaged, or it does not "
                "belong to this vault's header."
            ).format(path=path)
        ) from None
    return conn


def sqlcipher_engine(
    path: Path, key: bytes | bytearray, mode: str = WRITE, create: bool = True
) -> Engine:
    """An engine for one SQLCipher file; ``create=False`` for an existing vault, whose
    database is never made anew (a vanished file is an error, not a fresh start)."""
    engine = create_engine(
        "sqlite+safetrail_sqlcipher://",
        creator=lambda: open_sqlcipher(path, key, mode, create),
        poolclass=NullPool,
    )
    _explicit_sqlite_transactions(engine)
    return engine


def _explicit_sqlite_transactions(engine: Engine) -> None:
    # The driver runs in autocommit; we issue BEGIN ourselves so that writers take the
    # write lock up front (BEGIN IMMEDIATE) and wait for the busy timeout, not deadlock.
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        options = conn.get_execution_options()
        write = options.get(WRITE_OPTION, False)
        if write and options.get(UNCHECKED_OPTION, False):
            # only outside a transaction does this take effect; set back when it ends
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def url_engine(url: str, schema: str | None = None) -> Engine:
    """An engine for a database URL (PostgreSQL in server mode and in tests)."""
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    # The personal schema on PostgreSQL (development, tests): content is stored as it is.
    # A server case never uses this engine (``safetrail.server.db``): there it is encrypted.
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    return allow_clear_content(engine)
