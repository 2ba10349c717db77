"""``safetrail analyze``, ``check`` and ``risk``: the pattern, the self-check, risk screening."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from safetrail.analysis import risk, self_check
from safetrail.analysis.case import Analysis
from safetrail.analysis.helplines import LocalHelp, local_help
from safetrail.analysis.serialize import analysis_json
from safetrail.analysis.service import (
    analyse_vault,
    assessment,
    assessments,
    risk_questions,
    save_risk,
    save_self_check,
    self_check_for,
)
from safetrail.analysis.text import day_text, short_text
from safetrail.cli import common
from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.errors import ValidationError
from safetrail.i18n import _

_ANSWER_WORDS = {
    "y": "yes",
    "yes": "yes",
    "n": "no",
    "no": "no",
    "?": "unsure",
    "u": "unsure",
    "unsure": "unsure",
    "not sure": "unsure",
}

BREACHES_SHOWN = 50

TodayOption = typer.Option(
    None, "--today", help="Analyse as of this date (YYYY-MM-DD) instead of today."
)


def _today(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            _("'{text}' is not a date like 2026-03-14.").format(text=text)
        ) from None


def _parse_answers(pairs: list[str], valid: tuple[str, ...] | list[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        word = _ANSWER_WORDS.get(value.strip().lower())
        if not sep or key not in valid or word is None:
            raise ValidationError(
                _("'{pair}' is not an answer SafeTrail understands.").format(pair=pair),
                _("Write question=yes, question=no or question=unsure; questions: {keys}.").format(
                    keys=", ".join(valid)
                ),
            )
        answers[key] = word
    return answers


def _print_help(help_: LocalHelp) -> None:
    console.print()
    console.print("[bold]" + _("Talk to someone who knows about stalking") + "[/bold]")
    line = _("In danger now: call {n}").format(n=help_.emergency)
    if help_.emergency_note:
        line += f" — {help_.emergency_note}"
    console.print(f"  {line}")
    for helpline in help_.helplines:
        extra = f" · {helpline.hours}" if helpline.hours else ""
        unchecked = " (" + _("not yet checked") + ")" if not helpline.verified else ""
        console.print(f"  {helpline.name}: {helpline.number}{extra}{unchecked}")
    if not help_.helplines:
        console.print(
            "  "
            + _(
                "Search for a stalking or domestic abuse helpline where you live, or ask your "
                "doctor or the police for a local victim support service."
            )
        )


# --- analyze -------------------------------------------------------------------------------


def _summary_table(found: Analysis) -> Table:
    p = found.pattern
    table = Table(title=_("Your log"), show_header=False)
    table.add_row(_("Incidents"), str(p.incidents))
    if p.contacts:
        table.add_row(_("Calls and messages from them"), str(p.contacts))
    if p.first and p.last:
        table.add_row(_("First"), f"{day_text(p.first)} ({p.first_ref})")
        table.add_row(_("Most recent"), f"{day_text(p.last)} ({p.last_ref})")
    if p.longest_gap:
        table.add_row(
            _("Longest quiet time"),
            _("{n} days, between {a} and {b}").format(
                n=p.longest_gap.days,
                a=day_text(p.longest_gap.after),
                b=day_text(p.longest_gap.before),
            ),
        )
    if p.days_since_last is not None:
        table.add_row(_("Days since the last one"), str(p.days_since_last))
    table.add_row(
        _("In a row, up to now"),
        _("{w} weeks, {d} days").format(w=p.streak_weeks, d=p.streak_days),
    )
    busiest = p.weeks.busiest()
    if busiest:
        table.add_row(
            _("Busiest week"),
            _("from {date}: {n}").format(date=day_text(busiest[0]), n=busiest[1]),
        )
    return table


def _tally_table(title: str, rows: list[tuple[str, int, int]], contacts: bool) -> Table:
    table = Table(title=title)
    table.add_column(_("Name"))
    table.add_column(_("Incidents"), justify="right")
    if contacts:
        table.add_column(_("Calls and messages"), justify="right")
    for label, incidents, calls in rows:
        table.add_row(label, str(incidents), *([str(calls)] if contacts else []))
    return table


def analyze(
    today: str | None = TodayOption,
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    vault: Path | None = VaultOption,
) -> None:
    """The pattern in your log and the changes worth noticing, with the incidents behind them."""
    with open_case(vault) as opened_vault:
        found = analyse_vault(opened_vault, _today(today))
    if as_json:
        console.print_json(json.dumps(analysis_json(found)))
        return
    p = found.pattern
    console.print(_summary_table(found))
    if p.by_tactic:
        console.print(
            _tally_table(
                _("Kinds of behaviour"), [(t.label, t.incidents, 0) for t in p.by_tactic], False
            )
        )
    if p.by_channel:
        console.print(
            _tally_table(
                _("How it reached you"),
                [(t.label, t.incidents, t.contacts) for t in p.by_channel],
                bool(p.contacts),
            )
        )
    if p.by_person:
        console.print(
            _tally_table(
                _("People"),
                [(t.label, t.incidents, t.contacts) for t in p.by_person],
                bool(p.contacts),
            )
        )
    console.print()
    if not found.signals:
        console.print(
            _(
                "Nothing stands out right now. That does not mean you are safe: trust your own "
                "sense of danger, and keep recording what happens."
            )
        )
    for signal in found.signals:
        mark = "[red]![/red] " if signal.urgent else "• "
        console.print(f"{mark}[bold]{signal.title}[/bold]")
        console.print(f"  {signal.detail}")
        for line in signal.lines:
            console.print(f"  - {line}")
        refs = [e.ref for e in signal.evidence if e.kind == "incident" and e.ref]
        if refs:
            shown = ", ".join(refs[:15])
            more = len(refs) - 15
            console.print(
                "  [dim]"
                + _("Incidents: {refs}").format(refs=shown)
                + (" " + _("and {n} more").format(n=more) if more > 0 else "")
                + "[/dim]"
            )
    for failure in found.failures:
        console.print(f"[yellow]?[/yellow] {failure.message}")
    if found.breaches:
        console.print()
        table = Table(title=_("Possible breaches of a protective order"))
        for column in (_("Date"), _("Order"), _("What"), _("Marked as a breach")):
            table.add_column(column)
        for b in found.breaches[:BREACHES_SHOWN]:
            table.add_row(
                day_text(b.on),
                b.order_ref or _("No order recorded"),
                f"{b.ref + ' ' if b.ref else ''}{short_text(b.summary, 80)}",
                _("yes") if b.recorded_as_breach else "",
            )
        console.print(table)
        if len(found.breaches) > BREACHES_SHOWN:
            console.print(
                _("The first {n} of {total} are shown; --json lists them all.").format(
                    n=BREACHES_SHOWN, total=len(found.breaches)
                )
            )
    if any(s.urgent for s in found.signals):
        _print_help(local_help(found.facts.country))


# --- check ---------------------------------------------------------------------------------


def _ask(question: str, default: str) -> str:
    """y / n / ? ; Enter keeps what the log suggests, or means "not sure" when it has none."""
    while True:
        answer = str(typer.prompt(question, default=default or "?", show_default=bool(default)))
        word = _ANSWER_WORDS.get(answer.strip().lower())
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
    given = _parse_answers(answer, keys)
    with open_case(vault) as opened_vault:
        found = analyse_vault(opened_vault, with_impacts=True)
        form = self_check_for(found)
        console.print(form.summary)
        console.print()
        answers: dict[str, str] = {}
        for number, question in enumerate(form.questions, start=1):
            console.print(f"[bold]{number}. {question.text}[/bold]")
            console.print(f"   [dim]{question.help}[/dim]")
            if question.from_log:
                console.print("   " + _("From your log:") + f" {question.from_log}")
            if question.key in given:
                answers[question.key] = given[question.key]
            elif common.interactive():
                answers[question.key] = _ask(_("   Your answer (y/n/?)"), question.suggested or "")
            else:
                answers[question.key] = question.suggested or "unsure"
        ticked = [t.slug for t in form.tactics if t.count] + list(tactic)
        outcome = self_check.result(form, answers, ticked)
        saved = save_self_check(opened_vault, outcome) if save else None
    console.print()
    console.print(f"[bold]{outcome.heading}[/bold]")
    console.print(outcome.message)
    for point in outcome.points:
        console.print(f"  - {point}")
    console.print()
    law = form.law
    console.print("[bold]" + _("What the law says where you live") + "[/bold]")
    if law.name:
        console.print(law.name)
    console.print(law.summary)
    if law.source:
        source = _("Source: {s}").format(s=law.source)
        console.print(f"[dim]{source}[/dim]")
    not_advice = _("This is general information, not legal advice.")
    console.print(f"[dim]{not_advice}[/dim]")
    _print_help(form.help)
    if saved is not None:
        ok(_("A dated copy is kept as {ref}.").format(ref=saved.ref))


# --- risk ----------------------------------------------------------------------------------


def _print_result(ref: str, result: risk.RiskResult, help_: LocalHelp) -> None:
    title = _("Risk check of {date}").format(date=day_text(result.taken_on))
    console.print(f"[bold]{title}[/bold] ({ref})")
    console.print(
        _(
            "Whatever your answers, please talk to a specialist now: they can judge the danger "
            "with you and help you plan."
        )
    )
    if result.serious:
        console.print(
            "[red]"
            + _(
                "Some answers are among the most serious warning signs. Please call a helpline "
                "today, and {n} if you are in danger now."
            ).format(n=help_.emergency)
            + "[/red]"
        )
    if result.flags:
        console.print()
        console.print(_("Red flags ({n}):").format(n=len(result.flags)))
        for flag in result.flags:
            mark = "[red]![/red]" if flag.serious else "•"
            console.print(f" {mark} {flag.text}")
            console.print(f"   [dim]{flag.why}[/dim]")
    else:
        console.print(
            _(
                "None of your answers was yes. That does not mean you are safe: risk can change "
                "quickly. Trust your own sense of danger."
            )
        )
    if result.unsure:
        console.print(
            _("Worth talking through: {items}").format(
                items="; ".join(f.text for f in result.unsure)
            )
        )
    _print_help(help_)


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
    given = _parse_answers(answer, list(risk.QUESTIONS))
    with open_case(vault) as opened_vault:
        if list_saved:
            saved = assessments(opened_vault)
            if not saved:
                console.print(_("No risk check saved yet. Run 'safetrail risk' to do one."))
            for item in saved:
                console.print(
                    f"{item.ref}  {day_text(item.result.taken_on)}  "
                    + _("{n} red flags").format(n=len(item.result.flags))
                )
            return
        if show:
            item = assessment(opened_vault, show)
            help_ = local_help(analyse_vault(opened_vault).facts.country)
            _print_result(item.ref, item.result, help_)
            return
        if compare:
            if len(compare) != 2:
                raise ValidationError(_("Give exactly two saved risk checks to compare."))
            first, second = sorted(
                (assessment(opened_vault, ref) for ref in compare), key=lambda s: s.recorded_at
            )
            change = risk.compare(first.result, second.result)
            console.print(
                _("From {a} ({ra}) to {b} ({rb}):").format(
                    a=day_text(change.earlier),
                    ra=first.ref,
                    b=day_text(change.later),
                    rb=second.ref,
                )
            )
            for label, flags in (
                (_("New red flags"), change.new),
                (_("Still there"), change.still),
                (_("No longer answered yes"), change.gone),
            ):
                console.print(f"[bold]{label} ({len(flags)})[/bold]")
                for flag in flags:
                    console.print(f"  • {flag.text}")
            return
        found = analyse_vault(opened_vault, with_impacts=True)
        asked = risk_questions(found)
        if questions or (not given and not use_log and not common.interactive()):
            for question in asked:
                console.print(f"[bold]{question.key}[/bold]: {question.text}")
                if question.from_log:
                    console.print("    " + _("From your log:") + f" {question.from_log}")
            if not questions:
                console.print(
                    _("Answer in a terminal, or give --answer question=yes (and --use-log).")
                )
            return
        answers: dict[str, str] = {}
        for question in asked:
            if question.key in given:
                answers[question.key] = given[question.key]
            elif use_log or not common.interactive():
                if question.suggested:
                    answers[question.key] = question.suggested
            else:
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
                word = _ANSWER_WORDS.get(reply.strip().lower())
                if word:
                    answers[question.key] = word
        record, result = save_risk(
            opened_vault, answers, {q.key: q.from_log for q in asked}, found.today
        )
        help_ = local_help(found.facts.country)
    ok(_("Saved as {ref}.").format(ref=record.ref))
    _print_result(record.ref, result, help_)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the main app."""
    app.command("analyze")(analyze)
    app.command("check")(check)
    app.command("risk")(risk_command)
