"""LINE and KakaoTalk import speed and memory, against the WhatsApp parser in the same run.

    python bench/bench_line_kakao.py [--messages 1000000] [--runs 1] [--only line]

Uses (and writes on first use) 1,000,000-message files made by bench/gen_line.py,
bench/gen_kakaotalk.py (phone and PC layouts) and bench/gen_whatsapp.py, in bench/data/
(ignored by git). Every parser reads its file in a fresh subprocess, which reports the time
the parse took (imports excluded), the CPU time, the records and skipped items it returned,
and the process's peak resident memory (VmHWM: interpreter, imports and data). With
``--runs N`` the parsers run N times, interleaved, and the run of each that took the least
CPU time is shown (the machine's other work only ever adds time).

Goals: at least 300,000 messages a second, in the range of the WhatsApp parser on the same
machine in the same run (at least 0.8 x its rate), and under 100 MB peak RSS. Rates are
given per second of wall-clock time and per second of CPU time; on a shared machine the
wall clock also counts other people's work, so the goals are judged on CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
PARSERS = ("whatsapp", "line", "kakaotalk-phone", "kakaotalk-pc")
CHILD_TIMEOUT = 1800
GOAL_RATE = 300_000
GOAL_RATIO = 0.8
GOAL_RSS_MB = 100


def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- children ------------------------------------------------------------------------------


def child(name: str, path: Path) -> None:
    try:
        from safetrail.importers.base import ParsedRecord, ParseOptions
    except ImportError:  # a checkout without an installed package
        sys.path.insert(0, str(ROOT / "src"))
        from safetrail.importers.base import ParsedRecord, ParseOptions
    from safetrail.importers.kakaotalk import KakaoTalkImporter
    from safetrail.importers.line import LineImporter
    from safetrail.importers.sources import FileSource
    from safetrail.importers.whatsapp import WhatsAppImporter

    importers = {
        "whatsapp": WhatsAppImporter,
        "line": LineImporter,
        "kakaotalk-phone": KakaoTalkImporter,
        "kakaotalk-pc": KakaoTalkImporter,
    }
    importer = importers[name]()
    source = FileSource(path)
    rss_before = peak_rss_mb()
    started, cpu = time.perf_counter(), cpu_seconds()
    # the items are only counted by type (in C): the parse is what is timed
    kinds = Counter(map(type, importer.parse(source, ParseOptions())))
    result = {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "records": kinds[ParsedRecord],
        "skipped": sum(kinds.values()) - kinds[ParsedRecord],
        "rss_before": rss_before,
        "peak_rss": peak_rss_mb(),
    }
    print("RESULT " + json.dumps(result))


def measure(name: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", name, str(path)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    return {"crashed": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}


# --- parent --------------------------------------------------------------------------------


def _data(name: str, messages: int, regenerate: bool) -> tuple[Path, dict[str, int]]:
    sys.path.insert(0, str(HERE))
    import gen_kakaotalk
    import gen_line
    import gen_whatsapp

    makers: dict[str, tuple[Path, Callable[[Path], dict[str, int]]]] = {
        "whatsapp": (
            gen_whatsapp.DEFAULT_OUT,
            lambda out: gen_whatsapp.generate(out, messages, seed=7),
        ),
        "line": (gen_line.DEFAULT_OUT, lambda out: gen_line.generate(out, messages, seed=7)),
        "kakaotalk-phone": (
            gen_kakaotalk.default_out("phone"),
            lambda out: gen_kakaotalk.generate(out, messages, 7, "phone"),
        ),
        "kakaotalk-pc": (
            gen_kakaotalk.default_out("pc"),
            lambda out: gen_kakaotalk.generate(out, messages, 7, "pc"),
        ),
    }
    path, make = makers[name]
    if messages != 1_000_000:  # same file name (chat names come from it), own folder
        path = DATA / f"{messages}-messages" / path.name
    meta_path = path.with_suffix(".json")
    if not regenerate and path.exists() and meta_path.exists():
        meta: dict[str, int] = json.loads(meta_path.read_text())
        if meta.get("messages") == messages and meta.get("bytes") == path.stat().st_size:
            return path, meta
    print(f"writing {path.name} ({messages:,} messages)…", flush=True)
    meta = make(path)
    meta_path.write_text(json.dumps(meta))
    return path, meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", choices=PARSERS, action="append")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("PARSER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return

    names = list(dict.fromkeys(["whatsapp", *(args.only or PARSERS)]))
    files = {name: _data(name, args.messages, args.regenerate) for name in names}
    print(f"cpus: {os.cpu_count()}, load average: {' '.join(map(str, os.getloadavg()))}")
    print(f"python {sys.version.split()[0]}, least CPU time of {args.runs} run(s) per parser\n")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for _ in range(args.runs):  # interleaved: A B C A B C…
        for name in names:
            runs[name].append(measure(name, files[name][0]))
    best: dict[str, dict[str, Any]] = {}
    for name in names:
        timed = [run for run in runs[name] if "seconds" in run]
        best[name] = min(timed, key=lambda run: run["cpu"]) if timed else runs[name][-1]
        best[name]["peak_rss"] = max(run.get("peak_rss", 0.0) for run in runs[name])
        best[name]["all_seconds"] = [round(run["seconds"], 2) for run in timed]

    baseline = best["whatsapp"]
    base_rate = baseline["records"] / baseline["cpu"] if "cpu" in baseline else 0.0
    print(
        f"{'parser':<17}{'MB':>7}{'seconds':>9}{'msgs/s':>10}{'cpu s':>8}{'msgs/cpu-s':>12}"
        f"{'vs WA':>7}{'peak RSS MB':>13}{'(imports)':>11}{'records':>11}{'skipped':>9}"
    )
    for name in names:
        result, meta = best[name], files[name][1]
        if "seconds" not in result:
            print(f"{name:<17}crashed: {result.get('crashed')}")
            continue
        result["rate"] = result["records"] / result["cpu"]
        result["ratio"] = result["rate"] / base_rate if base_rate else 0.0
        print(
            f"{name:<17}{meta['bytes'] / 1e6:>7.1f}{result['seconds']:>9.2f}"
            f"{result['records'] / result['seconds']:>10,.0f}{result['cpu']:>8.2f}"
            f"{result['rate']:>12,.0f}{result['ratio']:>7.2f}{result['peak_rss']:>13.1f}"
            f"{result['rss_before']:>11.1f}{result['records']:>11,}{result['skipped']:>9}"
        )
    if args.runs > 1:
        for name in names:
            print(f"  {name} runs (s): {best[name]['all_seconds']}")
    print()
    for name in names:
        result, meta = best[name], files[name][1]
        if name == "whatsapp" or "seconds" not in result:
            continue
        complete = result["records"] == meta["messages"] and result["skipped"] == 0
        print(
            f"{name}: {result['records']:,} records of {meta['messages']:,} messages, "
            f"{result['skipped']} skipped - {'OK' if complete else 'MISMATCH'}"
        )
        print(
            f"  goal >= {GOAL_RATE:,} msgs/cpu-s: {result['rate']:,.0f} - "
            f"{'PASS' if result['rate'] >= GOAL_RATE else 'MISS (see the WhatsApp ratio)'}"
        )
        print(
            f"  goal >= {GOAL_RATIO} x the WhatsApp parser: {result['ratio']:.2f} x - "
            f"{'PASS' if result['ratio'] >= GOAL_RATIO else 'MISS'}"
        )
        print(
            f"  goal peak RSS < {GOAL_RSS_MB} MB: {result['peak_rss']:.1f} MB - "
            f"{'PASS' if result['peak_rss'] < GOAL_RSS_MB else 'MISS'}"
        )


if __name__ == "__main__":
    main()
