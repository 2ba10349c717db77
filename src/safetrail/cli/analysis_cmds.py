"""``safetrail analyze``, ``check`` and ``risk``: the pattern, the self-check, risk screening."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from safetrail.analysis import risk, self_check
from safetrail.analysis.helplines import local_help
from safetrail.analysis.serialize import analysis_json
from safetrail.analysis.service import (
    analyse_vault,
    assessments,
    risk_questions,
    save_risk,
    save_self_check,
    self_check_for,
)
from safetrail.cli import analysis_views as views
from safetrail.cli import common
from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.i18n import _
from safetrail.services import risk_checks

TodayOption = typer.Option(
    None, "--today", help="Analyse as of this date (YYYY-MM-DD) instead of today."
)


def analyze(
    today: str | None = TodayOption,
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    vault: Path | None = VaultOption,
) -> None:
    """The pattern in your log and the changes worth noticing, with the incidents behind them."""
    with open_case(vault) as opened_vault:
        found = analyse_vault(opened_vault, common.parse_day(today))
    if as_json:
        console.print_json(json.dumps(analysis_json(found)))
        return
    views.print_analysis(found)


# --- check ---------------------------------------------------------------------------------


def _ask(question: str, default: str) -> str:
    """y / n / ? ; Enter keeps what the log suggests, or means "not sure" when it has none."""
    while True:
        answer = str(typer.prompt(question, default=default or "?", show_default=bool(default)))
        word = risk_checks.answer_word(answer)
        if word:
            return word
        console.print(_("Please answer y (yes), n (no) or ? (not sure)."))


def check(
    answer: list[str] = typer.Option(
        [], "--answer", help="against_will|repeated|afraid = yes/no/unsure (repeatable)."
    ),
    tactic: list[str] = typer.Option([], "--tactic", help="Something else they did (repeatable)."),
    save: bool = typer.Option(False, "--save", help="Keep a dated copy in the vault."),
    vault: Path | None = VaultOption,
) -> None:
    """Is this stalking? A guided self-check, answered from your log where it can be."""
    keys = [key for key, _t, _h in self_check.QUESTIONS]
    given = risk_checks.parse_answers(answer, keys)
    with open_case(vault) as opened_vault:
        found = analyse_vault(opened_vault, with_impacts=True)
        form = self_check_for(found)
        console.print(form.summary)
        console.print()
        answers: dict[str, str] = {}
        for number, question in enumerate(form.questions, start=1):
            views.print_question(number, question)
            if question.key in given:
                answers[question.key] = given[question.key]
            elif common.interactive():
                answers[question.key] = _ask(_("   Your answer (y/n/?)"), question.suggested or "")
            else:
                answers[question.key] = question.suggested or "unsure"
        ticked = [t.slug for t in form.tactics if t.count] + list(tactic)
        outcome = self_check.result(form, answers, ticked)
        saved = save_self_check(opened_vault, outcome) if save else None
    views.print_outcome(form, outcome)
    if saved is not None:
        ok(_("A dated copy is kept as {ref}.").format(ref=saved.ref))


# --- risk ----------------------------------------------------------------------------------


def _ask_risk(question: risk.RiskQuestion) -> str | None:
    console.print(f"[bold]{question.text}[/bold]")
    if question.from_log:
        console.print("   " + _("From your log:") + f" {question.from_log}")
    reply = str(
        typer.prompt(
            _("   y / n / ? (Enter to skip)"),
            default=question.suggested or "",
            show_default=bool(question.suggested),
        )
    )
    return risk_checks.answer_word(reply)


def risk_command(
    answer: list[str] = typer.Option(
        [], "--answer", help="question=yes/no/unsure (repeatable); see --questions."
    ),
    use_log: bool = typer.Option(
        False, "--use-log", help="Accept the answers your log suggests without asking."
    ),
    questions: bool = typer.Option(False, "--questions", help="List the questions and stop."),
    list_saved: bool = typer.Option(False, "--list", help="List saved risk checks."),
    show: str | None = typer.Option(None, "--show", help="Show a saved risk check, e.g. RA-001."),
    compare: list[str] = typer.Option(
        [], "--compare", help="Compare two saved risk checks (give --compare twice)."
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Risk screening: the red flags present, to talk through with a specialist. Saved, dated."""
    given = risk_checks.parse_answers(answer, list(risk.QUESTIONS))
    with open_case(vault) as opened_vault:
        if list_saved:
            views.print_saved(assessments(opened_vault))
            return
        if show:
            item, help_ = risk_checks.saved_with_help(opened_vault, show)
            views.print_result(item.ref, item.result, help_)
            return
        if compare:
            views.print_comparison(risk_checks.compare_saved(opened_vault, compare))
            return
        found = analyse_vault(opened_vault, with_impacts=True)
        asked = risk_questions(found)
        if questions or (not given and not use_log and not common.interactive()):
            views.print_risk_questions(asked, listing_only=questions)
            return
        answers: dict[str, str] = {}
        for question in asked:
            if question.key in given:
                answers[question.key] = given[question.key]
            elif use_log or not common.interactive():
                if question.suggested:
                    answers[question.key] = question.suggested
            else:
                word = _ask_risk(question)
                if word:
                    answers[question.key] = word
        record, result = save_risk(
            opened_vault, answers, {q.key: q.from_log for q in asked}, found.today
        )
        help_ = local_help(found.facts.country)
    ok(_("Saved as {ref}.").format(ref=record.ref))
    views.print_result(record.ref, result, help_)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the main app."""
    app.command("analyze")(analyze)
    app.command("check")(check)
    app.command("risk")(risk_command)
