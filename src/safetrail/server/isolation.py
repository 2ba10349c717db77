"""Measuring the two ways to keep cases apart in one PostgreSQL database.

- **schema per case** (what the server uses): ``create_case`` makes schema and role
  ``case_<hex>`` with the vault's tables; a case's transactions run as that role with
  only that schema on the search path.
- **one set of tables, ``case_id`` + Row-Level Security**: every table gains a
  ``case_id`` column, a policy ``case_id = current_setting('safetrail.case_id')`` and
  ``FORCE ROW LEVEL SECURITY``; a case's transactions run as a role that owns nothing
  and set the case id with ``set_config(..., true)``.

The functions here build the RLS layout for the two tables the typical query reads
(``records``, ``incidents``), fill either layout with synthetic rows (random base64
text where content would be ciphertext) and time the incident list, newest first,
with its count, exactly as ``services.incidents.list_incidents`` asks for it.
``bench/bench_isolation.py`` drives them; docs/server.md has the figures and the choice.
"""

from __future__ import annotations

import base64
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from safetrail.server.db import case_engine

RLS_ROLE_SUFFIX = "_app"

#: the incident list of one case: one page, newest first, and how many there are
SCHEMA_QUERY = (
    "SELECT i.record_id FROM incidents i JOIN records r ON r.id = i.record_id "
    "WHERE i.voided = false ORDER BY i.occurred_start DESC, r.ref_no DESC LIMIT 50"
)
SCHEMA_COUNT = "SELECT count(*) FROM incidents WHERE voided = false"
RLS_QUERY = (
    "SELECT i.record_id FROM {s}.incidents i JOIN {s}.records r "
    "ON r.case_id = i.case_id AND r.id = i.record_id "
    "WHERE i.voided = false ORDER BY i.occurred_start DESC, r.ref_no DESC LIMIT 50"
)
RLS_COUNT = "SELECT count(*) FROM {s}.incidents WHERE voided = false"


@dataclass(frozen=True)
class Catalog:
    relations: int  # rows in pg_class (tables, indexes, sequences, TOAST)
    catalog_bytes: int  # size of pg_catalog's own tables and indexes

    def minus(self, other: Catalog) -> Catalog:
        return Catalog(self.relations - other.relations, self.catalog_bytes - other.catalog_bytes)


def catalog(engine: Engine) -> Catalog:
    with engine.connect() as conn:
        relations = conn.execute(text("SELECT count(*) FROM pg_class")).scalar_one()
        size = conn.execute(
            text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r'"
            )
        ).scalar_one()
    return Catalog(int(relations), int(size))


def _content(size: int = 60) -> str:
    return base64.b64encode(os.urandom(size)).decode("ascii")


def _rows(
    count: int, case_id: str | None
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    records, incidents = [], []
    for number in range(1, count + 1):
        record_id = str(uuid.uuid4())
        base = {"case_id": case_id} if case_id is not None else {}
        records.append({**base, "id": record_id, "ref_no": number})
        incidents.append(
            {
                **base,
                "record_id": record_id,
                "start": f"2026-{1 + number % 12:02d}-{1 + number % 28:02d}T10:{number % 60:02d}"
                f":00.{number:06d}Z",
                "voided": number % 20 == 0,
                "what": _content(),
                "where": _content(20),
            }
        )
    return records, incidents


def fill_schema_case(engine: Engine, case_id: str, count: int) -> None:
    """``count`` incident records in a case's own schema, written as the case's role."""
    records, incidents = _rows(count, None)
    with case_engine(engine, case_id).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO records (id, kind, ref_no, created_at, head_version, voided) "
                "VALUES (:id, 'incident', :ref_no, '2026-12-01T00:00:00.000000Z', 1, false)"
            ),
            records,
        )
        conn.execute(
            text(
                "INSERT INTO incidents (record_id, occurred_start, tz, precision, location, "
                "what_happened, voided) VALUES (:record_id, :start, 'UTC', 'minute', :where, "
                ":what, :voided)"
            ),
            incidents,
        )


def create_rls_layout(engine: Engine, schema: str) -> str:
    """The shared tables with ``case_id`` under forced RLS; returns the app role's name."""
    role = schema + RLS_ROLE_SUFFIX
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
        conn.execute(text(f'GRANT "{role}" TO CURRENT_USER'))
        conn.execute(
            text(
                f'CREATE TABLE "{schema}".cases (id varchar(32) PRIMARY KEY, '
                "created_at varchar(32) NOT NULL)"
            )
        )
        conn.execute(
            text(
                f'CREATE TABLE "{schema}".records (case_id varchar(32) NOT NULL, '
                "id varchar(36) NOT NULL, kind varchar(24) NOT NULL, ref_no integer NOT NULL, "
                "created_at varchar(32) NOT NULL, head_version integer NOT NULL, "
                "voided boolean NOT NULL, PRIMARY KEY (case_id, id), "
                "UNIQUE (case_id, kind, ref_no))"
            )
        )
        conn.execute(
            text(
                f'CREATE TABLE "{schema}".incidents (case_id varchar(32) NOT NULL, '
                "record_id varchar(36) NOT NULL, occurred_start varchar(32) NOT NULL, "
                "occurred_end varchar(32), tz varchar(64) NOT NULL, "
                "precision varchar(16) NOT NULL, location text, latitude text, longitude text, "
                "what_happened text NOT NULL, channel varchar(32), fear integer, "
                "police_reported boolean, police_reference text, voided boolean NOT NULL, "
                "PRIMARY KEY (case_id, record_id), "
                "FOREIGN KEY (case_id, record_id) REFERENCES "
                f'"{schema}".records (case_id, id))'
            )
        )
        conn.execute(text(f'CREATE INDEX ON "{schema}".incidents (case_id, occurred_start)'))
        for table in ("records", "incidents"):
            conn.execute(text(f'ALTER TABLE "{schema}".{table} ENABLE ROW LEVEL SECURITY'))
            conn.execute(text(f'ALTER TABLE "{schema}".{table} FORCE ROW LEVEL SECURITY'))
            conn.execute(
                text(
                    f'CREATE POLICY one_case ON "{schema}".{table} USING '
                    "(case_id = current_setting('safetrail.case_id', true)) "
                    "WITH CHECK (case_id = current_setting('safetrail.case_id', true))"
                )
            )
            conn.execute(
                text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{schema}".{table} TO "{role}"')
            )
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
        conn.execute(text(f'GRANT SELECT, INSERT ON "{schema}".cases TO "{role}"'))
    return role


def _as_rls_case(conn: Connection, role: str, case_id: str) -> None:
    conn.execute(text(f'SET LOCAL ROLE "{role}"'))
    conn.execute(text("SELECT set_config('safetrail.case_id', :c, true)"), {"c": case_id})


def create_rls_case(engine: Engine, schema: str, role: str) -> str:
    """A new case in the RLS layout: one registry row (no DDL)."""
    case_id = uuid.uuid4().hex
    with engine.begin() as conn:
        _as_rls_case(conn, role, case_id)
        conn.execute(
            text(f'INSERT INTO "{schema}".cases VALUES (:c, :t)'),
            {"c": case_id, "t": "2026-12-01T00:00:00.000000Z"},
        )
    return case_id


def fill_rls_case(engine: Engine, schema: str, role: str, case_id: str, count: int) -> None:
    records, incidents = _rows(count, case_id)
    with engine.begin() as conn:
        _as_rls_case(conn, role, case_id)
        conn.execute(
            text(
                f'INSERT INTO "{schema}".records (case_id, id, kind, ref_no, created_at, '
                "head_version, voided) VALUES (:case_id, :id, 'incident', :ref_no, "
                "'2026-12-01T00:00:00.000000Z', 1, false)"
            ),
            records,
        )
        conn.execute(
            text(
                f'INSERT INTO "{schema}".incidents (case_id, record_id, occurred_start, tz, '
                "precision, location, what_happened, voided) VALUES (:case_id, :record_id, "
                ":start, 'UTC', 'minute', :where, :what, :voided)"
            ),
            incidents,
        )


def list_schema_case(engine: Engine, case_id: str) -> tuple[int, int]:
    """(rows on the page, total) of the incident list in the schema layout."""
    with case_engine(engine, case_id).begin() as conn:
        page = conn.execute(text(SCHEMA_QUERY)).all()
        total = conn.execute(text(SCHEMA_COUNT)).scalar_one()
    return len(page), int(total)


def list_rls_case(engine: Engine, schema: str, role: str, case_id: str) -> tuple[int, int]:
    """(rows on the page, total) of the incident list in the RLS layout."""
    with engine.begin() as conn:
        _as_rls_case(conn, role, case_id)
        page = conn.execute(text(RLS_QUERY.format(s=f'"{schema}"'))).all()
        total = conn.execute(text(RLS_COUNT.format(s=f'"{schema}"'))).scalar_one()
    return len(page), int(total)


def drop_rls_layout(engine: Engine, schema: str) -> None:
    role = schema + RLS_ROLE_SUFFIX
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    runs: int


def timed(step: Callable[[str], object], case_ids: Iterable[str]) -> Latency:
    """Milliseconds per ``step(case_id)``: median and 99th percentile."""
    took: list[float] = []
    for case_id in case_ids:
        started = time.perf_counter()
        step(case_id)
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    p99 = took[min(len(took) - 1, round(0.99 * (len(took) - 1)))]
    return Latency(statistics.median(took), p99, len(took))
