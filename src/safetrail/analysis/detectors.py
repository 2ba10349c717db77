"""The signal detectors, each one isolated from the others.

Every detector is a small function of a ``DetectionContext`` that returns the signals it
found. They are kept in a registry (as importers are): ``detect`` runs each one on its own,
and one that fails is reported as "could not be computed", with the reason, while every
other signal still appears on the Patterns page, in the command line and in every report.

Adding a detector is ``REGISTRY.register(Detector(...))`` (or ``with REGISTRY.added(...)``
for a while, as the tests do).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from safetrail.analysis.escalation import (
    Breach,
    DetectionContext,
    Rules,
    Signal,
    TierStep,
    find_after_notice,
    find_fear,
    find_new_tier,
    find_news,
    find_order_breaches,
    find_places,
    find_rising,
    find_threats,
)
from safetrail.analysis.facts import CaseFacts
from safetrail.analysis.localtime import day_number
from safetrail.analysis.threats import ThreatFlag
from safetrail.analysis.timeline import ContactTable, IncidentTable
from safetrail.i18n import N_, _

__all__ = [
    "REGISTRY",
    "Detection",
    "Detector",
    "DetectorFailure",
    "DetectorRegistry",
    "detect",
]

log = logging.getLogger("safetrail.analysis")

Finder = Callable[[DetectionContext], Sequence[Signal]]


@dataclass(frozen=True)
class Detector:
    """One kind of signal: a stable name, what it looks for (a msgid) and the function."""

    name: str
    label: str
    find: Finder


@dataclass(frozen=True)
class DetectorFailure:
    """A detector that raised: nothing it would have found is shown, and this says so."""

    name: str
    label: str  # translated
    reason: str

    @property
    def message(self) -> str:
        return _("{label}: could not be computed ({reason}).").format(
            label=self.label, reason=self.reason
        )

    def to_json(self) -> dict[str, str]:
        return {"detector": self.name, "label": self.label, "reason": self.reason}


@dataclass(frozen=True)
class Detection:
    signals: tuple[Signal, ...]
    breaches: tuple[Breach, ...]
    steps: tuple[TierStep, ...]
    failures: tuple[DetectorFailure, ...]


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class DetectorRegistry:
    """The detectors in the order they run; names are unique."""

    def __init__(self, detectors: Sequence[Detector] = ()) -> None:
        self._detectors: dict[str, Detector] = {}
        for detector in detectors:
            self.register(detector)

    def register(self, detector: Detector) -> None:
        if detector.name in self._detectors:
            raise ValueError(f"a detector called {detector.name!r} is already registered")
        self._detectors[detector.name] = detector

    def unregister(self, name: str) -> Detector:
        return self._detectors.pop(name)

    @contextmanager
    def added(self, detector: Detector) -> Iterator[Detector]:
        """``detector`` is registered inside the ``with`` block only."""
        self.register(detector)
        try:
            yield detector
        finally:
            self._detectors.pop(detector.name, None)

    def all(self) -> tuple[Detector, ...]:
        return tuple(self._detectors.values())

    def run(self, ctx: DetectionContext) -> tuple[list[Signal], list[DetectorFailure]]:
        signals: list[Signal] = []
        failures: list[DetectorFailure] = []
        for detector in self.all():
            try:
                found = list(detector.find(ctx))
            except Exception as exc:  # one detector's bug must not hide the other signals
                log.exception("the %s detector failed", detector.name)
                failures.append(DetectorFailure(detector.name, _(detector.label), _reason(exc)))
                continue
            signals.extend(found)
        return signals, failures


REGISTRY = DetectorRegistry(
    [
        Detector("rising", N_("Whether it is happening more often"), find_rising),
        Detector("new_tier", N_("More serious behaviour than before"), find_new_tier),
        Detector("new", N_("New kinds of behaviour and new channels"), find_news),
        Detector("places", N_("Places that are part of your life"), find_places),
        Detector("threats", N_("Threats"), find_threats),
        Detector("fear", N_("Whether you have been feeling more afraid"), find_fear),
        Detector("after_notice", N_("Contact after a no-contact notice"), find_after_notice),
        Detector(
            "order_breach", N_("Possible breaches of a protective order"), find_order_breaches
        ),
    ]
)


def detect(
    facts: CaseFacts,
    table: IncidentTable,
    contacts: ContactTable,
    today: date,
    rules: Rules,
    incident_flags: dict[int, ThreatFlag],
    contact_flags: dict[int, ThreatFlag],
    threat_scan_error: str | None = None,
    registry: DetectorRegistry | None = None,
) -> Detection:
    """Every signal that holds on ``today``, the breach list, the severity steps, and the
    detectors that could not be computed."""
    ctx = DetectionContext(
        facts,
        table,
        contacts,
        day_number(today),
        rules,
        incident_flags,
        contact_flags,
        threat_scan_error,
    )
    signals, failures = (registry or REGISTRY).run(ctx)
    signals.sort(key=lambda s: (not s.urgent, not s.recent))
    return Detection(tuple(signals), tuple(ctx.found_breaches), tuple(ctx.steps), tuple(failures))
