"""The server's database: one PostgreSQL database, one shared engine and pool.

Global tables live in the ``safetrail`` schema (:data:`server_metadata`; the accounts,
sessions and audit tables of the web side join the same metadata). Each case lives in
its own schema ``case_<hex>`` with the personal vault's tables, reached through
:func:`case_engine`: an option engine on the shared pool whose every transaction
starts with ``SET LOCAL ROLE case_<hex>; SET LOCAL search_path TO case_<hex>``, so the
case's queries find only its own tables (query layer) and PostgreSQL itself refuses
any other schema (the case role has rights on its own schema only).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)

from safetrail.storage.columns import STAMP

SERVER_SCHEMA = "safetrail"
CASE_OPTION = "safetrail_case"  # execution option: the case schema (and role) to act as
MIGRATE_OPTION = "safetrail_migrate_schema"  # the case schema to migrate, as the server
_CASE_NAME = re.compile(r"case_[0-9a-f]{32}")

server_metadata = MetaData(
    schema=SERVER_SCHEMA,
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    },
)

#: one row per case: its id (also its schema and role name, with "case_"), who owns it
cases = Table(
    "cases",
    server_metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_account_id", String(64), nullable=True),
    Column("created_at", STAMP, nullable=False),
    Column("schema_version", String(32), nullable=False),
    # HKDF(case key, "key-check"): tells a wrong case key apart from damaged content
    Column("key_check", String(64), nullable=False),
)

#: the signed ledger head of each case (the server's ``ledger.checkpoint`` file)
case_checkpoints = Table(
    "case_checkpoints",
    server_metadata,
    Column("case_id", String(32), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
)

#: the case key, wrapped once per way in: "password" (holder = account id),
#: "recovery" (holder = account id), "advocate" (holder = account id, sealed to their
#: public key), "session" is not here (the session row holds its own wrapped copy)
case_keys = Table(
    "case_keys",
    server_metadata,
    Column("case_id", String(32), ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("holder_kind", String(16), primary_key=True),
    Column("holder_id", String(64), primary_key=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("kdf", Text, nullable=True),  # Argon2id parameters (JSON) for "password"
    Column("created_at", STAMP, nullable=False),
)


def case_schema(case_id: str) -> str:
    """The schema (and role) name of a case; refuses anything but 32 hex digits."""
    name = f"case_{case_id}"
    if not _CASE_NAME.fullmatch(name):
        raise ValueError(f"not a case id: {case_id!r}")
    return name


def server_engine(
    url: str, server_schema: str = SERVER_SCHEMA, pool_size: int = 10, max_overflow: int = 10
) -> Engine:
    """The one engine (and pool) of a server process. Content is never stored as plain
    text through it: without an active case cipher, content columns refuse to work.

    ``server_schema`` names the global schema (tests use their own so runs do not meet)."""
    engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)

    @event.listens_for(engine, "begin")
    def _enter_case(conn: Any) -> None:
        options = conn.get_execution_options()
        schema = options.get(CASE_OPTION)
        migrating = options.get(MIGRATE_OPTION)
        if schema is None and migrating is None:
            return
        name = schema or migrating
        if not _CASE_NAME.fullmatch(name):  # names are quoted below; still, only ours
            raise ValueError(f"not a case schema: {name!r}")
        # one round trip for both (no parameters: psycopg sends it as one simple query)
        enter = f'SET LOCAL search_path TO "{name}"'
        if schema is not None:
            enter = f'SET LOCAL ROLE "{name}"; {enter}'
        conn.exec_driver_sql(enter)

    if server_schema != SERVER_SCHEMA:
        engine = engine.execution_options(schema_translate_map={SERVER_SCHEMA: server_schema})
    return engine


def global_schema(engine: Engine) -> str:
    """The name the global schema has on ``engine`` (see ``server_schema``)."""
    translate = engine.get_execution_options().get("schema_translate_map") or {}
    return str(translate.get(SERVER_SCHEMA, SERVER_SCHEMA))


def case_engine(engine: Engine, case_id: str) -> Engine:
    """``engine`` (same pool) acting as the case: its role and only its schema."""
    return engine.execution_options(**{CASE_OPTION: case_schema(case_id)})


def create_server_tables(engine: Engine) -> None:
    """The global schema and tables (idempotent)."""
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{global_schema(engine)}"'))
        server_metadata.create_all(conn)
