"""Full import of a large SMS Backup & Restore file into a real encrypted vault.

    .venv/bin/python bench/bench_import.py [--records 1000000] [--calls 0]

Goal: >= 100,000 records/s end to end (parse, match, dedupe, encrypt, ledger, summaries)
with peak RSS < 300 MB. In the same run, as baselines: hashlib.sha256 over the same file
(the floor for touching every byte), the parser alone (records/s without storing),
"rawdb": the same number of rows written straight into an encrypted SQLCipher table with
plain executemany, two indexes and synchronous=FULL, and "walfloor": 29-column rows into
an encrypted table in WAL mode with synchronous=NORMAL and no index (the floor for storing
them at all). Each measurement runs in a child process so its peak RSS is its own, and
prints wall seconds and CPU seconds: the machine may be shared, and CPU time (records per
CPU-second) is what stays comparable under load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
STEPS = ("sha256", "parse", "rawdb", "walfloor", "import")
sys.path.insert(0, str(HERE))


def _child(kind: str, path: Path, work: Path, records: int) -> dict[str, float]:
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "bench_import_child.py"),
            kind,
            str(path),
            str(work),
            str(records),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument(
        "--only", default="", help="comma-separated steps (sha256,parse,rawdb,walfloor,import)"
    )
    args = parser.parse_args()
    from gen_smsbackup import DATA, generate

    folder = DATA if args.records == 1_000_000 else DATA / f"sms-{args.records}"
    sms_path = folder / "sms-bench.xml"
    if not sms_path.exists():
        sms_path, _calls = generate(args.records, 0, folder=folder)
    size = sms_path.stat().st_size / 1024**2
    print(f"input: {sms_path} ({size:.0f} MiB, {args.records:,} records)")
    with tempfile.TemporaryDirectory() as work:
        rows = []
        steps = args.only.split(",") if args.only else STEPS
        for kind in steps:
            figures = _child(kind, sms_path, Path(work) / kind, args.records)
            rows.append((kind, figures))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'step':<9} {'wall s':>7} {'CPU s':>7} {'records':>10} {'rec/s wall':>11} "
        f"{'rec/CPU-s':>10} {'peak RSS':>9}"
    )
    for kind, figures in rows:
        rate = figures["records"] / figures["seconds"] if figures["records"] else 0
        per_cpu = figures["records"] / figures["cpu"] if figures["records"] else 0
        print(
            f"{kind:<9} {figures['seconds']:7.2f} {figures['cpu']:7.2f} "
            f"{int(figures['records']):>10,} {rate:>11,.0f} {per_cpu:>10,.0f} "
            f"{figures['rss_mb']:>7.0f}MB"
        )
    done = dict(rows)
    if "import" not in done:
        return
    full = done["import"]
    rate = full["records"] / full["seconds"]
    per_cpu = full["records"] / full["cpu"]
    print(
        f"full import: {rate:,.0f} records/s wall, {per_cpu:,.0f} records/CPU-s "
        f"(goal >= 100,000), peak RSS {full['rss_mb']:.0f} MB (goal < 300 MB)"
    )
    if full.get("child_cpu"):
        both = full["cpu"] + full["child_cpu"]
        print(
            f"  its parser process: {full['child_cpu']:.2f} CPU s, peak RSS "
            f"{full['child_rss_mb']:.0f} MB; both processes {both:.2f} CPU s = "
            f"{full['records'] / both:,.0f} records per CPU-second of the two together"
        )
    for floor in ("rawdb", "walfloor"):
        if floor in done:
            base = done[floor]
            print(
                f"{floor}: {base['records'] / base['seconds']:,.0f} rows/s wall, "
                f"{base['records'] / base['cpu']:,.0f} rows/CPU-s; the full import runs at "
                f"{rate / (base['records'] / base['seconds']):.0%} of it (wall), "
                f"{per_cpu / (base['records'] / base['cpu']):.0%} (CPU)"
            )


if __name__ == "__main__":
    os.environ.setdefault("SAFETRAIL_TEST_WEAK_KDF", "1")
    main()
