"""Alembic migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from safetrail.storage import migrate
from safetrail.storage.engine import sqlcipher_engine, url_engine
from safetrail.storage.schema import metadata


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        return list(compare_metadata(context, metadata))


def test_sqlcipher_schema_matches_tables(tmp_path: Path) -> None:
    engine = sqlcipher_engine(tmp_path / "db", b"k" * 32)
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # running again is a no-op
    assert _differences(engine) == []
    names = set(inspect(engine).get_table_names())
    assert names == {t.name for t in metadata.sorted_tables} | {"alembic_version"}
    engine.dispose()


def test_postgres_schema_matches_tables(pg_schema: tuple[str, str]) -> None:
    url, schema = pg_schema
    engine = url_engine(url, schema=schema)
    migrate.upgrade(engine)
    assert _differences(engine) == []
    engine.dispose()
