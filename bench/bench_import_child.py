"""One measurement of bench_import.py, in a process of its own (so peak RSS is its own).

    python bench/bench_import_child.py KIND FILE WORKDIR RECORDS

Prints one JSON line: seconds (wall), cpu (user + system of this process), records, rss_mb.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import time
from pathlib import Path


def sha256_file(path: Path) -> int:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return 0


def parse_only(path: Path) -> int:
    from safetrail.importers.base import ParsedRecord, ParseOptions
    from safetrail.importers.smsbackup import IMPORTERS
    from safetrail.importers.sources import FileSource

    items = IMPORTERS[0].parse(FileSource(path), ParseOptions(region="GB"))
    return sum(1 for item in items if isinstance(item, ParsedRecord))


def raw_db(work: Path, total: int) -> int:
    """The floor: as many 29-column rows into an encrypted SQLCipher table with the same
    two indexes, by plain executemany in batches of 10,000 (no parsing, no hashing)."""
    import sqlcipher3

    work.mkdir(parents=True, exist_ok=True)
    db = sqlcipher3.connect(str(work / "raw.db"), isolation_level=None)
    db.execute("PRAGMA key = \"x'" + "ab" * 32 + "'\"")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    columns = ", ".join(f"c{n} TEXT" for n in range(25))
    db.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, p TEXT, at TEXT, {columns})")
    db.execute("CREATE INDEX t_k ON t (k)")
    db.execute("CREATE INDEX t_p ON t (p, at)")
    sql = "INSERT INTO t VALUES (NULL, ?, ?, ?" + ", ?" * 25 + ")"
    for start in range(0, total, 10_000):
        rows = [
            (
                f"2024-01-01T{n:09d}/{n:032x}",
                "4657c5cc-f29a-4fab-89e3-3f8ccf09f325",
                f"2024-01-01T{n:09d}.000000Z",
                f"message number {n}",
                *([None] * 24),
            )
            for n in range(start, min(start + 10_000, total))
        ]
        db.execute("BEGIN IMMEDIATE")
        db.executemany(sql, rows)
        db.execute("COMMIT")
    db.close()
    return total


def wal_floor(work: Path, total: int) -> int:
    """The second floor: a 29-column encrypted table in WAL mode with
    ``synchronous=NORMAL``, no index, filled with plain ``executemany`` in batches of
    10,000 rows whose values look like an import's (all 29 columns set)."""
    import sqlcipher3

    work.mkdir(parents=True, exist_ok=True)
    db = sqlcipher3.connect(str(work / "wal.db"), isolation_level=None)
    db.execute("PRAGMA key = \"x'" + "cd" * 32 + "'\"")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    columns = ", ".join(f"c{n}" for n in range(28))
    db.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
    sql = "INSERT INTO t VALUES (NULL" + ", ?" * 28 + ")"
    for start in range(0, total, 10_000):
        rows = [
            (
                "IM-1",
                start // 10_000,
                1,
                f"2024-01-01T{n:09d}/{n:032x}",
                "message",
                "sms",
                "incoming",
                f"2024-01-01T{n:09d}.000000Z",
                False,
                "phone",
                "+15550000000",
                "+1 555 000 0000",
                None,
                None,
                None,
                f"message number {n}",
                None,
                None,
                None,
                False,
                None,
                None,
                False,
                None,
                f"record {n} (line {n})",
                f"{n:064x}",
                "4657c5cc-f29a-4fab-89e3-3f8ccf09f325",
                False,
            )
            for n in range(start, min(start + 10_000, total))
        ]
        db.execute("BEGIN IMMEDIATE")
        db.executemany(sql, rows)
        db.execute("COMMIT")
    db.close()
    return total


def full_import(path: Path, work: Path) -> tuple[int, float, float]:
    from safetrail.services.imports.run import run_import
    from safetrail.services.people import PersonInput, add_person
    from safetrail.services.vault import create_vault

    vault = create_vault(work / "vault", "a long bench passphrase", "GB", "Europe/London")
    add_person(vault, PersonInput(names=["Bench Person"], identifiers=["+15550000000"]))
    started = time.perf_counter()
    cpu_started = time.process_time()
    report = run_import(vault, [path])
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    vault.close()
    return report.new, seconds, cpu


def main() -> None:
    os.environ.setdefault("SAFETRAIL_TEST_WEAK_KDF", "1")
    kind, path, work, total = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    started = time.perf_counter()
    cpu_started = time.process_time()
    if kind == "sha256":
        count = sha256_file(path)
    elif kind == "parse":
        count = parse_only(path)
    elif kind == "rawdb":
        count = raw_db(work, total)
    elif kind == "walfloor":
        count = wal_floor(work, total)
    else:
        count, seconds, cpu = full_import(path, work)
    if kind != "import":
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the import's parser process (services/imports/feed.py), when it had one
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "records": count,
                "rss_mb": rss,
                "child_cpu": children.ru_utime + children.ru_stime,
                "child_rss_mb": children.ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
