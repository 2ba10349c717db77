"""Add newly written threat training messages, dropping any that are close to a blind message.

    python tools/blind_filter.py NEW.jsonl --lang en [--dry-run]
    python tools/blind_filter.py --prune blind3 --lang en [--ratio 1.0] [--dry-run]

``NEW.jsonl`` holds the written messages, one JSON object a line, in the training data's
form (``text``, ``label``, ``kind``, ``severity``; ``set`` defaults to ``"train"``). Every
message whose lower-cased text is within difflib ``SequenceMatcher.ratio`` 0.75 of a message
in any blind round (``tests/data/threats/blind*_*.jsonl``, every round and language that
exists) is dropped, and so is any that is already in the training data; the rest are
appended to ``src/safetrail/analysis/threat_data/<lang>.jsonl``.

``--prune ROUND`` instead removes from ``<lang>.jsonl`` every message (training or rule
example) within the same ratio (or ``--ratio``; 1.0: the same text, in lower case) of a
message in ``ROUND_<lang>.jsonl``: for a new blind round written after the training data.

Only counts are printed: the blind messages are never shown, and neither are the written
messages that came close to one.
"""

from __future__ import annotations

import argparse
import json
import sys
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLIND_DIR = ROOT / "tests" / "data" / "threats"
DATA_DIR = ROOT / "src" / "safetrail" / "analysis" / "threat_data"
RATIO = 0.75
LABELS = ("threat", "none")


def blind_texts(directory: Path = BLIND_DIR) -> tuple[list[str], list[str]]:
    """Every blind message, lower-cased, and the names of the rounds read."""
    texts: list[str] = []
    rounds: list[str] = []
    for path in sorted(directory.glob("blind*_*.jsonl")):
        rounds.append(path.stem)
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                texts.append(str(json.loads(line)["text"]).lower())
    return texts, rounds


def near_any(text: str, others: list[str], ratio: float = RATIO) -> bool:
    """Whether ``text`` (lower-cased) is within ``ratio`` of one of ``others``."""
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(text)  # the second sequence is the one difflib indexes once
    for other in others:
        matcher.set_seq1(other)
        if (
            matcher.real_quick_ratio() >= ratio
            and matcher.quick_ratio() >= ratio
            and matcher.ratio() >= ratio
        ):
            return True
    return False


def read_written(path: Path) -> list[dict[str, object]]:
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in LABELS or not str(row.get("text", "")).strip():
            raise SystemExit(f"{path.name} line {number}: needs a text and a label")
        threat = row["label"] == "threat"
        if threat != bool(row.get("kind")) or threat != bool(row.get("severity")):
            raise SystemExit(f"{path.name} line {number}: kind and severity go with threats")
        rows.append(
            {
                "text": row["text"],
                "label": row["label"],
                "kind": row.get("kind"),
                "severity": row.get("severity"),
                "set": row.get("set", "train"),
            }
        )
    return rows


def prune(target: Path, round_path: Path, ratio: float, dry_run: bool) -> int:
    """Remove from ``target`` the messages within ``ratio`` of one in ``round_path``."""
    blind = [
        str(json.loads(line)["text"]).lower()
        for line in round_path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    lines = [line for line in target.read_text("utf-8").splitlines() if line.strip()]
    kept = [
        line for line in lines if not near_any(str(json.loads(line)["text"]).lower(), blind, ratio)
    ]
    print(
        f"{target.name}: {len(lines) - len(kept)} of {len(lines)} within {ratio} of a message "
        f"in {round_path.stem} removed"
    )
    if not dry_run and len(kept) != len(lines):
        target.write_text("".join(line + "\n" for line in kept), "utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("written", type=Path, nargs="?")
    parser.add_argument("--lang", required=True, choices=("en", "ja", "ko"))
    parser.add_argument("--prune", metavar="ROUND", help="a blind round, e.g. blind3")
    parser.add_argument("--ratio", type=float, default=RATIO, help="with --prune")
    parser.add_argument("--dry-run", action="store_true", help="count only; change nothing")
    args = parser.parse_args(argv)
    target = DATA_DIR / f"{args.lang}.jsonl"
    if args.prune:
        round_path = BLIND_DIR / f"{args.prune}_{args.lang}.jsonl"
        return prune(target, round_path, args.ratio, args.dry_run)
    if args.written is None:
        parser.error("give the written messages, or --prune")

    rows = read_written(args.written)
    blind, rounds = blind_texts()
    existing = {
        str(json.loads(line)["text"])
        for line in target.read_text("utf-8").splitlines()
        if line.strip()
    }
    kept: list[dict[str, object]] = []
    near = duplicate = 0
    for row in rows:
        text = str(row["text"])
        if text in existing:
            duplicate += 1
        elif near_any(text.lower(), blind):
            near += 1
        else:
            existing.add(text)
            kept.append(row)
    print(
        f"{args.lang}: {len(rows)} written; {near} dropped within {RATIO} of a blind message "
        f"({', '.join(rounds)}); {duplicate} already in the training data; {len(kept)} kept"
    )
    if kept and not args.dry_run:
        with target.open("a", encoding="utf-8") as out:
            for row in kept:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
