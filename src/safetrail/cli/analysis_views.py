"""What ``analyze``, ``check`` and ``risk`` print: the pattern, the outcome, the red flags."""

from __future__ import annotations

from rich.table import Table

from safetrail.analysis import risk, self_check
from safetrail.analysis.case import Analysis
from safetrail.analysis.helplines import LocalHelp, local_help
from safetrail.analysis.service import SavedAssessment
from safetrail.analysis.text import day_text, short_text
from safetrail.cli.common import console
from safetrail.i18n import _
from safetrail.services.risk_checks import SavedComparison

BREACHES_SHOWN = 50
REFS_SHOWN = 15


def print_help(help_: LocalHelp) -> None:
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


def _print_tallies(found: Analysis) -> None:
    p = found.pattern
    if p.by_tactic:
        rows = [(t.label, t.incidents, 0) for t in p.by_tactic]
        console.print(_tally_table(_("Kinds of behaviour"), rows, False))
    for title, tallies in ((_("How it reached you"), p.by_channel), (_("People"), p.by_person)):
        if tallies:
            rows = [(t.label, t.incidents, t.contacts) for t in tallies]
            console.print(_tally_table(title, rows, bool(p.contacts)))


def _print_signals(found: Analysis) -> None:
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
            shown = ", ".join(refs[:REFS_SHOWN])
            more = len(refs) - REFS_SHOWN
            console.print(
                "  [dim]"
                + _("Incidents: {refs}").format(refs=shown)
                + (" " + _("and {n} more").format(n=more) if more > 0 else "")
                + "[/dim]"
            )
    for failure in found.failures:
        console.print(f"[yellow]?[/yellow] {failure.message}")


def _print_breaches(found: Analysis) -> None:
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


def print_analysis(found: Analysis) -> None:
    """The whole ``analyze`` printout, with the help nearby when a signal is urgent."""
    console.print(_summary_table(found))
    _print_tallies(found)
    console.print()
    _print_signals(found)
    if found.breaches:
        _print_breaches(found)
    if any(s.urgent for s in found.signals):
        print_help(local_help(found.facts.country))


# --- check ---------------------------------------------------------------------------------


def print_question(number: int, question: self_check.CheckQuestion) -> None:
    console.print(f"[bold]{number}. {question.text}[/bold]")
    console.print(f"   [dim]{question.help}[/dim]")
    if question.from_log:
        console.print("   " + _("From your log:") + f" {question.from_log}")


def print_outcome(form: self_check.SelfCheck, outcome: self_check.CheckResult) -> None:
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
    print_help(form.help)


# --- risk ----------------------------------------------------------------------------------


def print_result(ref: str, result: risk.RiskResult, help_: LocalHelp) -> None:
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
    print_help(help_)


def print_saved(saved: list[SavedAssessment]) -> None:
    if not saved:
        console.print(_("No risk check saved yet. Run 'safetrail risk' to do one."))
    for item in saved:
        console.print(
            f"{item.ref}  {day_text(item.result.taken_on)}  "
            + _("{n} red flags").format(n=len(item.result.flags))
        )


def print_comparison(compared: SavedComparison) -> None:
    change = compared.change
    console.print(
        _("From {a} ({ra}) to {b} ({rb}):").format(
            a=day_text(change.earlier),
            ra=compared.first.ref,
            b=day_text(change.later),
            rb=compared.second.ref,
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


def print_risk_questions(asked: tuple[risk.RiskQuestion, ...], listing_only: bool) -> None:
    for question in asked:
        console.print(f"[bold]{question.key}[/bold]: {question.text}")
        if question.from_log:
            console.print("    " + _("From your log:") + f" {question.from_log}")
    if not listing_only:
        console.print(_("Answer in a terminal, or give --answer question=yes (and --use-log)."))
