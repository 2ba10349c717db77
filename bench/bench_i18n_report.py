"""The same 1,000-incident report in English and in Japanese (and Korean), in the same run.

    python bench/bench_i18n_report.py [--incidents 1000] [--rounds 3] [--langs en ja ko]
                                      [--seed 7] [--dir /tmp]

One vault is filled once (``bench_report.populate``: 18 months of incidents, some written
in Japanese and Korean, 50 exhibits). The report is then built in a fresh child process per
language and round, languages interleaved (en, ja, ko, en, ja, ko, ...) so machine noise hits
them alike; the median of each is reported with the ratio to English.

Goal: the Japanese report within 1.2x the English one. What differs: every string goes
through the catalogue, dates and times through Babel (2026年8月1日(土) 21:40), and far more
text is drawn with the CJK font (wider glyphs, more lines, a bigger font subset to embed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import PASSPHRASE, populate


def child(root: Path, lang: str) -> None:
    """Build the report once in ``lang`` in this (fresh) process; print figures as JSON."""
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
    from safetrail.analysis.threats import default_engine
    from safetrail.i18n import use_language
    from safetrail.reports.model import ReportOptions
    from safetrail.reports.pdf_report import build_report
    from safetrail.services.vault import open_vault

    vault = open_vault(root / "vault", PASSPHRASE)
    default_engine()  # built once per process in real use; not what is compared here
    started = time.perf_counter()
    with use_language(lang):
        made = build_report(vault, ReportOptions(witness_contacts=True))
    seconds = time.perf_counter() - started
    vault.close()
    print(json.dumps({"seconds": seconds, "mb": len(made.pdf) / 1e6}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--langs", nargs="+", default=["en", "ja", "ko"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return 0
    root = Path(tempfile.mkdtemp(prefix="st-bench-i18n-", dir=args.dir))
    try:
        filled = time.perf_counter()
        populate(root, args.incidents, args.seed)
        print(f"vault with {args.incidents} incidents in {time.perf_counter() - filled:.1f} s")
        times: dict[str, list[float]] = {lang: [] for lang in args.langs}
        sizes: dict[str, float] = {}
        for _round in range(args.rounds):
            for lang in args.langs:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(root), lang],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                times[lang].append(figures["seconds"])
                sizes[lang] = figures["mb"]
        english = statistics.median(times["en"]) if "en" in times else None
        print(f"{'language':<10}{'median s':>10}{'runs':>28}{'PDF MB':>9}{'vs en':>8}")
        for lang, runs in times.items():
            median = statistics.median(runs)
            ratio = f"{median / english:.2f}x" if english else "-"
            shown = " ".join(f"{r:.2f}" for r in runs)
            print(f"{lang:<10}{median:>10.2f}{shown:>28}{sizes[lang]:>9.2f}{ratio:>8}")
        if english and "ja" in times:
            verdict = "met" if statistics.median(times["ja"]) <= 1.2 * english else "NOT met"
            print(f"goal (ja within 1.2x en): {verdict}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
