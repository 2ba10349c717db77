"""Analysis use cases on an open vault, shared by the web pages, the CLI and reports.

The analysis itself is pure (``case.analyse`` over ``CaseFacts``); this module loads the
facts, decides what "today" is in the vault's zone, and keeps saved assessments (record
kind "assessment": versioned, in the ledger, like every other record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from safetrail.analysis import risk, scan_cache, self_check
from safetrail.analysis.case import Analysis, analyse
from safetrail.analysis.helplines import law_info, local_help
from safetrail.analysis.loader import load_case
from safetrail.case import CaseContext
from safetrail.domain.when import zone
from safetrail.errors import RecordNotFound, ValidationError
from safetrail.i18n import _
from safetrail.services import settings
from safetrail.storage.records import Record
from safetrail.storage.tables import records

__all__ = [
    "SavedAssessment",
    "analyse_vault",
    "assessment",
    "assessments",
    "risk_questions",
    "save_risk",
    "save_self_check",
    "self_check_for",
    "today_in",
]


def today_in(vault: CaseContext, now: datetime | None = None) -> date:
    """Today's date where the person is (the vault's time zone)."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(zone(settings.current(vault).timezone)).date()


def analyse_vault(
    vault: CaseContext, today: date | None = None, with_impacts: bool = False
) -> Analysis:
    facts = load_case(vault, with_impacts=with_impacts)
    return analyse(facts, today or today_in(vault), memo=scan_cache.memo_for(vault))


def self_check_for(analysis: Analysis) -> self_check.SelfCheck:
    country = analysis.facts.country
    return self_check.prepare(analysis, law_info(country), local_help(country))


def risk_questions(analysis: Analysis) -> tuple[risk.RiskQuestion, ...]:
    return risk.prepare(analysis)


def _taken_on(given: date | None, vault: CaseContext) -> date:
    return given or today_in(vault)


def save_self_check(
    vault: CaseContext, outcome: self_check.CheckResult, taken_on: date | None = None
) -> Record:
    """Keep a dated copy of a self-check, when the person asks for one."""
    data: dict[str, Any] = {
        "type": "self_check",
        "taken_on": _taken_on(taken_on, vault).isoformat(),
        "answers": dict(sorted(outcome.answers.items())),
        "tactics": list(outcome.tactics),
    }
    with vault.write() as conn:
        return vault.store.create(conn, "assessment", data)


def save_risk(
    vault: CaseContext,
    answers: dict[str, str],
    from_log: dict[str, str | None] | None = None,
    taken_on: date | None = None,
) -> tuple[Record, risk.RiskResult]:
    """Save a risk screening as a dated assessment; at least one question must be answered."""
    outcome = risk.result(answers, _taken_on(taken_on, vault), from_log)
    if not outcome.answers:
        raise ValidationError(
            _("No question was answered, so there is nothing to save."),
            _("Answer the questions you can; you can leave the others empty."),
        )
    with vault.write() as conn:
        record = vault.store.create(conn, "assessment", outcome.to_json())
    return record, outcome


@dataclass(frozen=True)
class SavedAssessment:
    ref: str
    recorded_at: str
    result: risk.RiskResult


def _load_assessments(vault: CaseContext) -> list[Record]:
    with vault.read() as conn:
        ids = conn.execute(
            select(records.c.id)
            .where(records.c.kind == "assessment", records.c.voided.is_(False))
            .order_by(records.c.ref_no)
        ).scalars()
        return vault.store.load(conn, [str(i) for i in ids])


def assessments(vault: CaseContext) -> list[SavedAssessment]:
    """Saved risk screenings, oldest first."""
    return [
        SavedAssessment(r.ref, r.created_at, risk.from_json(r.data))
        for r in _load_assessments(vault)
        if r.data.get("type") == "risk"
    ]


def assessment(vault: CaseContext, ref: str) -> SavedAssessment:
    with vault.read() as conn:
        record = vault.store.get(conn, vault.store.resolve(conn, "assessment", ref))
    if record.data.get("type") != "risk" or record.voided:
        raise RecordNotFound(_("There is no saved risk check called {ref}.").format(ref=ref))
    return SavedAssessment(record.ref, record.created_at, risk.from_json(record.data))
