"""Record store at scale: insert rate, verify time, list latency and file size.

    python bench/bench_records.py [--count 100000] [--batch 1000] [--single 500] [--profile]

Uses the weak test KDF (SAFETRAIL_TEST_WEAK_KDF=1): unlocking is not what is measured here
(see bench_unlock.py). Incidents are synthetic but shaped like real ones: 18 months of dates
with every precision the parser accepts, 1-3 tactics, some offenders, witnesses, fear
levels, police details and private notes, and descriptions of 20-400 characters.

The bulk path calls ``vault.store.create`` for ``--batch`` incidents per ``vault.write()``
transaction, with the data built exactly as ``incidents.build_data`` would (checked on a
sample). The interactive path, ``incidents.record_incident``, commits (and fsyncs) once per
incident and is timed on a smaller sample.

Goal: ``verify(vault, check_blobs=False)`` under 5 s at 100,000 incidents. For context the
script also times the unavoidable floor: reading every version and ledger row and
re-hashing them with the same hash functions verify uses.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import os
import pstats
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PASSPHRASE = "correct horse battery staple"
TIMEZONE = "Europe/London"
DAYS_SPAN = 548  # about 18 months
NEEDLE = "grey van"  # the text filter's search term; in about 1 in 16 descriptions

SENTENCES = [
    "He was waiting outside my work when I left at six.",
    "A car followed me from the station to my street and parked opposite the house.",
    "I got eleven missed calls from a withheld number between 2 and 3 am.",
    "She sent a message to my sister asking where I am living now.",
    "There was a letter under the door with no stamp, in his handwriting.",
    f"The same {NEEDLE} was parked at the end of the road again all evening.",
    "Someone logged into my email from a new device; I did not recognise it.",
    "He posted photos of my flat on a public page with the street name.",
    "I saw him at the supermarket; he stared and then left without buying anything.",
    "A new account sent a friend request and then a threat when I blocked it.",
    "My tyres were let down overnight and the wing mirror was broken.",
    "He told my manager I had been stealing; that is not true.",
    "Flowers were delivered to the office with a card that said I cannot hide.",
    "He walked past the school gate twice while I was collecting my son.",
    "There was a tracker taped inside the rear bumper of my car.",
    "A courier said someone paid him to watch who came in and out of my building.",
]
PLACES = [
    "outside work, Mill Lane",
    "Central station, platform 3",
    "home, front door",
    "Tesco car park",
    "the bus stop on Grove Road",
    "the gym on King Street",
    "my parents' house",
    "school gates, St Mary's",
    "online",
    "the park by the canal",
]
WITNESS_NAMES = ["Sam Patel", "Jo Evans", "Neighbour at no. 14", "Priya", "Mr Okafor", "Dee"]
PEOPLE = ["Mark Harris", "unknown man in grey van", "Lisa Harris"]


def quiet_weak_kdf() -> None:
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"


# --- synthetic incidents ---------------------------------------------------------------


def when_text(rng: random.Random, today: datetime) -> str:
    """A local time as a person would type it, 1-548 days ago, in one of the accepted forms."""
    day = today - timedelta(days=rng.randint(1, DAYS_SPAN))
    hour, minute = rng.randint(7, 21), rng.randrange(0, 60, 5)  # avoids the 01:00 DST gap
    stamp = f"{day:%Y-%m-%d} {hour:02d}:{minute:02d}"
    form = rng.random()
    if form < 0.55:
        return stamp
    if form < 0.70:
        return f"~{day:%Y-%m-%d} {hour:02d}:00"
    if form < 0.85:
        return f"{day:%Y-%m-%d}"
    if form < 0.95:
        end = min(hour * 60 + minute + rng.randint(20, 120), 23 * 60 + 55)
        return f"{stamp} .. {end // 60:02d}:{end % 60:02d}"
    return f"{day:%Y-%m}"


def description(rng: random.Random) -> str:
    target = rng.randint(20, 400)
    words: list[str] = []
    while len(" ".join(words)) < target:
        words.extend(rng.choice(SENTENCES).split())
    text = " ".join(words)[:target]
    return text.rsplit(" ", 1)[0] if " " in text[15:] else text


def make_input(rng: random.Random, today: datetime, tactics: list[str], impacts: list[str]) -> Any:
    from safetrail.services.incidents import IncidentInput, Witness

    given = IncidentInput(what_happened=description(rng), when=when_text(rng, today))
    given.tactics = rng.sample(tactics, rng.choice([1, 1, 1, 2, 2, 3]))
    if rng.random() < 0.7:
        given.where = rng.choice(PLACES)
    if rng.random() < 0.2:
        given.latitude = round(rng.uniform(51.3, 51.7), 5)
        given.longitude = round(rng.uniform(-0.5, 0.3), 5)
    if rng.random() < 0.6:
        given.channel = rng.choice(["in_person", "phone_call", "text_message", "social_media"])
    roll = rng.random()
    if roll < 0.6:
        given.offenders = ["P-001"]
    elif roll < 0.7:
        given.offenders = rng.sample(["P-001", "P-002", "P-003"], 2)
    if rng.random() < 0.15:
        names = rng.sample(WITNESS_NAMES, rng.randint(1, 2))
        given.witnesses = [Witness(n, rng.choice([None, "07700 900123"])) for n in names]
    if rng.random() < 0.7:
        given.fear = rng.randint(0, 4)
    if rng.random() < 0.3:
        given.impacts = rng.sample(impacts, rng.randint(1, 2))
    if rng.random() < 0.1:
        given.police_reported = True
        given.police_reference = f"CAD {rng.randint(1000, 9999)}/{rng.randint(10, 99)}"
    if rng.random() < 0.1:
        given.private_note = description(rng)
    return given


def fast_data(given: Any, person_ids: dict[str, str]) -> dict[str, Any]:
    """The dict ``incidents.build_data`` returns, without its per-call settings lookup."""
    from safetrail.domain import vocab
    from safetrail.domain.when import parse_when

    def clean(text: str | None) -> str | None:
        return (text or "").strip() or None

    return {
        "occurred": parse_when(given.when, TIMEZONE).to_json(),
        "location": {
            "text": clean(given.where),
            "latitude": given.latitude,
            "longitude": given.longitude,
        },
        "what_happened": given.what_happened.strip(),
        "tactics": sorted({vocab.tactic(s).slug for s in given.tactics}),
        "channel": vocab.channel(given.channel).slug if given.channel else None,
        "offender_ids": sorted({person_ids[ref] for ref in given.offenders}),
        "witnesses": [w.to_json() for w in given.witnesses if clean(w.name)],
        "fear": given.fear,
        "impacts": sorted({vocab.impact(s).slug for s in given.impacts}),
        "police": {
            "reported": given.police_reported,
            "reference": clean(given.police_reference),
            "officer": clean(given.police_officer),
            "badge": clean(given.police_badge),
        },
        "evidence_ids": [],
        "private_note": clean(given.private_note),
    }


class Faker:
    """Deterministic stream of ``IncidentInput`` for one vault."""

    def __init__(self, seed: int) -> None:
        from safetrail.domain import vocab

        self.rng = random.Random(seed)
        self.today = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
        self.tactics = [t.slug for t in vocab.TACTICS]
        self.impacts = [i.slug for i in vocab.IMPACTS]

    def next(self) -> Any:
        return make_input(self.rng, self.today, self.tactics, self.impacts)


def add_people(vault: Any) -> dict[str, str]:
    """Create the offenders incidents point at; return ref -> record id."""
    from safetrail.services.people import PersonInput, add_person

    return {
        record.ref: record.id
        for record in (add_person(vault, PersonInput(names=[name])) for name in PEOPLE)
    }


def check_fast_data(vault: Any, faker: Faker, person_ids: dict[str, str], n: int = 200) -> None:
    """Refuse to run if the bulk path would store different data from the service."""
    from safetrail.services import incidents

    with vault.read() as conn:
        for _ in range(n):
            given = faker.next()
            if incidents.build_data(vault, given, conn) != fast_data(given, person_ids):
                raise SystemExit("fast_data() no longer matches incidents.build_data()")


# --- phases ----------------------------------------------------------------------------


def bulk_insert(
    vault: Any, faker: Faker, person_ids: dict[str, str], count: int, batch: int
) -> tuple[float, list[float], list[str]]:
    """Insert ``count`` incidents, ``batch`` per transaction; data generation not timed."""
    total, per_batch, ids = 0.0, [], []
    for first in range(0, count, batch):
        datas = [fast_data(faker.next(), person_ids) for _ in range(min(batch, count - first))]
        started = time.perf_counter()
        with vault.write() as conn:
            ids.extend(vault.store.create(conn, "incident", data).id for data in datas)
        seconds = time.perf_counter() - started
        per_batch.append(len(datas) / seconds)
        total += seconds
    return total, per_batch, ids


def amend_and_void(vault: Any, ids: list[str], every_amend: int, every_void: int) -> int:
    """Give a few incidents a second (and third) version, as real logs have."""
    changed = 0
    with vault.write() as conn:
        for index, record_id in enumerate(ids, start=1):
            if every_amend and index % every_amend == 0:
                current = vault.store.get(conn, record_id)
                data = {**current.data, "fear": (current.data.get("fear") or 0) % 4 + 1}
                vault.store.amend(conn, record_id, data, "fear level corrected")
                changed += 1
            if every_void and index % every_void == 0:
                vault.store.void(conn, record_id, "entered twice by mistake")
                changed += 1
    return changed


def single_inserts(vault: Any, faker: Faker, n: int) -> float:
    """``incidents.record_incident`` n times: one transaction, commit and checkpoint each."""
    from safetrail.services.incidents import record_incident

    inputs = [faker.next() for _ in range(n)]
    started = time.perf_counter()
    for given in inputs:
        record_incident(vault, given)
    return time.perf_counter() - started


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds over ``repeat`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def floor_figures(vault: Any) -> dict[str, float]:
    """What any verify must pay: read every version and ledger row, re-hash them."""
    from safetrail.storage import ledger
    from safetrail.storage.records import content_hash

    with vault.read() as conn:
        started = time.perf_counter()
        kinds = dict(conn.exec_driver_sql("SELECT id, kind FROM records").fetchall())
        rows = conn.exec_driver_sql(
            "SELECT record_id, version, op, reason, actor, recorded_at, data FROM versions"
        ).fetchall()
        entries = conn.exec_driver_sql(
            "SELECT seq, kind, record_id, version, content_sha256, prev_hash, recorded_at"
            " FROM ledger ORDER BY seq"
        ).fetchall()
        read = time.perf_counter() - started

    started = time.perf_counter()
    for row in rows:
        hashlib.sha256(row[6].encode()).digest()
    sha_only = time.perf_counter() - started

    started = time.perf_counter()
    for record_id, version, op, reason, actor, recorded_at, data in rows:
        content_hash(record_id, kinds[record_id], version, op, reason, actor, recorded_at, data)
    for entry in entries:
        ledger.entry_hash(*entry)
    rehash = time.perf_counter() - started
    data_mb = sum(len(row[6].encode()) for row in rows) / 1e6
    return {
        "read": read,
        "sha_only": sha_only,
        "rehash": rehash,
        "data_mb": data_mb,
        "rows": len(rows),
        "entries": len(entries),
    }


def profile(fn: Callable[[], Any], top: int) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def file_bytes(path: Path) -> tuple[int, int]:
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size, wal.stat().st_size if wal.exists() else 0


# --- output ----------------------------------------------------------------------------


def print_table(rows: Iterable[tuple[str, str, str]]) -> None:
    rows = list(rows)
    width = max(len(label) for label, _value, _note in rows)
    value_width = max(len(value) for _label, value, _note in rows)
    print()
    for label, value, note in rows:
        if not value and not note:
            print(f"\n{label}")
            continue
        print(f"  {label:<{width}}  {value:>{value_width}}  {note}".rstrip())


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="incidents (bulk path)")
    parser.add_argument("--batch", type=int, default=1_000, help="incidents per transaction")
    parser.add_argument("--single", type=int, default=500, help="record_incident() sample")
    parser.add_argument("--amend-every", type=int, default=100, help="amend every Nth (0: none)")
    parser.add_argument("--void-every", type=int, default=500, help="void every Nth (0: none)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per list query")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of verify")
    parser.add_argument("--dir", type=Path, help="where to put the vault (default: temp dir)")
    parser.add_argument("--keep", action="store_true", help="do not delete the vault")
    args = parser.parse_args()
    quiet_weak_kdf()

    from safetrail.services.incidents import IncidentFilter, list_incidents
    from safetrail.services.vault import create_vault
    from safetrail.services.verify import verify

    work = args.dir or Path(tempfile.mkdtemp(prefix="safetrail-bench-", dir="/tmp"))
    root = work / "vault"
    try:
        vault = create_vault(root, PASSPHRASE, "GB", TIMEZONE)
        person_ids = add_people(vault)
        faker = Faker(args.seed)
        check_fast_data(vault, faker, person_ids)

        load_before = os.getloadavg()[0]
        print(f"inserting {args.count:,} incidents, {args.batch:,} per transaction ...")
        bulk_seconds, rates, ids = bulk_insert(vault, faker, person_ids, args.count, args.batch)
        started = time.perf_counter()
        changed = amend_and_void(vault, ids, args.amend_every, args.void_every)
        change_seconds = time.perf_counter() - started
        print(f"record_incident() x {args.single} ...")
        single_seconds = single_inserts(vault, faker, args.single)
        incidents_total = args.count + args.single

        print("verify ...")
        verify_times = []
        report = None
        for _ in range(2):
            started = time.perf_counter()
            report = verify(vault, check_blobs=False)
            verify_times.append(time.perf_counter() - started)
        assert report is not None
        if not report.ok:
            raise SystemExit(f"verify found problems: {report.problems[:5]}")
        floor = floor_figures(vault)
        profile_text = profile(lambda: verify(vault, check_blobs=False), 25) if args.profile else ""

        print("list_incidents ...")
        deep = (incidents_total * 9 // 10) // 100 * 100
        queries = {
            "first page (100)": IncidentFilter(),
            f"deep page (offset {deep:,})": IncidentFilter(offset=deep),
            "tactic = following": IncidentFilter(tactic="following"),
            f"text ~ '{NEEDLE}'": IncidentFilter(text=NEEDLE),
            "last 30 days": IncidentFilter(
                since=(datetime.now() - timedelta(days=30)).strftime("%Y-%m-%dT00:00:00.000000Z")
            ),
        }
        listed = {
            name: timed(lambda f=flt: list_incidents(vault, f), args.repeat)
            for name, flt in queries.items()
        }
        vault.close()
        db_bytes, wal_bytes = file_bytes(root / "vault.db")
        load_after = os.getloadavg()[0]
    finally:
        if not args.keep:
            shutil.rmtree(work if args.dir is None else root, ignore_errors=True)

    first = rates[: max(1, len(rates) // 10)]
    last = rates[-max(1, len(rates) // 10) :]
    rows: list[tuple[str, str, str]] = [
        ("Inserts", "", ""),
        (
            f"store.create, {args.batch:,}/txn",
            f"{bulk_seconds:.2f} s",
            f"{args.count / bulk_seconds:,.0f} incidents/s over {args.count:,}",
        ),
        ("  first 10% of batches", f"{statistics.median(first):,.0f}/s", "median batch rate"),
        ("  last 10% of batches", f"{statistics.median(last):,.0f}/s", "median batch rate"),
        (
            "amend / void, 1 txn",
            f"{change_seconds:.2f} s",
            f"{changed:,} new versions ({changed / change_seconds:,.0f}/s)",
        ),
        (
            "record_incident, 1 txn each",
            f"{single_seconds:.2f} s",
            f"{args.single / single_seconds:,.1f} incidents/s "
            f"({single_seconds / args.single * 1000:.1f} ms each, n={args.single})",
        ),
        ("Verify (check_blobs=False)", "", ""),
        (
            "verify, 1st run",
            f"{verify_times[0]:.2f} s",
            f"goal < 5 s: {'PASS' if verify_times[0] < 5 else 'MISS'}  "
            f"({report.entries:,} ledger entries, {report.versions:,} versions, "
            f"{report.records:,} records)",
        ),
        (
            "verify, 2nd run",
            f"{verify_times[1]:.2f} s",
            f"goal < 5 s: {'PASS' if verify_times[1] < 5 else 'MISS'}",
        ),
        (
            "floor: read rows",
            f"{floor['read']:.2f} s",
            f"{floor['rows']:,} versions + {floor['entries']:,} ledger rows, raw SQL",
        ),
        (
            "floor: sha256 of version JSON",
            f"{floor['sha_only']:.2f} s",
            f"hashlib.sha256 over {floor['data_mb']:.1f} MB of canonical JSON",
        ),
        (
            "floor: content_hash + entry_hash",
            f"{floor['rehash']:.2f} s",
            "the same hash functions verify calls, rows already in memory",
        ),
        (
            "floor: read + re-hash",
            f"{floor['read'] + floor['rehash']:.2f} s",
            f"verify is {verify_times[1] / (floor['read'] + floor['rehash']):.1f}x this",
        ),
        ("list_incidents (median of runs)", "", ""),
    ]
    for name, (seconds, (found, total)) in listed.items():
        rows.append((name, ms(seconds), f"{len(found)} shown of {total:,}"))
    rows += [
        ("Database", "", ""),
        (
            "vault.db",
            f"{db_bytes / 1e6:.1f} MB",
            f"{db_bytes / incidents_total:,.0f} bytes/incident; -wal {wal_bytes:,} bytes",
        ),
    ]
    rows += [
        ("Machine", "", ""),
        (
            "cpus, 1-min load before/after",
            f"{os.cpu_count()}",
            f"{load_before:.2f} / {load_after:.2f} (this process counts ~1; more means others ran)",
        ),
    ]
    print_table(rows)
    if profile_text:
        print("\ncProfile of one verify(check_blobs=False):\n")
        print(profile_text)
    if args.keep:
        print(f"\nvault kept at {root} (passphrase {PASSPHRASE!r}, weak KDF)")


if __name__ == "__main__":
    main()
