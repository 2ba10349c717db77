"""Threat flags: threatening language in messages and incident notes (English, Japanese, Korean).

A transparent phrase-and-pattern engine. Every flag says which rules fired on which words,
so a person (or a court) can see exactly why a message was flagged, and every rule is
tested against a labelled set of messages (``tests/data/threats``).

How a text is scored:

1. It is *normalised*: lower case, curly apostrophes made straight, full-width Latin letters
   and half-width katakana folded (NFKC) to their usual forms.
2. *Cancels* blank out idioms and negations that use threat words harmlessly ("dying to
   see", "this heat is killing me", "I would never hurt you", "배고파 죽겠다").
3. Each *rule* is a regular expression with a weight: how sure a match alone makes us
   (0.9 for "I will kill you"; 0.4 for "I saw you at the station", which needs support).
   The weights of the rules that match combine like independent pieces of evidence:
   ``score = 1 - (1 - w1)(1 - w2)...``.
4. *Dampers* lower the score when the text is plainly about a film, a game or the news,
   or is laughing ("lol", "ㅋㅋ", "笑").
5. A text is flagged when the score reaches ``THRESHOLD`` (0.5): one strong rule, or two
   supporting ones. *Targets* then name who the threat is aimed at (family, pets).

Scanning many texts (a phone backup can hold a million messages) must not run every regex
on every message. Each rule's regex is parsed once to find the literal words it cannot
match without (for "i'?ll\\s+kill\\s+(you|u)" that is "kill"); a vectorised byte-level
prefilter (numpy) finds which messages contain which of those words, and only the rules
whose words are all present run, on those messages only. ``scan`` gives exactly the same
flags as calling ``assess`` on every text (tested).
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CATEGORIES",
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
]

CATEGORIES = ("kill", "harm", "self_harm", "family", "pets", "images", "whereabouts")
THRESHOLD = 0.5
BLANK = " \x1f "  # what a cancelled span becomes: no rule word contains it
_MIN_WORD_BYTES = 3  # the prefilter reads three bytes at a time
_COMMON = frozenset(
    [
        "the", "you", "your", "are", "all", "one", "and", "for", "that", "this", "with",
        "have", "was", "not", "can", "'ll", "will",
    ]
)  # fmt: skip

_FOLD = re.compile("[\uff21-\uff3a\uff41-\uff5a\uff66-\uff9f]+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})


def _nfkc(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group())


_OTHER_SPACE = re.compile(r"[^\S ]")
_ASCII_SPACES = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # every ASCII character \\s matches, but " "


def normalise(text: str) -> str:
    """The form rules are written against (see the module docstring).

    Every run of white space becomes one plain space, so ``\\s+`` in a rule always matches
    exactly " ": that lets the prefilter look for "get you" rather than "get".
    """
    if not text.isascii():
        text = _FOLD.sub(_nfkc, text)
        if "\u2019" in text or "\u2018" in text or "\u02bc" in text or "\uff07" in text:
            text = text.translate(_QUOTES)
    if text.isascii():  # finding a few characters is much faster than a regex search
        if any(c in text for c in _ASCII_SPACES):
            text = _OTHER_SPACE.sub(" ", text)
    elif _OTHER_SPACE.search(text):
        text = _OTHER_SPACE.sub(" ", text)
    while "  " in text:
        text = text.replace("  ", " ")
    return text.lower()


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
    """Why a text scored what it did; ``flagged`` when the score reaches the threshold."""

    score: float
    categories: tuple[str, ...]
    matches: tuple[ThreatMatch, ...]
    dampers: tuple[str, ...]
    flagged: bool

    @property
    def phrase(self) -> str:
        """The words of the strongest match, for showing next to the message."""
        if not self.matches:
            return ""
        return max(self.matches, key=lambda m: m.weight).phrase


# --- which literal words a regex cannot match without ----------------------------------

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")


def _byte_length(word: str) -> int:
    """How telling a word is: its length in bytes, not counting spaces around it."""
    return len(word.strip().encode("utf-8"))


def _best(clauses: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective clause: the one whose shortest word is longest."""
    usable = [c for c in clauses if c and min(_byte_length(w) for w in c) >= _MIN_WORD_BYTES]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(_byte_length(w) for w in c), -len(c)))


def _space(op: Any, av: Any) -> bool:
    """``\\s`` or ``\\s+``: after ``normalise`` these always match exactly one space."""
    single = [(_c.IN, [(_c.CATEGORY, _c.CATEGORY_SPACE)])]
    if op is _c.IN:
        return [(op, av)] == single
    return op is _c.MAX_REPEAT and av[0] == 1 and list(av[2]) == single


def _leading(items: Any) -> str:
    """The literal letters a sequence starts with."""
    letters = []
    for op, av in items:
        if op is _c.LITERAL:
            letters.append(chr(av))
        elif _space(op, av):
            letters.append(" ")
        elif op not in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            break
    return "".join(letters)


def _walk(items: Any) -> list[frozenset[str]]:
    """Clauses (sets of alternative words) that every match of this sequence contains."""
    clauses: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            clauses.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
        elif _space(op, av):
            run.append(" ")
        elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue  # zero width: the letters on either side stay adjacent
        elif op is _c.SUBPATTERN:
            flush()
            clauses.extend(_walk(av[3]))
        elif op is _c.ATOMIC_GROUP:
            flush()
            clauses.extend(_walk(av))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            flush()
            if av[0] >= 1:
                clauses.extend(_walk(av[2]))
        elif op is _c.BRANCH:
            # The parser moves letters shared by every alternative in front of the branch
            # ("knows?|knew" becomes "kn" + "ows?|ew"): join them back up.
            prefix = "".join(run)
            flush()
            chosen: set[str] = set()
            for alternative in av[1]:
                joined = prefix + _leading(alternative)
                options = [_walk(alternative)]
                if _byte_length(joined) >= _MIN_WORD_BYTES:
                    options.append([frozenset({joined})])
                found = [b for b in (_best(o) for o in options) if b is not None]
                if not found:
                    chosen.clear()
                    break
                chosen |= max(found, key=lambda c: min(_byte_length(w) for w in c))
            if chosen:
                clauses.append(frozenset(chosen))
        else:
            flush()
    flush()
    return clauses


def required_words(pattern: str) -> tuple[frozenset[str], ...]:
    """Clauses of literal words (3+ UTF-8 bytes) that any match of ``pattern`` contains.

    Conservative: it may miss words a match must contain, never the reverse. Used only to
    decide which rules can possibly match a text; the regex still decides.
    """
    clauses = _walk(_parser.parse(pattern))
    usable = [c for c in clauses if c and min(_byte_length(w) for w in c) >= _MIN_WORD_BYTES]
    unique: list[frozenset[str]] = []
    for clause in sorted(usable, key=lambda c: (-min(_byte_length(w) for w in c), sorted(c))):
        if clause not in unique:
            unique.append(clause)
    # A clause met by almost every message ("the", "you") costs time and filters nothing.
    telling = [c for c in unique if not {w.strip() for w in c} & _COMMON]
    return tuple(telling[:2] if telling else unique[:1])


# --- the engine ------------------------------------------------------------------------


class ThreatEngine:
    def __init__(
        self,
        rules: Iterable[Rule],
        cancels: Iterable[str],
        dampers: Iterable[Damper],
        targets: Iterable[Target],
        threshold: float = THRESHOLD,
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
        self._prefilter = _Prefilter(self.rules)

    # one text ---------------------------------------------------------------------

    def evaluate(self, text: str, rules: Sequence[Rule] | None = None) -> ThreatFlag:
        """Score ``text`` against ``rules`` (default: all); never None, see ``flagged``.

        A rule's match counts unless it overlaps a cancelled span (an idiom or a negation);
        the cancels only run when some rule matched, which keeps scanning cheap.
        """
        plain = normalise(text)
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
            return ThreatFlag(0.0, (), (), (), False)
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
        return ThreatFlag(round(score, 4), ordered, tuple(matches), tuple(dampers), flagged)

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

        The same flags as ``assess`` on each text: rules that cannot match a text (a word
        they need is missing) are not run on it, and texts whose possible rules could not
        reach the threshold even if all of them matched are not looked at.
        """
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

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = rules
        words = sorted({w for r in rules for clause in r.needs for w in clause})
        self.words = words
        self.word_bytes = [np.frombuffer(w.encode("utf-8"), dtype=np.uint8) for w in words]
        self.word_index = {w: i for i, w in enumerate(words)}
        self.weights = np.array([r.weight for r in rules], dtype=np.float64)
        self.joined = [re.compile(_per_text_anchors(r.pattern.pattern)) for r in rules]
        self.pad = max((len(b) for b in self.word_bytes), default=0) + 4
        self.word_quads = [_quads(b.tobytes()) for b in self.word_bytes]
        # Words are found by their first three bytes (3-byte words) or first four (longer
        # ones: "them" is much rarer than "the"). Each table maps a hashed key to a bucket
        # of words; a hit is then checked against the whole word.
        self.bucket_words: list[list[int]] = [[]]
        self.tables = []
        for width in (3, 4):
            buckets: dict[int, list[int]] = defaultdict(list)
            for i, data in enumerate(self.word_bytes):
                if (len(data) == 3) == (width == 3):
                    key = int.from_bytes(data[:width].tobytes(), "little")
                    buckets[int(self._hash(np.array([key], np.uint32))[0])].append(i)
            table = np.zeros(1 << self.TABLE_BITS, dtype=np.uint16)
            for slot, members in sorted(buckets.items()):
                table[slot] = len(self.bucket_words)
                self.bucket_words.append(members)
            self.tables.append(table)

    @classmethod
    def _hash(cls, key: NDArray[np.uint32]) -> NDArray[np.uint32]:
        mixed = key * np.uint32(2654435761)  # Knuth's multiplicative hash, wraps at 2**32
        return np.asarray(mixed >> np.uint32(32 - cls.TABLE_BITS), dtype=np.uint32)

    def candidates(
        self, texts: Sequence[str | None], threshold: float
    ) -> Iterator[tuple[int, list[Rule]]]:
        """(text index, rules that could match it) for texts that could reach ``threshold``."""
        if not texts:
            return
        joined = "\x00".join(
            (t.replace("\x00", " ") if "\x00" in t else t) if t else "" for t in texts
        )
        normalised = normalise(joined)
        data = normalised.encode("utf-8", errors="replace") + b"\x00" * self.pad
        buffer = np.frombuffer(data, dtype=np.uint8)
        bounds = np.flatnonzero(buffer[: -self.pad] == 0)  # the separator before each text
        containing = self._texts_with_words(buffer, bounds)
        empty = np.zeros(0, dtype=np.int64)
        unions: dict[frozenset[str], NDArray[np.int64]] = {}

        def texts_meeting(clause: frozenset[str]) -> NDArray[np.int64]:
            if clause not in unions:
                parts = [containing.get(self.word_index[w], empty) for w in clause]
                if len(parts) == 1:
                    unions[clause] = parts[0]
                else:
                    seen = np.zeros(len(texts), dtype=np.bool_)
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
            return
        text_of, rule_of = self._hopeful(
            np.concatenate(text_parts), np.concatenate(rule_parts), threshold
        )
        # Second stage: run each rule once over all of its candidate texts joined together
        # (one regex scan in C instead of one call per text); only texts a match touches
        # go on to be scored one by one.
        pieces = normalised.split("\x00")
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
        text_of, rule_of = both_t, both_r
        if text_of.size == 0:
            return
        order = np.lexsort((rule_of, text_of))
        text_of, rule_of = text_of[order], rule_of[order]
        edges = np.flatnonzero(np.diff(text_of)) + 1
        starts = np.concatenate([[0], edges]).tolist()
        stops = np.concatenate([edges, [text_of.shape[0]]]).tolist()
        rules = self.rules
        for first, last in zip(starts, stops, strict=True):
            yield int(text_of[first]), [rules[i] for i in rule_of[first:last].tolist()]

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

    def _texts_with_words(
        self, buffer: NDArray[np.uint8], bounds: NDArray[np.int64]
    ) -> dict[int, NDArray[np.int64]]:
        """For each word, the sorted indexes of the texts that contain it."""
        size = buffer.shape[0] - self.pad
        positions: list[NDArray[np.int64]] = []
        slots: list[NDArray[np.uint16]] = []
        low_three = np.uint32(0xFFFFFF)
        three, four = self.tables
        for start in range(0, max(size - 2, 0), self.CHUNK):
            stop = min(start + self.CHUNK, size - 2)
            # Four bytes read at every offset (a one-byte stride; the padding keeps the last
            # read inside the buffer): all four are one key, the low three the other.
            words = np.ndarray(
                (stop - start,), dtype="<u4", buffer=buffer, offset=start, strides=(1,)
            )
            for table, key in ((four, words), (three, words & low_three)):
                slot = table[self._hash(key)]
                hit = np.flatnonzero(slot)
                positions.append(hit + start)
                slots.append(slot[hit])
        if not positions:
            return {}
        every = buffer.shape[0] - 3  # all full four-byte reads; the padding covers the words
        quads = np.ndarray((every,), dtype="<u4", buffer=buffer, offset=0, strides=(1,))
        where = np.concatenate(positions)
        which = np.concatenate(slots)
        result: dict[int, NDArray[np.int64]] = {}
        order = np.argsort(which, kind="stable")
        where, which = where[order], which[order]
        edges = np.flatnonzero(np.diff(which)) + 1
        for group_at, group in zip(np.split(where, edges), np.split(which, edges), strict=True):
            if group.size == 0:
                continue
            for word in self.bucket_words[int(group[0])]:
                # Compare four bytes at a time (a one-byte-stride view of the whole buffer).
                ok = np.ones(group_at.shape[0], dtype=np.bool_)
                for offset, value, mask in self.word_quads[word]:
                    ok &= (quads[group_at + offset] & mask) == value
                if np.any(ok):
                    # Positions are in order within a slot, so the text numbers are sorted.
                    texts = np.searchsorted(bounds, group_at[ok], side="left").astype(np.int64)
                    first = np.ones(texts.shape[0], dtype=np.bool_)
                    first[1:] = texts[1:] != texts[:-1]
                    found = texts[first]
                    previous = result.get(word)
                    result[word] = found if previous is None else np.union1d(previous, found)
        return result


@lru_cache(maxsize=1)
def default_engine() -> ThreatEngine:
    """The engine with SafeTrail's rules (built once; compiling takes a moment)."""
    from safetrail.analysis import threat_rules

    return ThreatEngine(
        threat_rules.rules(),
        threat_rules.CANCELS,
        threat_rules.dampers(),
        threat_rules.targets(),
    )
