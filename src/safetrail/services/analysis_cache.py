"""One analysis per state of a case, kept with the case (never per process).

A page and its three charts would otherwise analyse the whole log four times. The result
is kept in the case's own cache (``CaseContext.cache``, in server memory only), keyed by
the ledger head (any change to the case moves it), today's date and the language (the
signals are worded when they are computed), and dropped with the case when it is closed
(the vault locks). Each case has its own lock, so the charts of one page wait for one
analysis while other cases are served at once.

A case may also have a store of kept results (``CaseContext.kept``, sealed under a key
derived from the case key). On the server (a case opened per request) the analysis is
looked up there first and kept there once computed, per view of the case, so the next
request, on any web process, does not analyse the case again until it changes. On the
server and in a personal vault the threat scan's memory of texts (``analysis.scan_cache``)
is kept there too, apart from the ledger: after a change or an unlock, only the texts the
scan has not read before are read. A personal vault keeps only that memory (its analysis
of a large case is bigger to keep than to compute again).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from safetrail.analysis import scan_cache
from safetrail.analysis.case import Analysis
from safetrail.analysis.service import analyse_vault, today_in
from safetrail.analysis.threats import default_engine
from safetrail.case import CaseContext
from safetrail.i18n import current_language
from safetrail.storage import ledger

SLOT = "analysis"
LOCK = "analysis_lock"
MEMO_SLOT = "threat-scan"
#: a memory of more texts than this is not kept between openings (it would be slow to move)
MEMO_KEPT_TEXTS = 200_000


@dataclass
class _Cached:
    key: tuple[int, date, bool, str]
    analysis: Analysis


def case_analysis(ctx: CaseContext, with_impacts: bool = False) -> Analysis:
    """The analysis of the case as it is now (computed once per change and per day)."""
    guard = ctx.cache.setdefault(LOCK, threading.Lock())  # dict.setdefault is atomic
    with guard:
        with ctx.read() as conn:
            head = ledger.head(conn)
        key = (head.seq if head else 0, today_in(ctx), with_impacts, current_language())
        slots: dict[bool, _Cached] = ctx.cache.setdefault(SLOT, {})
        cached = slots.get(with_impacts)
        if cached is None or cached.key != key:
            found = _kept_or_analysed(ctx, key, head.entry_hash if head else "")
            cached = slots[with_impacts] = _Cached(key, found)
        return cached.analysis


def _kept_or_analysed(
    ctx: CaseContext, key: tuple[int, date, bool, str], head_hash: str
) -> Analysis:
    if ctx.kept is None:
        return analyse_vault(ctx, key[1], key[2])
    seq, day, with_impacts, language = key
    # one kept copy per language (a person and their advocates may read different ones)
    slot = f"{SLOT}{'+impacts' if with_impacts else ''}:{language}"
    version = f"{seq}:{head_hash}:{day.isoformat()}"
    found = ctx.kept.load(slot, version)
    if not isinstance(found, Analysis):
        memo = scan_cache.memo_for(ctx)
        if not memo.known:  # what the scan read at earlier states of the case
            known = ctx.kept.load(MEMO_SLOT, "texts")
            if isinstance(known, dict):
                memo.engine, memo.known = default_engine(), known
        read_before = len(memo.known)
        found = analyse_vault(ctx, day, with_impacts)
        ctx.kept.save(slot, version, seq, found)
        limit = getattr(ctx.kept, "memo_texts", MEMO_KEPT_TEXTS)  # a store may move more
        if read_before < len(memo.known) <= limit:
            ctx.kept.save(MEMO_SLOT, "texts", -1, memo.known)  # -1: not tied to the ledger
    return found
