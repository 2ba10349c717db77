"""Shared by the server tests: a private PostgreSQL database per test module."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from safetrail.server.cases import Server
from tests.conftest import postgres_url


@contextmanager
def private_database() -> Iterator[str]:
    """A new database (unique name), dropped afterwards; yields its URL."""
    url = make_url(postgres_url())
    try:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, ImportError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required when CI=true but is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {url}")
    name = f"st_srv_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    private = url.set(database=name)
    try:
        yield private.render_as_string(hide_password=False)
    finally:
        roles = case_roles_in(private)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            # Roles belong to the cluster, not the database: the cases' roles go too.
            for role in roles:
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def case_roles_in(url: URL) -> list[str]:
    """The case roles whose schemas are in the database at ``url`` (dropped with it)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT r.rolname FROM pg_roles r JOIN pg_namespace n ON n.nspname = r.rolname"
                    " WHERE r.rolname ~ :pattern ORDER BY 1"
                ),
                {"pattern": CASE_ROLE},
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


CASE_ROLE = "^case_[0-9a-f]{32}$"


def orphan_case_roles(url: URL) -> list[str]:
    """Case roles left behind by dropped databases: named like a case role, owning nothing
    and holding no right anywhere in the cluster (no ``pg_shdepend`` row: that catalog is
    shared by every database), with no schema of that name in any database."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            candidates = {
                row[0]
                for row in conn.execute(
                    text(
                        "SELECT r.rolname FROM pg_roles r WHERE r.rolname ~ :pattern"
                        " AND NOT EXISTS (SELECT 1 FROM pg_shdepend d"
                        " WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = r.oid)"
                    ),
                    {"pattern": CASE_ROLE},
                )
            }
            databases = [
                row[0]
                for row in conn.execute(text("SELECT datname FROM pg_database WHERE datallowconn"))
            ]
    finally:
        admin.dispose()
    for database in databases:
        if not candidates:
            break
        engine = create_engine(url.set(database=database))
        try:
            with engine.connect() as conn:
                used = {
                    row[0]
                    for row in conn.execute(
                        text("SELECT nspname FROM pg_namespace WHERE nspname ~ :pattern"),
                        {"pattern": CASE_ROLE},
                    )
                }
        except OperationalError:
            continue  # dropped since it was listed (another test run's private database)
        finally:
            engine.dispose()
        candidates -= used
    return sorted(candidates)


def drop_orphan_case_roles(url: URL) -> list[str]:
    """Drop :func:`orphan_case_roles` (``DROP ROLE`` itself refuses a role still in use)."""
    found = orphan_case_roles(url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for role in found:
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    finally:
        admin.dispose()
    return found


@contextmanager
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    """A SafeTrail Server in a schema of its own on the test PostgreSQL; its cases, their
    roles and the schema are removed afterwards."""
    from safetrail.server.cases import case_ids, remove_case

    schema = f"st_srv_{uuid.uuid4().hex[:10]}"
    made = Server.connect(postgres_url(), tmp_path / "blobs", server_schema=schema)
    try:
        made.init()
    except OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required when CI=true but is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {postgres_url()}")
    try:
        yield made
    finally:
        for case_id in case_ids(made):
            remove_case(made, case_id)
        with made.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        made.close()
