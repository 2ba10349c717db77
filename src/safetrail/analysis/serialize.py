"""The analysis as JSON: one shape for ``analyze --json``, the case bundle and reports.

Every output that lists signals uses ``signals_json`` over the same ``Analysis``, so the
command line, the bundle and the police sheet cannot disagree.
"""

from __future__ import annotations

from typing import Any

from safetrail.analysis.case import Analysis
from safetrail.analysis.escalation import Evidence, Signal

__all__ = ["analysis_json", "signal_json", "signals_json"]


def _evidence(e: Evidence) -> dict[str, Any]:
    return {"kind": e.kind, "on": e.on.isoformat(), "ref": e.ref, "count": e.count}


def signal_json(s: Signal) -> dict[str, Any]:
    return {
        "kind": s.kind,
        "title": s.title,
        "detail": s.detail,
        "lines": list(s.lines),
        "urgent": s.urgent,
        "recent": s.recent,
        "first_on": s.first_on.isoformat() if s.first_on else None,
        "evidence": [e.ref for e in s.evidence if e.kind == "incident"],
        "evidence_items": [_evidence(e) for e in s.evidence],
        "evidence_total": s.evidence_total,
    }


def _person_ref(found: Analysis, person_id: str) -> str | None:
    person = found.facts.person(person_id)
    return person.ref if person else None


def signals_json(found: Analysis) -> dict[str, Any]:
    """The signals, and the detectors that could not be computed."""
    return {
        "signals": [signal_json(s) for s in found.signals],
        "could_not_compute": [f.to_json() for f in found.failures],
    }


def analysis_json(found: Analysis) -> dict[str, Any]:
    p = found.pattern
    return {
        "today": found.today.isoformat(),
        "incidents": p.incidents,
        "contacts": p.contacts,
        "first": p.first.isoformat() if p.first else None,
        "last": p.last.isoformat() if p.last else None,
        "longest_gap_days": p.longest_gap.days if p.longest_gap else None,
        "streak_days": p.streak_days,
        "streak_weeks": p.streak_weeks,
        "by_tactic": {t.key: t.incidents for t in p.by_tactic},
        "by_channel": {t.key: [t.incidents, t.contacts] for t in p.by_channel},
        **signals_json(found),
        "breaches": [
            {
                "on": b.on.isoformat(),
                "order": b.order_ref,
                "source": b.source,
                "ref": b.ref,
                "count": b.count,
                "recorded_as_breach": b.recorded_as_breach,
            }
            for b in found.breaches
        ],
        "arrangements": [
            {
                "ref": a.arrangement.ref,
                "person": _person_ref(found, a.arrangement.person_id),
                "summary": a.arrangement.summary,
                "source": a.arrangement.source,
                "incidents_inside": a.incidents,
                "contacts_inside": a.contacts,
                "flagged_inside": a.flagged,
            }
            for a in found.arranged
        ],
    }
