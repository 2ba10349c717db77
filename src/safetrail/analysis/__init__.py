"""Seeing the pattern: what a log shows when it is read as a whole.

Single incidents often look trivial; the series is what matters. This package turns the
log into plain figures and signals, each with the incidents behind it, for the web pages,
the command line and reports. Everything in it is pure (facts in, results out) except
``loader`` and ``service``, which read and write the vault.

* ``facts``: the input: ``IncidentFact``, ``CommunicationLog`` (columns, for a million
  messages), ``EventFact`` (notices, orders), ``PersonFact``, ``CaseFacts``.
* ``localtime``, ``timeline``: instants on the local calendar, exact across daylight saving;
  how precisely each incident's time is known.
* ``pattern``: counts per day, week and month; by kind, channel and person; weekday x hour;
  first and last, quiet gaps, streaks; places (``places``).
* ``threats`` (engine) and ``threat_rules`` (phrases and patterns): threat flags in English,
  Japanese and Korean, with the words that set each one off.
* ``escalation``: signals (rising rate, more serious behaviour, new kinds and channels,
  home/work/school, threats, rising fear, contact after a notice) and order breaches.
* ``case``: ``analyse(facts, today)``, everything above in one ``Analysis``.
* ``self_check``: "is this stalking?"; ``risk``: risk screening (red flags, never a score).
* ``charts``: PNG charts with text alternatives; ``helplines``: helplines and law.
* ``loader``: a vault into ``CaseFacts``; ``service``: the use cases the interfaces call.
"""

from safetrail.analysis.case import Analysis, analyse
from safetrail.analysis.facts import (
    CaseFacts,
    CommunicationFact,
    CommunicationLog,
    EventFact,
    IncidentFact,
    PersonFact,
)

__all__ = [
    "Analysis",
    "CaseFacts",
    "CommunicationFact",
    "CommunicationLog",
    "EventFact",
    "IncidentFact",
    "PersonFact",
    "analyse",
]
