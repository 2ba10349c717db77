"""Threat flags: threatening language in messages and incident notes (English, Japanese, Korean).

Two readers work together, and every flag says what each of them found:

* **Rules** (``threat_rules``): phrases and patterns with a weight each, so a person (or a
  court) can see exactly which words made a message a threat. Rule weights combine like
  independent pieces of evidence (``1 - (1 - w1)(1 - w2)...``); *cancels* blank out idioms
  and negations first ("dying to see", "배고파 죽겠다", "I would never hurt you"), and
  *dampers* lower the result when a text is about a film or the news, or is laughing.
* **The model** (``threat_model``): a character n-gram classifier trained on labelled
  messages. It recognises threats worded in ways no rule names ("you'll be six feet under",
  "夜道には気をつけな", "곧 울게 될 거야") and knows that "we killed it at the gig" is not one.

With the model (``default_engine``), a text is flagged when its model margin plus half of
its rule score reaches ``MODEL_CUT`` (or a rule scores ``STRONG_RULE`` and the margin is not
below ``MARGIN_FLOOR``); ``score`` is that sum mapped to 0-1, so ``flagged`` is
``score >= 0.5``. Each flag names a ``kind`` (see ``threat_model.KINDS``), a ``severity``
("serious" for threats to kill or of violence, weapons, fire, acid, self-harm as leverage;
otherwise "concerning"), the older ``categories`` (kill, harm, family, pets, images,
whereabouts, self_harm) that the risk questions and the Patterns page use, and the rule
matches when there are any. Without a model (``rules_engine``) a text is flagged when its
rule score reaches ``THRESHOLD``: the detector as it was before the model.

Scanning many texts (a phone backup can hold a million messages) must not read every one
closely. A vectorised byte-level prefilter (numpy: one hashed four-byte table lookup per
byte of all texts joined, each hit checked exactly) finds which texts contain which *cue
words* (``threat_rules.CUES``: words almost no threat is written without, in each language)
and which contain the words each rule cannot match without (``threat_regex``). The rules
alone are asked only about texts without a cue word (a text with one is read by the model
anyway); only texts with a cue or a rules' flag are scored by the model, each distinct text
once, a bounded number of characters at a time; only texts whose margin leaves them a chance
of being flagged have their rules run, each rule's regex once over all of its candidate
texts. ``scan`` gives exactly the same flags as ``assess`` on every text (tested), and the
cost of the prefilter in recall is measured on the blind set.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from safetrail.analysis import threat_rules
from safetrail.analysis.threat_model import ModelReading, ThreatModel, default_model, normalise
from safetrail.analysis.threat_regex import required_words

__all__ = [
    "CATEGORIES",
    "KIND_CATEGORIES",
    "MARGIN_FLOOR",
    "MODEL_CUT",
    "RULE_WEIGHT",
    "SEVERITIES",
    "STRONG_RULE",
    "THRESHOLD",
    "Damper",
    "Rule",
    "Target",
    "ThreatEngine",
    "ThreatFlag",
    "ThreatMatch",
    "default_engine",
    "normalise",
    "required_words",
    "rules_engine",
]

CATEGORIES = ("kill", "harm", "self_harm", "family", "pets", "images", "whereabouts")
SEVERITIES = ("serious", "concerning")
THRESHOLD = 0.5
MODEL_CUT = 0.05  # margin + RULE_WEIGHT * rule score needed to flag (chosen on cross-validation)
RULE_WEIGHT = 0.5
STRONG_RULE = 0.9  # a rule score this high flags a text the model does not rule out...
MARGIN_FLOOR = -0.7  # ...that is, whose margin is at least this
_HOPEFUL = min(MODEL_CUT - RULE_WEIGHT, MARGIN_FLOOR)  # below this margin nothing can flag
BLANK = " \x1f "  # what a cancelled span becomes: no rule word contains it
# The older categories a kind stands for when no rule named any.
KIND_CATEGORIES = {
    "kill": ("kill",),
    "harm": ("harm",),
    "conditional": ("harm",),
    "third_party": ("harm", "family"),
    "images": ("images",),
    "presence": ("whereabouts",),
    "veiled": ("harm",),
    "self_harm": ("self_harm",),
}
_SERIOUS_KINDS = frozenset({"kill", "harm", "self_harm"})
_FORM_KINDS = frozenset({"conditional", "veiled"})  # how a threat is put, not what it is
_SERIOUS_CATEGORIES = frozenset({"kill", "self_harm"})
# Words that make a flagged text serious on their own (see threat_rules.SERIOUS_WORDS).
_SERIOUS_WORDS = re.compile("|".join(f"(?:{w})" for w in threat_rules.SERIOUS_WORDS))
_EXCERPT = 120
MODEL_CHARS = 1_000_000  # characters the model reads at once (its memory grows with them)


# --- rules ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    categories: tuple[str, ...]
    weight: float
    pattern: re.Pattern[str]
    needs: tuple[frozenset[str], ...]  # every clause must be met by one of its words

    @classmethod
    def make(cls, rule_id: str, categories: str, weight: float, pattern: str) -> Rule:
        cats = tuple(c.strip() for c in categories.split(",") if c.strip())
        unknown = set(cats) - set(CATEGORIES)
        if unknown or not 0 < weight <= 1:
            raise ValueError(f"rule {rule_id}: bad categories {unknown} or weight {weight}")
        compiled = re.compile(pattern)
        return cls(rule_id, cats, weight, compiled, required_words(pattern))


@dataclass(frozen=True, slots=True)
class Damper:
    id: str
    factor: float
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Target:
    category: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class ThreatMatch:
    rule: str
    categories: tuple[str, ...]
    weight: float
    phrase: str


@dataclass(frozen=True, slots=True)
class ThreatFlag:
    """Why a text scored what it did; ``flagged`` when the score reaches the threshold.

    ``kind`` and ``severity`` are set on flagged texts ("" otherwise); ``rule_score`` is what
    the rules alone gave, ``model_score`` the model's margin (0 when there is no model or
    the text has no cue word); ``excerpt`` is the start of the text, shown when no rule
    matched.
    """

    score: float
    categories: tuple[str, ...]
    matches: tuple[ThreatMatch, ...]
    dampers: tuple[str, ...]
    flagged: bool
    kind: str = ""
    severity: str = ""
    rule_score: float = 0.0
    model_score: float = 0.0
    excerpt: str = ""

    @property
    def phrase(self) -> str:
        """The words of the strongest match (or the text itself), to show by the message."""
        if not self.matches:
            return self.excerpt
        return max(self.matches, key=lambda m: m.weight).phrase

    @property
    def serious(self) -> bool:
        return self.severity == "serious"


_NOTHING = ThreatFlag(0.0, (), (), (), False)


# --- the engine ------------------------------------------------------------------------


class ThreatEngine:
    def __init__(
        self,
        rules: Iterable[Rule],
        cancels: Iterable[str],
        dampers: Iterable[Damper],
        targets: Iterable[Target],
        threshold: float = THRESHOLD,
        model: ThreatModel | None = None,
        cues: Iterable[str] = (),
        prefilter: bool = True,
    ) -> None:
        self.rules = tuple(rules)
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        blind = [r.id for r in self.rules if not r.needs]
        if blind:
            raise ValueError(f"rules without a literal word to look for: {blind}")
        chosen = [c for c in cancels if c]
        # Cancels written in ASCII run on every text; the others only where there is text
        # in another script (most messages are one or the other).
        self.cancels = tuple(
            re.compile("|".join(f"(?:{c})" for c in group))
            for group in (
                [c for c in chosen if c.isascii()],
                [c for c in chosen if not c.isascii()],
            )
        )
        self.dampers = tuple(dampers)
        if any(not 0 < d.factor <= 1 for d in self.dampers):
            raise ValueError("a damper may only lower a score (factor in (0, 1])")
        self.targets = tuple(targets)
        self.threshold = threshold
        self.model = model
        self.use_prefilter = prefilter
        cue_words = {normalise(c) for c in cues}
        short = sorted(c for c in cue_words if len(c.encode("utf-8")) < 3)
        if short:
            raise ValueError(f"cue words must be at least 3 bytes long: {short}")
        # Without a model the rules' own words decide what is read; with one, the cue words.
        if model is None or not cue_words:
            cue_words = {w for r in self.rules for clause in r.needs for w in clause}
        self.gate_words = tuple(sorted(cue_words))
        self._prefilter = _Prefilter(self.rules, cue_words)
        self._gate_index = frozenset(self._prefilter.word_index[w] for w in self.gate_words)

    # one text ---------------------------------------------------------------------

    def evaluate(self, text: str, rules: Sequence[Rule] | None = None) -> ThreatFlag:
        """Score ``text`` (never None, see ``flagged``).

        ``rules`` limits the rules tried (default: all); ``scan`` passes the ones whose
        words the text contains, which gives the same result.
        """
        plain = normalise(text)
        if self.model is None:
            return self._rule_flag(plain, rules)
        ruled = self._rule_flag(plain, rules)
        if self.use_prefilter and not ruled.flagged and not self._has_cue(plain):
            return _NOTHING  # neither a cue word nor a rule's flag: not read further
        margin = float(self.model.margins([plain])[0])
        if margin < _HOPEFUL:
            return _NOTHING  # even a certain rule match could not flag it
        return self._combine(text, plain, ruled, margin)

    def _has_cue(self, plain: str) -> bool:
        return any(w in plain for w in self.gate_words)

    def _rule_flag(self, plain: str, rules: Sequence[Rule] | None) -> ThreatFlag:
        """What the rules alone say. A rule's match counts unless it overlaps a cancelled
        span (an idiom or a negation); the cancels only run when some rule matched."""
        cancelled: list[tuple[int, int]] | None = None
        matches: list[ThreatMatch] = []
        for rule in self.rules if rules is None else rules:
            if rule.pattern.search(plain) is None:
                continue
            for found in rule.pattern.finditer(plain):
                if cancelled is None:
                    cancelled = self._cancelled(plain)
                start, end = found.span()
                if not any(a < end and start < b for a, b in cancelled):
                    matches.append(
                        ThreatMatch(rule.id, rule.categories, rule.weight, found.group().strip())
                    )
                    break
        if not matches:
            return _NOTHING
        keep = 1.0
        for match in matches:
            keep *= 1.0 - match.weight
        score = 1.0 - keep
        dampers = []
        for damper in self.dampers:
            if damper.pattern.search(plain):
                score *= damper.factor
                dampers.append(damper.id)
        flagged = score >= self.threshold
        categories = {c for m in matches for c in m.categories}
        if flagged:
            categories |= {t.category for t in self.targets if t.pattern.search(plain)}
        ordered = tuple(c for c in CATEGORIES if c in categories)
        score = round(score, 4)
        kind = severity = ""
        if flagged:
            kind = _kind_from_categories(ordered)
            severity = "serious" if set(ordered) & _SERIOUS_CATEGORIES else "concerning"
        return ThreatFlag(
            score, ordered, tuple(matches), tuple(dampers), flagged, kind, severity, score
        )

    @staticmethod
    def _decide(ruled: ThreatFlag, margin: float) -> bool:
        """Whether the rules' result and the model's margin flag a text."""
        total = margin + RULE_WEIGHT * ruled.score
        return total >= MODEL_CUT or (ruled.score >= STRONG_RULE and margin >= MARGIN_FLOOR)

    def _combine(
        self,
        text: str,
        plain: str,
        ruled: ThreatFlag,
        margin: float,
        reading: ModelReading | None = None,
    ) -> ThreatFlag:
        """The flag from the rules' result and the model's margin (see the module docstring)."""
        assert self.model is not None
        total = margin + RULE_WEIGHT * ruled.score
        score = round(1.0 / (1.0 + math.exp(-4.0 * (total - MODEL_CUT))), 4)
        if not self._decide(ruled, margin):
            return ThreatFlag(
                score, ruled.categories, ruled.matches, ruled.dampers, False, "", "",
                ruled.score, round(margin, 4),
            )  # fmt: skip
        if reading is None:
            reading = self.model.read([plain])[0]
        kind = reading.kind
        if (
            ruled.flagged
            and kind not in _FORM_KINDS
            and not set(KIND_CATEGORIES[kind]) & set(ruled.categories)
        ):
            kind = _kind_from_categories(ruled.categories)  # the rules name it plainly
        categories = set(ruled.categories) if ruled.flagged else set()
        if not categories:
            categories = set(KIND_CATEGORIES[kind])
        if ruled.flagged or kind == "third_party":  # who or what it is aimed at
            categories |= {t.category for t in self.targets if t.pattern.search(plain)}
        if "pets" in categories and kind == "third_party" and not ruled.flagged:
            categories.discard("family")
        ordered = tuple(c for c in CATEGORIES if c in categories)
        serious = (
            reading.serious >= 0.0
            or kind in _SERIOUS_KINDS
            or bool(set(ordered) & _SERIOUS_CATEGORIES)
            or _SERIOUS_WORDS.search(plain) is not None
        )
        excerpt = " ".join(text.split())
        if len(excerpt) > _EXCERPT:
            excerpt = excerpt[: _EXCERPT - 1] + "…"
        return ThreatFlag(
            max(score, 0.5), ordered, ruled.matches, ruled.dampers, True, kind,
            "serious" if serious else "concerning", ruled.score, round(margin, 4), excerpt,
        )  # fmt: skip

    def _cancelled(self, plain: str) -> list[tuple[int, int]]:
        ascii_cancels, other_cancels = self.cancels
        spans = [m.span() for m in ascii_cancels.finditer(plain)] if ascii_cancels.pattern else []
        if other_cancels.pattern and not plain.isascii():
            spans += [m.span() for m in other_cancels.finditer(plain)]
        return [(a, b) for a, b in spans if b > a]

    def assess(self, text: str | None) -> ThreatFlag | None:
        """The flag for ``text``, or None when it does not reach the threshold."""
        if not text:
            return None
        flag = self.evaluate(text)
        return flag if flag.flagged else None

    # many texts -------------------------------------------------------------------

    def scan(self, texts: Sequence[str | None]) -> dict[int, ThreatFlag]:
        """Flags for the texts that reach the threshold, by position in ``texts``.

        The same flags as ``assess`` on each text, found without reading most texts closely
        (see the module docstring).
        """
        if self.model is None:
            return self._scan_rules(texts)
        if not texts:
            return {}
        pieces, containing = self._prefilter.words_in(texts)
        # (text, rule) pairs by the words present: found once, used by both stages below.
        pairs = self._prefilter.pairs(containing, len(texts))
        gate = np.zeros(len(texts), dtype=np.bool_)
        if self.use_prefilter:
            for word, hits in containing.items():
                if word in self._gate_index:
                    gate[hits] = True
            # A text with a cue word is read by the model whatever its rules say; its rules
            # are run below only if its margin leaves them something to decide. The rules
            # alone are asked first only about the texts without a cue word.
            alone = ~gate[pairs[0]]
            first_pairs = (pairs[0][alone], pairs[1][alone])
        else:
            gate[:] = True
            first_pairs = pairs
        # What the rules alone flag (the detector before the model, same prefilter).
        ruled_by_text: dict[str, ThreatFlag] = {}
        ruled_in: list[int] = []
        for index, rules in self._prefilter.candidates(
            texts, self.threshold, (pieces, containing), first_pairs
        ):
            piece = pieces[index]
            ruled = ruled_by_text.get(piece)
            if ruled is None:
                ruled = ruled_by_text[piece] = self._rule_flag(piece, rules)
            if ruled.flagged:
                ruled_in.append(index)
        gate[ruled_in] = True
        chosen = np.flatnonzero(gate).tolist()
        chosen = [i for i in chosen if texts[i]]
        # Each distinct text is read once.
        first: dict[str, int] = {}
        for i in chosen:
            first.setdefault(pieces[i], i)
        distinct = list(first)
        margins = self._margins(distinct)
        hopeful = margins >= _HOPEFUL
        keep = np.zeros(len(texts), dtype=np.bool_)
        keep[[first[p] for p, h in zip(distinct, hopeful.tolist(), strict=True) if h]] = True
        keep[[first[p] for p in distinct if p in ruled_by_text]] = False  # already known
        # The rule score each text would need to be flagged with its margin (see _decide).
        need = np.full(len(texts), np.inf)
        at = np.array([first[p] for p in distinct], dtype=np.int64)
        if at.size:
            wanted = (MODEL_CUT - margins) / RULE_WEIGHT
            need[at] = np.where(margins >= MARGIN_FLOOR, np.minimum(wanted, STRONG_RULE), wanted)
        for index, rules in self._prefilter.matching(pieces, pairs, keep, need):
            ruled_by_text[pieces[index]] = self._rule_flag(pieces[index], rules)
        found: dict[int, ThreatFlag] = {}
        seen: dict[str, ThreatFlag] = {}
        decided: list[tuple[str, ThreatFlag, float]] = []
        for piece, margin, ok in zip(distinct, margins.tolist(), hopeful.tolist(), strict=True):
            if ok:
                ruled = ruled_by_text.get(piece, _NOTHING)
                if self._decide(ruled, margin):
                    decided.append((piece, ruled, margin))
        # Kind and seriousness are read for all flagged texts at once.
        readings = self._readings([piece for piece, _r, _m in decided])
        for (piece, ruled, margin), reading in zip(decided, readings, strict=True):
            text = texts[first[piece]]
            assert text is not None
            seen[piece] = self._combine(text, piece, ruled, margin, reading)
        for i in chosen:
            known = seen.get(pieces[i])
            if known is not None and known.flagged:
                text = texts[i]
                assert text is not None
                if i != first[pieces[i]] and known.excerpt:
                    known = _with_excerpt(known, text)
                found[i] = known
        return found

    def _margins(self, normalised: list[str]) -> NDArray[np.float64]:
        """The model's margins, read ``MODEL_CHARS`` characters at a time (its memory grows
        with the text it reads at once: every character n-gram)."""
        assert self.model is not None
        parts = [self.model.margins(normalised[a:b]) for a, b in _spans(normalised)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)

    def _readings(self, normalised: list[str]) -> list[ModelReading]:
        assert self.model is not None
        return [r for a, b in _spans(normalised) for r in self.model.read(normalised[a:b])]

    def _scan_rules(self, texts: Sequence[str | None]) -> dict[int, ThreatFlag]:
        found: dict[int, ThreatFlag] = {}
        seen: dict[str, ThreatFlag] = {}  # the same words always get the same rules
        for index, rules in self._prefilter.candidates(texts, self.threshold):
            text = texts[index]
            if not text:
                continue
            flag = seen.get(text)
            if flag is None:
                flag = seen[text] = self.evaluate(text, rules)
            if flag.flagged:
                found[index] = flag
        return found


def _spans(texts: Sequence[str]) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive runs of ``texts`` of about ``MODEL_CHARS`` characters."""
    start = size = 0
    for stop, text in enumerate(texts, start=1):
        size += len(text)
        if size >= MODEL_CHARS:
            yield start, stop
            start, size = stop, 0
    if start < len(texts):
        yield start, len(texts)


def _with_excerpt(flag: ThreatFlag, text: str) -> ThreatFlag:
    excerpt = " ".join(text.split())
    if len(excerpt) > _EXCERPT:
        excerpt = excerpt[: _EXCERPT - 1] + "…"
    return ThreatFlag(
        flag.score, flag.categories, flag.matches, flag.dampers, flag.flagged, flag.kind,
        flag.severity, flag.rule_score, flag.model_score, excerpt,
    )  # fmt: skip


def _kind_from_categories(categories: tuple[str, ...]) -> str:
    """The kind a rules-only flag stands for."""
    chosen = set(categories)
    for category, kind in (
        ("self_harm", "self_harm"),
        ("images", "images"),
        ("family", "third_party"),
        ("pets", "third_party"),
        ("kill", "kill"),
        ("whereabouts", "presence"),
    ):
        if category in chosen:
            return kind
    return "harm"


def _per_text_anchors(pattern: str) -> str:
    """``pattern`` for texts joined with NUL: ``^`` and ``$`` match at each text's ends."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]" or bool(out and out[-1] in ("[", "[^"))
            out.append(char)
        elif char == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
                continue
            out.append(char)
        elif char == "^":
            out.append("(?:\\A|(?<=\\x00))")
        elif char == "$":
            out.append("(?=\\n?(?:\\x00|\\Z))")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _quads(data: bytes) -> list[tuple[int, np.uint32, np.uint32]]:
    """``data`` as (offset, little-endian value, mask) for comparing four bytes at a time."""
    found = []
    for offset in range(0, len(data), 4):
        chunk = data[offset : offset + 4]
        value = int.from_bytes(chunk.ljust(4, b"\x00"), "little")
        mask = (1 << (8 * len(chunk))) - 1
        found.append((offset, np.uint32(value), np.uint32(mask)))
    return found


class _Prefilter:
    """Which rules could match which texts, from the rules' required words (numpy, bytes)."""

    TABLE_BITS = 20
    CHUNK = 1 << 22

    def __init__(self, rules: Sequence[Rule], cues: Iterable[str] = ()) -> None:
        self.rules = rules
        words = sorted({w for r in rules for clause in r.needs for w in clause} | set(cues))
        self.words = words
        self.word_bytes = [np.frombuffer(w.encode("utf-8"), dtype=np.uint8) for w in words]
        self.word_index = {w: i for i, w in enumerate(words)}
        self.weights = np.array([r.weight for r in rules], dtype=np.float64)
        self.joined = [re.compile(_per_text_anchors(r.pattern.pattern)) for r in rules]
        self.pad = max((len(b) for b in self.word_bytes), default=0) + 4
        self.word_quads = [_quads(b.tobytes()) for b in self.word_bytes]
        # Words are found by their first four bytes: one table maps a hashed four-byte key
        # to a bucket of words. A three-byte word is entered under every key it can begin
        # (each possible byte after it), so one table lookup per position finds them all.
        # A bucket with one key is checked against that key exactly (hash collisions go);
        # its words need checking only beyond their first four bytes. Words in plain ASCII
        # and words in other scripts have tables of their own: the second are only looked
        # for in texts that are not plain ASCII.
        self.groups: list[_Table] = []
        for plain in (True, False):
            members = [i for i, w in enumerate(words) if w.isascii() == plain]
            by_slot: dict[int, tuple[set[int], list[int]]] = {}
            for i in members:
                data = self.word_bytes[i].tobytes()
                head = int.from_bytes(data[:4].ljust(4, b"\x00"), "little")
                if len(data) >= 4:
                    keys = np.array([head], dtype=np.uint32)
                else:  # three bytes: every byte that may follow
                    keys = np.uint32(head) | (np.arange(256, dtype=np.uint32) << np.uint32(24))
                for key, slot in zip(keys.tolist(), self._hash(keys).tolist(), strict=True):
                    seen, chosen = by_slot.setdefault(slot, (set(), []))
                    seen.add(key)
                    if i not in chosen:
                        chosen.append(i)
            table = np.zeros(1 << self.TABLE_BITS, dtype=np.uint16)
            bucket_words: list[list[int]] = [[]]
            bucket_keys = [0]
            exact = [False]
            for slot, (seen, chosen) in sorted(by_slot.items()):
                table[slot] = len(bucket_words)
                bucket_words.append(chosen)
                bucket_keys.append(min(seen))
                exact.append(len(seen) == 1)
            self.groups.append(
                _Table(
                    table,
                    bucket_words,
                    np.array(bucket_keys, dtype=np.uint32),
                    np.array(exact, dtype=np.bool_),
                )
            )

    @classmethod
    def _hash(cls, key: NDArray[np.uint32]) -> NDArray[np.uint32]:
        mixed = key * np.uint32(2654435761)  # Knuth's multiplicative hash, wraps at 2**32
        return np.asarray(mixed >> np.uint32(32 - cls.TABLE_BITS), dtype=np.uint32)

    def words_in(
        self, texts: Sequence[str | None]
    ) -> tuple[list[str], dict[int, NDArray[np.int64]]]:
        """Every text normalised, and for each word the sorted indexes of texts with it."""
        present: Sequence[str | None] = texts if all(texts) else [t or "" for t in texts]
        joined = "\x00".join(present)  # type: ignore[arg-type]
        if joined.count("\x00") != len(texts) - 1:  # a NUL inside a text: a space there
            joined = "\x00".join(t.replace("\x00", " ") if t else "" for t in texts)
        normalised = normalise(joined, keep_nul=True)
        containing = self._texts_with_words(normalised, 0)
        pieces = normalised.split("\x00")
        if not normalised.isascii() and len(self.groups[1].words) > 1:
            chosen = [i for i, piece in enumerate(pieces) if not piece.isascii()]
            back = np.array(chosen, dtype=np.int64)
            found = self._texts_with_words("\x00".join(pieces[i] for i in chosen), 1)
            for word, texts_with in found.items():
                containing[word] = back[texts_with]
        return pieces, containing

    def pairs(
        self, containing: dict[int, NDArray[np.int64]], count: int
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(text, rule) pairs where the text has a word from each of the rule's clauses."""
        empty = np.zeros(0, dtype=np.int64)
        unions: dict[frozenset[str], NDArray[np.int64]] = {}

        def texts_meeting(clause: frozenset[str]) -> NDArray[np.int64]:
            if clause not in unions:
                parts = [containing.get(self.word_index[w], empty) for w in clause]
                if len(parts) == 1:
                    unions[clause] = parts[0]
                else:
                    seen = np.zeros(count, dtype=np.bool_)
                    for part in parts:
                        seen[part] = True
                    unions[clause] = np.flatnonzero(seen)
            return unions[clause]

        text_parts: list[NDArray[np.int64]] = []
        rule_parts: list[NDArray[np.int64]] = []
        for number, rule in enumerate(self.rules):
            chosen: NDArray[np.int64] | None = None
            for clause in rule.needs:
                met = texts_meeting(clause)
                chosen = met if chosen is None else np.intersect1d(chosen, met, True)
                if chosen.size == 0:
                    break
            if chosen is not None and chosen.size:
                text_parts.append(chosen)
                rule_parts.append(np.full(chosen.shape[0], number, dtype=np.int64))
        if not text_parts:
            return empty, empty
        return np.concatenate(text_parts), np.concatenate(rule_parts)

    @staticmethod
    def _grouped(
        rules: Sequence[Rule], text_of: NDArray[np.int64], rule_of: NDArray[np.int64]
    ) -> Iterator[tuple[int, list[Rule]]]:
        if text_of.size == 0:
            return
        order = np.lexsort((rule_of, text_of))
        text_of, rule_of = text_of[order], rule_of[order]
        edges = np.flatnonzero(np.diff(text_of)) + 1
        starts = np.concatenate([[0], edges]).tolist()
        stops = np.concatenate([edges, [text_of.shape[0]]]).tolist()
        for first, last in zip(starts, stops, strict=True):
            yield int(text_of[first]), [rules[i] for i in rule_of[first:last].tolist()]

    def matching(
        self,
        pieces: list[str],
        pairs: tuple[NDArray[np.int64], NDArray[np.int64]],
        keep: NDArray[np.bool_],
        need: NDArray[np.float64] | None = None,
    ) -> Iterator[tuple[int, list[Rule]]]:
        """(text index, rules whose regex may match it) for the texts marked in ``keep``;
        ``pairs`` is what ``pairs`` gave for these texts.

        ``need`` (per text) leaves out texts whose rules could not reach that score even if
        every one of them matched: no regex is run for them.
        """
        text_of, rule_of = pairs
        chosen = keep[text_of]
        text_of, rule_of = text_of[chosen], rule_of[chosen]
        if need is not None and text_of.size:
            log_keep = np.log1p(-np.minimum(self.weights, 1 - 1e-12))
            best = 1.0 - np.exp(np.bincount(text_of, weights=log_keep[rule_of]))
            able = best >= need[: best.shape[0]] - 1e-4  # scores are rounded to 4 places
            text_of, rule_of = text_of[able[text_of]], rule_of[able[text_of]]
        text_of, rule_of = self._joined_scan(pieces, text_of, rule_of)
        yield from self._grouped(self.rules, text_of, rule_of)

    def candidates(
        self,
        texts: Sequence[str | None],
        threshold: float,
        words: tuple[list[str], dict[int, NDArray[np.int64]]] | None = None,
        pairs: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
    ) -> Iterator[tuple[int, list[Rule]]]:
        """(text index, rules that could match it) for texts that could reach ``threshold``.

        ``words`` is what ``words_in`` gave for ``texts``, and ``pairs`` what ``pairs`` gave,
        when they are already known.
        """
        if not texts:
            return
        pieces, containing = words or self.words_in(texts)
        text_of, rule_of = pairs or self.pairs(containing, len(texts))
        if text_of.size == 0:
            return
        text_of, rule_of = self._hopeful(text_of, rule_of, threshold)
        # Second stage: run each rule once over all of its candidate texts joined together
        # (one regex scan in C instead of one call per text); only texts a match touches
        # go on to be scored one by one.
        # Rules strong enough to flag alone first; the rules that cannot flag alone are then
        # only run on texts that could still reach the threshold with what is left.
        strong = self.weights[rule_of] >= threshold
        found_t, found_r = self._joined_scan(pieces, text_of[strong], rule_of[strong])
        weak_t, weak_r = text_of[~strong], rule_of[~strong]
        both_t, both_r = self._hopeful(
            np.concatenate([found_t, weak_t]), np.concatenate([found_r, weak_r]), threshold
        )
        # Weak rules one at a time, strongest first: a text whose possible rules can no
        # longer add up to the threshold is dropped before the next rule runs.
        checked = self.weights[both_r] >= threshold
        for number in sorted(set(both_r[~checked].tolist()), key=lambda n: -self.weights[n]):
            this = (both_r == number) & ~checked
            if not np.any(this):
                continue
            hit_t, _hit_r = self._joined_scan(pieces, both_t[this], both_r[this])
            matched = np.isin(both_t, hit_t) & this
            keep = ~this | matched
            checked |= matched
            both_t, both_r, checked = both_t[keep], both_r[keep], checked[keep]
            both_t, both_r, checked = self._hopeful_marked(both_t, both_r, checked, threshold)
        yield from self._grouped(self.rules, both_t, both_r)

    def _hopeful(
        self, text_of: NDArray[np.int64], rule_of: NDArray[np.int64], threshold: float
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The (text, rule) pairs of texts that could reach ``threshold`` if all matched.

        Dampers only lower a score, so a text that could not is dropped without any regex.
        """
        if text_of.size == 0:
            return text_of, rule_of
        log_keep = np.log1p(-np.minimum(self.weights, 1 - 1e-12))
        best = 1.0 - np.exp(np.bincount(text_of, weights=log_keep[rule_of]))
        keep = (best >= threshold - 1e-9)[text_of]
        return text_of[keep], rule_of[keep]

    def _hopeful_marked(
        self,
        text_of: NDArray[np.int64],
        rule_of: NDArray[np.int64],
        marks: NDArray[np.bool_],
        threshold: float,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
        """``_hopeful`` that carries a per-pair mark along."""
        if text_of.size == 0:
            return text_of, rule_of, marks
        log_keep = np.log1p(-np.minimum(self.weights, 1 - 1e-12))
        best = 1.0 - np.exp(np.bincount(text_of, weights=log_keep[rule_of]))
        keep = (best >= threshold - 1e-9)[text_of]
        return text_of[keep], rule_of[keep], marks[keep]

    def _joined_scan(
        self, normalised: list[str], text_of: NDArray[np.int64], rule_of: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Keep the (text, rule) pairs where the rule's regex matches somewhere in the text.

        Texts are joined with NUL, which no rule word contains; ``^`` and ``$`` are rewritten
        to mean the ends of each text. A match may still run across a NUL (``[^。]``, ``.``):
        every text it touches is kept, so nothing is lost; the exact check comes later.
        """
        order = np.argsort(rule_of, kind="stable")
        text_of, rule_of = text_of[order], rule_of[order]
        edges = np.flatnonzero(np.diff(rule_of)) + 1
        kept_texts: list[NDArray[np.int64]] = []
        kept_rules: list[NDArray[np.int64]] = []
        for group in np.split(np.arange(text_of.shape[0]), edges):
            if group.size == 0:
                continue
            number = int(rule_of[group[0]])
            chosen = text_of[group]
            pieces = [normalised[i] for i in chosen.tolist()]
            joined = "\x00".join(pieces)
            lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
            starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
            spans = [found.span() for found in self.joined[number].finditer(joined)]
            if spans:
                ends = np.array(spans, dtype=np.int64)
                first = np.searchsorted(starts, ends[:, 0], side="right") - 1
                last = np.searchsorted(starts, np.maximum(ends[:, 1] - 1, ends[:, 0]), "right")
                # Every text from ``first`` to ``last - 1``: usually just one per match.
                widths = last - first
                offsets = np.arange(int(widths.sum())) - np.repeat(
                    np.cumsum(widths) - widths, widths
                )
                touched = np.unique(np.repeat(first, widths) + offsets)
                hits = chosen[touched]
                kept_texts.append(hits)
                kept_rules.append(np.full(hits.shape[0], number, dtype=np.int64))
        if not kept_texts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(kept_texts), np.concatenate(kept_rules)

    def _texts_with_words(self, normalised: str, part: int) -> dict[int, NDArray[np.int64]]:
        """For each word of ``part`` (0: ASCII words, 1: the others), the sorted indexes of
        the (NUL-joined) texts that contain it."""
        data = normalised.encode("utf-8", errors="replace") + b"\x00" * self.pad
        buffer = np.frombuffer(data, dtype=np.uint8)
        bounds = np.flatnonzero(buffer[: -self.pad] == 0)  # the separator before each text
        found = self.groups[part]
        size = buffer.shape[0] - self.pad
        every = buffer.shape[0] - 3  # all full four-byte reads; the padding covers the words
        # Four bytes read at every offset (a one-byte stride; the padding keeps the last
        # read inside the buffer).
        quads = np.ndarray((every,), dtype="<u4", buffer=buffer, offset=0, strides=(1,))
        positions: list[NDArray[np.int64]] = []
        buckets: list[NDArray[np.uint16]] = []
        for start in range(0, max(size - 2, 0), self.CHUNK):
            stop = min(start + self.CHUNK, size - 2)
            bucket = found.table[self._hash(quads[start:stop])]
            hit = np.flatnonzero(bucket)
            positions.append(hit + start)
            buckets.append(bucket[hit])
        if not positions:
            return {}
        where = np.concatenate(positions)
        which = np.concatenate(buckets)
        # A bucket of one key: the four bytes must be that key (a hash collision is not).
        sure = found.exact[which]
        keep = ~sure | (quads[where] == found.keys[which])
        where, which, sure = where[keep], which[keep], sure[keep]
        order = np.argsort(which, kind="stable")
        where, which, sure = where[order], which[order], sure[order]
        edges = np.flatnonzero(np.diff(which)) + 1
        starts = np.concatenate([[0], edges]).tolist()
        stops = np.concatenate([edges, [which.shape[0]]]).tolist()
        texts_of: dict[int, list[NDArray[np.int64]]] = defaultdict(list)
        for first, last in zip(starts, stops, strict=True):
            if first == last:
                continue
            at = where[first:last]  # in order within a bucket
            checked = 4 if sure[first] else 0  # bytes the key has already shown
            gathered: dict[int, NDArray[np.uint32]] = {}
            for word in found.words[int(which[first])]:
                ok: NDArray[np.bool_] | None = None
                for offset, value, mask in self.word_quads[word]:
                    if offset < checked:
                        continue
                    if offset < 8:  # shared by the bucket's words (read once)
                        if offset not in gathered:
                            gathered[offset] = quads[at + offset]
                        same = (gathered[offset] & mask) == value
                        ok = same if ok is None else ok & same
                    else:  # only where the word's first eight bytes were there
                        chosen = at if ok is None else at[ok]
                        same = (quads[chosen + offset] & mask) == value
                        if ok is None:
                            ok = same
                        else:
                            ok[np.flatnonzero(ok)[~same]] = False
                hits = at if ok is None else at[ok]
                if hits.size:
                    texts_of[word].append(np.searchsorted(bounds, hits, side="left"))
        result: dict[int, NDArray[np.int64]] = {}
        for word, parts in texts_of.items():
            texts = np.concatenate(parts).astype(np.int64) if len(parts) > 1 else parts[0]
            if len(parts) > 1:
                texts = np.sort(texts)
            distinct = np.ones(texts.shape[0], dtype=np.bool_)
            distinct[1:] = texts[1:] != texts[:-1]
            result[word] = texts[distinct].astype(np.int64)
        return result


@dataclass(frozen=True, slots=True)
class _Table:
    """A hashed four-byte key -> bucket table, each bucket's words, and for each bucket its
    key and whether it has only that one (``_Prefilter``)."""

    table: NDArray[np.uint16]
    words: list[list[int]]
    keys: NDArray[np.uint32]
    exact: NDArray[np.bool_]


def _build(model: ThreatModel | None, prefilter: bool = True) -> ThreatEngine:
    return ThreatEngine(
        [Rule.make(*spec) for spec in threat_rules.RULES],
        threat_rules.CANCELS,
        [
            Damper(name, factor, re.compile(pattern))
            for name, factor, pattern in threat_rules.DAMPERS
        ],
        [Target(category, re.compile(pattern)) for category, pattern in threat_rules.TARGETS],
        model=model,
        cues=threat_rules.CUES if model is not None else (),
        prefilter=prefilter,
    )


@lru_cache(maxsize=2)
def default_engine(prefilter: bool = True) -> ThreatEngine:
    """Rules and model together (built once per process; training takes a moment).

    ``prefilter=False`` reads every text with the model, cue word or not: only for
    measuring what the prefilter costs in recall.
    """
    return _build(default_model(), prefilter)


@lru_cache(maxsize=1)
def rules_engine() -> ThreatEngine:
    """The rules alone: the detector before the model, kept for comparison and tests."""
    return _build(None)
