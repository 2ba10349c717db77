"""Threat flags: the blind evaluation sets, important messages, and how the engine behaves.

Data (see ``tests/data/threats/README.md``):

* ``safetrail/analysis/threat_data/<lang>.jsonl`` ships with the package: the rule examples
  (``"set": "rules"``) and the model's training messages (``"set": "train"``);
* ``tests/data/threats/blind_<lang>.jsonl`` (first round), ``blind2_<lang>.jsonl`` (second
  round, written before the second training round) and ``blind3_<lang>.jsonl`` (fourth round,
  written before the fourth training round): written apart, never used for training or for
  writing rules; the figures that count are measured on all three here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from safetrail.analysis.threat_model import DATA_DIR, KINDS, load_examples
from safetrail.analysis.threats import (
    CATEGORIES,
    SEVERITIES,
    Damper,
    Rule,
    Target,
    ThreatEngine,
    default_engine,
    normalise,
    required_words,
    rules_engine,
)

BLIND = Path(__file__).parent / "data" / "threats"
LANGUAGES = ("en", "ja", "ko")
ROUNDS = ("blind", "blind2", "blind3")
GOAL_PRECISION, GOAL_RECALL = 0.90, 0.85
# What the detector measured when this was written (precision, recall):
#   blind  (first round):  en 0.925 / 0.883, ja 0.925 / 0.885, ko 0.922 / 0.855
#   blind2 (second round): en 0.886 / 0.892, ja 0.919 / 0.850, ko 0.910 / 0.860
#   blind3 (fourth round): en 0.977 / 0.899, ja 0.978 / 0.806, ko 0.952 / 0.849
# (before the fourth training round, word pairs and C 1.0: blind en 0.903 / 0.880, ja 0.927
# / 0.879, ko 0.938 / 0.852; blind2 en 0.875 / 0.889, ja 0.905 / 0.873, ko 0.920 / 0.866;
# blind3, measured first, en 0.957 / 0.893, ja 0.978 / 0.806, ko 0.942 / 0.846).
# These floors sit just under them, so a change that makes either worse fails; the goals
# are tested separately.
FLOORS = {
    ("blind", "en"): (0.92, 0.88),
    ("blind", "ja"): (0.92, 0.88),
    ("blind", "ko"): (0.92, 0.85),
    ("blind2", "en"): (0.885, 0.89),
    ("blind2", "ja"): (0.915, 0.85),
    ("blind2", "ko"): (0.905, 0.855),
    ("blind3", "en"): (0.975, 0.895),
    ("blind3", "ja"): (0.975, 0.805),
    ("blind3", "ko"): (0.95, 0.845),
}
# Where recall 0.85 at precision 0.90 holds (the others are strict xfails: a pass fails).
GOAL_MET = frozenset(
    {
        ("blind", "en"), ("blind", "ja"), ("blind", "ko"), ("blind2", "ja"), ("blind2", "ko"),
        ("blind3", "en"),
    }
)  # fmt: skip
# Threats to kill or of violence named serious, at least (measured: blind 0.86 / 0.86 / 0.78,
# blind2 0.88 / 0.84 / 0.81, blind3 0.88 / 0.84 / 0.84 for en / ja / ko). The first
# round labels most threats aimed at family or pets serious, however veiled ("tell your dad
# to mind how he goes"); the second and fourth only those that name violence.
SERIOUS_FLOORS = {"blind": 0.77, "blind2": 0.81, "blind3": 0.83}
# Recall lost to the cue-word prefilter, at most (measured: 1.2-1.9 points, but 2.8 on the
# fourth round in Japanese: 3.1 before the fourth training round's cue words).
PREFILTER_COST = {"blind": 0.025, "blind2": 0.025, "blind3": 0.03}


def blind(lang: str, round_: str = "blind") -> list[dict[str, str | None]]:
    path = BLIND / f"{round_}_{lang}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


@lru_cache(maxsize=32)
def measured(
    lang: str, prefilter: bool = True, round_: str = "blind"
) -> tuple[float, float, dict[str, float]]:
    engine = default_engine(prefilter)
    tp = fp = fn = 0
    caught: Counter[str] = Counter()
    wanted: Counter[str] = Counter()
    for row in blind(lang, round_):
        flag = engine.assess(str(row["text"]))
        threat = row["label"] == "threat"
        if threat:
            wanted[str(row["kind"])] += 1
        if flag and threat:
            tp += 1
            caught[str(row["kind"])] += 1
        elif flag:
            fp += 1
        elif threat:
            fn += 1
    return tp / (tp + fp), tp / (tp + fn), {k: caught[k] / n for k, n in wanted.items()}


def test_blind_sets_are_big_and_well_formed() -> None:
    training = {e.text for e in load_examples()}
    for lang, round_ in ((lang, r) for lang in LANGUAGES for r in ROUNDS):
        rows = blind(lang, round_)
        threats = [r for r in rows if r["label"] == "threat"]
        ordinary = [r for r in rows if r["label"] == "none"]
        assert len(threats) >= 300 and len(ordinary) >= 300, lang
        assert len(threats) + len(ordinary) == len(rows)
        assert {r["kind"] for r in threats} == set(KINDS)
        assert {r["severity"] for r in threats} == set(SEVERITIES)
        assert all(r["kind"] is None and r["severity"] is None for r in ordinary)
        texts = [str(r["text"]) for r in rows]
        assert len(texts) == len(set(texts)), "a message appears twice"
        assert not set(texts) & training, "a blind message is in the training data"


def test_training_data_is_well_formed() -> None:
    examples = load_examples()
    for lang in LANGUAGES:
        mine = [e for e in examples if e.language == lang]
        assert len(mine) >= 600
        assert 0.4 < sum(e.threat for e in mine) / len(mine) < 0.65
    assert len({e.text for e in examples}) == len(examples)
    assert (DATA_DIR / "en.jsonl").is_file()


BOTH = [(r, lang) for r in ROUNDS for lang in LANGUAGES]


@pytest.mark.parametrize(("round_", "lang"), BOTH)
def test_blind_precision_and_recall_do_not_fall(round_: str, lang: str) -> None:
    precision, recall, _kinds = measured(lang, True, round_)
    least_precision, least_recall = FLOORS[round_, lang]
    assert precision >= least_precision, f"{round_} {lang} precision {precision:.3f}"
    assert recall >= least_recall, f"{round_} {lang} recall {recall:.3f}"


@pytest.mark.parametrize(
    ("round_", "lang"),
    [
        pytest.param(
            r, lang,
            marks=() if (r, lang) in GOAL_MET else pytest.mark.xfail(
                strict=True, reason="goal not reached yet (see FLOORS for the figures)"
            ),
        )
        for r, lang in BOTH
    ],
)  # fmt: skip
def test_blind_goal_recall_085_at_precision_090(round_: str, lang: str) -> None:
    precision, recall, _kinds = measured(lang, True, round_)
    assert precision >= GOAL_PRECISION and recall >= GOAL_RECALL


@pytest.mark.parametrize(("round_", "lang"), BOTH)
def test_every_kind_is_mostly_caught(round_: str, lang: str) -> None:
    _p, _r, kinds = measured(lang, True, round_)
    assert min(kinds.values()) >= 0.55, kinds
    assert kinds["kill"] >= 0.7 and kinds["conditional"] >= 0.85, kinds


@pytest.mark.parametrize(("round_", "lang"), BOTH)
def test_what_the_prefilter_costs_in_recall(round_: str, lang: str) -> None:
    # Threats with no cue word that the rules alone do not flag are lost (PREFILTER_COST).
    _p, with_prefilter, _k = measured(lang, True, round_)
    _p, without, _k = measured(lang, False, round_)
    assert 0 <= without - with_prefilter <= PREFILTER_COST[round_]


@pytest.mark.parametrize(("round_", "lang"), BOTH)
def test_serious_threats_are_named_serious(round_: str, lang: str) -> None:
    engine = default_engine()
    named = total = 0
    for row in blind(lang, round_):
        if row["severity"] != "serious":
            continue
        total += 1
        flag = engine.assess(str(row["text"]))
        named += bool(flag and flag.severity == "serious")
    assert named / total >= SERIOUS_FLOORS[round_], f"{round_} {lang}: {named}/{total}"


def test_the_new_detector_beats_the_rules_alone() -> None:
    for lang, round_ in ((lang, r) for lang in LANGUAGES for r in ROUNDS):
        rows = blind(lang, round_)
        threats = [str(r["text"]) for r in rows if r["label"] == "threat"]
        old = sum(1 for t in threats if rules_engine().assess(t))
        new = sum(1 for t in threats if default_engine().assess(t))
        assert new >= 2 * old, (lang, old, new)


# --- important messages, exactly ---------------------------------------------------------

SERIOUS = [
    "If I can't have you nobody will",
    "leave me and it'll be the last thing you ever do",
    "I will kill you",
    "I've got a knife and I'm not afraid to use it",
    "I'll throw acid in your face",
    "殺すぞ",
    "別れるなら殺す",
    "죽여버릴 거야",
    "헤어지자고 하면 죽여버릴 거야",
]
CONCERNING = [
    ("you'll regret this", "veiled"),
    ("I'm outside", "presence"),
    ("I know what time you finish work", "presence"),
    ("nice dress today", "presence"),
    ("I'll post your nudes everywhere", "images"),
]
HARD_NEGATIVES = [
    "we killed it at the gig",
    "I'm outside the cinema, where are you?",
    "Nan's funeral is at 2pm on Monday at St Peter's",
    "クイズで相手チームをボコボコにしてやった笑",
    "이번 경기 박살날 듯 ㅋㅋ 우리 팀 너무 약해",
    "I'm dying to see the film",
    "this heat is killing me",
    "배고파 죽겠다",
    "死ぬほど笑った",
    "my phone died",
]


@pytest.mark.parametrize("text", SERIOUS)
def test_threats_to_kill_or_of_violence_are_serious(text: str) -> None:
    flag = default_engine().assess(text)
    assert flag is not None and flag.flagged
    assert flag.severity == "serious" and flag.serious
    assert flag.kind in KINDS and flag.phrase
    assert set(flag.categories) <= set(CATEGORIES) and flag.categories


@pytest.mark.parametrize(("text", "kind"), CONCERNING)
def test_indirect_threats_are_caught_with_their_kind(text: str, kind: str) -> None:
    flag = default_engine().assess(text)
    assert flag is not None
    assert flag.kind == kind


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_sport_idiom_and_funerals_are_not_flagged(text: str) -> None:
    assert default_engine().assess(text) is None


def test_a_flag_shows_the_words_or_the_message() -> None:
    ruled = default_engine().assess("I will kill you")
    assert ruled is not None and ruled.matches and ruled.phrase == "i will kill you"
    assert ruled.rule_score > 0.9 and ruled.model_score > 0
    modelled = default_engine().assess("I know your routine better than you do")
    assert modelled is not None and not modelled.matches  # no rule: the model alone
    assert modelled.phrase == "I know your routine better than you do"
    assert modelled.kind == "presence" and modelled.categories == ("whereabouts",)
    bare = default_engine().assess("I'm outside")
    assert bare is not None and bare.phrase == "i'm outside"


# --- scanning many texts gives exactly what one at a time gives ---------------------------


def test_scan_gives_exactly_what_assess_gives() -> None:
    texts: list[str | None] = [
        str(r["text"]) for lang in LANGUAGES for r_ in ROUNDS for r in blind(lang, r_)
    ]
    texts += [e.text for e in load_examples()[:300]]
    texts += [None, "", "\x00 I will kill you \x00", "Ｉ ｗｉｌｌ ｋｉｌｌ ｙｏｕ", "ｺﾛｽ"]
    texts += ["I'M OUTSIDE", "I'm outside"]  # one distinct normalised text, two excerpts
    for engine in (default_engine(), default_engine(False), rules_engine()):
        one_by_one = {i: f for i, t in enumerate(texts) if (f := engine.assess(t))}
        assert engine.scan(texts) == one_by_one
        assert engine.scan([]) == {}


words = st.sampled_from(
    [
        "I'll", "kill", "you", "your", "dog", "know", "where", "live", "dying", "to", "see",
        "never", "hurt", "outside", "regret", "殺す", "死ぬ", "写真", "죽여", "버릴", "거야",
        "집", "앞", "lol", "film", "\n", "!",
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(words, max_size=12).map(" ".join), max_size=20))
def test_scan_matches_assess_on_random_texts(texts: list[str]) -> None:
    for engine in (default_engine(), rules_engine()):
        expected = {i: f for i, t in enumerate(texts) if (f := engine.assess(t))}
        assert engine.scan(texts) == expected


# --- the rules on their own ----------------------------------------------------------------


def test_rules_alone_still_do_what_they_were_written_for() -> None:
    # The rule examples were the lines the rules were tuned on: a regression guard.
    rows = [json.loads(line) for lang in LANGUAGES for line in _lines(lang)]
    rows = [r for r in rows if r.get("set") == "rules"]
    engine = rules_engine()
    tp = fp = fn = 0
    for row in rows:
        flagged = engine.assess(row["text"]) is not None
        threat = row["label"] == "threat"
        tp += flagged and threat
        fp += flagged and not threat
        fn += threat and not flagged
    # Recall is lower than on the lines first tuned on: later blind rounds were merged in.
    assert tp / (tp + fp) >= 0.97 and tp / (tp + fn) >= 0.85


def _lines(lang: str) -> list[str]:
    return [x for x in (DATA_DIR / f"{lang}.jsonl").read_text("utf-8").splitlines() if x]


_SIMPLE_RULES = [r for r in rules_engine().rules if "(?<" not in r.pattern.pattern]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
    assert set(required_words(r"殺(?:す|して)")) == {
        frozenset({"殺す", "殺して"}),
        frozenset({"殺"}),
    }
    assert required_words(r"[^。]{0,6}(?<=x)\u6bba\x61b{2}") == (frozenset({"殺a"}),)
    with pytest.raises(ValueError, match="cannot read"):
        required_words(r"(?P<name>kill)")
    with pytest.raises(ValueError, match="cannot read"):
        required_words(r"kill(")


def test_normalise_folds_width_and_quotes() -> None:
    assert normalise("I’LL ＫＩＬＬ you") == "i'll kill you"
    assert normalise("ｺﾛｽ") == "コロス"
    assert normalise("죽여") == "죽여"
    assert normalise("a\x00b") == "a b"


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
    with pytest.raises(ValueError, match="at least 3 bytes"):
        ThreatEngine([rule], [], [], [], cues=["if"])
    engine = ThreatEngine([rule], [], [], [Target("family", re.compile("mum"))])
    flag = engine.assess("kill mum")
    assert flag is not None and flag.categories == ("kill", "family")
    assert flag.kind == "third_party" and flag.severity == "serious"


def test_rule_ids_follow_the_naming_scheme() -> None:
    for rule in rules_engine().rules:
        lang, category, _name = rule.id.split(".")
        assert lang in LANGUAGES
        assert category in {*CATEGORIES, "self", "where", "frame"}


def test_fiction_and_laughter_lower_the_rule_score() -> None:
    engine = rules_engine()
    plain = engine.evaluate("I'll get you")
    laughing = engine.evaluate("I'll get you lol")
    assert laughing.score == pytest.approx(plain.score * 0.6, abs=1e-3)
    assert laughing.dampers == ("laughing",)
    film = engine.evaluate("In the film the villain says he will kill you")
    assert "fiction_or_news" in film.dampers


def test_anchors_are_rewritten_for_joined_texts() -> None:
    from safetrail.analysis.threats import _per_text_anchors

    joined = re.compile(_per_text_anchors(r"(?:^|\s)a(?=\s|$)|[^x]$|\^|[$^]"))
    # "a" starts text 1; " a" ends text 2; the last character of text 2 is at its end.
    assert [m.span() for m in joined.finditer("a\x00b a\x00")] == [(0, 1), (3, 5), (5, 6)]
    assert _per_text_anchors(r"[^a]\$") == r"[^a]\$"
