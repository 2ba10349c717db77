"""Each distinct text read by the threat detector once, however often it is analysed.

A case is analysed again and again while it is open (the Patterns page, the report, the
police sheet, the CLI), and its texts barely change between two analyses; many of them
also repeat within one case ("ok", "where are you"). ``scan`` asks the engine only about
texts it has not read before, each distinct one once, and remembers the answer (a flag, or
None for "not flagged") in a :class:`Memo`.

The flags are the engine's own: a text's flag never depends on the other texts scanned
with it. What is remembered is text from the case, so a memo belongs to one case: it is
kept in the case's own cache (``memo_for``), which is emptied when the case closes
(locks), and never shared between cases — on a server, one process serves many cases.
It is bounded (``LIMIT`` texts; everything is dropped when a scan would pass it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, islice, repeat
from operator import is_, is_not
from typing import TYPE_CHECKING

from safetrail.analysis.threats import ThreatEngine, ThreatFlag

if TYPE_CHECKING:
    from safetrail.case import CaseContext

__all__ = ["LIMIT", "Memo", "memo_for", "scan"]

#: at most this many distinct texts are remembered per case
LIMIT = 1_500_000
#: characters of text given to the detector at once
PIECE_CHARS = 40_000_000
#: the key of a case's memo in ``CaseContext.cache``
CACHE_KEY = "threat-scan"

_MISSING = object()


class Memo:
    """The flags one engine gave to the texts of one case."""

    def __init__(self) -> None:
        self.engine: ThreatEngine | None = None
        self.known: dict[str, ThreatFlag | None] = {}

    def for_engine(self, engine: ThreatEngine) -> dict[str, ThreatFlag | None]:
        if self.engine is not engine:  # another engine's flags are not this one's
            self.engine, self.known = engine, {}
        return self.known


def memo_for(ctx: CaseContext) -> Memo:
    """The case's memo, kept in its cache (so it goes when the case closes)."""
    memo = ctx.cache.get(CACHE_KEY)
    if not isinstance(memo, Memo):
        memo = ctx.cache[CACHE_KEY] = Memo()
    return memo


def _pieces(texts: Sequence[str]) -> Iterator[tuple[int, int]]:
    """(start, stop) of consecutive pieces of ``texts`` of about ``PIECE_CHARS`` characters:
    the detector's memory grows with the text it reads at once, so a very large case is read
    piece by piece, each piece still large enough that reading it in one go pays."""
    if sum(map(len, texts)) < PIECE_CHARS:
        yield 0, len(texts)
        return
    start = size = 0
    for stop, text in enumerate(texts, start=1):
        size += len(text)
        if size >= PIECE_CHARS:
            yield start, stop
            start, size = stop, 0
    if start < len(texts):
        yield start, len(texts)


def scan(
    engine: ThreatEngine, texts: Sequence[str | None], memo: Memo | None = None
) -> dict[int, ThreatFlag]:
    """``engine.scan(texts)``, reading only texts ``memo`` has not seen (each distinct
    text once even without a memo)."""
    memo = memo or Memo()
    known = memo.for_engine(engine)
    count = len(texts)
    found: dict[int, ThreatFlag] = {}
    # Every loop over the texts runs in C (a case can hold a million of them).
    if known:
        # One look-up per text: a flag, None (read before, not flagged) or _MISSING.
        got: list[object] = list(map(known.get, texts, repeat(_MISSING, count)))  # type: ignore[arg-type]
        flagged_at = compress(range(count), map(isinstance, got, repeat(ThreatFlag, count)))
        found.update((i, got[i]) for i in flagged_at)  # type: ignore[misc]
        unread: Iterable[str | None] = compress(texts, map(is_, got, repeat(_MISSING, count)))
        missing = count - got.count(None) - len(found)
    else:
        unread, missing = texts, count
    if not missing:
        return found
    if len(known) + missing > LIMIT:
        known.clear()
    # New texts are added at the end of the memo (None: "not flagged" until read), each
    # distinct one once, in the order they first appear.
    before = len(known)
    known.update(zip(filter(None, unread), repeat(None)))
    fresh: list[str] = list(islice(known, before, None))
    flagged: dict[str, ThreatFlag] = {}
    try:
        for start, stop in _pieces(fresh):
            for number, flag in engine.scan(fresh[start:stop]).items():
                flagged[fresh[start + number]] = flag
    except BaseException:
        for text in fresh:  # not read after all: not remembered as "not flagged"
            known.pop(text, None)
        raise
    if not flagged:
        return found
    known.update(flagged)
    hits = map(flagged.get, texts)  # type: ignore[arg-type]
    for i in compress(range(count), map(is_not, hits, repeat(None, count))):
        found[i] = flagged[texts[i]]  # type: ignore[index]
    return dict(sorted(found.items()))  # by position, as the engine gives them
