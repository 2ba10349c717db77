"""Reports, case bundles, the police sheet, letters and the list of what was handed out."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from safetrail.analysis.service import today_in
from safetrail.cli import common
from safetrail.cli.common import VaultOption, console, ok, open_case
from safetrail.errors import ValidationError
from safetrail.i18n import _, use_language
from safetrail.reports import bundle as bundles
from safetrail.reports import letters as letter_service
from safetrail.reports.model import ReportOptions
from safetrail.reports.pdf_report import write_report
from safetrail.reports.police_sheet import write_sheet
from safetrail.services import export_list, settings
from safetrail.services.events import NOTICE_METHODS

OutputOption = typer.Option(..., "--output", "-o", help="File to write (never overwritten).")
FromOption = typer.Option("", "--from", help="First day to include (YYYY-MM-DD).")
ToOption = typer.Option("", "--to", help="Last day to include (YYYY-MM-DD).")
OffenderOption = typer.Option(
    [], "--offender", help="Only incidents involving this person (e.g. P-001); repeatable."
)
IncidentOption = typer.Option(
    [], "--incident", help="Only this incident (e.g. I-0003); repeatable. Default: all."
)
WitnessOption = typer.Option(
    False, "--witness-contacts/--no-witness-contacts", help="Include witnesses' contact details."
)
AppendixOption = typer.Option(
    False,
    help="Add every message and call from the people responsible as an appendix (off by "
    "default: it can be long).",
)
PreparedOption = typer.Option("", help="Your name, shown on the cover (optional).")
LanguageOption = typer.Option(
    None, "--language", help="Write it in this language (en, ja, ko); default: the vault's."
)


def _language(language: str | None) -> str | None:
    """The language asked for with --language (checked), or None for the vault's own."""
    return settings.validate_language(language) if language else None


def _options(
    from_day: str,
    to_day: str,
    offender: list[str],
    incident: list[str],
    witness_contacts: bool = False,
    appendix: bool = False,
    prepared_by: str = "",
) -> ReportOptions:
    return ReportOptions(
        from_day=from_day,
        to_day=to_day,
        offenders=tuple(offender),
        incidents=tuple(incident),
        witness_contacts=witness_contacts,
        communications_appendix=appendix,
        prepared_by=prepared_by,
    )


def report(
    output: Path = OutputOption,
    from_day: str = FromOption,
    to_day: str = ToOption,
    offender: list[str] = OffenderOption,
    incident: list[str] = IncidentOption,
    witness_contacts: bool = WitnessOption,
    communications_appendix: bool = AppendixOption,
    prepared_by: str = PreparedOption,
    language: str | None = LanguageOption,
    vault: Path | None = VaultOption,
) -> None:
    """Write the PDF report for police, lawyers and courts (private notes never included)."""
    written_in = _language(language)
    chosen = _options(
        from_day,
        to_day,
        offender,
        incident,
        witness_contacts,
        communications_appendix,
        prepared_by,
    )
    with (
        open_case(vault) as opened_vault,
        console.status(_("Writing the report…")),
        use_language(written_in),
    ):
        made = write_report(opened_vault, chosen, output)
    ok(
        _("Report {id} written to {path} (incidents: {n}, exhibits: {e}).").format(
            id=made.case.report_id,
            path=output,
            n=len(made.case.incidents),
            e=len(made.case.exhibits),
        )
    )
    console.print(_("SHA-256 of the file: {h}").format(h=made.sha256))


def bundle(
    output: Path = OutputOption,
    from_day: str = FromOption,
    to_day: str = ToOption,
    offender: list[str] = OffenderOption,
    incident: list[str] = IncidentOption,
    witness_contacts: bool = WitnessOption,
    communications_appendix: bool = AppendixOption,
    prepared_by: str = PreparedOption,
    encrypt: bool = typer.Option(
        False, help="Encrypt the bundle with a separate passphrase, for sending."
    ),
    language: str | None = LanguageOption,
    vault: Path | None = VaultOption,
) -> None:
    """Write the case bundle: report, original evidence, JSON and CSV, and SHA256SUMS."""
    written_in = _language(language)
    chosen = _options(
        from_day,
        to_day,
        offender,
        incident,
        witness_contacts,
        communications_appendix,
        prepared_by,
    )
    with open_case(vault) as opened_vault:
        passphrase = common.new_bundle_passphrase() if encrypt else None
        with console.status(_("Writing the case bundle…")), use_language(written_in):
            made = bundles.write_bundle(opened_vault, chosen, output, passphrase)
    ok(
        _("Case bundle {id} written to {path} (files: {files}, {mb:.1f} MB).").format(
            id=made.case.report_id, path=output, files=len(made.files), mb=made.size / 1e6
        )
    )
    console.print(_("SHA-256 of the file: {h}").format(h=made.sha256))
    if encrypt:
        console.print(
            _(
                "Send the passphrase by another route (for example by phone), never with "
                "the file. It opens with: safetrail open-bundle FILE --output FILE.zip"
            )
        )
    else:
        console.print(_("Check it after unzipping with: sha256sum -c SHA256SUMS"))


def open_bundle(
    source: Path = typer.Argument(..., help="An encrypted case bundle."),
    output: Path = typer.Option(..., "--output", "-o", help="The zip file to write."),
) -> None:
    """Decrypt a case bundle someone sent you (no vault needed)."""
    passphrase = common.bundle_passphrase()
    with console.status(_("Checking and decrypting…")):
        size = bundles.open_bundle(source, passphrase, output)
    ok(_("Decrypted to {path} ({mb:.1f} MB).").format(path=output, mb=size / 1e6))
    console.print(_("Unzip it and run: sha256sum -c SHA256SUMS"))


def police_sheet(
    output: Path = OutputOption,
    from_day: str = FromOption,
    to_day: str = ToOption,
    offender: list[str] = OffenderOption,
    language: str | None = LanguageOption,
    vault: Path | None = VaultOption,
) -> None:
    """Write the one-page police report preparation sheet."""
    written_in = _language(language)
    with open_case(vault) as opened_vault, use_language(written_in):
        sheet = write_sheet(opened_vault, _options(from_day, to_day, offender, []), output)
    ok(_("Police sheet written to {path}.").format(path=output))
    console.print(_("SHA-256 of the file: {h}").format(h=sheet.sha256))


def letter(
    kind: str = typer.Argument(..., metavar="no-contact|platform|call-records"),
    output: Path = typer.Option(
        None, "--output", "-o", help="Write to FILE.pdf, or plain text for any other name."
    ),
    person: str = typer.Option("", help="The person responsible, e.g. P-001."),
    your_name: str = typer.Option("", help="Your name, to sign with (optional)."),
    provider: str = typer.Option("", help="The platform or phone company it is to."),
    account: str = typer.Option("", help="The account you are complaining about."),
    your_number: str = typer.Option("", help="Your phone number (call records)."),
    from_day: str = FromOption,
    to_day: str = ToOption,
    police_reference: str = typer.Option("", help="Police reference to quote."),
    mark_sent: bool = typer.Option(
        False, help="Record the no-contact letter as a notice you have given."
    ),
    sent_on: str = typer.Option("", help="The day you gave it (default: today)."),
    method: str = typer.Option(
        "", help=_("How you gave it: {methods}.").format(methods=", ".join(NOTICE_METHODS))
    ),
    language: str | None = LanguageOption,
    vault: Path | None = VaultOption,
) -> None:
    """Write a letter filled from your log, or record the no-contact letter as sent."""
    written_in = _language(language)
    given = letter_service.LetterInput(
        kind=kind,
        person=person,
        your_name=your_name,
        provider=provider,
        account=account,
        your_number=your_number,
        from_day=from_day,
        to_day=to_day,
        police_reference=police_reference,
    )
    if output is None and not mark_sent:
        raise ValidationError(
            _("Say where to write the letter with --output, or use --mark-sent."),
            _("For example: --output notice.pdf"),
        )
    with open_case(vault) as opened_vault:
        if output is not None:
            with use_language(written_in):
                made, digest = letter_service.write_letter(opened_vault, given, output)
            if made.notices_already:
                console.print(
                    _(
                        "[yellow]Note:[/yellow] a no-contact notice is already recorded "
                        "({list}). One clear notice is usually enough; after it, it is safest "
                        "not to reply at all."
                    ).format(list=", ".join(made.notices_already))
                )
            ok(_("Letter written to {path} (SHA-256 {h}).").format(path=output, h=digest))
        if mark_sent:
            day = sent_on or today_in(opened_vault)
            record = letter_service.mark_notice_sent(opened_vault, given, str(day), method)
            ok(
                _("Recorded as notice {ref}; contacts after it will be counted.").format(
                    ref=record.ref
                )
            )


def exports_cmd(vault: Path | None = VaultOption) -> None:
    """List every report, bundle, letter and export made from the vault, with its SHA-256."""
    with open_case(vault) as opened_vault:
        found = export_list.list_exports(opened_vault)
    table = Table(_("Ref"), _("Made"), _("What"), _("File"), _("SHA-256"))
    for row in found:
        table.add_row(row.ref, row.made, row.what, row.file_name, row.sha256)
    console.print(table)


def export_communications(
    output: Path = OutputOption,
    vault: Path | None = VaultOption,
) -> None:
    """Export imported communications as CSV."""
    with open_case(vault) as opened_vault:
        digest = export_list.export_communications(opened_vault, output)
    ok(_("Exported to {path} (SHA-256 {h}).").format(path=output, h=digest))


def register(app: typer.Typer) -> None:
    """Add the report commands to the main app."""
    app.command()(report)
    app.command()(bundle)
    app.command("open-bundle")(open_bundle)
    app.command("police-sheet")(police_sheet)
    app.command()(letter)
    app.command("exports")(exports_cmd)
    app.command("export-communications")(export_communications)
