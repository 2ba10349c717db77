"""Database engines: SQLCipher 4 for the personal vault, PostgreSQL by URL for server mode."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.pool import NullPool

from safetrail.errors import DatabaseCorrupt, VaultBusy
from safetrail.i18n import _

DEFAULT_BUSY_SECONDS = 10.0
WRITE_OPTION = "safetrail_write"


class SQLCipherDialect(SQLiteDialect_pysqlite):
    """The pysqlite dialect on the sqlcipher3 driver; keying is done by our own connect()."""

    driver = "sqlcipher3"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        return sqlcipher3


registry.register("sqlite.safetrail_sqlcipher", __name__, "SQLCipherDialect")


def busy_seconds() -> float:
    try:
        return float(os.environ.get("SAFETRAIL_BUSY_TIMEOUT", DEFAULT_BUSY_SECONDS))
    except ValueError:
        return DEFAULT_BUSY_SECONDS


def open_sqlcipher(path: Path, key: bytes) -> Any:
    """One keyed connection, verified readable, in WAL mode with memory-only temp storage."""
    if not path.exists():
        # Created private up front: SQLite gives its -wal/-shm files the same permissions.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    conn = sqlcipher3.connect(
        str(path), timeout=busy_seconds(), isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -32768")  # 32 MiB of decrypted pages at most
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise sqlcipher3.OperationalError("could not switch to WAL")
        conn.execute("PRAGMA synchronous = FULL")
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        message = str(exc).lower()
        if "locked" in message or "busy" in message:
            raise VaultBusy(_("The vault is busy: another program is using it.")) from None
        raise DatabaseCorrupt(
            _(
                "The vault database ({path}) cannot be read: "
                "it is damaged or is not a SafeTrail database."
            ).format(path=path)
        ) from None
    return conn


def sqlcipher_engine(path: Path, key: bytes) -> Engine:
    engine = create_engine(
        "sqlite+safetrail_sqlcipher://",
        creator=lambda: open_sqlcipher(path, key),
        poolclass=NullPool,
    )
    _explicit_sqlite_transactions(engine)
    return engine


def _explicit_sqlite_transactions(engine: Engine) -> None:
    # The driver runs in autocommit; we issue BEGIN ourselves so that writers take the
    # write lock up front (BEGIN IMMEDIATE) and wait for the busy timeout, not deadlock.
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def url_engine(url: str, schema: str | None = None) -> Engine:
    """An engine for a database URL (PostgreSQL in server mode and in tests)."""
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True)
