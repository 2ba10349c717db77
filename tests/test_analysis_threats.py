"""Threat flags: precision and recall on the labelled sets, and how the engine behaves.

Labelled sets (``tests/data/threats``; see its README for how they were written and used):
``<lang>.dev.tsv`` tuned the rules; ``<lang>.blind.tsv`` was written after the rules were
frozen and measured once. Thresholds, and why:

* dev: precision >= 0.97 and recall >= 0.95. The rules were written against these lines,
  so anything lower means a change broke something that used to work.
* blind: precision >= 0.85 and recall >= 0.25. These are floors just under what the frozen
  rules measured on text they had never seen (EN 1.00/0.32, JA 0.92/0.29, KO 0.92/0.29).
  Precision is kept high on purpose: a flag puts a message in front of a frightened person
  and into their evidence, so it must rarely be wrong. Recall on new wording is the known
  weakness of a phrase engine; the pages say so ("it finds many threats, not all"), and a
  person's own "threats" tag always counts. A rule change that lowers either figure on this
  unseen text fails here.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from safetrail.analysis.threats import (
    CATEGORIES,
    Damper,
    Rule,
    Target,
    ThreatEngine,
    default_engine,
    normalise,
    required_words,
)

DATA = Path(__file__).parent / "data" / "threats"
LANGUAGES = ("en", "ja", "ko")
FLOORS = {"dev": (0.97, 0.95), "blind": (0.85, 0.25)}


def labelled(lang: str, split: str) -> list[tuple[set[str], str]]:
    rows = []
    for line in (DATA / f"{lang}.{split}.tsv").read_text("utf-8").splitlines():
        labels, text = line.split("\t")
        rows.append((set() if labels == "none" else set(labels.split(",")), text))
    return rows


def scores(lang: str, split: str) -> tuple[float, float, Counter[str], Counter[str]]:
    engine = default_engine()
    tp = fp = fn = 0
    found: Counter[str] = Counter()
    wanted: Counter[str] = Counter()
    for labels, text in labelled(lang, split):
        flag = engine.assess(text)
        wanted.update(labels)
        if flag and labels:
            tp += 1
            found.update(labels & set(flag.categories))
        elif flag:
            fp += 1
        elif labels:
            fn += 1
    return tp / (tp + fp), tp / (tp + fn), found, wanted


def test_labelled_sets_are_big_enough_and_well_formed() -> None:
    for lang in LANGUAGES:
        rows = labelled(lang, "dev") + labelled(lang, "blind")
        assert len(rows) >= 200
        assert all(labels <= set(CATEGORIES) for labels, _text in rows)
        positives = sum(1 for labels, _t in rows if labels)
        assert 0.35 < positives / len(rows) < 0.65
        texts = [t for _l, t in rows]
        assert len(texts) == len(set(texts)), "a message appears twice"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("split", ["dev", "blind"])
def test_precision_and_recall(lang: str, split: str) -> None:
    precision, recall, _found, _wanted = scores(lang, split)
    least_precision, least_recall = FLOORS[split]
    assert precision >= least_precision, f"{lang} {split} precision {precision:.3f}"
    assert recall >= least_recall, f"{lang} {split} recall {recall:.3f}"


def test_categories_are_named_correctly_on_dev() -> None:
    # When a threat is flagged, the kind of threat should be right most of the time.
    for lang in LANGUAGES:
        _p, _r, found, wanted = scores(lang, "dev")
        for category in ("kill", "self_harm", "images", "whereabouts"):
            assert found[category] / wanted[category] >= 0.8, (lang, category)


def test_scan_gives_exactly_what_assess_gives() -> None:
    engine = default_engine()
    texts: list[str | None] = [
        t for lang in LANGUAGES for split in ("dev", "blind") for _l, t in labelled(lang, split)
    ]
    texts += [None, "", "\x00 I will kill you \x00", "Ｉ ｗｉｌｌ ｋｉｌｌ ｙｏｕ", "ｺﾛｽ"]
    one_by_one = {i: f for i, t in enumerate(texts) if (f := engine.assess(t))}
    assert engine.scan(texts) == one_by_one
    assert engine.scan([]) == {}


words = st.sampled_from(
    [
        "I'll",
        "kill",
        "you",
        "your",
        "dog",
        "know",
        "where",
        "live",
        "dying",
        "to",
        "see",
        "never",
        "hurt",
        "殺す",
        "死ぬ",
        "写真",
        "죽여",
        "버릴",
        "거야",
        "집",
        "앞",
        "lol",
        "film",
        "\n",
        "!",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(words, max_size=12).map(" ".join), max_size=20))
def test_scan_matches_assess_on_random_texts(texts: list[str]) -> None:
    engine = default_engine()
    expected = {i: f for i, t in enumerate(texts) if (f := engine.assess(t))}
    assert engine.scan(texts) == expected


_SIMPLE_RULES = [r for r in default_engine().rules if "(?<" not in r.pattern.pattern]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_required_words_are_in_every_match(data: st.DataObject) -> None:
    rule = data.draw(st.sampled_from(_SIMPLE_RULES))
    # Rules see normalised text (one space for any white space, lower case).
    text = normalise(data.draw(st.from_regex(rule.pattern, fullmatch=True)))
    assume(rule.pattern.search(text) is not None)
    for clause in rule.needs:
        assert any(word in text for word in clause), (rule.id, clause, text)


def test_required_words_by_hand() -> None:
    assert required_words(r"\bi'?ll\s+kill\s+(?:you|u)") == (
        frozenset({"ll kill you", "ll kill u"}),
        frozenset({"ll kill "}),
    )
    assert set(required_words(r"(?:kill|murder)\s+(?:your|ur)\s+dog")) == {
        frozenset({"kill", "murder"}),
        frozenset({" dog"}),  # "\\s+" is one space in normalised text
    }
    assert required_words(r"(?:ab|cd)") == ()  # too short to look for
    assert required_words(r"(?:hurt|me)?\s+deadly") == (frozenset({" deadly"}),)
    # The parser turns "殺(?:す|して)" into 殺 + (す|して); the letters are joined back up.
    assert set(required_words(r"殺(?:す|して)")) == {
        frozenset({"殺す", "殺して"}),
        frozenset({"殺"}),
    }


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("I will kill you", ("kill",)),
        ("He said he would kill me.", ("kill",)),
        ("I'll hurt your mum", ("harm", "family")),
        ("I'll poison your dog", ("harm", "pets")),
        ("If you don't answer I'll kill myself", ("self_harm",)),
        ("I'll post your nudes everywhere", ("images",)),
        ("I know where you live", ("whereabouts",)),
        ("殺すぞ", ("kill",)),
        ("家の前にいる", ("whereabouts",)),
        ("죽여버릴 거야", ("kill",)),
        ("네 사진 다 유포할 거야", ("images",)),
    ],
)
def test_flags_name_the_kind_of_threat(text: str, categories: tuple[str, ...]) -> None:
    flag = default_engine().assess(text)
    assert flag is not None and flag.categories == categories
    assert flag.matches and flag.phrase


@pytest.mark.parametrize(
    "text",
    [
        "I'm dying to see the film",
        "this heat is killing me",
        "I would never hurt you",
        "I'll kill myself laughing",
        "배고파 죽겠다",
        "死ぬほど笑った",
        "my phone died",
        "I know where the restaurant is",
    ],
)
def test_harmless_uses_are_not_flagged(text: str) -> None:
    assert default_engine().assess(text) is None


def test_cancelled_idiom_leaves_the_real_threat() -> None:
    flag = default_engine().assess("I'm dying to see you. Then I'll kill you.")
    assert flag is not None and "kill" in flag.categories


def test_fiction_and_laughter_lower_the_score() -> None:
    engine = default_engine()
    plain = engine.evaluate("I'll get you")
    laughing = engine.evaluate("I'll get you lol")
    assert laughing.score == pytest.approx(plain.score * 0.6, abs=1e-3)
    assert laughing.dampers == ("laughing",)
    film = engine.evaluate("In the film the villain says he will kill you")
    assert "fiction_or_news" in film.dampers


def test_normalise_folds_width_and_quotes() -> None:
    assert normalise("I’LL ＫＩＬＬ you") == "i'll kill you"
    assert normalise("ｺﾛｽ") == "コロス"
    assert normalise("죽여") == "죽여"


def test_engine_refuses_rules_it_cannot_index() -> None:
    rule = Rule.make("x.kill", "kill", 0.9, r"kill")
    with pytest.raises(ValueError, match="unique"):
        ThreatEngine([rule, rule], [], [], [])
    with pytest.raises(ValueError, match="literal word"):
        ThreatEngine([Rule.make("x.short", "kill", 0.9, r"(?:ab|cd)")], [], [], [])
    with pytest.raises(ValueError, match="lower"):
        ThreatEngine([rule], [], [Damper("up", 2.0, re.compile("x"))], [])
    with pytest.raises(ValueError, match="bad categories"):
        Rule.make("x.bad", "nonsense", 0.5, r"kill")
    engine = ThreatEngine([rule], [], [], [Target("family", re.compile("mum"))])
    flag = engine.assess("kill mum")
    assert flag is not None and flag.categories == ("kill", "family")


def test_rule_ids_follow_the_naming_scheme() -> None:
    for rule in default_engine().rules:
        lang, category, _name = rule.id.split(".")
        assert lang in LANGUAGES
        assert category in {*CATEGORIES, "self", "where", "frame"}


def test_anchors_are_rewritten_for_joined_texts() -> None:
    from safetrail.analysis.threats import _per_text_anchors

    joined = re.compile(_per_text_anchors(r"(?:^|\s)a(?=\s|$)|[^x]$|\^|[$^]"))
    # "a" starts text 1; " a" ends text 2; the last character of text 2 is at its end.
    assert [m.span() for m in joined.finditer("a\x00b a\x00")] == [(0, 1), (3, 5), (5, 6)]
    assert _per_text_anchors(r"[^a]\$") == r"[^a]\$"
