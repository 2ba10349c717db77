"""SafeTrail Server under load: real ``safetrail server run`` processes over HTTPS, many cases.

    .venv/bin/python bench/bench_server.py              # 1,000 x 1,000 + 10 x 10,000 (+100k msgs)
    .venv/bin/python bench/bench_server.py --small      # a quick look (a minute or two)

Everything lives in a database made for this run (``st_bench_srv_<hex>``, beside the test
database; dropped at the end, ``--keep`` leaves it) and a temporary folder.

Seeding (``--jobs`` processes, each with its own pool): every case is made by the real
``create_case`` (schema, role, Alembic migrations, grants) and set up as sign-up does
(``settings.initialise``, two people). Incidents go in through :func:`bulk_incidents`:
the rows ``RecordStore.create`` writes (record, version with its content hash, ledger entry
chained with ``ledger.entry_hash``, projection rows from ``projections.rows_for``), built
in Python and inserted with one ``executemany`` per table, inside ``store.writing()`` so
every content column is encrypted by the case's own column cipher exactly as on the real
path; then the signed checkpoint is saved. The first case seeded by each process is checked
with the real ``verify`` (chain, hashes, projections). The big cases also get
``--messages`` imported messages each through the real import (``run_import`` of an SMS
Backup & Restore file, ``bench/gen_smsbackup.py``). The ``--clients`` accounts are made
with the real ``create_account`` (Argon2id at the server's real cost) and sign-in codes.

Load: ``safetrail server run --workers 2`` (plus one check-in worker when
``safetrail.server.alerts`` exists) with a test certificate on 127.0.0.1. Each client
signs in (password + a TOTP code computed here from the stored secret, as the tests do)
and then loops over a page mix: home, the incident list, one incident, the Patterns
page, and a quick capture POST. Runs at 1, 10 and ``--clients`` clients with think time
(a person clicking), then ``--clients`` clients with no think time (throughput); each run
is bounded by ``--seconds`` and ``--max-requests``. The same mix is then run against
``safetrail serve`` (personal mode, one vault of ``--incidents`` incidents, TLS too).

The load generator runs on the same 2-core machine as the servers and PostgreSQL, and
so competes with them: its own CPU use is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import inspect
import json
import os
import queue
import random
import re
import resource
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, make_url, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from tests.tlsutil import self_signed  # noqa: E402  (the test certificate maker)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SAFETRAIL = [sys.executable, "-m", "safetrail.cli.main"]
PASSWORD = "bench password for a person"
OPERATOR_PASSWORD = "bench operator password"
PERSONAL_PASSPHRASE = "correct horse battery staple"
COUNTRY, TIMEZONE = "GB", "Europe/London"
# page mix: (name, weight); "capture" is the write
MIX = (("home", 25), ("timeline", 25), ("incident", 25), ("analysis", 10), ("capture", 15))
READS = ("home", "timeline", "incident", "analysis")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def say(line: str) -> None:
    print(line, flush=True)


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


# --- seeding --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSpec:
    number: int
    incidents: int
    messages: int
    account: str | None  # a person who signs in, or None (a case nobody uses in the run)


@dataclass
class Seeded:
    number: int
    case_id: str
    incidents: int
    messages: int
    account: str | None
    totp_secret: str | None
    seconds: dict[str, float]
    verified: bool | None


def bulk_incidents(ctx: Any, datas: list[dict[str, Any]]) -> None:
    """``RecordStore.create`` for many incidents at once: the same rows, hashes and chain,
    written with one executemany per table (content encrypted by the case's cipher)."""
    from safetrail import canonical
    from safetrail.storage import ledger, projections
    from safetrail.storage import tables as t
    from safetrail.storage.records import content_hash, utc_stamp

    store = ctx.store
    actor = store.actor
    with store.writing() as conn:
        last = ledger.head(conn)
        seq, prev = (last.seq, last.entry_hash) if last else (0, ledger.GENESIS)
        ref_no = (
            conn.execute(
                select(func.max(t.records.c.ref_no)).where(t.records.c.kind == "incident")
            ).scalar()
            or 0
        )
        record_rows: list[dict[str, Any]] = []
        ledger_rows: list[dict[str, Any]] = []
        version_rows: list[dict[str, Any]] = []
        projected: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for data in datas:
            record_id = str(uuid.uuid4())
            ref_no += 1
            seq += 1
            now = utc_stamp(store.clock())
            data_text = canonical.dumps(data)
            digest = content_hash(record_id, "incident", 1, "create", None, actor, now, data_text)
            kind = "incident.create"
            entry = ledger.entry_hash(seq, kind, record_id, 1, digest, prev, now, actor)
            record_rows.append(
                {
                    "id": record_id,
                    "kind": "incident",
                    "ref_no": ref_no,
                    "created_at": now,
                    "head_version": 1,
                    "voided": False,
                }
            )
            ledger_rows.append(
                {
                    "seq": seq,
                    "kind": kind,
                    "record_id": record_id,
                    "version": 1,
                    "content_sha256": digest,
                    "prev_hash": prev,
                    "entry_hash": entry,
                    "recorded_at": now,
                    "actor": actor,
                }
            )
            version_rows.append(
                {
                    "record_id": record_id,
                    "version": 1,
                    "op": "create",
                    "data": data_text,
                    "reason": None,
                    "actor": actor,
                    "recorded_at": now,
                    "content_sha256": digest,
                    "ledger_seq": seq,
                }
            )
            prev = entry
            for table, rows in projections.rows_for("incident", record_id, data, False).items():
                projected[table].extend(rows)
        conn.execute(t.records.insert(), record_rows)
        conn.execute(t.ledger.insert(), ledger_rows)
        conn.execute(t.versions.insert(), version_rows)
        for table, rows in projected.items():
            if rows:
                conn.execute(table.insert(), rows)
    ctx.update_checkpoint()


_WORKER: dict[str, Any] = {}


def _worker_init(url: str, blobs: str, sms_path: str | None) -> None:
    os.environ["SAFETRAIL_LANG"] = "en"
    from safetrail.server.cases import Server

    _WORKER["server"] = Server.connect(url, Path(blobs))
    _WORKER["sms"] = None if sms_path is None else Path(sms_path)
    _WORKER["checked"] = False


def _seed_case(spec: CaseSpec) -> Seeded:
    from bench_records import Faker, fast_data
    from safetrail.server import accounts
    from safetrail.server.cases import create_case, open_case
    from safetrail.server.keys import wipe
    from safetrail.services import settings
    from safetrail.services.imports.run import run_import
    from safetrail.services.people import PersonInput, add_person
    from safetrail.services.verify import verify

    server = _WORKER["server"]
    seconds: dict[str, float] = {}
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    account, kek = None, None
    if spec.account is not None:
        with server.engine.begin() as conn:
            account, kek = accounts.create_account(
                conn, spec.account, PASSWORD, accounts.PERSON, now
            )
    seconds["account"] = time.perf_counter() - started
    started = time.perf_counter()
    case_id, case_key = create_case(server, None if account is None else account.id)
    seconds["create_case"] = time.perf_counter() - started
    actor = "person:bench" if account is None else account.actor
    ctx = open_case(server, case_id, case_key, actor)
    verified = None
    try:
        started = time.perf_counter()
        settings.initialise(ctx, COUNTRY, TIMEZONE)
        people = {}
        for name, ids in (
            ("Mark Harris", ["+15550000000"]),  # the SMS file's busiest counterpart
            ("unknown man in grey van", []),
            ("Lisa Harris", []),
        ):
            record = add_person(ctx, PersonInput(names=[name], identifiers=ids))
            people[record.ref] = record.id
        faker = Faker(spec.number)
        for first in range(0, spec.incidents, 2000):
            count = min(2000, spec.incidents - first)
            bulk_incidents(ctx, [fast_data(faker.next(), people) for _ in range(count)])
        seconds["incidents"] = time.perf_counter() - started
        if spec.messages:
            started = time.perf_counter()
            report = run_import(ctx, [_WORKER["sms"]])
            seconds["messages"] = time.perf_counter() - started
            if report.new < spec.messages * 0.99:
                raise SystemExit(f"the import stored {report.new} of {spec.messages} messages")
        if not _WORKER["checked"]:
            _WORKER["checked"] = True
            started = time.perf_counter()
            verified = verify(ctx, check_blobs=False).ok
            seconds["verify"] = time.perf_counter() - started
        secret = None
        if account is not None and kek is not None:
            with server.engine.begin() as conn:
                accounts.attach_case(conn, account, case_id, case_key, kek, now)
                if "account_key" in inspect.signature(accounts.begin_totp).parameters:
                    account_key = accounts.open_account_key(conn, account.id, kek)
                    raw = accounts.begin_totp(conn, account.id, account_key)
                    wipe(account_key)
                else:  # before TOTP secrets were encrypted under an account key
                    raw = accounts.begin_totp(conn, account.id)
                accounts.activate_pending_totp(conn, account.id)
                secret = base64.b32encode(raw).decode()
    finally:
        ctx.close()
        wipe(case_key)
    return Seeded(
        spec.number,
        case_id,
        spec.incidents,
        spec.messages,
        spec.account,
        secret,
        seconds,
        verified,
    )


def make_sms_file(folder: Path, messages: int) -> Path:
    from gen_smsbackup import generate

    sms, calls = generate(messages, 0, seed=11, folder=folder)
    calls.unlink()
    return sms


def seed(url: str, blobs: Path, specs: list[CaseSpec], jobs: int, sms: Path | None) -> list[Seeded]:
    import multiprocessing

    done: list[Seeded] = []
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(
        jobs,
        initializer=_worker_init,
        initargs=(url, str(blobs), None if sms is None else str(sms)),
    ) as pool:
        for seeded in pool.imap_unordered(_seed_case, specs):
            done.append(seeded)
            if seeded.verified is False:
                raise SystemExit(f"case {seeded.case_id}: verify found problems in seeded rows")
            if len(done) % 50 == 0 or len(done) == len(specs):
                rate = len(done) / (time.perf_counter() - started)
                say(f"  seeded {len(done):,} / {len(specs):,} cases ({rate:.1f} cases/s)")
    return sorted(done, key=lambda s: s.number)


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETRAIL_SERVER_")}
    env.pop("SAFETRAIL_TEST_WEAK_KDF", None)
    env.update(SAFETRAIL_LANG="en", COLUMNS="200", **extra)
    return env


def _pump(stream: Any, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


class Running:
    """A child process whose output is read in a thread (so it never blocks on a pipe)."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=_pump, args=(self.process.stdout, self.lines), daemon=True).start()

    def wait_for(self, needle: str, count: int = 1, timeout: float = 180) -> str:
        found, deadline = 0, time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(
                    f"no {needle!r} from {self.process.args}:\n" + "".join(self.seen[-40:])
                ) from None
            self.seen.append(line)
            if needle in line:
                found += 1
                if found >= count:
                    return line

    def cpu_seconds(self) -> float:
        return 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def process_cpu(pid: int) -> float:
    """user+system seconds of a process and its children (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


# --- the load -------------------------------------------------------------------------------


@dataclass
class Client:
    name: str
    http: httpx.AsyncClient
    csrf: str
    incidents: int


@dataclass
class Result:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    def all(self, names: tuple[str, ...]) -> list[float]:
        return sorted(t for n in names for t in self.times[n])

    def count(self) -> int:
        return sum(len(v) for v in self.times.values()) + sum(self.errors.values())


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{seconds * 1000:.0f} ms"


async def one_request(client: Client, page: str, rng: random.Random) -> httpx.Response:
    from safetrail.storage.records import format_ref

    http = client.http
    if page == "home":
        return await http.get("/")
    if page == "timeline":
        return await http.get("/incidents")
    if page == "incident":
        return await http.get(
            "/incidents/" + format_ref("incident", rng.randint(1, client.incidents))
        )
    if page == "analysis":
        return await http.get("/analysis")
    return await http.post(
        "/capture",
        data={
            "csrf": client.csrf,
            "what": f"He was outside again ({rng.randrange(10**6)}).",
            "when": "now",
            "tactic": "watching",
        },
    )


async def drive(
    clients: list[Client], seconds: float, max_requests: int, think: tuple[float, float], seed: int
) -> Result:
    result = Result()
    pages = [name for name, _w in MIX]
    weights = [w for _n, w in MIX]
    sent = 0
    deadline = time.monotonic() + seconds

    async def loop(client: Client, number: int) -> None:
        nonlocal sent
        rng = random.Random(seed * 1000 + number)
        if think[1] > 0:  # spread the clients' starts
            await asyncio.sleep(rng.uniform(0, think[1]))
        while time.monotonic() < deadline and sent < max_requests:
            sent += 1
            page = rng.choices(pages, weights)[0]
            started = time.perf_counter()
            try:
                answer = await one_request(client, page, rng)
                ok = answer.status_code == 200 or (page == "capture" and answer.status_code == 303)
                detail = f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                ok, detail = False, type(exc).__name__
            took = time.perf_counter() - started
            if ok:
                result.times[page].append(took)
            else:
                result.errors[page] += 1
                if len(result.examples) < 5:
                    result.examples.append(f"{page}: {detail}")
            if think[1] > 0:
                await asyncio.sleep(rng.uniform(*think))

    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(loop(c, n) for n, c in enumerate(clients)))
    result.seconds = time.perf_counter() - started
    result.client_cpu = time.process_time() - cpu
    return result


def new_http(base: str, cert: Path) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        verify=ssl.create_default_context(cafile=str(cert)),
        timeout=60,
        limits=httpx.Limits(max_connections=2, max_keepalive_connections=2),
    )


async def sign_in(base: str, cert: Path, seeded: Seeded) -> tuple[Client, float]:
    from safetrail.server import totp

    assert seeded.account is not None and seeded.totp_secret is not None
    http = new_http(base, cert)
    page = await http.get("/signin")
    token = CSRF.search(page.text)
    if page.status_code != 200 or token is None:
        raise SystemExit(f"/signin answered {page.status_code}")
    secret = base64.b32decode(seeded.totp_secret)
    code = totp.code_at(secret, dt.datetime.now(dt.UTC).timestamp())
    started = time.perf_counter()
    signed = await http.post(
        "/signin",
        data={"csrf": token.group(1), "name": seeded.account, "password": PASSWORD, "code": code},
    )
    took = time.perf_counter() - started
    if signed.status_code != 303:
        raise SystemExit(f"sign-in of {seeded.account} answered {signed.status_code}")
    capture = await http.get("/capture")
    token = CSRF.search(capture.text)
    if capture.status_code != 200 or token is None:
        raise SystemExit(f"/capture answered {capture.status_code} after signing in")
    return Client(seeded.account, http, token.group(1), seeded.incidents), took


def server_cpu(pids: list[int]) -> float:
    return sum(process_cpu(p) for p in pids)


async def levels(
    clients: list[Client], args: argparse.Namespace, pids: list[int], label: str
) -> list[tuple[str, Result]]:
    out = []
    plan = [(n, (args.think_min, args.think_max)) for n in args.levels if n <= len(clients)]
    plan.append((len(clients), (0.0, 0.0)))
    for number, (count, think) in enumerate(plan):
        kind = "paced" if think[1] > 0 else "flat out"
        say(f"  {label}: {count} clients, {kind} ({load_text()})")
        before = server_cpu(pids)
        result = await drive(clients[:count], args.seconds, args.max_requests, think, number)
        result.server_cpu = server_cpu(pids) - before
        out.append((f"{count} clients, {kind}", result))
    return out


# --- personal mode --------------------------------------------------------------------------


def build_personal_vault(folder: Path, incidents: int) -> None:
    from bench_records import Faker, add_people, bulk_insert
    from safetrail.services.vault import create_vault

    vault = create_vault(folder, PERSONAL_PASSPHRASE, COUNTRY, TIMEZONE)
    try:
        people = add_people(vault)
        bulk_insert(vault, Faker(1), people, incidents, 1000)
    finally:
        vault.close()


async def personal_clients(
    base: str, cert: Path, launch: str, count: int, incidents: int
) -> list[Client]:
    http = new_http(base, cert)
    first = await http.get(launch)  # sets the launch cookie
    if first.status_code not in (200, 303):
        raise SystemExit(f"the launch link answered {first.status_code}")
    page = await http.get("/unlock")
    token = CSRF.search(page.text)
    if token is None:
        raise SystemExit(f"/unlock answered {page.status_code} without a form")
    opened = await http.post(
        "/unlock", data={"csrf": token.group(1), "passphrase": PERSONAL_PASSPHRASE}
    )
    if opened.status_code not in (200, 303):
        raise SystemExit(f"unlock answered {opened.status_code}")
    capture = await http.get("/capture")
    token = CSRF.search(capture.text)
    if token is None:
        raise SystemExit(f"/capture answered {capture.status_code} after unlocking")
    cookies = http.cookies
    await http.aclose()
    out = []
    for number in range(count):  # one browser, many tabs: the same cookies
        one = new_http(base, cert)
        one.cookies = httpx.Cookies(cookies)
        out.append(Client(f"tab {number}", one, token.group(1), incidents))
    return out


# --- report ---------------------------------------------------------------------------------


def print_results(title: str, rows: list[tuple[str, Result]]) -> list[str]:
    lines = [title, ""]
    lines.append(
        "| run | requests | req/s | reads p50 | reads p95 | reads p99 | writes p50 | writes p95 "
        "| writes p99 | errors | CPU s (servers / client) |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        reads, writes = r.all(READS), r.all(("capture",))
        errors = sum(r.errors.values())
        lines.append(
            f"| {name} | {r.count():,} | {r.count() / r.seconds:.1f} | {ms(pct(reads, 0.5))} "
            f"| {ms(pct(reads, 0.95))} | {ms(pct(reads, 0.99))} | {ms(pct(writes, 0.5))} "
            f"| {ms(pct(writes, 0.95))} | {ms(pct(writes, 0.99))} | {errors} "
            f"| {r.server_cpu:.0f} / {r.client_cpu:.0f} |"
        )
    lines.append("")
    lines.append("Per page (p50 / p99), last run of the table:")
    last = rows[-1][1]
    for page, _w in MIX:
        values = last.times[page]
        lines.append(
            f"- {page}: {len(values):,} ok, {last.errors[page]} errors, "
            f"p50 {ms(pct(values, 0.5))}, p95 {ms(pct(values, 0.95))}, p99 {ms(pct(values, 0.99))}"
        )
    for name, r in rows:
        if r.examples:
            lines.append(f"- errors in '{name}': {'; '.join(r.examples)}")
    for line in lines:
        say(line)
    return lines


# --- main -----------------------------------------------------------------------------------


def prepare(args: argparse.Namespace, url: str, blobs: Path) -> tuple[list[Seeded], float, int]:
    """server init, then every case; returns the signing-in users, seconds, case count."""
    work = blobs.parent
    init = subprocess.run(
        [*SAFETRAIL, "server", "init", "--database", url, "--blobs", str(blobs),
         "--operator", "op"],
        env=server_env(SAFETRAIL_SERVER_OPERATOR_PASSWORD=OPERATOR_PASSWORD),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if init.returncode != 0:
        raise SystemExit(f"server init failed:\n{init.stderr}")

    # -- seed -------------------------------------------------------------------------
    specs: list[CaseSpec] = []
    big_every = max(1, args.clients // max(1, args.big_cases))
    signing = set(range(args.clients))
    for n in range(args.cases + args.big_cases):
        big = n < args.big_cases
        specs.append(
            CaseSpec(
                n,
                args.big_incidents if big else args.incidents,
                args.messages if big else 0,
                None,
            )
        )
    # which cases sign in: every big one and small ones to make up --clients,
    # interleaved so that 1 and 10 clients already meet a big case
    small_ids = [s.number for s in specs if s.messages == 0]
    big_ids = [s.number for s in specs if s.messages > 0]
    order: list[int] = []
    while len(order) < args.clients and (small_ids or big_ids):
        if big_ids and len(order) % big_every == 0:
            order.append(big_ids.pop(0))
        elif small_ids:
            order.append(small_ids.pop(0))
        else:
            order.append(big_ids.pop(0))
    names = {n: f"person{i:03d}" for i, n in enumerate(order)}
    specs = [CaseSpec(s.number, s.incidents, s.messages, names.get(s.number)) for s in specs]
    del signing
    sms = make_sms_file(work / "data", args.messages) if args.messages and args.big_cases else None
    total_incidents = sum(s.incidents for s in specs)
    say(
        f"seeding {len(specs):,} cases, {total_incidents:,} incidents, "
        f"{args.big_cases * args.messages:,} messages, {args.jobs} processes ..."
    )
    seed_started = time.perf_counter()
    seeded = seed(url, blobs, specs, args.jobs, sms)
    seed_seconds = time.perf_counter() - seed_started
    parts: dict[str, list[float]] = defaultdict(list)
    for s in seeded:
        for key, value in s.seconds.items():
            parts[key].append(value)
    say(f"seeded in {seed_seconds:.0f} s ({load_text()})")
    for key, values in parts.items():
        say(
            f"  {key}: median {statistics.median(values):.2f} s, total {sum(values):.0f} s "
            f"over {len(values):,} cases"
        )
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("ANALYZE"))
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    say(f"  database size {size / 2**30:.2f} GiB")
    by_number = {s.number: s for s in seeded}
    users = [by_number[n] for n in order]

    return users, seed_seconds, len(specs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run with little data")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--incidents", type=int, default=1000, help="per case")
    parser.add_argument("--big-cases", type=int, default=10)
    parser.add_argument("--big-incidents", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100_000, help="per big case")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=40, help="per run")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per run")
    parser.add_argument("--think-min", type=float, default=0.5)
    parser.add_argument("--think-max", type=float, default=1.5)
    parser.add_argument("--jobs", type=int, default=2, help="seeding processes")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and folder (prints a --reuse file)"
    )
    parser.add_argument("--reuse", type=Path, help="the state file of a --keep run: skip seeding")
    parser.add_argument("--no-personal", action="store_true")
    args = parser.parse_args()
    if args.small:
        args.cases, args.incidents = 40, 200
        args.big_cases, args.big_incidents, args.messages = 2, 2000, 5000
        args.clients, args.levels, args.seconds = 10, [1, 10], 10
    args.clients = min(args.clients, args.cases + args.big_cases)

    base_url = make_url(os.environ.get("SAFETRAIL_TEST_POSTGRES_URL", DEFAULT_URL))
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    if args.reuse:
        state = json.loads(args.reuse.read_text())
        database, work = state["database"], Path(state["work"])
    else:
        database = f"st_bench_srv_{uuid.uuid4().hex[:8]}"
        work = Path(tempfile.mkdtemp(prefix="bench-server-"))
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    url = base_url.set(database=database).render_as_string(hide_password=False)
    blobs = work / "blobs"
    running: list[Running] = []
    say(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, cpus {os.cpu_count()}, {load_text()}")
    say(f"database {database}, folder {work}")
    try:
        if args.reuse:
            users = [Seeded(**u) for u in state["users"]]
            seed_seconds, case_count = state["seed_seconds"], state["cases"]
            say(f"reusing {case_count:,} seeded cases (seeded in {seed_seconds:.0f} s)")
        else:
            users, seed_seconds, case_count = prepare(args, url, blobs)
            if args.keep:
                state_file = work / "state.json"
                state_file.write_text(
                    json.dumps(
                        {
                            "database": database,
                            "work": str(work),
                            "users": [u.__dict__ for u in users],
                            "seed_seconds": seed_seconds,
                            "cases": case_count,
                        }
                    )
                )
                say(f"state for --reuse: {state_file}")
        # -- the server -----------------------------------------------------------------
        cert, key = self_signed(work)
        port = free_port()
        checkin = 1  # one check-in worker beside the web processes
        srv = Running(
            [*SAFETRAIL, "server", "run", "--database", url, "--blobs", str(blobs),
             "--port", str(port), "--workers", str(args.web_workers),
             "--checkin-workers", str(checkin), "--tls-cert", str(cert), "--tls-key", str(key),
             "--log-level", "warning"],
            server_env(),
        )  # fmt: skip
        running.append(srv)
        wait_until_up(f"https://127.0.0.1:{port}", cert, srv)
        say(f"server: {args.web_workers} web processes, {checkin} check-in worker(s), port {port}")
        base = f"https://127.0.0.1:{port}"
        server_rows, signin_times, clients = asyncio.run(
            server_run(base, cert, users, args, [srv.process.pid])
        )

        argon = argon_alone()  # before the personal part turns on the weak test KDF
        # -- personal mode ----------------------------------------------------------------
        personal_rows: list[tuple[str, Result]] = []
        if not args.no_personal:
            say(f"personal vault with {args.incidents:,} incidents ...")
            vault = work / "vault"
            os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
            build_personal_vault(vault, args.incidents)
            pport = free_port()
            personal = Running(
                [*SAFETRAIL, "serve", "--vault", str(vault), "--port", str(pport),
                 "--no-browser", "--tls-cert", str(cert), "--tls-key", str(key)],
                {**server_env(), "SAFETRAIL_TEST_WEAK_KDF": "1"},
            )  # fmt: skip
            running.append(personal)
            line = personal.wait_for("running at")
            launch = re.search(r"https://\S+", line)
            if launch is None:
                raise SystemExit(f"no address in {line!r}")
            address = launch.group(0)
            pbase = address.split("/?")[0]
            personal_rows = asyncio.run(
                personal_run(pbase, cert, "/?" + address.split("/?")[1], args, personal.process.pid)
            )

        # -- report ---------------------------------------------------------------------
        say("")
        say(f"=== figures ({load_text()}) ===")
        say(f"seeding: {seed_seconds:.0f} s for {case_count:,} cases")
        say(
            f"sign-in (Argon2id + TOTP, one at a time, HTTP POST /signin): "
            f"p50 {ms(pct(signin_times, 0.5))}, p95 {ms(pct(signin_times, 0.95))}, "
            f"max {ms(max(signin_times))} over {len(signin_times)}"
        )
        say(f"  Argon2id alone (server parameters, in this process): median {ms(argon)}")
        print_results("SafeTrail Server (2 web processes)", server_rows)
        if personal_rows:
            print_results("Personal mode (safetrail serve, one vault)", personal_rows)
        del clients
    finally:
        for one in running:
            one.stop()
        if not args.keep:
            drop_everything(admin, url, database)
            shutil.rmtree(work, ignore_errors=True)
        admin.dispose()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        say(f"peak RSS of the bench process {peak} MB")


def drop_everything(admin: Any, url: str, database: str) -> None:
    """The database, and the case roles (roles belong to the cluster, not the database)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            ids = list(conn.execute(text("SELECT id FROM safetrail.cases")).scalars())
    except Exception:  # no server tables yet: no case roles either
        ids = []
    finally:
        engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        for case_id in ids:
            if re.fullmatch(r"[0-9a-f]{32}", str(case_id)):
                conn.execute(text(f'DROP ROLE IF EXISTS "case_{case_id}"'))


def wait_until_up(base: str, cert: Path, srv: Running | None = None) -> None:
    deadline = time.monotonic() + 180
    context = ssl.create_default_context(cafile=str(cert))
    problem = ""
    while True:
        try:
            answer = httpx.get(base + "/signin", verify=context, timeout=5)
            if answer.status_code == 200:
                return
            problem = f"HTTP {answer.status_code}"
        except httpx.TransportError as exc:
            problem = repr(exc)
        if time.monotonic() > deadline or (srv is not None and srv.process.poll() is not None):
            said = ""
            if srv is not None:
                while not srv.lines.empty():
                    srv.seen.append(srv.lines.get())
                said = "".join(srv.seen[-40:])
            raise SystemExit(f"the server did not start ({problem}):\n{said}")
        time.sleep(0.5)


async def server_run(
    base: str, cert: Path, users: list[Seeded], args: argparse.Namespace, pids: list[int]
) -> tuple[list[tuple[str, Result]], list[float], list[Client]]:
    clients, took = [], []
    say(f"signing in {len(users)} clients ...")
    for seeded in users:
        client, seconds = await sign_in(base, cert, seeded)
        clients.append(client)
        took.append(seconds)
    say(
        f"  sign-in (Argon2id + TOTP, POST /signin one at a time): p50 {ms(pct(took, 0.5))}, "
        f"p95 {ms(pct(took, 0.95))}, max {ms(max(took))}"
    )
    await warm(clients)
    rows = await levels(clients, args, pids, "server")
    for c in clients:
        await c.http.aclose()
    return rows, took, clients


async def personal_run(
    base: str, cert: Path, launch: str, args: argparse.Namespace, pid: int
) -> list[tuple[str, Result]]:
    clients = await personal_clients(base, cert, launch, args.clients, args.incidents)
    await warm(clients)
    rows = await levels(clients, args, [pid], "personal")
    for c in clients:
        await c.http.aclose()
    return rows


async def warm(clients: list[Client]) -> None:
    """Home, the list and one incident once per client, twice over (so both web processes
    have met every case). Patterns is not warmed: its first run is part of what a person
    meets, and on a big case it is what the figures below show."""
    rng = random.Random(0)
    failed = 0
    for _ in range(2):
        for page in ("home", "timeline", "incident"):
            answers = await asyncio.gather(
                *(one_request(c, page, rng) for c in clients), return_exceptions=True
            )
            failed += sum(1 for a in answers if not isinstance(a, httpx.Response))
    if failed:
        say(f"  warm-up: {failed} requests failed")


def argon_alone() -> float:
    from safetrail.server import keys

    params = keys.kek_params()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        keys.wipe(keys.derive_kek(PASSWORD, params))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    main()
