"""Phone check: how long reading the indicators and a big phone listing takes.

Figures, each against a baseline measured in the same run:

* the shipped indicator files through SafeTrail's YAML reader, against ``json.loads`` of
  the same data already converted to JSON (the fastest a build-time conversion could be),
  and PyYAML's ``safe_load`` when PyYAML happens to be installed;
* ``dumpsys package`` for ``--apps`` made-up apps (default 2,000, far more than a phone
  holds) through the parser, against only splitting the text into lines;
* matching ``--apps`` apps, each with two certificates, against the indicators.

Run from the repository root: ``.venv/bin/python bench/bench_devicecheck.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from safetrail.devicecheck import indicators, yamlsubset
from safetrail.devicecheck.findings import find
from safetrail.devicecheck.model import AppInfo, Snapshot
from safetrail.devicecheck.parsers import parse_package_details

DATA = Path(indicators.__file__).parent / "data"


def timed(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, min) seconds over ``runs``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def dumpsys(apps: int) -> str:
    lines = ["Packages:"]
    for n in range(apps):
        name = f"org.example.app{n}"
        lines += [
            f"  Package [{name}] (a{n:06x}):",
            f"    userId={10000 + n}",
            f"    codePath=/data/app/~~x{n}==/{name}-y==",
            f"    versionName=1.{n}",
            "    timeStamp=2025-03-02 10:14:05",
            "    lastUpdateTime=2025-03-02 10:14:05",
            "    installerPackageName=com.android.vending",
            "    User 0: ceDataInode=1 installed=true hidden=false",
            "      runtime permissions:",
            "        android.permission.ACCESS_FINE_LOCATION: granted=true, flags=[ USER_SET]",
            "        android.permission.ACCESS_BACKGROUND_LOCATION: granted=false, flags=[ ]",
        ]
    return "\n".join(lines) + "\n"


def row(label: str, ours: tuple[float, float], base: tuple[float, float]) -> None:
    ratio = ours[0] / base[0] if base[0] else float("inf")
    print(
        f"{label:<38} {ours[0] * 1000:9.2f} ms (min {ours[1] * 1000:.2f})   "
        f"baseline {base[0] * 1000:8.2f} ms   ×{ratio:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    texts = [(DATA / n).read_text("utf-8") for n in indicators.SHIPPED_FILES]
    as_json = [json.dumps(yamlsubset.loads(t)) for t in texts]
    row(
        "indicator YAML (2 files)",
        timed(lambda: [yamlsubset.loads(t) for t in texts], args.runs),
        timed(lambda: [json.loads(t) for t in as_json], args.runs),
    )
    try:  # PyYAML is not a SafeTrail dependency; compare with it when it happens to be there
        import yaml  # type: ignore[import-untyped]

        row(
            "indicator YAML, PyYAML safe_load",
            timed(lambda: [yaml.safe_load(t) for t in texts], args.runs),
            timed(lambda: [json.loads(t) for t in as_json], args.runs),
        )
    except ImportError:
        print("(PyYAML not installed: no comparison with it)")
    row(
        "indicators loaded and indexed",
        timed(indicators.shipped, args.runs),
        timed(lambda: [json.loads(t) for t in as_json], args.runs),
    )

    text = dumpsys(args.apps)
    row(
        f"dumpsys package, {args.apps} apps ({len(text) // 1024} KiB)",
        timed(lambda: parse_package_details(text, Snapshot(source="bench")), args.runs),
        timed(text.splitlines, args.runs),
    )

    shipped = indicators.shipped()
    snap = Snapshot(source="bench")
    for n in range(args.apps):
        name = f"org.example.app{n}"
        snap.apps[name] = AppInfo(name, certificates=[f"{n:040X}", f"{n:064X}"])
    names = list(snap.apps)
    row(
        f"matching {args.apps} apps",
        timed(lambda: find(snap, shipped), args.runs),
        timed(lambda: [shipped.by_package(n) for n in names], args.runs),
    )


if __name__ == "__main__":
    main()
