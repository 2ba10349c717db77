"""One call that analyses a whole case: pattern, threat flags, signals and breaches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from safetrail.analysis import scan_cache
from safetrail.analysis.arranged import ArrangementCount, count_inside
from safetrail.analysis.detectors import DetectorFailure, DetectorRegistry, detect
from safetrail.analysis.escalation import Breach, Rules, Signal, TierStep, rate_marks
from safetrail.analysis.facts import CaseFacts, paused_gc
from safetrail.analysis.localtime import day_number
from safetrail.analysis.pattern import Pattern, count_pattern
from safetrail.analysis.threats import ThreatEngine, ThreatFlag, default_engine
from safetrail.analysis.timeline import DAY, ContactTable, IncidentTable

__all__ = ["Analysis", "analyse"]


@dataclass(frozen=True)
class Analysis:
    """Everything the pages, the CLI and reports show. Plain data, computed once."""

    today: date
    facts: CaseFacts
    table: IncidentTable
    contacts: ContactTable
    pattern: Pattern
    signals: tuple[Signal, ...]
    breaches: tuple[Breach, ...]
    tier_steps: tuple[TierStep, ...]
    rate_marks: tuple[date, ...]
    incident_flags: dict[int, ThreatFlag]  # by position in ``table``
    contact_flags: dict[int, ThreatFlag]  # by position in ``contacts``
    rules: Rules
    failures: tuple[DetectorFailure, ...] = ()
    arranged: tuple[ArrangementCount, ...] = ()  # records inside each permitted arrangement

    def signal(self, kind: str) -> Signal | None:
        return next((s for s in self.signals if s.kind == kind), None)


def analyse(
    facts: CaseFacts,
    today: date,
    rules: Rules | None = None,
    engine: ThreatEngine | None = None,
    registry: DetectorRegistry | None = None,
    memo: scan_cache.Memo | None = None,
) -> Analysis:
    """Analyse ``facts`` as of the local day ``today`` (windows end on it, inclusive);
    ``memo`` is the case's memory of texts the threat scan has read (``scan_cache``)."""
    with paused_gc():
        return _analyse(facts, today, rules or Rules(), engine, registry, memo)


def _scan(
    engine: ThreatEngine | None,
    table: IncidentTable,
    contacts: ContactTable,
    memo: scan_cache.Memo | None,
) -> tuple[dict[int, ThreatFlag], dict[int, ThreatFlag], str | None]:
    """Threat flags for incident notes and messages; a failing scan leaves both empty and
    its reason is reported by the threats detector."""
    try:
        threats = engine or default_engine()
        # each distinct text read once, and not again in the next analysis (scan_cache)
        incident_flags = scan_cache.scan(threats, [f.text for f in table.facts], memo)
        log_texts = contacts.log.texts
        contact_texts = [log_texts[i] for i in contacts.index.tolist()] if log_texts else []
        contact_flags = scan_cache.scan(threats, contact_texts, memo)
    except Exception as exc:  # reported as "could not be computed", never a crash
        return {}, {}, f"{type(exc).__name__}: {exc}"
    return incident_flags, contact_flags, None


def _analyse(
    facts: CaseFacts,
    today: date,
    chosen: Rules,
    engine: ThreatEngine | None,
    registry: DetectorRegistry | None,
    memo: scan_cache.Memo | None,
) -> Analysis:
    table = IncidentTable.build(facts.incidents)
    contacts = ContactTable.build(facts)
    pattern = count_pattern(facts, table, contacts, today)
    incident_flags, contact_flags, scan_error = _scan(engine, table, contacts, memo)
    found = detect(
        facts,
        table,
        contacts,
        today,
        chosen,
        incident_flags,
        contact_flags,
        scan_error,
        registry,
    )
    marks = rate_marks(
        table.clock.day[table.level <= DAY], day_number(today), chosen, chosen.min_recent
    )
    return Analysis(
        today=today,
        facts=facts,
        table=table,
        contacts=contacts,
        pattern=pattern,
        signals=found.signals,
        breaches=found.breaches,
        tier_steps=found.steps,
        rate_marks=tuple(marks),
        incident_flags=incident_flags,
        contact_flags=contact_flags,
        rules=chosen,
        failures=found.failures,
        arranged=count_inside(facts, table, contacts, incident_flags, contact_flags),
    )
