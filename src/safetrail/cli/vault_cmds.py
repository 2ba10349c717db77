"""Vault-wide commands: init, start, passwd, verify, backup, restore, export, tactics, settings."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from safetrail.cli import common, serve
from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.domain import vocab
from safetrail.errors import VaultNotFound, WeakPassphrase
from safetrail.i18n import LANGUAGES, _, use_language
from safetrail.services import backup as backup_service
from safetrail.services import exports, settings, summary
from safetrail.services.vault import Vault, create_vault
from safetrail.services.verify import VerifyReport, verify
from safetrail.vault import session


def _choose_place(country: str | None, timezone: str | None) -> tuple[str, str]:
    tz = timezone or settings.system_timezone()
    code = country or settings.system_country(tz)
    if code is None:
        if not common.interactive():
            raise VaultNotFound(
                _("SafeTrail could not tell which country you are in."),
                _("Add --country with a two-letter code, for example --country GB."),
            )
        code = typer.prompt(_("Which country are you in? (two letters, e.g. GB, US, JP, KR)"))
    return settings.validate_place(code, tz)


def _create(vault_path: Path, country: str | None, timezone: str | None) -> Vault:
    code, tz = _choose_place(country, timezone)
    console.print(_("Choose a passphrase only you know. It cannot be recovered if forgotten."))
    passphrase = common.ask_passphrase(_("New passphrase: "), confirm=True)
    with console.status(_("Creating your vault (this takes a few seconds)…")):
        created = create_vault(vault_path, passphrase, code, tz)
    ok(_("Vault created at {path} ({country}, {tz}).").format(path=vault_path, country=code, tz=tz))
    return created


def init(
    vault: Path | None = VaultOption,
    country: str | None = typer.Option(None, help="Two-letter country code (default: system)."),
    timezone: str | None = typer.Option(None, help="Time zone, e.g. Europe/London."),
) -> None:
    """Create a new encrypted vault."""
    _create(common.settings(vault).vault, country, timezone).close()


def start(
    vault: Path | None = VaultOption,
    country: str | None = typer.Option(None, help="Country for a new vault."),
    timezone: str | None = typer.Option(None, help="Time zone for a new vault."),
) -> None:
    """Open your vault (or create it the first time) and show the case summary."""
    config = common.settings(vault)
    layout = session.VaultLayout(config.vault)
    if not layout.header.exists() and not layout.database.exists():
        console.print(_("Welcome. SafeTrail keeps a private, encrypted record of what happens."))
        created = _create(config.vault, country, timezone)
        try:
            show_summary(summary.summarise(created))
        finally:
            created.close()
        return
    with open_case(config.vault) as case:
        show_summary(summary.summarise(case))


def show_summary(case: summary.CaseSummary) -> None:
    table = Table(title=_("Your case at a glance"), show_header=False)
    table.add_row(_("Incidents recorded"), str(case.incidents))
    table.add_row(_("In the last 7 days"), str(case.incidents_last_7_days))
    table.add_row(
        _("First / latest"),
        f"{(case.first_incident or '–')[:10]} / {(case.last_incident or '–')[:10]}",
    )
    table.add_row(_("People"), str(case.people))
    table.add_row(_("Evidence files"), str(case.evidence))
    table.add_row(_("No-contact notices / orders"), f"{case.notices} / {case.orders}")
    if case.top_tactics:
        table.add_row(
            _("Most frequent"),
            ", ".join(f"{vocab.tactic(s).label_text()} ({n})" for s, n in case.top_tactics),
        )
    table.add_row(_("Country / time zone"), f"{case.country} / {case.timezone}")
    table.add_row(_("Ledger head"), f"{case.head_hash[:16]}… ({case.ledger_entries})")
    console.print(table)
    if case.incidents == 0:
        console.print(
            _(
                "Nothing recorded yet. Start with the most recent thing that happened:\n"
                "  safetrail incident add --quick"
            )
        )


def passwd(vault: Path | None = VaultOption) -> None:
    """Change the passphrase (only the key wrapping changes; your data is untouched)."""
    config = common.settings(vault)
    old = common.ask_passphrase(_("Current passphrase: "))
    new = config.new_passphrase or _prompt_new()
    session.change_passphrase(config.vault, old, new)
    ok(_("Passphrase changed. Use the new one from now on."))


def _prompt_new() -> str:
    if not common.interactive():
        raise WeakPassphrase(
            _("No new passphrase was given."),
            _("Run this in a terminal, or set SAFETRAIL_NEW_PASSPHRASE for scripts."),
        )
    first = getpass.getpass(_("New passphrase: "))
    if getpass.getpass(_("Type it again: ")) != first:
        raise WeakPassphrase(_("The two passphrases are different."), _("Try again."))
    return first


def print_report(report: VerifyReport) -> None:
    console.print(
        _("Checked {e} ledger entries, {v} versions of {r} records, {b} evidence files.").format(
            e=report.entries, v=report.versions, r=report.records, b=report.blobs_checked
        )
    )
    console.print(_("Ledger head: {h}").format(h=report.head_hash))
    if report.unreferenced_blobs:
        console.print(
            _(
                "Note: {n} evidence file in the folder belongs to no exhibit (left by an "
                "interrupted intake, or by records missing from the database)."
            ).format(n=report.unreferenced_blobs)
            if report.unreferenced_blobs == 1
            else _(
                "Note: {n} evidence files in the folder belong to no exhibit (left by "
                "interrupted intakes, or by records missing from the database)."
            ).format(n=report.unreferenced_blobs)
        )
    if report.ok:
        ok(_("Everything is intact: nothing has been changed or lost."))
    else:
        found = _("Problems found ({n}):").format(n=len(report.problems))
        console.print(f"[red]✗ {found}[/red]")
        for problem in report.problems:
            console.print(f"  - {problem}")


def verify_cmd(
    vault: Path | None = VaultOption,
    skip_evidence: bool = typer.Option(False, help="Check the records only, not file contents."),
) -> None:
    """Check that nothing in the vault was changed or lost."""
    with (
        open_case(vault) as opened_vault,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=console,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task(_("Checking evidence files"), total=None)
        report = verify(
            opened_vault,
            check_blobs=not skip_evidence,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    print_report(report)
    if not report.ok:
        raise typer.Exit(9)


def backup(
    output: Path = typer.Argument(..., help="The backup file to write."),
    vault: Path | None = VaultOption,
) -> None:
    """Write the whole vault to one encrypted backup file."""
    with (
        common.open_local_vault(vault) as opened_vault,
        console.status(_("Writing the backup…")),
    ):
        size = backup_service.create_backup(opened_vault, output)
    ok(
        _("Backup written to {path} ({mb:.1f} MB). It opens with your current passphrase.").format(
            path=output, mb=size / 1e6
        )
    )


def restore(
    backup_file: Path = typer.Argument(..., help="A backup file made by 'safetrail backup'."),
    vault: Path = typer.Option(..., "--vault", help="A new, empty folder for the restored vault."),
) -> None:
    """Restore a backup into a new folder, then verify it."""
    passphrase = common.ask_passphrase()
    with console.status(_("Restoring and checking…")):
        restored, report = backup_service.restore_backup(backup_file, vault, passphrase)
    restored.close()
    print_report(report)
    if not report.ok:
        raise typer.Exit(9)
    ok(_("Restored to {path}.").format(path=vault))


def export(
    fmt: str = typer.Argument(..., metavar="json|csv", help="Export format."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    vault: Path | None = VaultOption,
) -> None:
    """Export the log as JSON or CSV (private notes are never included)."""
    with open_case(vault) as opened_vault:
        path, digest = exports.export(opened_vault, fmt.lower(), output)
    ok(_("Exported to {path} (SHA-256 {h}).").format(path=path, h=digest))


def tactics() -> None:
    """List the kinds of behaviour SafeTrail records, with their short names."""
    table = Table(_("Short name"), _("What it means"))
    for item in vocab.TACTICS:
        table.add_row(item.slug, f"[b]{item.label_text()}[/b] — {item.description_text()}")
    console.print(table)


def settings_cmd(
    vault: Path | None = VaultOption,
    country: str | None = typer.Option(None, help="New two-letter country code."),
    timezone: str | None = typer.Option(None, help="New time zone."),
    language: str | None = typer.Option(
        None, help="Language of SafeTrail for this vault: en, ja, ko, or auto (follow the system)."
    ),
) -> None:
    """Show or change the vault's country, time zone and language."""
    with open_case(vault) as opened_vault:
        if country or timezone or language:
            settings.update(
                opened_vault,
                _("changed in settings"),
                country=country,
                timezone=timezone,
                language=language,
            )
        place = settings.current(opened_vault)
        chosen = settings.preferences(opened_vault).language
    with use_language(chosen):
        console.print(_("Country: {c}   Time zone: {t}").format(c=place.country, t=place.timezone))
        console.print(
            _("Language: {language}").format(
                language=LANGUAGES[chosen] if chosen else _("same as the system")
            )
        )


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(start)
    app.command()(serve.serve)
    app.command()(passwd)
    app.command("verify")(verify_cmd)
    app.command()(backup)
    app.command()(restore)
    app.command()(export)
    app.command()(tactics)
    app.command("settings")(settings_cmd)
