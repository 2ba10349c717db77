"""Each distinct text read by the threat detector once, however often it is analysed.

A case is analysed again and again while it is open (the Patterns page, the report, the
police sheet, the CLI), and its texts barely change between two analyses; many of them
also repeat within one case ("ok", "where are you"). ``scan`` asks the engine only about
texts it has not read before, each distinct one once, and remembers the answer (a flag, or
None for "not flagged") per engine.

The flags are the engine's own: a text's flag never depends on the other texts scanned
with it. What is remembered is text from the case, so it is bounded (``LIMIT`` texts; the
whole memory is dropped when a scan would pass it) and dropped by ``clear``, which the
analysis service registers to run when the vault closes (locks).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Sequence

from safetrail.analysis.threats import ThreatEngine, ThreatFlag

__all__ = ["LIMIT", "clear", "forget_at_close", "scan"]

#: at most this many distinct texts are remembered per engine
LIMIT = 1_500_000
#: characters of text given to the detector at once
PIECE_CHARS = 250_000

_MISSING = object()
_known: weakref.WeakKeyDictionary[ThreatEngine, dict[str, ThreatFlag | None]] = (
    weakref.WeakKeyDictionary()
)
_guard = threading.Lock()


def clear() -> None:
    """Forget every text (the vault is closing)."""
    with _guard:
        for known in _known.values():
            known.clear()
        _known.clear()


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


def forget_at_close(on_close: list[Callable[[], None]]) -> None:
    """Have ``clear`` run when the case closes (``CaseContext.on_close``), once."""
    if clear not in on_close:
        on_close.append(clear)


def scan(engine: ThreatEngine, texts: Sequence[str | None]) -> dict[int, ThreatFlag]:
    """``engine.scan(texts)``, reading only texts it has not read before."""
    with _guard:
        known = _known.get(engine)
        if known is None:
            known = _known[engine] = {}
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
