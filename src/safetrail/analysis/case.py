"""One call that analyses a whole case: pattern, threat flags, signals and breaches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from safetrail.analysis.escalation import Breach, Rules, Signal, TierStep, detect, rate_marks
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

    def signal(self, kind: str) -> Signal | None:
        return next((s for s in self.signals if s.kind == kind), None)


def analyse(
    facts: CaseFacts,
    today: date,
    rules: Rules | None = None,
    engine: ThreatEngine | None = None,
) -> Analysis:
    """Analyse ``facts`` as of the local day ``today`` (windows end on it, inclusive)."""
    with paused_gc():
        return _analyse(facts, today, rules or Rules(), engine or default_engine())


def _analyse(facts: CaseFacts, today: date, chosen: Rules, threats: ThreatEngine) -> Analysis:
    table = IncidentTable.build(facts.incidents)
    contacts = ContactTable.build(facts)
    pattern = count_pattern(facts, table, contacts, today)
    incident_flags = threats.scan([f.text for f in table.facts])
    log_texts = contacts.log.texts
    contact_texts = [log_texts[i] for i in contacts.index.tolist()] if log_texts else []
    contact_flags = threats.scan(contact_texts)
    signals, breaches, steps = detect(
        facts, table, contacts, today, chosen, incident_flags, contact_flags
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
        signals=tuple(signals),
        breaches=tuple(breaches),
        tier_steps=tuple(steps),
        rate_marks=tuple(marks),
        incident_flags=incident_flags,
        contact_flags=contact_flags,
        rules=chosen,
    )
