"""One analysis per state of a case, kept with the case (never per process).

A page and its three charts would otherwise analyse the whole log four times. The result
is kept in the case's own cache (``CaseContext.cache``, in server memory only), keyed by
the ledger head (any change to the case moves it) and today's date, and dropped with the
case when it is closed (the vault locks). Each case has its own lock, so the charts of one
page wait for one analysis while other cases are served at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from safetrail.analysis.case import Analysis
from safetrail.analysis.service import analyse_vault, today_in
from safetrail.case import CaseContext
from safetrail.storage import ledger

SLOT = "analysis"
LOCK = "analysis_lock"


@dataclass
class _Cached:
    key: tuple[int, date, bool]
    analysis: Analysis


def case_analysis(ctx: CaseContext, with_impacts: bool = False) -> Analysis:
    """The analysis of the case as it is now (computed once per change and per day)."""
    guard = ctx.cache.setdefault(LOCK, threading.Lock())  # dict.setdefault is atomic
    with guard:
        with ctx.read() as conn:
            head = ledger.head(conn)
        key = (head.seq if head else 0, today_in(ctx), with_impacts)
        slots: dict[bool, _Cached] = ctx.cache.setdefault(SLOT, {})
        cached = slots.get(with_impacts)
        if cached is None or cached.key != key:
            found = analyse_vault(ctx, key[1], with_impacts)
            cached = slots[with_impacts] = _Cached(key, found)
        return cached.analysis
