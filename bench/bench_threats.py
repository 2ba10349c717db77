"""Threat detector: what the model costs, and what it finds, against the rules alone.

    python bench/bench_threats.py [--messages 200000] [--runs 3]

Prints, in one run:

* training the model from the shipped data (once per process in the app);
* the model alone reading ``--messages`` synthetic messages (margins, numpy);
* scanning them with the rules alone (the detector before the model) and with rules + model;
* precision and recall per language and recall per kind on both blind rounds
  (``tests/data/threats/blind_*`` and ``blind2_*``), with the prefilter and without it, and
  for the rules alone; and how many threats to kill or of violence are named serious.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_analysis import messages
from safetrail.analysis.threat_model import KINDS, ThreatModel, load_examples, normalise
from safetrail.analysis.threats import ThreatEngine, default_engine, rules_engine

BLIND = Path(__file__).parent.parent / "tests" / "data" / "threats"


def median_time(work: Callable[[], Any], runs: int) -> tuple[float, Any]:
    took, _cpu, result = median_times(work, runs)
    return took, result


def median_times(work: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median wall-clock and CPU time of ``runs`` calls (CPU time is steadier when other
    programs share the machine)."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        cpu.append(time.process_time() - started_cpu)
        times.append(time.perf_counter() - started)
    return statistics.median(times), statistics.median(cpu), result


def blind_rows(lang: str, round_: str) -> list[dict[str, Any]]:
    path = BLIND / f"{round_}_{lang}.jsonl"
    return [json.loads(x) for x in path.read_text("utf-8").split("\n") if x]


def serious_named(engine: ThreatEngine, lang: str, round_: str) -> float:
    """The share of threats labelled serious that are flagged and named serious."""
    rows = [r for r in blind_rows(lang, round_) if r["severity"] == "serious"]
    named = 0
    for row in rows:
        flag = engine.assess(row["text"])
        named += bool(flag and flag.severity == "serious")
    return named / max(len(rows), 1)


def blind_figures(
    engine: ThreatEngine, lang: str, round_: str = "blind"
) -> tuple[float, float, dict[str, float]]:
    rows = blind_rows(lang, round_)
    tp = fp = fn = 0
    caught: Counter[str] = Counter()
    wanted: Counter[str] = Counter()
    for row in rows:
        flag = engine.assess(row["text"])
        threat = row["label"] == "threat"
        wanted[row["kind"]] += threat
        caught[row["kind"]] += bool(flag) and threat
        tp += bool(flag) and threat
        fp += bool(flag) and not threat
        fn += threat and not flag
    kinds = {k: caught[k] / wanted[k] for k in KINDS if wanted[k]}
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    examples = load_examples()
    took, model = median_time(lambda: ThreatModel(examples), 1)
    print(f"training on {len(examples):,} messages: {took:.2f} s")
    texts = list(messages(args.messages, 7).texts)
    plain = [normalise(t or "") for t in texts]
    took, _ = median_time(lambda: model.margins(plain), args.runs)
    print("(scan lines: wall clock, CPU time, flags)")
    print(f"model margins for {len(plain):,} messages: {took:.3f} s")
    new, old = default_engine(), rules_engine()
    old.scan(texts[:1000]), new.scan(texts[:1000])  # compile every regex first
    took_old, cpu_old, flags_old = median_times(lambda: old.scan(texts), args.runs)
    took_new, cpu_new, flags_new = median_times(lambda: new.scan(texts), args.runs)
    print(f"scan, rules alone (before): {took_old:.3f} s ({cpu_old:.3f} s CPU), {len(flags_old):,}")
    print(f"scan, rules + model:        {took_new:.3f} s ({cpu_new:.3f} s CPU), {len(flags_new):,}")
    per = took_new / max(len(texts), 1) * 1e6
    per_cpu = cpu_new / max(len(texts), 1) * 1e6
    print(
        f"  = {per:.2f} µs a message ({per_cpu:.2f} µs of CPU), "
        f"{len(texts) / max(took_new, 1e-9):,.0f} messages a second"
    )

    for round_ in ("blind", "blind2"):
        print(f"\n{round_}: precision / recall (recall by kind); serious named serious")
        for lang in ("en", "ja", "ko"):
            for name, engine in (
                ("rules + model", new),
                ("  no prefilter", default_engine(False)),
                ("  rules alone", old),
            ):
                precision, recall, kinds = blind_figures(engine, lang, round_)
                by_kind = " ".join(f"{k} {v:.2f}" for k, v in kinds.items())
                serious = serious_named(engine, lang, round_)
                print(
                    f"  {lang} {name:<14} P {precision:.3f} R {recall:.3f} serious {serious:.2f}"
                    f"  ({by_kind})"
                )


if __name__ == "__main__":
    main()
