"""The advocate's caseload page under load: N shared cases with M incidents each, C advocates
asking for their caseload at once, on real PostgreSQL through the real server app.

    .venv/bin/python bench/bench_caseload.py [--cases 200] [--incidents 1000]
        [--advocates 20] [--requests 400] [--processes 1] [--keep URL]

Seeding is bulk: each case's incidents are written in one transaction through the record
store (versions, ledger, projections — the same rows the app writes), several cases at a
time in worker processes. Every advocate gets every case shared (the person's case key
sealed to each advocate). The first caseload view of each advocate computes and keeps the
figures (analysis included); the measured views are the steady state: p50/p95/p99 of
``GET /caseload`` with C clients in parallel, each signed in as its own advocate.

With ``--processes 1`` (the default) the app runs in a thread of this process, as before;
with ``--processes N`` it runs as ``uvicorn --workers N`` in its own processes (the
server's default is 2), so the clients here do not share the server's interpreter.

Prints the figures; goal: p99 < 150 ms with 20 concurrent advocates.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("SAFETRAIL_TEST_WEAK_KDF", "1")  # seeding only: sign-in is not measured

PASSWORD = "a long bench password"


def _seed_case(args: tuple[str, str, int, int]) -> tuple[str, str]:
    """One person with a case of ``incidents`` incidents; returns (account id, case id)."""
    from safetrail.server import accounts
    from safetrail.server.cases import Server, create_case, open_case
    from safetrail.services import settings
    from safetrail.services.incidents import IncidentInput, build_data

    url, blobs, number, incidents = args
    server = Server.connect(url, Path(blobs))
    try:
        now = datetime.now(UTC)
        with server.engine.begin() as conn:
            person, kek = accounts.create_account(
                conn, f"person-{number:04d}", PASSWORD, "person", now
            )
        case_id, case_key = create_case(server, person.id)
        with server.engine.begin() as conn:
            accounts.attach_case(conn, person, case_id, case_key, kek, now)
        ctx = open_case(server, case_id, case_key, person.actor)
        try:
            settings.initialise(ctx, "GB", "Europe/London")  # type: ignore[arg-type]
            start = now - timedelta(days=400)
            with ctx.write() as conn:
                template = build_data(
                    ctx,
                    IncidentInput(
                        what_happened="x", when="2026-03-10 10:00", tactics=["following"]
                    ),
                    conn,
                )
                for i in range(incidents):  # the app's own data shape, built once
                    moment = start + timedelta(minutes=int(i * 400 * 24 * 60 / incidents))
                    data = dict(template)
                    data["occurred"] = {
                        "start": moment.strftime("%Y-%m-%dT%H:%M:00Z"),
                        "end": None,
                        "tz": "Europe/London",
                        "precision": "minute",
                    }
                    data["what_happened"] = f"He was outside the house again ({i})"
                    data["tactics"] = ["following"] if i % 3 else ["unwanted_messages"]
                    ctx.store.create(conn, "incident", data)
        finally:
            ctx.close()
        return person.id, case_id
    finally:
        server.close()


def seed(
    url: str, blobs: Path, cases: int, incidents: int, advocates: int, workers: int
) -> list[str]:
    """People, cases, advocates, shares; returns the advocates' names."""
    from safetrail.server import accounts, sharing
    from safetrail.server.cases import Server
    from safetrail.server.keys import wipe

    server = Server.connect(url, blobs)
    accounts.install(server.engine)
    server.init()
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        made = list(pool.map(_seed_case, [(url, str(blobs), n, incidents) for n in range(cases)]))
    print(f"seeded {cases} cases x {incidents} incidents in {time.perf_counter() - started:.0f} s")
    now = datetime.now(UTC)
    names = []
    with server.engine.begin() as conn:
        sharing.create_org(conn, "Bench Advocacy", now)
        for number in range(advocates):
            name = f"advocate-{number:02d}"
            account, kek = accounts.create_account(conn, name, PASSWORD, "advocate", now)
            wipe(sharing.ensure_key_pair(conn, account.id, kek))
            names.append(name)
    # Each person shares with every advocate (their case key sealed to each public key).
    for person_id, case_id in made:
        with server.engine.begin() as conn:
            person = accounts.get(conn, person_id)
            found = accounts.check_password(conn, person.name, PASSWORD)
            assert found is not None
            case_key = accounts.open_case_key(conn, person.id, case_id, "password", found[1])
            assert case_key is not None
            for name in names:
                sharing.share(
                    conn, person, case_key, f"advocate:{name}", sharing.Scope(), "read", now
                )
            wipe(case_key)
    server.close()
    return names


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _serve_apart(url: str, blobs: Path, processes: int) -> tuple[subprocess.Popen[bytes], int]:
    """``uvicorn --workers N`` on the app factory ``safetrail server run`` uses."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = dict(os.environ)
    env.update(
        SAFETRAIL_SERVER_DATABASE=url,
        SAFETRAIL_SERVER_BLOBS=str(blobs),
        SAFETRAIL_SERVER_BEHIND_PROXY="127.0.0.1",
    )
    command = [sys.executable, "-m", "uvicorn", "safetrail.server.app:app_from_env"]
    command += ["--factory", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(processes), "--log-level", "warning"]
    command += ["--timeout-worker-healthcheck", "60"]  # as ``safetrail server run`` does
    return subprocess.Popen(command, env=env), port


def run(
    url: str, blobs: Path, names: list[str], requests: int, processes: int = 1, settle: float = 0
) -> None:
    import httpx
    import uvicorn

    from safetrail.server import accounts, sessions, sharing
    from safetrail.server.app import create_server_app
    from safetrail.server.cases import Server
    from safetrail.server.settings import ServerSettings
    from safetrail.web.security import SESSION_COOKIE

    server = Server.connect(url, blobs)
    accounts.install(server.engine)  # a database seeded by an older version: its new tables
    apart: subprocess.Popen[bytes] | None = None
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
    if processes > 1:
        apart, port = _serve_apart(url, blobs, processes)
        while True:  # up when it answers (a bench, not a test: polling is fine here)
            try:
                httpx.get(f"http://127.0.0.1:{port}/", headers=headers, timeout=5)
                break
            except httpx.TransportError:
                if apart.poll() is not None:
                    raise SystemExit("the server processes did not start") from None
                time.sleep(0.2)
    else:
        settings = ServerSettings(database=url, blobs=blobs, behind_proxy=("127.0.0.1",))
        app = create_server_app(settings, server)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", workers=1)
        running = uvicorn.Server(config)
        thread = threading.Thread(target=running.run, daemon=True)
        thread.start()
        while not running.started:
            time.sleep(0.05)
        port = running.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    clients = []
    for name in names:  # signed in directly (the sign-in itself is not what is measured)
        with server.engine.begin() as conn:
            found = accounts.check_password(conn, name, PASSWORD)
            assert found is not None
            account, kek = found
            cookie = sessions.start(conn, account, datetime.now(UTC), 3600)
            sharing.on_sign_in(conn, account, kek, cookie)
        client = httpx.Client(base_url=base, headers=headers, timeout=120)
        client.cookies.set(SESSION_COOKIE, cookie)
        clients.append(client)
    started = time.perf_counter()
    for client in clients:  # the first view computes and keeps each case's figures
        first = client.get("/caseload")
        assert first.status_code == 200, first.status_code
    print(
        f"first caseload view of {len(clients)} advocates (figures computed): "
        f"{time.perf_counter() - started:.1f} s"
    )
    page = clients[0].get("/caseload").text
    if settle:  # each web process builds the threat detector as it starts: let it finish
        time.sleep(settle)
    rows = page.count("data-person=")
    counted = re.search(r"Cases \d+ to \d+ of (\d+)", page)
    cases = int(counted.group(1)) if counted else rows
    timings: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(client: httpx.Client, count: int) -> None:
        nonlocal errors
        for _ in range(count):
            began = time.perf_counter()
            reply = client.get("/caseload")
            took = time.perf_counter() - began
            with lock:
                timings.append(took)
                errors += reply.status_code != 200

    each = max(1, requests // len(clients))
    began = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        for _ in pool.map(lambda c: one(c, each), clients):
            pass
    wall = time.perf_counter() - began
    ms = [t * 1000 for t in timings]
    load1, load5, load15 = os.getloadavg()
    print(
        f"caseload: {cases} cases per advocate ({rows} rows on the first page), "
        f"{len(clients)} concurrent advocates, "
        f"{processes} web process(es), "
        f"{len(ms)} requests in {wall:.1f} s ({len(ms) / wall:.1f}/s), errors {errors}"
    )
    print(
        f"  p50 {statistics.median(ms):.0f} ms  p95 {_percentile(ms, 0.95):.0f} ms  "
        f"p99 {_percentile(ms, 0.99):.0f} ms  max {max(ms):.0f} ms  (goal p99 < 150 ms)"
    )
    print(f"  load average {load1:.2f}, {load5:.2f}, {load15:.2f}")
    if apart is not None:
        apart.terminate()
        apart.wait(30)
    else:
        running.should_exit = True
        thread.join(10)
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--advocates", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2, help="seeding processes")
    parser.add_argument(
        "--processes", type=int, default=1, help="web processes (above 1: uvicorn --workers)"
    )
    parser.add_argument("--keep", default="", help="reuse this database URL (already seeded)")
    parser.add_argument(
        "--settle", type=float, default=30, help="seconds to wait before measuring (web processes)"
    )
    options = parser.parse_args()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.conftest import postgres_url

    blobs = Path("/tmp") / "bench-caseload-blobs"
    if options.keep:
        url = options.keep
        names = [f"advocate-{n:02d}" for n in range(options.advocates)]
    else:
        admin_url = make_url(postgres_url())
        name = f"st_bench_caseload_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        print(f"database {name} (keep it with --keep {url})")
        blobs = Path("/tmp") / name
        blobs.mkdir(exist_ok=True)
        names = seed(
            url, blobs, options.cases, options.incidents, options.advocates, options.workers
        )
    if options.processes < 1:
        parser.error("--processes must be at least 1")
    run(url, blobs, names, options.requests, options.processes, options.settle)


if __name__ == "__main__":
    main()
