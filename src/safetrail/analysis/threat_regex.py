"""Which literal words a rule's regular expression cannot match without.

Scanning a million messages must not run every rule's regex on every message. Each rule's
pattern is read once by the small parser below (it knows the part of Python's regex syntax
the rules use: literals, escapes, classes, groups, look-arounds, alternation, quantifiers);
the words any match must contain then drive a byte-level prefilter in ``threats``. The
parser is ours on purpose: Python's own (``re._parser``) is private and changes between
versions. A pattern it does not understand raises ``ValueError``, so a new rule can never
be silently skipped by the prefilter.

Patterns are written against normalised text, where every run of white space is exactly one
space: ``\\s`` and ``\\s+`` therefore stand for " " and join the words around them.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

__all__ = ["MIN_WORD_BYTES", "required_words"]

MIN_WORD_BYTES = 3  # the prefilter reads three bytes at a time
_COMMON = frozenset(
    [
        "the", "you", "your", "are", "all", "one", "and", "for", "that", "this", "with",
        "have", "was", "not", "can", "'ll", "will",
    ]
)  # fmt: skip
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\x00"}
_CLASS_ESCAPES = frozenset("wWsSdD")
_ZERO_ESCAPES = frozenset("bBAZ")


# --- a small parse tree --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Lit:
    char: str


@dataclass(frozen=True, slots=True)
class _Space:  # \s
    pass


@dataclass(frozen=True, slots=True)
class _Any:  # a class, ".", \w, \d ...: some character, not a known one
    pass


@dataclass(frozen=True, slots=True)
class _Zero:  # \b, ^, $, look-arounds: match no characters
    pass


@dataclass(frozen=True, slots=True)
class _Group:
    alternatives: tuple[tuple[object, ...], ...]


@dataclass(frozen=True, slots=True)
class _Repeat:
    item: object
    least: int


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.at = 0

    def fail(self, why: str) -> ValueError:
        return ValueError(f"cannot read pattern at {self.at} ({why}): {self.text!r}")

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def parse(self) -> tuple[tuple[object, ...], ...]:
        found = self.alternatives()
        if self.at != len(self.text):
            raise self.fail("unbalanced parenthesis")
        return found

    def alternatives(self) -> tuple[tuple[object, ...], ...]:
        options = [self.sequence()]
        while self.peek() == "|":
            self.at += 1
            options.append(self.sequence())
        return tuple(options)

    def sequence(self) -> tuple[object, ...]:
        items: list[object] = []
        while self.peek() not in ("", "|", ")"):
            item = self.atom()
            items.append(self.quantified(item))
        return tuple(items)

    def quantified(self, item: object) -> object:
        char = self.peek()
        if char in ("?", "*", "+"):
            self.at += 1
            least = 1 if char == "+" else 0
        elif char == "{" and self._counted():
            end = self.text.index("}", self.at)
            low = self.text[self.at + 1 : end].split(",")[0]
            least = int(low) if low else 0
            self.at = end + 1
        else:
            return item
        if self.peek() in ("?", "+"):  # lazy or possessive: the same characters
            self.at += 1
        if self.peek() in ("?", "*", "+"):
            raise self.fail("repeated quantifier")
        return _Repeat(item, least)

    def _counted(self) -> bool:
        end = self.text.find("}", self.at)
        inner = self.text[self.at + 1 : end] if end > 0 else ""
        return bool(inner) and all(c.isdigit() or c == "," for c in inner)

    def atom(self) -> object:
        char = self.peek()
        if char == "(":
            return self.group()
        if char == "[":
            self.char_class()
            return _Any()
        if char == "\\":
            return self.escape()
        if char in ("^", "$"):
            self.at += 1
            return _Zero()
        if char == ".":
            self.at += 1
            return _Any()
        if char in ("*", "+", "?", "{") and not (char == "{" and not self._counted()):
            raise self.fail("nothing to repeat")
        self.at += 1
        return _Lit(char)

    def group(self) -> object:
        self.at += 1
        zero = False
        if self.text.startswith("?:", self.at):
            self.at += 2
        elif self.text.startswith(("?=", "?!"), self.at):
            self.at += 2
            zero = True
        elif self.text.startswith(("?<=", "?<!"), self.at):
            self.at += 3
            zero = True
        elif self.peek() == "?":
            raise self.fail("unsupported group")
        inner = self.alternatives()
        if self.peek() != ")":
            raise self.fail("missing )")
        self.at += 1
        return _Zero() if zero else _Group(inner)

    def escape(self) -> object:
        if self.at + 1 >= len(self.text):
            raise self.fail("pattern ends with a backslash")
        char = self.text[self.at + 1]
        self.at += 2
        if char == "s":
            return _Space()
        if char in _CLASS_ESCAPES:
            return _Any()
        if char in _ZERO_ESCAPES:
            return _Zero()
        if char == "u":
            code = self.text[self.at : self.at + 4]
            self.at += 4
            return _Lit(chr(int(code, 16)))
        if char == "x":
            code = self.text[self.at : self.at + 2]
            self.at += 2
            return _Lit(chr(int(code, 16)))
        if char in _SIMPLE_ESCAPES:
            return _Lit(_SIMPLE_ESCAPES[char])
        if char.isalnum():
            raise self.fail(f"unsupported escape \\{char}")
        return _Lit(char)

    def char_class(self) -> None:
        self.at += 1
        if self.peek() == "^":
            self.at += 1
        if self.peek() == "]":
            self.at += 1
        while self.peek() != "]":
            if self.peek() == "":
                raise self.fail("missing ]")
            self.at += 2 if self.peek() == "\\" else 1
        self.at += 1


# --- the words every match contains ----------------------------------------------------


def _byte_length(word: str) -> int:
    """How telling a word is: its length in bytes, not counting spaces around it."""
    return len(word.strip().encode("utf-8"))


def _shortest(clause: AbstractSet[str]) -> int:
    return min(_byte_length(w) for w in clause)


def _best(clauses: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective clause: the one whose shortest word is longest."""
    usable = [c for c in clauses if c and _shortest(c) >= MIN_WORD_BYTES]
    if not usable:
        return None
    return max(usable, key=lambda c: (_shortest(c), -len(c)))


def _is_space(item: object) -> bool:
    """``\\s`` or ``\\s+``: after ``normalise`` these always match exactly one space."""
    if isinstance(item, _Space):
        return True
    return isinstance(item, _Repeat) and item.least == 1 and isinstance(item.item, _Space)


def _leading(items: tuple[object, ...]) -> str:
    """The literal letters a sequence starts with."""
    letters = []
    for item in items:
        if isinstance(item, _Lit):
            letters.append(item.char)
        elif _is_space(item):
            letters.append(" ")
        elif not isinstance(item, _Zero):
            break
    return "".join(letters)


def _walk(items: tuple[object, ...]) -> list[frozenset[str]]:
    """Clauses (sets of alternative words) that every match of this sequence contains."""
    clauses: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            clauses.append(frozenset({"".join(run)}))
            run.clear()

    for item in items:
        if isinstance(item, _Lit):
            run.append(item.char)
        elif _is_space(item):
            run.append(" ")
        elif isinstance(item, _Zero):
            continue  # zero width: the letters on either side stay adjacent
        elif isinstance(item, _Group):
            # The letters just before a group, joined to each alternative's first letters,
            # make longer words ("kill " + "you|u" -> "kill you", "kill u").
            prefix = "".join(run)
            flush()
            chosen: set[str] = set()
            for alternative in item.alternatives:
                joined = prefix + _leading(alternative)
                options = [_walk(alternative)]
                if _byte_length(joined) >= MIN_WORD_BYTES:
                    options.append([frozenset({joined})])
                found = [b for b in (_best(o) for o in options) if b is not None]
                if not found:
                    chosen.clear()
                    break
                chosen |= max(found, key=_shortest)
            if chosen:
                clauses.append(frozenset(chosen))
        elif isinstance(item, _Repeat):
            flush()
            if item.least >= 1:
                clauses.extend(_walk((item.item,)))
        else:
            flush()
    flush()
    return clauses


def required_words(pattern: str) -> tuple[frozenset[str], ...]:
    """Clauses of literal words (3+ UTF-8 bytes) that any match of ``pattern`` contains.

    Conservative: it may miss words a match must contain, never the reverse. Used only to
    decide which rules can possibly match a text; the regex still decides.
    """
    tree = _Parser(pattern).parse()
    clauses = _walk((_Group(tree),)) if len(tree) > 1 else _walk(tree[0])
    usable = [c for c in clauses if c and _shortest(c) >= MIN_WORD_BYTES]
    unique: list[frozenset[str]] = []
    for clause in sorted(usable, key=lambda c: (-_shortest(c), sorted(c))):
        if clause not in unique:
            unique.append(clause)
    # A clause met by almost every message ("the", "you") costs time and filters nothing.
    telling = [c for c in unique if not {w.strip() for w in c} & _COMMON]
    return tuple(telling[:2] if telling else unique[:1])
