"""Parse speed and memory of the SMS Backup & Restore importer, against baselines.

    .venv/bin/python bench/bench_smsbackup_parse.py               # 1,000,000 records
    .venv/bin/python bench/bench_smsbackup_parse.py --records 200000 --runs 3

Generates ``bench/data/sms-bench.xml`` with ``gen_smsbackup.py`` (unless it already holds
that many records), then measures, each in a child process of its own so that its peak
RSS is its own, ``--runs`` times (the best run is shown):

* ``read``: reading the file in 1 MiB pieces (the floor);
* ``expat``: pyexpat with a start-element handler that only counts (XML tokenising plus
  the attribute dictionaries, the part of the importer's work it cannot avoid);
* ``iterparse``: ElementTree's streaming parser (``XMLPullParser``, what ``iterparse``
  runs on) counting records and clearing each element: the usual streaming approach.

The two baselines read the file through the same surrogate-pair repair
(:class:`safetrail.importers.xmlsafe.CharRefRepair`) as the importer: without it the
first emoji written as ``&#55357;&#56832;`` stops them, which is why it exists.
* ``smsbackup``: ``SmsBackupImporter.parse`` counting the ParsedRecord items.

Wall and CPU seconds are both printed: on a shared machine CPU time is the steadier
figure. Goal: 1,000,000 records parsed well under 5 s, memory independent of file size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

CHILD = """
import json, resource, sys, time
from pathlib import Path
kind, path = sys.argv[1], Path(sys.argv[2])
wall, cpu = time.perf_counter(), time.process_time()
count = 0
if kind == "read":
    with path.open("rb") as f:
        while f.read(1 << 20):
            pass
elif kind == "expat":
    from xml.parsers import expat
    from safetrail.importers.xmlsafe import CharRefRepair
    repair = CharRefRepair()
    parser = expat.ParserCreate()
    def start(name, attrs):
        global count
        count += 1
    parser.StartElementHandler = start
    with path.open("rb") as f:
        while piece := f.read(1 << 20):
            parser.Parse(repair.feed(piece), False)
    parser.Parse(repair.flush(), True)
elif kind == "iterparse":
    import xml.etree.ElementTree as ET
    from safetrail.importers.xmlsafe import CharRefRepair
    repair = CharRefRepair()
    pull = ET.XMLPullParser(events=("end",))
    def drain():
        global count
        for _event, elem in pull.read_events():
            if elem.tag in ("sms", "mms", "call"):
                count += 1
                elem.clear()
    with path.open("rb") as f:
        while piece := f.read(1 << 20):
            pull.feed(repair.feed(piece))
            drain()
    pull.feed(repair.flush())
    pull.close()
    drain()
elif kind == "smsbackup":
    from safetrail.importers.base import ParseOptions, ParsedRecord
    from safetrail.importers.smsbackup import IMPORTERS
    from safetrail.importers.sources import FileSource
    for item in IMPORTERS[0].parse(FileSource(path), ParseOptions()):
        if type(item) is ParsedRecord:
            count += 1
result = {
    "wall": time.perf_counter() - wall,
    "cpu": time.process_time() - cpu,
    "records": count,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}
print(json.dumps(result))
"""

KINDS = ("read", "expat", "iterparse", "smsbackup")


def _child(kind: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _records_in(path: Path) -> int | None:
    if not path.exists():
        return None
    with path.open("rb") as f:
        head = f.read(4096)
    marker = b'<smses count="'
    at = head.find(marker)
    if at < 0:
        return None
    end = head.find(b'"', at + len(marker))
    return int(head[at + len(marker) : end])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from gen_smsbackup import DATA, generate

    path = DATA / "sms-bench.xml"
    if _records_in(path) != args.records:
        path, _calls = generate(args.records, 0)
    size = path.stat().st_size / 1024**2
    print(f"input: {path} ({size:.0f} MiB, {args.records:,} sms/mms records)")
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()}")
    best: dict[str, dict[str, float]] = {}
    for _run in range(args.runs):
        for kind in KINDS:
            figures = _child(kind, path)
            if kind not in best or figures["cpu"] < best[kind]["cpu"]:
                best[kind] = figures
    print(
        f"{'step':<10} {'wall s':>7} {'cpu s':>7} {'items':>10} {'items/s (cpu)':>14} "
        f"{'MiB/s (cpu)':>11} {'peak RSS':>9}"
    )
    for kind in KINDS:
        f = best[kind]
        rate = f["records"] / f["cpu"] if f["records"] else 0
        print(
            f"{kind:<10} {f['wall']:7.2f} {f['cpu']:7.2f} {int(f['records']):>10,} "
            f"{rate:>14,.0f} {size / f['cpu']:>11.0f} {f['rss_mb']:>7.0f}MB"
        )
    ours, base = best["smsbackup"], best["iterparse"]
    print(
        f"smsbackup: {ours['records'] / ours['cpu']:,.0f} records/s of CPU time, "
        f"{ours['cpu'] / base['cpu']:.2f}x the CPU time of iterparse (which builds no "
        f"records), peak RSS {ours['rss_mb']:.0f} MB vs {base['rss_mb']:.0f} MB; "
        f"goal for 1M records: well under 5 s -> {ours['cpu'] * 1_000_000 / ours['records']:.1f} s"
    )


if __name__ == "__main__":
    main()
