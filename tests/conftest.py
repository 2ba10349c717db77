"""Shared fixtures: a fresh vault per test, and PostgreSQL when it is reachable.

With CI=true, PostgreSQL is required: a missing server fails the run instead of
skipping, so server-mode support can never silently go untested.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

# Vault creation calibrates Argon2id to ~1 s; tests create hundreds of vaults.
os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"

from safetrail.services.vault import Vault, create_vault

PASSPHRASE = "a long test passphrase"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class StepClock:
    """A clock that advances one second per reading: recorded_at values are exact."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def vault(vault_path: Path) -> Iterator[Vault]:
    opened = create_vault(vault_path, PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    yield opened
    opened.close()


def postgres_url() -> str:
    return os.environ.get("SAFETRAIL_TEST_POSTGRES_URL", DEFAULT_PG_URL)


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A private schema in the test database, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    url = postgres_url()
    try:
        admin = create_engine(url)
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, ImportError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required when CI=true but is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {url}")
    schema = f"st_test_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
