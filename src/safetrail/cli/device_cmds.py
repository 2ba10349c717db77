"""``safetrail device``: check a phone for stalkerware and other warning signs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from safetrail.case import CaseContext
from safetrail.cli import device_views as views
from safetrail.cli.common import VaultOption, console, interactive, ok, open_case
from safetrail.devicecheck import iphone
from safetrail.devicecheck.model import SECTION_LABELS
from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.services import devicecheck
from safetrail.services.devicecheck import CheckView

app = typer.Typer(
    help="Check a phone for stalkerware and other warning signs (see docs/devicecheck.md).",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="device")


@app.command("guide")
def show_guide() -> None:
    """How to turn USB debugging on for the check, and off again afterwards."""
    views.print_guide()


def _offer_incidents(vault: CaseContext, view: CheckView) -> None:
    if not interactive():
        if view.findings:
            console.print(
                _("To record a finding in your log: safetrail device record {ref} FINDING").format(
                    ref=view.record.ref
                )
            )
        return
    for finding in view.findings:
        question = _("Record '{title}' as an incident in your log?").format(title=finding.title)
        if typer.confirm(question, default=False):
            incident = devicecheck.record_finding(vault, view.record.ref, finding.id)
            ok(_("Recorded as {ref}, with the listing attached.").format(ref=incident.ref))


@app.command("check")
def check(
    from_folder: Path | None = typer.Option(
        None,
        "--from",
        help="Check saved listings instead of a connected phone: a folder of saved adb "
        "output, an AndroidQF folder or an MVT folder.",
    ),
    serial: str | None = typer.Option(
        None, "--serial", help="Which phone, when several are connected (see 'adb devices')."
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Check an Android phone connected by USB (or saved listings) for warning signs.

    First turn on USB debugging: 'safetrail device guide' shows how, and how to turn it
    off again. Nothing on the phone is changed. The raw listing is kept as evidence.
    """
    with open_case(vault) as opened_vault:
        if from_folder is not None:
            view = devicecheck.check_folder(opened_vault, from_folder)
        else:
            with console.status(_("Reading the phone…")) as status:

                def progress(section: str) -> None:
                    status.update(
                        _("Reading: {part}").format(part=_(SECTION_LABELS.get(section, section)))
                    )

                view = devicecheck.check_phone(opened_vault, serial, progress)
        views.print_check(opened_vault, view)
        _offer_incidents(opened_vault, view)


@app.command("record")
def record(
    check_ref: str = typer.Argument(..., help="The check, e.g. DC-001."),
    finding: str = typer.Argument(..., help="The finding, as shown with the check."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    vault: Path | None = VaultOption,
) -> None:
    """Record a finding as an incident ("tracking with technology"), with the listing."""
    with open_case(vault) as opened_vault:
        view = devicecheck.get_check(opened_vault, check_ref)
        chosen = next((f for f in view.findings if f.id == finding), None)
        if chosen is None:
            raise ValidationError(
                _("{check} has no finding called {finding}.").format(
                    check=view.record.ref, finding=finding
                ),
                _("Run 'safetrail device show {ref}' to see its findings.").format(
                    ref=view.record.ref
                ),
            )
        if not yes:
            if not interactive():
                raise ValidationError(
                    _("Recording a finding needs your confirmation."),
                    _("Run it in a terminal, or add --yes."),
                )
            question = _("Record '{title}' as an incident in your log?").format(title=chosen.title)
            if not typer.confirm(question, default=False):
                console.print(_("Nothing was recorded."))
                return
        incident = devicecheck.record_finding(opened_vault, view.record.ref, finding)
        ok(_("Recorded as {ref}, with the listing attached.").format(ref=incident.ref))


@app.command("list")
def list_checks(vault: Path | None = VaultOption) -> None:
    """Phone checks done so far, newest first."""
    with open_case(vault) as opened_vault:
        found = devicecheck.list_checks(opened_vault)
    if not found:
        console.print(_("No phone checks yet."))
        return
    table = Table()
    for column in (_("Check"), _("When (UTC)"), _("Phone"), _("Findings"), _("Complete")):
        table.add_column(column)
    for item in found:
        data = item.data
        device = data.get("device") or {}
        phone = device.get("model") or device.get("serial") or data.get("platform", "")
        table.add_row(
            item.ref,
            data["checked_at"][:16].replace("T", " "),
            str(phone),
            str(len(data.get("findings", []))),
            _("partial") if data.get("partial") else _("yes"),
        )
    console.print(table)


@app.command("show")
def show(
    check_ref: str = typer.Argument(..., help="The check, e.g. DC-001."),
    vault: Path | None = VaultOption,
) -> None:
    """Show one phone check again."""
    with open_case(vault) as opened_vault:
        view = devicecheck.get_check(opened_vault, check_ref)
        if view.data.get("platform") == "iphone":
            views.print_iphone(view.data, view.record.ref)
        else:
            views.print_check(opened_vault, view)


@app.command("update-indicators")
def update_indicators(
    files: list[Path] = typer.Argument(..., help="ioc.yaml and/or watchware.yaml."),
    date: str | None = typer.Option(None, "--date", help="Date of the data (YYYY-MM-DD)."),
    vault: Path | None = VaultOption,
) -> None:
    """Load a newer copy of the stalkerware/watchware indicator files into the vault."""
    with open_case(vault) as opened_vault:
        saved = devicecheck.update_indicators(opened_vault, files, date)
    counts = saved.data["counts"]
    ok(
        _(
            "Indicators {ref} loaded: {stalkerware} stalkerware and {watchware} watchware "
            "entries, {packages} app names, {certificates} certificates."
        ).format(ref=saved.ref, **counts)
    )
    skipped = _("Skipped")
    for line in saved.data["skipped"]:
        console.print(f"  [yellow]{skipped}:[/yellow] {escape(line)}")


@app.command("iphone")
def iphone_check(
    backup: Path | None = typer.Option(
        None, "--backup", help="A local (computer) backup folder of the iPhone, if you have one."
    ),
    answer: list[str] = typer.Option(
        [], "--answer", help="For scripts: QUESTION=yes|no|not_sure, e.g. profiles=no."
    ),
    vault: Path | None = VaultOption,
) -> None:
    """Guided iPhone check: a few screens to look at; your answers are recorded."""
    given: dict[str, str] = {}
    for item in answer:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValidationError(
                _("'{item}' is not QUESTION=ANSWER.").format(item=item),
                _("For example: --answer profiles=no"),
            )
        given[key.strip()] = value
    if not given and interactive():
        for question in iphone.QUESTIONS:
            console.print(f"\n[bold]{_(question.question)}[/bold]")
            where_label = _("Where to look")
            console.print(f"  {where_label}: {_(question.where)}")
            given[question.id] = typer.prompt(
                _("Answer yes, no or not sure (Enter to skip)"), default="", show_default=False
            )
    with open_case(vault) as opened_vault:
        saved = devicecheck.save_iphone_answers(opened_vault, given, backup)
        views.print_iphone(saved.data, saved.ref)
        views.print_help(opened_vault)
