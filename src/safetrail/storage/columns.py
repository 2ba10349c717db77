"""What every table module shares: the one ``MetaData`` and the common column types.

Table modules (``storage.tables``, ``storage.comm_tables``, ``checkins.tables``) import
from here, never from each other; ``storage.schema`` gathers them into the full schema.

Content columns use :class:`SecretText`, :class:`MatchText` or :class:`SecretFloat`. In a
personal vault (SQLite/SQLCipher: the whole file is encrypted) they are the plain types
and store exactly what they stored before. On PostgreSQL (server mode) each value is
encrypted under the active case's column keys before it leaves the process:

- ``SecretText``: AES-256-GCM with a random nonce; equal texts look different.
- ``MatchText``: AES-SIV, deterministic, so equality, ``IN``, joins, primary keys and
  de-duplication still work (a keyed blind index that can also be read back). Nothing
  else does: no ``LIKE``, no ordering, no SQL functions on it.
- ``SecretFloat``: a number (latitude, longitude) stored as ``SecretText``; no SQL
  arithmetic uses these columns.

The cipher is the one :func:`using_cipher` made active for the current transaction
(``RecordStore.reading()``/``writing()`` set it from ``store.cipher``). On PostgreSQL a
missing cipher is an error, never plaintext, unless the engine was made with
:func:`allow_clear_content` (the personal schema on PostgreSQL in development and tests).
The cipher lives in a ``ContextVar``: a generator must not keep a transaction open across
a ``yield`` that a web response resumes in another thread (each step gets a fresh copy of
the context there); open and close the transaction between two ``yield``s instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from sqlalchemy import Engine, Float, MetaData, String, Text, TypeDecorator
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.types import TypeEngine

__all__ = [
    "HASH",
    "ID",
    "STAMP",
    "CipherMissing",
    "ColumnCipher",
    "MatchText",
    "SecretFloat",
    "SecretText",
    "active_cipher",
    "allow_clear_content",
    "content_searchable_in_sql",
    "metadata",
    "using_cipher",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(36)
STAMP = String(32)  # UTC ISO 8601 with microseconds and "Z": sorts as text on every backend
HASH = String(64)

#: set on an engine's dialect by :func:`allow_clear_content`
_CLEAR_FLAG = "safetrail_clear_content"


class ColumnCipher(Protocol):
    """The column keys of one case (``safetrail.server.crypto.CaseColumnCipher``)."""

    def seal(self, text: str) -> str:
        """Randomised encryption (AES-GCM), as ASCII text."""

    def open(self, sealed: str) -> str: ...

    def seal_match(self, text: str) -> str:
        """Deterministic encryption (AES-SIV), as ASCII text: equal in, equal out."""

    def open_match(self, sealed: str) -> str: ...


class CipherMissing(RuntimeError):
    """Content was written or read on PostgreSQL outside a case's transaction."""


_active: ContextVar[ColumnCipher | None] = ContextVar("safetrail_column_cipher", default=None)


@contextmanager
def using_cipher(cipher: ColumnCipher | None) -> Iterator[None]:
    """Make ``cipher`` the one content columns use until the block ends (None: none)."""
    token = _active.set(cipher)
    try:
        yield
    finally:
        _active.reset(token)


def active_cipher() -> ColumnCipher | None:
    return _active.get()


def content_searchable_in_sql() -> bool:
    """False while content is encrypted: ``LIKE`` and SQL functions on it must become a
    filter in Python over the decrypted values."""
    return _active.get() is None


def allow_clear_content(engine: Engine) -> Engine:
    """Let content columns on this (non-SQLite) engine hold plain text when no cipher is
    active: the personal schema on PostgreSQL in development and tests, never a server."""
    setattr(engine.dialect, _CLEAR_FLAG, True)
    return engine


def _cipher_for(dialect: Dialect) -> ColumnCipher | None:
    """The cipher to use; None means store the value as it is (the dialect allows it)."""
    if dialect.name == "sqlite":
        return None
    cipher = _active.get()
    if cipher is None and not getattr(dialect, _CLEAR_FLAG, False):
        raise CipherMissing(
            "encrypted content columns were used outside a case transaction "
            "(no column cipher is active)"
        )
    return cipher


class _Encrypted(TypeDecorator[Any]):
    """Plain ``plain`` type on SQLite; TEXT holding ciphertext elsewhere."""

    impl = Text
    cache_ok = True

    def __init__(self, plain: TypeEngine[Any] | None = None) -> None:
        super().__init__()
        self.plain = plain if plain is not None else Text()

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return self.plain if dialect.name == "sqlite" else Text()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.plain!r})"


class SecretText(_Encrypted):
    """Text content, encrypted with a random nonce on PostgreSQL."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        cipher = _cipher_for(dialect)
        return value if cipher is None else cipher.seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        cipher = _cipher_for(dialect)
        return value if cipher is None else cipher.open(value)


class MatchText(_Encrypted):
    """Text content compared in SQL (identifiers, counterparts, keys): deterministic."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        cipher = _cipher_for(dialect)
        return value if cipher is None else cipher.seal_match(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        cipher = _cipher_for(dialect)
        return value if cipher is None else cipher.open_match(value)


class SecretFloat(_Encrypted):
    """A number that is content (a coordinate): ``Float`` on SQLite, encrypted text elsewhere."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(Float())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "sqlite":
            return value
        cipher = _cipher_for(dialect)
        text = repr(float(value))
        return text if cipher is None else cipher.seal(text)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "sqlite":
            return value
        cipher = _cipher_for(dialect)
        return float(value if cipher is None else cipher.open(value))
