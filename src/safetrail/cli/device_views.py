"""What ``safetrail device`` prints: the guide, a phone check, an iPhone check, who can help."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from safetrail.analysis.helplines import local_help
from safetrail.case import CaseContext
from safetrail.cli.common import console
from safetrail.devicecheck import guide, iphone
from safetrail.i18n import _
from safetrail.services import settings
from safetrail.services.devicecheck import CheckView


def print_guide() -> None:
    before = _("Before the check: turn on USB debugging")
    console.print(f"[bold]{before}[/bold]")
    for number, step in enumerate(guide.ENABLE_STEPS, 1):
        console.print(f"  {number}. {_(step)}")
    after = _("After the check: turn it off again")
    console.print(f"\n[bold]{after}[/bold]")
    for number, step in enumerate(guide.DISABLE_STEPS, 1):
        console.print(f"  {number}. {_(step)}")
    console.print("\n" + _(guide.WHAT_IS_READ))
    console.print(_("The web page (Phone check) shows the same steps with simple pictures."))


def print_help(vault: CaseContext) -> None:
    found = local_help(settings.current(vault).country)
    who = _("Who can help")
    console.print(f"\n[bold]{who}[/bold]")
    console.print("  " + _("In danger now: call {number}").format(number=found.emergency))
    for line in found.helplines:
        hours = f" ({line.hours})" if line.hours else ""
        console.print(f"  {line.name}: {line.number}{hours}")


def print_check(vault: CaseContext, view: CheckView) -> None:
    data = view.data
    device = data.get("device", {})
    name = device.get("model") or device.get("serial") or _("phone")
    title = _("Phone check {ref} of {name}").format(ref=view.record.ref, name=name)
    console.print(f"[bold]{title}[/bold]")
    console.print(_(guide.SAFETY_FIRST))
    if view.partial:
        console.print(f"[yellow]{_(guide.PARTIAL_NOTE)}[/yellow]")
    if not view.findings:
        console.print("\n" + _(guide.NOTHING_FOUND))
    finding_label = _("Finding")
    for finding in view.findings:
        colour = "red" if finding.severity == "high" else "yellow"
        console.print(f"\n[{colour}]●[/{colour}] [bold]{escape(finding.title)}[/bold]")
        console.print(f"  [dim]{finding_label}: {finding.id}[/dim]")
        console.print("  " + finding.meaning)
        powers = finding.details.get("powers") or []
        if powers:
            labels = ", ".join(_(guide.POWER_LABELS[p]) for p in powers)
            console.print("  " + _("It is allowed: {powers}.").format(powers=labels))
        for step in finding.next_steps:
            console.print(f"  → {step}")
    table = Table(title=_("What was checked"), show_lines=False)
    table.add_column(_("Part"))
    table.add_column(_("Result"))
    for label, status, note in view.section_rows():
        result = _(guide.STATUS_LABELS.get(status, status))
        table.add_row(label, f"{result}{' — ' + escape(note) if note else ''}")
    console.print(table)
    console.print(
        _("{n} apps listed; {outside} installed from outside an app store.").format(
            n=data.get("app_count", 0), outside=len(data.get("outside_store", []))
        )
    )
    if view.evidence_ref:
        console.print(_("The raw listing is kept as evidence {ref}.").format(ref=view.evidence_ref))
    console.print("\n" + _(guide.NO_CHECK_IS_COMPLETE))
    console.print(f"[dim]{escape(guide.credit_text(data.get('indicators', {})))}[/dim]")
    print_help(vault)


def print_iphone(data: dict[str, object], ref: str) -> None:
    title = _("iPhone check {ref}").format(ref=ref)
    console.print(f"[bold]{title}[/bold]")
    answers = data.get("answers") or {}
    labels = {"yes": _("yes"), "no": _("no"), "not_sure": _("not sure"), "skipped": _("skipped")}
    for question in iphone.QUESTIONS:
        answer = answers.get(question.id, "skipped")  # type: ignore[attr-defined]
        console.print(f"• {_(question.question)} [bold]{labels[answer]}[/bold]")
        if answer in ("yes", "not_sure"):
            console.print(f"  → {_(question.if_yes)}")
    backup = data.get("backup")
    if isinstance(backup, dict):
        console.print(
            _("Backup: {apps} apps, {profiles} configuration profiles.").format(
                apps=len(backup["apps"]), profiles=len(backup["profiles"])
            )
        )
        profile_label = _("Profile")
        for profile in backup["profiles"]:
            console.print(f"  {profile_label}: {escape(profile)}")
        for note in backup["notes"]:
            console.print(f"  {escape(note)}")
    for match in data.get("backup_matches") or []:  # type: ignore[attr-defined]
        console.print(
            "[yellow]" + _("{bundle} is on the {type} list ({name}).").format(**match) + "[/yellow]"
        )
    console.print("\n" + _(guide.NO_CHECK_IS_COMPLETE))
