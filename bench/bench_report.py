"""PDF report at scale: time and peak memory for 1,000 and 10,000 incidents, with charts.

    python bench/bench_report.py [--sizes 1000 10000] [--messages 100000] [--appendix]
                                 [--seed 7] [--dir /tmp] [--no-baseline]

Uses the weak test KDF (SAFETRAIL_TEST_WEAK_KDF=1): unlocking is not what is measured.
For each size a vault is filled with synthetic incidents (18 months of dates, 1-3 tactics,
offenders, witnesses on 15 %, police details on 10 %, fear on 70 %, descriptions of 20-400
characters, a few Japanese and Korean ones, private notes) and 50 evidence files linked to
incidents. ``--messages`` (default 100,000) more come from a synthetic WhatsApp export
(``gen_whatsapp.py``) imported for a second person, so the report also has the analysis of
those messages, the signals with the incidents behind them, "What they wrote" (every message
the threat detector flags, quoted) and the flagged text in the incident log; ``--appendix``
adds the appendix of every message from them. The report is then built in a fresh child
process (open vault, gather, analysis, three charts, layout, PDF output), so its peak RSS
is the report's own.

Goals: 1,000 incidents under 10 s; 10,000 incidents with 100,000 messages under 30 s and
under 500 MB peak RSS. For context the script also times,
in the same run, fpdf2's own ``table()`` laying out the same incident rows (at most 1,000),
which is what the report's layout layer replaces.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PASSPHRASE = "correct horse battery staple"
SENTENCES = [
    "He was waiting outside my work when I left at six.",
    "A car followed me from the station to my street and parked opposite the house.",
    "I got eleven missed calls from a withheld number between 2 and 3 am.",
    "She sent a message to my sister asking where I am living now.",
    "There was a letter under the door with no stamp, in his handwriting.",
    "Someone logged into my email from a new device; I did not recognise it.",
    "He posted photos of my flat on a public page with the street name.",
    "Flowers were delivered to the office with a card that said I cannot hide.",
    "駅で待ち伏せされて、家の近くまでついて来られた。",
    "회사 앞에서 기다리고 있다가 집까지 따라왔다.",
]
TACTICS = ["unwanted_calls", "unwanted_messages", "following", "watching", "showing_up", "threats"]
#: what the imported chat says: everyday messages, hard negatives, and a few percent of
#: threats from them (THREAT_SHARE), a tenth of which start a run of the same threat sent
#: again and again within minutes (RUN_LENGTH), as harassers do
EVERYDAY = [
    "where are you",
    "please answer me",
    "why won't you talk to me",
    "call me back when you can",
    "are you at work today?",
    "good morning",
    "did you get the flowers",
    "I miss you so much",
    "we need to talk about the car",
    "answer your phone",
    "I saw your post from the weekend",
    "are you ignoring me",
    "I'm sorry, I'll change, I promise",
    "can we meet for coffee on Saturday",
    "the kids asked about you",
    "ok",
    "fine",
    "whatever",
]
HARD_NEGATIVES = [
    "I'm dying to see you",
    "this is killing me",
    "I know where the cafe is",
    "I'd never hurt you",
    "the match last night was murder",
]
THREATS = [
    "I know where you live",
    "If I can't have you nobody will",
    "you'll regret this",
    "I'm outside your house right now",
    "I know what time you finish work",
    "I will kill you if you go to the police",
    "I'll post your photos everywhere",
]
REPLIES = [
    "please leave me alone",
    "stop messaging me",
    "I have told you not to contact me",
    "I'm at work",
    "ok",
]
THREAT_SHARE = 0.025
RUN_LENGTH = (5, 40)


def realistic_chat(offender: str) -> Any:
    """A ``say`` for gen_whatsapp.generate: realistic texts, mostly ordinary."""
    run: list[str] = []

    def say(rng: random.Random, sender: str) -> str:
        if sender != offender:
            return rng.choice(REPLIES)
        if run:
            return run.pop()
        roll = rng.random()
        if roll < THREAT_SHARE:
            text = rng.choice(THREATS)
            if rng.random() < 0.1:
                run.extend([text] * rng.randint(*RUN_LENGTH))
            return text
        if roll < THREAT_SHARE + 0.03:
            return rng.choice(HARD_NEGATIVES)
        return rng.choice(EVERYDAY)

    return say


def _quiet() -> None:
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
    import logging

    logging.getLogger("exifread").setLevel(logging.ERROR)


def populate(root: Path, count: int, seed: int, messages: int = 0) -> None:
    _quiet()
    from safetrail.errors import ValidationError
    from safetrail.services import evidence, people
    from safetrail.services.incidents import IncidentInput, Witness, build_data
    from safetrail.services.people import PersonInput
    from safetrail.services.vault import create_vault

    rng = random.Random(seed)
    vault = create_vault(root / "vault", PASSPHRASE, "GB", "Europe/London")
    person = people.add_person(
        vault, PersonInput(names=["Mark Example"], identifiers=["07700 900123"])
    )
    exhibits = []
    for n in range(50):
        path = root / f"photo-{n}.jpg"
        path.write_bytes(rng.randbytes(20_000))
        exhibits.append(evidence.add_evidence(vault, path).record.ref)
    start = datetime(2025, 1, 1, 8, 0)
    batch = 1000
    for first in range(0, count, batch):
        with vault.write() as conn:
            for n in range(first, min(first + batch, count)):
                moment = start + timedelta(minutes=rng.randrange(548 * 24 * 60))
                text = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 6)))
                given = IncidentInput(
                    what_happened=text,
                    when=moment.strftime("%Y-%m-%d %H:%M"),
                    where=rng.choice(["home, front door", "Central station", "outside work"]),
                    tactics=rng.sample(TACTICS, rng.randint(1, 3)),
                    channel=rng.choice(["in_person", "phone_call", "text_message"]),
                    offenders=[person.ref] if rng.random() < 0.7 else [],
                    witnesses=[Witness("Jo Evans", "07700 900456")] if rng.random() < 0.15 else [],
                    fear=rng.randint(0, 4) if rng.random() < 0.7 else None,
                    police_reported=True if rng.random() < 0.1 else None,
                    police_reference=f"CAD {n}/25" if rng.random() < 0.1 else None,
                    evidence=[rng.choice(exhibits)] if rng.random() < 0.05 else [],
                    private_note="private",
                )
                try:
                    data = build_data(vault, given, conn)
                except ValidationError:  # a clock time skipped by the spring change
                    given.when = (moment + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
                    data = build_data(vault, given, conn)
                vault.store.create(conn, "incident", data)
    if messages:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from gen_whatsapp import PEOPLE, generate
        from safetrail.services.imports.run import ImportOptions, run_import

        people.add_person(vault, PersonInput(names=[PEOPLE[0]]))
        chat = root / f"WhatsApp Chat with {PEOPLE[0]}.txt"
        generate(chat, messages, seed, realistic_chat(PEOPLE[0]))
        run_import(vault, [chat], options=ImportOptions(me=PEOPLE[1]))
    vault.close()


def child(root: Path, appendix: bool = False) -> None:
    """Build the report once in this (fresh) process and print figures as JSON."""
    _quiet()
    from safetrail.reports.model import ReportOptions
    from safetrail.reports.pdf_report import build_report
    from safetrail.services.vault import open_vault

    vault = open_vault(root / "vault", PASSPHRASE)
    from safetrail.analysis.threats import default_engine

    warm = time.perf_counter()
    default_engine()  # built once per process (a server keeps it), so timed on its own
    engine_seconds = time.perf_counter() - warm
    started = time.perf_counter()
    cpu_started = time.process_time()
    chosen = ReportOptions(witness_contacts=True, communications_appendix=appendix)
    made = build_report(vault, chosen)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    from pypdf import PdfReader

    pages = len(PdfReader(__import__("io").BytesIO(made.pdf)).pages)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "engine_seconds": engine_seconds,
                "pages": pages,
                "mb": len(made.pdf) / 1e6,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "incidents": len(made.case.incidents),
                "contacts": made.findings.analysis.pattern.contacts,
                "quoted": len(made.findings.quoted),
                "signals": len(made.findings.signals),
            }
        )
    )
    vault.close()


def baseline(root: Path, rows: int) -> float:
    """fpdf2's table() on the same incident rows, for comparison (same fonts)."""
    _quiet()
    from safetrail.reports.model import ReportOptions, gather
    from safetrail.reports.pdf_report import _incident_rows
    from safetrail.reports.typeset import Doc
    from safetrail.services.vault import open_vault

    vault = open_vault(root / "vault", PASSPHRASE)
    case = gather(vault, ReportOptions())
    case.incidents = case.incidents[:rows]
    vault.close()
    doc = Doc("A4", "", "", "baseline", datetime.now().astimezone())
    doc.set_auto_page_break(True, 17)
    doc.add_page(orientation="L")
    doc.set_font("sans", "", 7.5)
    started = time.perf_counter()
    with doc.table(col_widths=(17, 21, 15, 76, 26, 26, 28, 27, 10, 16), line_height=3.4) as table:
        for row in _incident_rows(case, False):
            cells = table.row()
            for text in row:
                cells.cell(doc.printable(text))
    doc.output()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--appendix", action="store_true")
    parser.add_argument(
        "--keep", type=Path, default=None, help="fill vaults here once, reuse them, keep them"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.appendix)
        return 0
    print(f"cpus: {os.cpu_count()}  load: {os.getloadavg()[0]:.2f}")
    goals = {1000: 10.0, 10000: 30.0}
    for size in args.sizes:
        if args.keep:
            root = args.keep / f"report-{size}-{args.messages}-{args.seed}"
        else:
            root = Path(tempfile.mkdtemp(prefix="st-bench-report-", dir=args.dir))
        try:
            started = time.perf_counter()
            if not (root / "vault").exists():
                root.mkdir(parents=True, exist_ok=True)
                populate(root, size, args.seed, args.messages)
            filled = time.perf_counter() - started
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(root)]
                + (["--appendix"] if args.appendix else []),
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            goal = goals.get(size)
            verdict = "" if goal is None else ("PASS" if figures["seconds"] < goal else "MISS")
            print(
                f"{size:>6} incidents (filled in {filled:.1f} s): "
                f"report {figures['seconds']:.2f} s ({figures['cpu_seconds']:.2f} CPU s), "
                f"{figures['pages']} pages, {figures['mb']:.1f} MB, "
                f"peak RSS {figures['peak_rss_mb']:.0f} MB"
                + (f"  goal < {goal:.0f} s: {verdict}" if goal else "")
                + (" (RSS < 500 MB: " + ("PASS" if figures["peak_rss_mb"] < 500 else "MISS") + ")")
            )
            print(
                f"        {figures['incidents']} incidents in the report, "
                f"{figures['contacts']} calls and messages from them, "
                f"{figures['signals']} signals, {figures['quoted']} flagged messages quoted; "
                f"threat detector built first in {figures['engine_seconds']:.1f} s"
            )
            if not args.no_baseline:
                rows = min(size, 1000)
                alone = baseline(root, rows)
                print(f"        baseline: fpdf2 table() for {rows} rows alone: {alone:.2f} s")
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
