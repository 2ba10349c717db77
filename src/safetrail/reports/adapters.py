"""The two doors from reports into other parts of SafeTrail, each one small function:

* :func:`analysis_sections` — escalation signals and charts. It asks
  ``safetrail.analysis.report_sections(vault, case) -> AnalysisSections`` when the analysis
  package offers it, and otherwise falls back to plain counts and simple charts.
* :func:`communications_section` — imported communications. It asks
  ``safetrail.services.communications.for_report(vault, case) -> CommunicationsSection``
  when imports exist; until then every output says there are none.

Providers are looked up by name at run time so reports keep working (and type-check)
whichever parts are installed; wiring a provider is a change in this file only.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from safetrail.i18n import _
from safetrail.reports.charts import Chart, basic_charts
from safetrail.reports.facts import basic_signals
from safetrail.reports.model import CaseData
from safetrail.services.vault import Vault


@dataclass(frozen=True)
class AnalysisSections:
    signals: list[str]  # plain-language sentences, most important first
    charts: list[Chart]
    source: str  # who produced them, for the report's method note


@dataclass(frozen=True)
class CommunicationRow:
    at: str  # UTC ISO 8601
    direction: str  # "incoming", "outgoing", "missed", ...
    channel: str  # a channel slug
    counterpart: str  # phone in E.164, email or handle
    person_ref: str | None  # the person whose identifier matched, e.g. "P-001"
    text: str
    attachments: tuple[str, ...] = ()  # exhibit references
    source_sha256: str = ""  # the imported file
    importer: str = ""  # name and version
    position: str = ""  # where in the source file


@dataclass(frozen=True)
class CommunicationsSection:
    rows: list[CommunicationRow] = field(default_factory=list)

    def summary(self) -> list[tuple[str, str, str, int, str, str]]:
        """(counterpart, channel, direction, count, first, last) per group."""
        groups: Counter[tuple[str, str, str]] = Counter()
        first: dict[tuple[str, str, str], str] = {}
        last: dict[tuple[str, str, str], str] = {}
        for row in sorted(self.rows, key=lambda r: r.at):
            key = (row.counterpart, row.channel, row.direction)
            groups[key] += 1
            first.setdefault(key, row.at)
            last[key] = row.at
        return [(*key, n, first[key], last[key]) for key, n in sorted(groups.items())]


def _provider(module: str, name: str) -> Callable[..., Any] | None:
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    provider = getattr(found, name, None)
    return cast("Callable[..., Any]", provider) if callable(provider) else None


def analysis_sections(vault: Vault, case: CaseData, charts: bool = True) -> AnalysisSections:
    """Signals and (unless ``charts`` is False) charts for ``case``: the analysis package's
    when it offers them, else simple ones."""
    provider = _provider("safetrail.analysis", "report_sections")
    if provider is not None:
        return cast(AnalysisSections, provider(vault, case, charts=charts))
    return AnalysisSections(
        signals=basic_signals(case),
        charts=basic_charts(case) if charts else [],
        source=_("simple counts made by SafeTrail's report"),
    )


def communications_section(vault: Vault, case: CaseData) -> CommunicationsSection:
    """Imported communications in the scope of ``case`` (none until imports exist)."""
    provider = _provider("safetrail.services.communications", "for_report")
    if provider is not None:
        return cast(CommunicationsSection, provider(vault, case))
    return CommunicationsSection()
