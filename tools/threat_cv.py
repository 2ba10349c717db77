"""Five-fold cross-validation of the threat detector on its own training messages.

    python tools/threat_cv.py [--folds 5] [--cut 0.05]

Each fold trains ``ThreatModel`` on the other folds (every language together, as shipped)
and reads the held-out messages the way ``ThreatEngine`` decides: model margin plus half the
rule score at least the cut (or a rule score of 0.9 with a margin not below the floor), only
for texts with a cue word or a rules-alone flag. Prints per language: precision and recall
at the cut, the best recall where precision is at least 0.90, and the cut where the held-out
precision and recall stand in the goal's proportion (0.90 : 0.85). The blind rounds are
never read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from safetrail.analysis.threat_model import LANGUAGES, Example, ThreatModel, load_examples
from safetrail.analysis.threats import (
    MARGIN_FLOOR,
    MODEL_CUT,
    RULE_WEIGHT,
    STRONG_RULE,
    default_engine,
    normalise,
    rules_engine,
)


def held_out_margins(examples: Sequence[Example], folds: int) -> NDArray[np.float64]:
    """Each message's margin from the model trained without its fold (by position per
    language, so every fold holds every language and both labels)."""
    position: dict[str, int] = {}
    fold = np.zeros(len(examples), dtype=np.int64)
    for i, example in enumerate(examples):
        seen = position.get(example.language, 0)
        fold[i] = seen % folds
        position[example.language] = seen + 1
    margins = np.zeros(len(examples), dtype=np.float64)
    texts = [normalise(e.text) for e in examples]
    for number in range(folds):
        train = [e for e, f in zip(examples, fold.tolist(), strict=True) if f != number]
        model = ThreatModel(train)
        where = np.flatnonzero(fold == number)
        margins[where] = model.margins([texts[i] for i in where.tolist()])
    return margins


def flags_at(
    cut: float, margins: NDArray[np.float64], rules: NDArray[np.float64], gate: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    total = margins + RULE_WEIGHT * rules
    decided = (total >= cut) | ((rules >= STRONG_RULE) & (margins >= MARGIN_FLOOR))
    return np.asarray(decided & gate, dtype=np.bool_)


def figures(flags: NDArray[np.bool_], truth: NDArray[np.bool_]) -> tuple[float, float]:
    tp = int(np.sum(flags & truth))
    fp = int(np.sum(flags & ~truth))
    return tp / max(tp + fp, 1), tp / max(int(truth.sum()), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cut", type=float, default=MODEL_CUT)
    args = parser.parse_args(argv)

    examples = load_examples()
    margins = held_out_margins(examples, args.folds)
    ruler, engine = rules_engine(), default_engine()
    rules = np.zeros(len(examples), dtype=np.float64)
    gate = np.zeros(len(examples), dtype=np.bool_)
    for i, example in enumerate(examples):
        ruled = ruler.evaluate(example.text)
        rules[i] = ruled.score
        gate[i] = ruled.flagged or engine._has_cue(normalise(example.text))
    truth = np.array([e.threat for e in examples], dtype=np.bool_)
    language = np.array([e.language for e in examples])
    cuts = np.round(np.arange(-0.6, 0.8, 0.01), 2)
    print(f"{args.folds}-fold cross-validation, {len(examples):,} messages")
    for lang in LANGUAGES:
        mine = language == lang
        m, r, g, t = margins[mine], rules[mine], gate[mine], truth[mine]
        precision, recall = figures(flags_at(args.cut, m, r, g), t)
        best, best_cut, balanced = 0.0, float("nan"), float("nan")
        for cut in cuts.tolist():
            p, rc = figures(flags_at(cut, m, r, g), t)
            if p >= 0.90 and rc > best:
                best, best_cut = rc, cut
            if np.isnan(balanced) and p * 0.85 >= rc * 0.90:
                balanced = cut
        print(
            f"  {lang}: {int(mine.sum())} messages; at {args.cut}: P {precision:.3f} "
            f"R {recall:.3f}; best R at P>=0.90: {best:.3f} (cut {best_cut}); "
            f"P:R = 0.90:0.85 at cut {balanced}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
