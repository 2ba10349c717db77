"""WhatsApp import speed and memory, against the PyPI parsers whatstk and chat-miner.

    python bench/bench_whatsapp.py [--messages 1000000] [--runs 1] [--only safetrail]

Uses (and writes on first use) the file bench/gen_whatsapp.py makes: a 1,000,000-message
Android export of a two-person chat, in bench/data/ (ignored by git). Every parser reads
the same file in its own fresh subprocess, which reports the time its parse took (imports
excluded), the CPU time, how many messages it returned, and the process's peak resident
memory (VmHWM, the whole process: interpreter, imports and data). With ``--runs N`` each
parser runs N times, interleaved with the others, and the fastest run is shown (the
machine's other work only ever adds time); every run's time is listed below the table.

Goals: SafeTrail at least 5 x faster than whatstk, and under 100 MB peak RSS. The peers are
not project dependencies; install them for the comparison with
``.venv/bin/pip install whatstk chat-miner``. A peer that is missing is reported, not fatal.

What each one counts: SafeTrail returns every message *and* every system line (encryption
notice, "You blocked this contact"…), each as a record, since the person may need them as
evidence. whatstk and chat-miner drop lines without a sender, so they report fewer; the
table shows the number each should reach and says whether it did.
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
PARSERS = ("safetrail", "whatstk", "chat-miner")
INSTALL = {"whatstk": "whatstk", "chat-miner": "chat-miner"}
CHILD_TIMEOUT = 1800


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (VmHWM; ru_maxrss where /proc is absent)."""
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


def run_safetrail(path: Path, check: bool = False) -> dict[str, Any]:
    try:
        from safetrail.importers.base import ParsedRecord, ParseOptions
    except ImportError:  # running from a checkout without an installed package
        sys.path.insert(0, str(ROOT / "src"))
        from safetrail.importers.base import ParsedRecord, ParseOptions
    from safetrail.importers.sources import FileSource
    from safetrail.importers.whatsapp import WhatsAppImporter

    importer = WhatsAppImporter()
    source = FileSource(path)
    rss_before = peak_rss_mb()
    if check:  # untimed: what the records say
        records = skipped = with_sender = outgoing = 0
        for item in importer.parse(source, ParseOptions()):
            if isinstance(item, ParsedRecord):
                records += 1
                with_sender += item.sender is not None
                outgoing += item.direction == "outgoing"
            else:
                skipped += 1
        return {
            "messages": records,
            "with_sender": with_sender,
            "outgoing": outgoing,
            "skipped": skipped,
        }
    # timed: the items are only counted by type (in C), as the peers' rows are not looked at
    started, cpu = time.perf_counter(), cpu_seconds()
    kinds = Counter(map(type, importer.parse(source, ParseOptions())))
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "messages": kinds[ParsedRecord],
        "skipped": sum(kinds.values()) - kinds[ParsedRecord],
        "rss_before": rss_before,
    }


def run_whatstk(path: Path) -> dict[str, Any]:
    import warnings

    from whatstk.whatsapp.objects import WhatsAppChat

    rss_before = peak_rss_mb()
    started, cpu = time.perf_counter(), cpu_seconds()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chat = WhatsAppChat.from_source(filepath=str(path), max_size=None)
    count = len(chat.df)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "messages": count,
        "rss_before": rss_before,
    }


def run_chatminer(path: Path) -> dict[str, Any]:
    import logging

    from chatminer.chatparsers import WhatsAppParser

    logging.disable(logging.CRITICAL)
    rss_before = peak_rss_mb()
    started, cpu = time.perf_counter(), cpu_seconds()
    parser = WhatsAppParser(str(path))
    parser.parse_file()
    frame = parser.parsed_messages.get_df()
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "messages": len(frame),
        "rss_before": rss_before,
    }


CHILDREN = {
    "safetrail": run_safetrail,
    "safetrail-check": lambda path: run_safetrail(path, check=True),
    "whatstk": run_whatstk,
    "chat-miner": run_chatminer,
}


def child(name: str, path: Path) -> None:
    try:
        result = CHILDREN[name](path)
    except ImportError as exc:
        result = {"missing": str(exc)}
    except Exception as exc:  # a peer that crashes on the file is a result too
        result = {"crashed": f"{type(exc).__name__}: {exc}"[:300]}
    result["peak_rss"] = peak_rss_mb()
    print("RESULT " + json.dumps(result))


def measure(name: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", name, str(path)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    return {"crashed": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}


# --- parent --------------------------------------------------------------------------------


def ensure_data(messages: int, regenerate: bool) -> tuple[Path, dict[str, int]]:
    sys.path.insert(0, str(HERE))
    from gen_whatsapp import DEFAULT_OUT, generate

    path = DEFAULT_OUT
    if messages != 1_000_000:  # same name (the chat's name comes from it), own folder
        path = DATA / f"{messages}-messages" / DEFAULT_OUT.name
    meta_path = path.with_suffix(".json")
    if not regenerate and path.exists() and meta_path.exists():
        meta: dict[str, int] = json.loads(meta_path.read_text())
        if meta.get("messages") == messages and meta.get("bytes") == path.stat().st_size:
            return path, meta
    print(f"writing {path} ({messages:,} messages)…", flush=True)
    meta = generate(path, messages, seed=7)
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

    path, meta = ensure_data(args.messages, args.regenerate)
    print(f"file: {path.name}, {meta['bytes'] / 1e6:.1f} MB, {meta['lines']:,} lines")
    print(
        f"holds {meta['messages']:,} messages: {meta['with_sender']:,} with a sender "
        f"and {meta['system']:,} system lines without one"
    )
    print(f"cpus: {os.cpu_count()}, load average: {' '.join(map(str, os.getloadavg()))}")
    print(f"python {sys.version.split()[0]}, fastest of {args.runs} run(s) per parser\n")

    # runs are interleaved (A B C A B C…) so that the machine's other work, which only
    # ever adds time, falls on every parser alike; the fastest run of each is shown
    names = args.only or list(PARSERS)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for _ in range(args.runs):
        for name in names:
            if runs[name] and "seconds" not in runs[name][-1]:
                continue  # missing or crashed: once is enough
            runs[name].append(measure(name, path))
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        timed = [run for run in runs[name] if "seconds" in run]
        results[name] = min(timed, key=lambda run: run["seconds"]) if timed else runs[name][-1]
        results[name]["peak_rss"] = max(run.get("peak_rss", 0.0) for run in runs[name])
        results[name]["all_seconds"] = [round(run["seconds"], 2) for run in timed]

    ours = results.get("safetrail", {})
    print(
        f"{'parser':<12}{'seconds':>9}{'cpu s':>9}{'peak RSS MB':>13}"
        f"{'(imports)':>11}{'messages':>12}  vs SafeTrail"
    )
    for name, result in results.items():
        if "missing" in result:
            print(
                f"{name:<12}not installed ({result['missing']}); "
                f"install with: .venv/bin/pip install {INSTALL[name]}"
            )
            continue
        if "crashed" in result:
            print(f"{name:<12}crashed: {result['crashed']}")
            continue
        ratio = ""
        if name != "safetrail" and "seconds" in ours:
            ratio = f"{result['seconds'] / ours['seconds']:.1f} x slower"
            ratio += f" ({result['cpu'] / ours['cpu']:.1f} x CPU)"
        print(
            f"{name:<12}{result['seconds']:>9.2f}{result['cpu']:>9.2f}"
            f"{result['peak_rss']:>13.1f}{result['rss_before']:>11.1f}"
            f"{result['messages']:>12,}  {ratio}"
        )

    if args.runs > 1:
        for name, result in results.items():
            if result.get("all_seconds"):
                print(f"  {name} runs (s): {result['all_seconds']}")
    print()
    expected_peer = meta["with_sender"]
    for name, result in results.items():
        if "messages" not in result:
            continue
        if name == "safetrail":
            check = measure("safetrail-check", path)
            ok = result["messages"] == meta["messages"] and result["skipped"] == 0
            print(
                f"safetrail: {result['messages']:,} records (expected {meta['messages']:,}: every "
                f"message and system line) - {'OK' if ok else 'MISMATCH'}; "
                f"{check.get('with_sender', 0):,} with a sender, "
                f"{check.get('outgoing', 0):,} outgoing (the other person is guessed from the "
                f"file's name), {result['skipped']} skipped"
            )
        else:
            same = result["messages"] == expected_peer
            print(
                f"{name}: {result['messages']:,} messages; it drops the "
                f"{meta['system']:,} system lines, so {expected_peer:,} is right - "
                f"{'agrees' if same else 'DISAGREES'}"
            )
    print()
    if "seconds" in ours:
        rss_ok = ours["peak_rss"] < 100
        print(f"goal peak RSS < 100 MB: {ours['peak_rss']:.1f} MB - {'PASS' if rss_ok else 'MISS'}")
        peer = results.get("whatstk", {})
        if "seconds" in peer:
            ratio = peer["seconds"] / ours["seconds"]
            print(
                f"goal >= 5 x faster than whatstk: {ratio:.1f} x - "
                f"{'PASS' if ratio >= 5 else 'MISS'}"
            )
        else:
            print("goal >= 5 x faster than whatstk: not measured (whatstk not available)")


if __name__ == "__main__":
    main()
