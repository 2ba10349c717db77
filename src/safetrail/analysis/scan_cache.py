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

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from safetrail.analysis.threats import ThreatEngine, ThreatFlag

if TYPE_CHECKING:
    from safetrail.case import CaseContext

__all__ = ["LIMIT", "Memo", "memo_for", "scan"]

#: at most this many distinct texts are remembered per case
LIMIT = 1_500_000
#: characters of text given to the detector at once
PIECE_CHARS = 250_000
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
    the detector's memory grows with the text it reads at once (its character n-grams),
    so a case's texts are read piece by piece, each piece still large enough to be cheap."""
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
    known = (memo or Memo()).for_engine(engine)
    found: dict[int, ThreatFlag] = {}
    unread: dict[str, list[int]] = {}
    get = known.get
    for index, text in enumerate(texts):
        if not text:
            continue
        flag = get(text, _MISSING)
        if flag is _MISSING:
            unread.setdefault(text, []).append(index)
        elif flag is not None:
            found[index] = flag  # type: ignore[assignment]
    if not unread:
        return found
    fresh = list(unread)
    flags: dict[int, ThreatFlag] = {}
    for start, stop in _pieces(fresh):
        flags.update((start + i, flag) for i, flag in engine.scan(fresh[start:stop]).items())
    if len(known) + len(fresh) > LIMIT:
        known.clear()
    for number, text in enumerate(fresh):
        flag = flags.get(number)
        known[text] = flag
        if flag is not None:
            for index in unread[text]:
                found[index] = flag
    return dict(sorted(found.items()))  # by position, as the engine gives them
