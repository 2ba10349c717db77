"""``safetrail incident``: add (full or quick), list, show, amend, void."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safetrail.cli import common
from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.domain import vocab
from safetrail.domain.when import OccurredAt, parse_when
from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.services import incidents, settings
from safetrail.services.incidents import IncidentFilter, IncidentInput, Witness
from safetrail.storage.records import utc_stamp

app = typer.Typer(help="Record and review incidents.", no_args_is_help=True)


def _witness(text: str) -> Witness:
    name, _sep, contact = text.partition(",")
    return Witness(name.strip(), contact.strip() or None)


def _yes_no(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in {"y", "yes", "true", "1"}


def _ask_until_valid(question: str, check: Callable[[str], object], default: str = "") -> str:
    """Ask again after a mistake instead of failing: nothing typed so far is lost."""
    while True:
        answer = str(typer.prompt(question, default=default, show_default=False))
        if not answer.strip() and default == "":
            return ""
        try:
            check(answer)
        except ValidationError as exc:
            console.print(f"[yellow]{exc.message}[/yellow] {exc.hint}")
            continue
        return answer


def _prompt_missing(
    what: str | None, when: str | None, tactic: list[str], tz: str
) -> tuple[str, str, list[str]]:
    """Ask only what was not given on the command line (quick questions, calm wording)."""
    if when is None:
        when = _ask_until_valid(
            _("When did it happen? (Enter for now, or e.g. 2026-03-14 18:30)"),
            lambda text: parse_when(text, tz),
            default="now",
        )
    while not what or not what.strip():
        what = str(typer.prompt(_("What happened? A few words are enough")))
    if not tactic:
        answer = _ask_until_valid(
            _(
                "What kind of behaviour? (short name, or Enter to skip; "
                "'safetrail tactics' lists them)"
            ),
            vocab.tactic,
        )
        tactic = [answer] if answer.strip() else []
    return what, when, tactic


@app.command("add")
def add(
    what: str | None = typer.Option(None, "--what", help="What happened."),
    when: str | None = typer.Option(None, "--when", help="When (ISO 8601, default now)."),
    where: str | None = typer.Option(None, "--where", help="Where it happened."),
    tactic: list[str] = typer.Option([], "--tactic", help="Kind of behaviour (repeatable)."),
    channel: str | None = typer.Option(None, help="How it reached you, e.g. phone_call."),
    offender: list[str] = typer.Option([], "--offender", help="Person ref, e.g. P-001."),
    witness: list[str] = typer.Option([], "--witness", help='"Name, contact" (repeatable).'),
    fear: int | None = typer.Option(None, min=0, max=4, help="How afraid you felt, 0–4."),
    impact: list[str] = typer.Option([], "--impact", help="Effect on your life (repeatable)."),
    police: str | None = typer.Option(None, "--police-reported", help="yes or no."),
    police_ref: str | None = typer.Option(None, "--police-ref", help="Police reference."),
    officer: str | None = typer.Option(None, help="Officer's name."),
    badge: str | None = typer.Option(None, help="Officer's badge number."),
    evidence: list[str] = typer.Option([], "--evidence", help="Evidence ref, e.g. EX-0001."),
    private_note: str | None = typer.Option(None, help="Only for you; never shared."),
    quick: bool = typer.Option(False, "--quick", help="Just when, what and one kind of behaviour."),
    vault: Path | None = VaultOption,
) -> None:
    """Record something that happened. Missing details are asked for."""
    if what is None and not common.interactive():
        raise ValidationError(
            _("Please describe what happened."),
            _('Add --what "…", or run the command in a terminal.'),
        )
    with open_case(vault) as opened_vault:  # unlock first, then ask
        if common.interactive() and (what is None or quick):
            tz = settings.current(opened_vault).timezone
            what, when, tactic = _prompt_missing(what, when, tactic, tz)
        record = incidents.record_incident(
            opened_vault,
            IncidentInput(
                what_happened=what or "",
                when=when or "now",
                where=where,
                tactics=tactic,
                channel=channel,
                offenders=offender,
                witnesses=[_witness(w) for w in witness],
                fear=fear,
                impacts=impact,
                police_reported=_yes_no(police),
                police_reference=police_ref,
                police_officer=officer,
                police_badge=badge,
                evidence=evidence,
                private_note=private_note,
            ),
        )
    ok(_("Saved as {ref}. Thank you for writing it down.").format(ref=record.ref))


def _day_bound(text: str | None, tz: str, end: bool) -> str | None:
    if not text:
        return None
    moment = parse_when(text, tz)
    chosen = (moment.end or moment.start) if end else moment.start
    return utc_stamp(chosen)


def _occurred(data: dict[str, Any]) -> str:
    return OccurredAt.from_json(data["occurred"]).display()


@app.command("list")
def list_(
    since: str | None = typer.Option(None, help="From this date (e.g. 2026-03-01)."),
    until: str | None = typer.Option(None, help="Up to and including this date."),
    tactic: str | None = typer.Option(None, help="Only this kind of behaviour."),
    offender: str | None = typer.Option(None, help="Only incidents involving this person."),
    text: str | None = typer.Option(None, help="Only incidents mentioning this text."),
    include_voided: bool = typer.Option(False, help="Also show voided incidents."),
    limit: int = typer.Option(50, min=1, max=10000),
    page: int = typer.Option(1, min=1),
    vault: Path | None = VaultOption,
) -> None:
    """List incidents, newest first."""
    with open_case(vault) as opened_vault:
        tz = settings.current(opened_vault).timezone
        found, total = incidents.list_incidents(
            opened_vault,
            IncidentFilter(
                since=_day_bound(since, tz, False),
                until=_day_bound(until, tz, True),
                tactic=tactic,
                offender=offender,
                text=text,
                include_voided=include_voided,
                limit=limit,
                offset=(page - 1) * limit,
            ),
        )
    if not found:
        console.print(_("No incidents match. Record one with 'safetrail incident add'."))
        return
    table = Table(_("Ref"), _("When"), _("What happened"), _("Kinds"))
    voided = _("voided")
    for record in found:
        label = record.ref + (f" [dim]({voided})[/dim]" if record.voided else "")
        summary = record.data["what_happened"]
        table.add_row(
            label,
            _occurred(record.data),
            summary if len(summary) <= 80 else summary[:79] + "…",
            ", ".join(record.data["tactics"]),
        )
    console.print(table)
    console.print(_("Showing {n} of {total}.").format(n=len(found), total=total))


def _police(police: dict[str, Any]) -> str:
    parts = []
    if police.get("reported") is not None:
        parts.append(_("reported") if police["reported"] else _("not reported"))
    if police.get("reference"):
        parts.append(_("reference {r}").format(r=police["reference"]))
    if police.get("officer"):
        parts.append(_("officer {o}").format(o=police["officer"]))
    if police.get("badge"):
        parts.append(_("badge {b}").format(b=police["badge"]))
    return "; ".join(parts) or "–"


def _describe(data: dict[str, Any], links: dict[str, list[str]]) -> list[tuple[str, str]]:
    rows = [
        (_("When"), _occurred(data)),
        (_("Where"), (data.get("location") or {}).get("text") or "–"),
        (_("What happened"), data["what_happened"]),
        (_("Kinds"), ", ".join(vocab.tactic(t).label_text() for t in data["tactics"]) or "–"),
        (_("Channel"), vocab.channel(data["channel"]).label_text() if data.get("channel") else "–"),
        (_("Fear"), vocab.fear_label(data["fear"]) if data.get("fear") is not None else "–"),
        (
            _("Witnesses"),
            "; ".join(
                w["name"] + (f" ({w['contact']})" if w.get("contact") else "")
                for w in data.get("witnesses", [])
            )
            or "–",
        ),
        (_("Police"), _police(data.get("police") or {})),
        (_("People involved"), ", ".join(links["people"]) or "–"),
        (_("Evidence"), ", ".join(links["evidence"]) or "–"),
    ]
    if data.get("private_note"):
        rows.append((_("Private note"), data["private_note"]))
    return rows


@app.command("show")
def show(
    ref: str = typer.Argument(..., help="Incident ref, e.g. I-0003 or 3."),
    vault: Path | None = VaultOption,
) -> None:
    """Show one incident and its full history."""
    with open_case(vault) as opened_vault:
        record, history = incidents.show_incident(opened_vault, ref)
        links = incidents.linked_refs(opened_vault, record)
    voided = _("voided")
    title = record.ref + (f" — {voided}" if record.voided else "")
    table = Table(title=title, show_header=False)
    for label, value in _describe(record.data, links):
        table.add_row(label, value)
    console.print(table)
    console.print(_("History:"))
    for version in history:
        reason = f" — {version.reason}" if version.reason else ""
        console.print(
            f"  v{version.version} {version.op} {version.recorded_at}{reason}"
            f" [dim]{version.content_sha256[:12]}[/dim]"
        )


@app.command("amend")
def amend(
    ref: str = typer.Argument(..., help="Incident ref."),
    reason: str = typer.Option(..., "--reason", help="Why it changes (kept in the history)."),
    what: str | None = typer.Option(None, "--what"),
    when: str | None = typer.Option(None, "--when"),
    where: str | None = typer.Option(None, "--where"),
    tactic: list[str] = typer.Option([], "--tactic", help="Replaces the kinds (repeatable)."),
    channel: str | None = typer.Option(None),
    fear: int | None = typer.Option(None, min=0, max=4),
    police_ref: str | None = typer.Option(None, "--police-ref"),
    private_note: str | None = typer.Option(None),
    vault: Path | None = VaultOption,
) -> None:
    """Correct or add to an incident; the earlier version stays in the history."""
    changes: dict[str, Any] = {
        key: value
        for key, value in {
            "what_happened": what,
            "when": when,
            "where": where,
            "channel": channel,
            "fear": fear,
            "police_reference": police_ref,
            "private_note": private_note,
        }.items()
        if value is not None
    }
    if tactic:
        changes["tactics"] = tactic
    with open_case(vault) as opened_vault:
        record = incidents.amend_incident(opened_vault, ref, changes, reason)
    ok(_("{ref} updated to version {n}.").format(ref=record.ref, n=record.head.version))


@app.command("void")
def void(
    ref: str = typer.Argument(..., help="Incident ref."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the history)."),
    vault: Path | None = VaultOption,
) -> None:
    """Withdraw an incident. It stays in the history, marked as voided."""
    with open_case(vault) as opened_vault:
        record = incidents.void_incident(opened_vault, ref, reason)
    ok(_("{ref} is voided; its history is kept.").format(ref=record.ref))
