"""The fast threat scan gives exactly the flags of reading each text on its own.

``ThreatEngine.scan`` finds the cue and rule words of many texts at once (a hashed
four-byte table over the bytes of all texts), asks the rules alone only about texts
without a cue word, and reads only texts with a cue word (or a rules' flag) with the
model. Each shortcut must change nothing: the words found are exactly the words each text
contains, and the flags are exactly ``assess`` on each text, on a varied generated set
(three languages, mixed scripts, full-width letters, odd white space, NULs, repeats) and
on the blind sets. ``scan_cache.scan`` gives what the engine gives.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from safetrail.analysis import scan_cache
from safetrail.analysis.threat_model import load_examples
from safetrail.analysis.threats import ThreatEngine, ThreatFlag, default_engine, rules_engine

BLIND = Path(__file__).parent / "data" / "threats"

EVERYDAY = [
    "good morning", "where are you", "see you at six", "call me back", "ok", "thanks!",
    "the train is late", "dinner at 7?", "love you", "I'm at work", "skill", "kills",
    "おはよう", "今どこ？", "了解です", "잘 자", "어디야?", "밥 먹었어?", "ㅋㅋㅋ", "😀",
]  # fmt: skip
ODD = ["Ｉ ｗｉｌｌ ｋｉｌｌ ｙｏｕ", "ｺﾛｽ", "I\u2019ll", "\t", "\n\n", "  ", "\x00", "\u3000", "!"]


def _vocabulary(engine: ThreatEngine) -> list[str]:
    rng = random.Random(5)
    words = sorted(engine._prefilter.words)
    examples = [e.text for e in load_examples()]
    pieces = [w.strip() for w in rng.sample(words, min(400, len(words)))]
    for text in rng.sample(examples, 300):
        cut = text.split()
        if len(cut) > 1:
            start = rng.randrange(len(cut))
            pieces.append(" ".join(cut[start : start + rng.randint(1, 4)]))
        else:
            start = rng.randrange(max(len(text) - 2, 1))
            pieces.append(text[start : start + rng.randint(2, 8)])
    return [p for p in pieces if p] + EVERYDAY + ODD


def generated(count: int = 1500, seed: int = 11) -> list[str | None]:
    """Texts made of cue words, rule words, pieces of training messages and everyday words,
    joined by spaces or nothing, some upper-cased, some repeated, some empty."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(default_engine())
    texts: list[str | None] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.03:
            texts.append(rng.choice([None, ""]))
        elif roll < 0.10 and texts:
            texts.append(rng.choice(texts))  # a repeat
        else:
            parts = rng.choices(vocabulary, k=rng.randint(1, 7))
            text = rng.choice([" ", "", ", ", "\n"]).join(parts)
            if rng.random() < 0.1:
                text = text.upper()
            if rng.random() < 0.05:
                text = text * rng.randint(2, 30)  # a long one
            texts.append(text)
    return texts


def blind_texts() -> list[str | None]:
    import json

    return [
        str(json.loads(line)["text"])
        for path in sorted(BLIND.glob("blind*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
        if line
    ]


ENGINES = {
    "rules and model": lambda: default_engine(),
    "model on every text": lambda: default_engine(False),
    "rules alone": rules_engine,
}


def one_by_one(engine: ThreatEngine, texts: Sequence[str | None]) -> dict[int, ThreatFlag]:
    return {i: f for i, t in enumerate(texts) if (f := engine.assess(t)) is not None}


def test_the_words_found_are_exactly_the_words_each_text_contains() -> None:
    engine = default_engine()
    prefilter = engine._prefilter
    texts = generated()
    pieces, containing = prefilter.words_in(texts)
    found: dict[int, set[int]] = {}
    for word, where in containing.items():
        assert where.tolist() == sorted(set(where.tolist()))
        for index in where.tolist():
            found.setdefault(index, set()).add(word)
    for index, piece in enumerate(pieces):
        wanted = {prefilter.word_index[w] for w in prefilter.words if w in piece}
        assert found.get(index, set()) == wanted, texts[index]
    flagged = sum(1 for f in one_by_one(engine, texts).values() if f.flagged)
    assert flagged > 50  # the set holds threats, not only everyday words


def test_words_at_the_edges_of_texts_and_in_both_scripts() -> None:
    prefilter = default_engine()._prefilter
    three = sorted(w for w in prefilter.words if len(w.encode()) == 3)
    long = sorted(w for w in prefilter.words if len(w.encode()) > 8)
    texts = [*three, *long, *(w + w for w in three), "x" + three[0], three[-1] + "x"]
    texts += [f"{a}\x00{b}" for a, b in zip(three, reversed(three), strict=True)]
    pieces, containing = prefilter.words_in(texts)
    for index, piece in enumerate(pieces):
        wanted = {prefilter.word_index[w] for w in prefilter.words if w in piece}
        got = {w for w, where in containing.items() if index in set(where.tolist())}
        assert got == wanted, texts[index]


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_scan_is_assess_on_a_varied_generated_set(name: str) -> None:
    engine = ENGINES[name]()
    texts = generated()
    assert engine.scan(texts) == one_by_one(engine, texts)


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_scan_is_assess_on_the_blind_sets(name: str) -> None:
    engine = ENGINES[name]()
    texts = blind_texts()
    assert len(texts) >= 3000
    assert engine.scan(texts) == one_by_one(engine, texts)


def test_the_scan_memo_gives_what_the_engine_gives() -> None:
    engine = default_engine()
    texts = generated(seed=12)
    expected = engine.scan(texts)
    memo = scan_cache.Memo()
    half = len(texts) // 2
    assert scan_cache.scan(engine, texts[:half], memo) == engine.scan(texts[:half])
    assert scan_cache.scan(engine, texts, memo) == expected  # half of them known already
    assert scan_cache.scan(engine, texts, memo) == expected  # all known
    assert scan_cache.scan(engine, texts, None) == expected


class FailingEngine(ThreatEngine):
    """The rules engine, failing to read."""

    def __init__(self, inner: ThreatEngine) -> None:
        self.__dict__.update(inner.__dict__)

    def scan(self, texts: Sequence[str | None]) -> dict[int, ThreatFlag]:
        raise RuntimeError("could not read")


def test_texts_a_failed_scan_did_not_read_are_not_remembered() -> None:
    engine = FailingEngine(rules_engine())
    memo = scan_cache.Memo()
    with pytest.raises(RuntimeError):
        scan_cache.scan(engine, ["I will kill you", "ok"], memo)
    assert memo.for_engine(engine) == {}
