"""Schema per case vs one set of tables under Row-Level Security, at 1,000 cases.

For each layout: the catalog's growth (relations in pg_class, bytes of pg_catalog), the
time to create one case, and p50/p99 of the incident list (one page newest first, and
the count) of random cases. Schema per case uses the real ``create_case`` (schema, role,
the vault's Alembic migrations, grants, registry row); RLS creates one registry row.

    .venv/bin/python bench/bench_isolation.py                  # 1,000 cases x 100 incidents
    .venv/bin/python bench/bench_isolation.py --cases 50 --incidents 20   # a quick look

Everything lives in a database made for this run (``st_bench_<hex>``, next to the test
database, so 1,000 schemas never slow down or break anyone's ``pg_dump`` of it) and is
dropped at the end (--keep leaves it). PostgreSQL: SAFETRAIL_TEST_POSTGRES_URL or the
test database on 127.0.0.1. The run also times a ``pg_dump`` of the whole database at
full size: with a schema per case it takes a lock per table in one transaction.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from safetrail.server import isolation
from safetrail.server.cases import Server, case_ids, create_case, remove_case

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _say(text_: str) -> None:
    print(text_, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--incidents", type=int, default=100, help="per case")
    parser.add_argument("--queries", type=int, default=1000, help="timed lists per layout")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    base_url = make_url(os.environ.get("SAFETRAIL_TEST_POSTGRES_URL", DEFAULT_URL))
    run = uuid.uuid4().hex[:8]
    database = f"st_bench_{run}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    url = base_url.set(database=database).render_as_string(hide_password=False)
    blobs = Path(tempfile.mkdtemp(prefix="bench-isolation-"))
    server = Server.connect(url, blobs / "blobs", server_schema=f"st_bench_{run}")
    server.init()
    rls_schema = f"st_rls_{run}"
    _say(
        f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}; {args.cases} cases x "
        f"{args.incidents} incidents"
    )
    try:
        # -- schema per case -------------------------------------------------------------
        before = isolation.catalog(server.engine)
        creating: list[float] = []
        made: list[str] = []
        for number in range(args.cases):
            started = time.perf_counter()
            case_id, key = create_case(server, None)
            creating.append(time.perf_counter() - started)
            key[:] = bytes(len(key))
            isolation.fill_schema_case(server.engine, case_id, args.incidents)
            made.append(case_id)
            if (number + 1) % 100 == 0:
                _say(f"  schema per case: {number + 1} cases")
        grown = isolation.catalog(server.engine).minus(before)
        with server.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))  # outside a transaction: one table at a time
        dump = _time_dump(base_url.host or "127.0.0.1", base_url.username or "postgres", database)
        picks = [random.choice(made) for _ in range(args.queries)]
        shape = isolation.list_schema_case(server.engine, picks[0])
        schema_lat = isolation.timed(lambda c: isolation.list_schema_case(server.engine, c), picks)

        # -- case_id + RLS ---------------------------------------------------------------
        before = isolation.catalog(server.engine)
        role = isolation.create_rls_layout(server.engine, rls_schema)
        rls_creating: list[float] = []
        rls_made: list[str] = []
        for _number in range(args.cases):
            started = time.perf_counter()
            case_id = isolation.create_rls_case(server.engine, rls_schema, role)
            rls_creating.append(time.perf_counter() - started)
            isolation.fill_rls_case(server.engine, rls_schema, role, case_id, args.incidents)
            rls_made.append(case_id)
        rls_grown = isolation.catalog(server.engine).minus(before)
        with server.engine.connect() as conn:
            conn.execute(text(f'ANALYZE "{rls_schema}".records'))
            conn.execute(text(f'ANALYZE "{rls_schema}".incidents'))
        rls_picks = [random.choice(rls_made) for _ in range(args.queries)]
        rls_shape = isolation.list_rls_case(server.engine, rls_schema, role, rls_picks[0])
        rls_lat = isolation.timed(
            lambda c: isolation.list_rls_case(server.engine, rls_schema, role, c), rls_picks
        )

        _say("")
        _say(
            f"{'layout':<18}{'relations':>10}{'catalog MiB':>13}{'create ms (median)':>20}"
            f"{'list p50 ms':>13}{'list p99 ms':>13}"
        )
        for name, cat, made_s, lat in (
            ("schema per case", grown, creating, schema_lat),
            ("case_id + RLS", rls_grown, rls_creating, rls_lat),
        ):
            _say(
                f"{name:<18}{cat.relations:>10}{cat.catalog_bytes / 2**20:>13.1f}"
                f"{statistics.median(made_s) * 1000:>20.1f}{lat.p50_ms:>13.2f}{lat.p99_ms:>13.2f}"
            )
        _say(
            f"(page rows, total) of one list: schema {shape}, RLS {rls_shape}; "
            f"{schema_lat.runs} timed lists each"
        )
        _say(f"pg_dump of the whole database with {args.cases} case schemas: {dump}")
        _say(
            f"schema per case: creating all {args.cases} cases took {sum(creating):.0f} s; "
            f"per case {grown.relations / args.cases:.0f} relations, "
            f"{grown.catalog_bytes / args.cases / 1024:.0f} KiB of catalog"
        )
    finally:
        if not args.keep:
            for case_id in case_ids(server):
                remove_case(server, case_id)
            isolation.drop_rls_layout(server.engine, rls_schema)
            with server.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "st_bench_{run}" CASCADE'))
            shutil.rmtree(blobs, ignore_errors=True)
        server.close()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        admin.dispose()


def _time_dump(host: str, user: str, database: str) -> str:
    started = time.perf_counter()
    done = subprocess.run(
        ["pg_dump", "-h", host, "-U", user, "-f", os.devnull, database],
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - started
    if done.returncode == 0:
        return f"ok in {took:.1f} s"
    last = (done.stderr.strip().splitlines() or ["?"])[-1]
    return f"FAILED after {took:.1f} s: {last}"


if __name__ == "__main__":
    main()
