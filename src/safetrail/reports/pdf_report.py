"""The full PDF report: what police, lawyers and judges read.

Order: cover summary, charts, the chronological incident table (SPARC columns plus
behaviour, fear and evidence), evidence index, imported communications, witnesses, police
references, notices and orders, the record index (every incident's version and hash) and
the integrity statement. Every page carries the report ID, the ledger head prefix and
"Page X of Y".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from safetrail.analysis.escalation import Signal
from safetrail.analysis.text import ngettext
from safetrail.case import CaseContext
from safetrail.domain import vocab
from safetrail.i18n import _, use_language
from safetrail.reports.findings import (
    CAVEAT,
    Findings,
    arrangement_sentences,
    findings_for,
    notice_sentence,
    order_sentence,
    signal_line,
    signal_title,
)
from safetrail.reports.messages import (
    CommunicationsSection,
    QuotedMessage,
    communications_section,
)
from safetrail.reports.model import (
    CaseData,
    IncidentRow,
    ReportOptions,
    day_text,
    gather,
    include_exhibits,
    stamp_text,
    when_columns,
)
from safetrail.reports.typeset import (
    BOX_FILL,
    MONO,
    MUTED,
    SMALL,
    STRONG,
    TITLE,
    Column,
    Doc,
    Font,
    paper_for,
)
from safetrail.services import exports
from safetrail.services.evidence import human_size
from safetrail.services.people import IDENTIFIER_KIND_LABELS
from safetrail.timestamps import service as timestamps

HASH_FONT = Font("mono", 6.5)


@dataclass(frozen=True)
class Report:
    pdf: bytes
    case: CaseData
    sha256: str
    file_name: str
    findings: Findings
    stamps: tuple[timestamps.Stamp, ...] = ()


def new_doc(case: CaseData, title: str) -> Doc:
    return Doc(
        paper=paper_for(case.country),
        running_head=f"{title} · {case.period_text()}",
        footer_left=_("Report {id} · ledger head {head}…").format(
            id=case.report_id, head=case.head_hash[:16]
        ),
        title=title,
        created=case.generated_at,
    )


def _percent(n: int, total: int) -> str:
    return f"{int(100 * n / total + 0.5)}%"  # half up, as people round


def yes_no(value: bool | None) -> str:
    return _("yes") if value is True else _("no") if value is False else _("not recorded")


def identifiers_text(identifiers: Sequence[tuple[str, str]]) -> str:
    return "\n".join(
        f"{_(IDENTIFIER_KIND_LABELS.get(kind, IDENTIFIER_KIND_LABELS['other']))}: {value}"
        for kind, value in identifiers
    )


def people_table(doc: Doc, case: CaseData) -> None:
    if not case.people:
        doc.para(_("No person is named in the log."), color=MUTED)
        return
    doc.grid_table(
        [
            Column(_("Ref"), 10),
            Column(_("Name(s)"), 28),
            Column(_("Relationship"), 20),
            Column(_("Phone, email, accounts"), 34),
            Column(_("Vehicles"), 22),
        ],
        (
            [
                p.ref,
                "\n".join(p.names),
                p.relationship or "",
                identifiers_text(p.identifiers),
                "\n".join(f"{d} ({plate})" if plate else d for d, plate in p.vehicles),
            ]
            for p in case.people
        ),
        zebra=False,
    )
    notes = [(p, p.notes) for p in case.people if p.notes]
    for person, note in notes:
        doc.para(_("{ref} — notes: {note}").format(ref=person.ref, note=note), SMALL)


def _cover(doc: Doc, case: CaseData, findings: Findings) -> None:
    doc.new_page("P")
    doc.lines([_("Incident log report")], TITLE, doc.l_margin)
    doc.para(
        _("A chronological record of incidents, with evidence and integrity details."),
        color=MUTED,
        after=3,
    )
    generated_local = stamp_text(case.generated_at.isoformat(), case.timezone)
    facts_rows = [
        (_("Report ID"), case.report_id),
        (_("Period covered"), case.period_text()),
        (_("Prepared by"), case.options.prepared_by.strip() or _("the person keeping this log")),
        (
            _("Generated"),
            f"{generated_local} ({case.timezone}); {case.generated_at:%Y-%m-%d %H:%M:%S} UTC",
        ),
        (_("Times shown in"), _("{tz}, unless another zone is shown").format(tz=case.timezone)),
        (_("Software"), case.software),
    ]
    doc.grid_table(
        [Column("", 28), Column("", 72)],
        ([label, value] for label, value in facts_rows),
        header=False,
        zebra=False,
        font=Font("sans", 8.5),
    )
    doc.lines([_("Ledger head at the time of this report")], STRONG, doc.l_margin)
    doc.lines([case.head_hash], MONO, doc.l_margin)
    doc.gap(2)

    doc.heading(_("Who this is about"))
    people_table(doc, case)

    doc.heading(_("Summary"))
    live = case.incidents
    reported = sum(1 for i in live if i.police.reported)
    with_evidence = sum(1 for i in live if case.exhibit_refs(i.evidence_ids))
    with_witnesses = sum(1 for i in live if i.witnesses)
    summary = [
        _("Incidents in this report: {n}.").format(n=len(live)),
    ]
    if case.first_day and case.last_day:
        summary.append(
            _("First: {first}. Most recent: {last}.").format(
                first=day_text(case.first_day), last=day_text(case.last_day)
            )
        )
    summary += [
        _("Reported to the police: {n}. With evidence attached: {e}. With witnesses: {w}.").format(
            n=reported, e=with_evidence, w=with_witnesses
        ),
        _("Evidence files (exhibits) listed: {n}.").format(n=len(case.exhibits)),
    ]
    if case.withdrawn:
        summary.append(
            _(
                "Entries in this period withdrawn by the person, not shown: {n}. They remain in "
                "the vault's history."
            ).format(n=case.withdrawn)
        )
    doc.bullets(summary)

    doc.heading(_("Kinds of behaviour"), font=Font("bold", 11), rule=False)
    pattern = findings.analysis.pattern
    total = len(live) or 1
    tactic_rows = [
        [t.label, str(t.incidents), _percent(t.incidents, total)] for t in pattern.by_tactic
    ]
    if tactic_rows:
        doc.grid_table(
            [
                Column(_("Kind of behaviour"), 60),
                Column(_("Incidents"), 14, align="R"),
                Column(_("Share"), 12, align="R"),
            ],
            tactic_rows,
        )
    else:
        doc.para(_("No kind of behaviour was recorded."), color=MUTED)
    doc.heading(_("How it reached the person"), font=Font("bold", 11), rule=False)
    channel_rows = [
        [t.label, str(t.incidents), _percent(t.incidents, total), str(t.contacts)]
        for t in pattern.by_channel
    ]
    if channel_rows:
        doc.grid_table(
            [
                Column(_("Channel"), 50),
                Column(_("Incidents"), 14, align="R"),
                Column(_("Share"), 12, align="R"),
                Column(_("Calls and messages from them"), 24, align="R"),
            ],
            channel_rows,
        )
    else:
        doc.para(_("No channel was recorded for these incidents."), color=MUTED)

    doc.heading(_("No-contact notice and court orders"))
    if not case.notices and not case.orders:
        doc.para(_("No no-contact notice or court order is recorded."), color=MUTED)
    doc.bullets(
        [notice_sentence(case, findings, n) for n in case.notices]
        + [order_sentence(case, findings, o) for o in case.orders]
        + arrangement_sentences(case, findings)
    )

    doc.heading(_("Signals found in the log"))
    if findings.signals:
        doc.bullets([signal_line(s) for s in findings.signals])
        doc.para(
            _("Each signal is listed with the incidents behind it after the charts."),
            SMALL,
            color=MUTED,
        )
    else:
        doc.para(_("No signal stands out in the log."), color=MUTED)
    for failure in findings.analysis.failures:
        doc.para(failure.message, SMALL)
    doc.para(_(CAVEAT), SMALL, color=MUTED)

    witness_note = (
        _("Witnesses' contact details are included.")
        if case.options.witness_contacts
        else _("Witnesses' contact details are left out of this report.")
    )
    doc.box(
        [
            (_("About this report"), STRONG),
            (
                _(
                    "Each entry was written by the person at the time shown in the record index "
                    "and cannot be changed without trace: corrections are kept as new versions "
                    "(marked “corrected” in the table) and withdrawals keep the original."
                ),
                SMALL,
            ),
            (_("Private notes the person keeps for themselves are never included."), SMALL),
            (witness_note, SMALL),
            (
                _(
                    "Symbols that cannot be printed (such as some emoji) appear as their Unicode "
                    "name in square brackets."
                ),
                SMALL,
            ),
        ],
        BOX_FILL,
    )


def _charts(doc: Doc, findings: Findings) -> None:
    if not findings.charts:
        return
    doc.new_page("P")
    doc.heading(_("Charts"))
    for chart in findings.charts:
        width = doc.content_width * 0.86
        height = min(width * chart.aspect, 95.0)
        width = height / chart.aspect if chart.aspect else width
        doc.ensure(height + 16)
        doc.lines([chart.title], Font("bold", 10.5), doc.l_margin)
        doc.para(chart.description, SMALL, color=MUTED)
        doc.image_png(chart.png, width, height)
        doc.gap(3)


def _evidence_rows(case: CaseData, signal: Signal) -> Iterator[list[str]]:
    by_ref = {i.ref: i for i in case.incidents}
    for item in signal.evidence:
        if item.kind == "incident":
            incident = by_ref.get(item.ref or "")
            what = incident.what_happened if incident else ""
            yield [day_text(item.on), item.ref or "", item.note, what]
        else:
            count = ngettext("{n} call or message", "{n} calls or messages", item.count).format(
                n=item.count
            )
            yield [day_text(item.on), item.ref or count, item.note, ""]


def signals_section(doc: Doc, case: CaseData, findings: Findings) -> None:
    """Every signal with the incidents (and days of messages) behind it."""
    doc.new_page("P")
    doc.heading(_("Signals and the incidents behind them"))
    doc.para(
        _(
            "The same signals, worked out by the same rules, as SafeTrail's Patterns page. "
            "Each is followed by the incidents and messages it rests on, oldest first."
        ),
        SMALL,
        color=MUTED,
    )
    if not findings.signals:
        doc.para(_("No signal stands out in the log."))
    for signal in findings.signals:
        title = signal_title(signal)
        doc.heading(title, font=Font("bold", 11), rule=False)
        doc.para(signal.detail)
        if signal.lines:
            doc.bullets(list(signal.lines), SMALL)
        if signal.evidence:
            doc.grid_table(
                [
                    Column(_("Date"), 16),
                    Column(_("Incident or message"), 16),
                    Column(_("Why it counts"), 28),
                    Column(_("What happened"), 40),
                ],
                _evidence_rows(case, signal),
                font=Font("sans", 7.5),
            )
        if signal.evidence_left_out:
            doc.para(
                _(
                    "{n} more are not listed here; the first and the most recent are shown, "
                    "and the incident log has every one."
                ).format(n=signal.evidence_left_out),
                SMALL,
                color=MUTED,
            )
    for failure in findings.analysis.failures:
        doc.para(failure.message)


def _sender(message: QuotedMessage) -> str:
    """The name as the export wrote it, and the identifier when it says more."""
    if message.identifier and message.identifier.casefold() != message.sender.casefold():
        return f"{message.sender}\n{message.identifier}".strip()
    return message.sender or message.identifier


def _provenance(message: QuotedMessage, findings: Findings) -> str:
    where = _("{exhibit}, {position}").format(
        exhibit=message.exhibit_ref or _("export not kept"), position=message.position
    )
    lines = [where]  # the file's name and SHA-256 follow the table, once per export
    kinds = findings.threat_kinds(message.ref)
    if kinds:
        lines.append(_("Threat: {kinds}").format(kinds=kinds))
    if message.incident_ref:
        lines.append(_("Incident {ref}").format(ref=message.incident_ref))
    return "\n".join(x for x in lines if x)


#: a run of at least this many messages with the same words is shown as one row
RUN_MIN = 3


def _same_words(text: str) -> str:
    return " ".join(text.split())


def quoted_runs(quoted: Sequence[QuotedMessage]) -> list[list[QuotedMessage]]:
    """Flagged messages in order, consecutive ones with the same words (spacing aside),
    sender, channel and export taken together; every message is in exactly one run."""
    runs: list[list[QuotedMessage]] = []
    key: tuple[str, ...] | None = None
    for message in quoted:
        this = (
            _same_words(message.text),
            message.sender,
            message.identifier,
            message.channel,
            message.exhibit_ref or message.import_ref,
        )
        if runs and this == key:
            runs[-1].append(message)
        else:
            runs.append([message])
            key = this
    return runs


def _numbered(runs: list[list[QuotedMessage]]) -> Iterator[tuple[int, list[QuotedMessage]]]:
    number = 1
    for run in runs:
        yield number, run
        number += len(run)


def _positions(run: Sequence[QuotedMessage]) -> str:
    """Where each message of a run is: "lines 120-124, 130" when the positions are one
    word and a number, else every position in full."""
    words = [m.position.rsplit(" ", 1) for m in run]
    if all(len(w) == 2 and w[1].isdigit() and w[0] == words[0][0] for w in words):
        numbers = [int(w[1]) for w in words]
        parts: list[str] = []
        start = previous = numbers[0]
        for n in [*numbers[1:], None]:
            if n is not None and n == previous + 1:
                previous = n
                continue
            parts.append(str(start) if start == previous else f"{start}-{previous}")
            if n is not None:
                start = previous = n
        return f"{words[0][0]} {', '.join(parts)}"
    return "; ".join(m.position for m in run)


def _quoted_row(
    run: list[QuotedMessage], number: int, case: CaseData, findings: Findings
) -> list[str]:
    first = run[0]
    if len(run) < RUN_MIN:
        return [
            str(number),
            stamp_text(first.at, case.timezone),
            _sender(first),
            first.channel,
            first.text,
            _provenance(first, findings),
        ]
    last = run[-1]
    when = _("{start} to {end}").format(
        start=stamp_text(first.at, case.timezone), end=stamp_text(last.at, case.timezone)
    )
    text = (
        first.text
        + "\n"
        + _("(sent {n} times in a row, the same words each time)").format(n=len(run))
    )
    lines = [
        _("{exhibit}, {position}").format(
            exhibit=first.exhibit_ref or _("export not kept"), position=_positions(run)
        )
    ]
    kinds = findings.threat_kinds(first.ref)
    if kinds:
        lines.append(_("Threat: {kinds}").format(kinds=kinds))
    incidents = list(dict.fromkeys(m.incident_ref for m in run if m.incident_ref))
    if len(incidents) == 1:
        lines.append(_("Incident {ref}").format(ref=incidents[0]))
    elif incidents:
        lines.append(_("Incidents {refs}").format(refs=", ".join(incidents)))
    return [
        f"{number}-{number + len(run) - 1}",
        when,
        _sender(first),
        first.channel,
        text,
        "\n".join(lines),
    ]


def what_they_wrote(doc: Doc, case: CaseData, findings: Findings) -> None:
    """Every message the threat detector flagged, word for word, oldest first."""
    doc.new_page("L")
    doc.heading(_("What they wrote"))
    doc.para(
        _(
            "Every imported message from them in which SafeTrail found threatening words, "
            "quoted exactly as the export has it, oldest first. The exhibit is the exported "
            "file the message was read from (its SHA-256 is listed after the messages and in "
            "the evidence index); the position says where in that file the message is."
        ),
        SMALL,
        color=MUTED,
    )
    if not findings.quoted:
        doc.para(_("No imported message was flagged as threatening."))
        return
    runs = quoted_runs(findings.quoted)
    if any(len(run) >= RUN_MIN for run in runs):
        doc.para(
            _(
                "When they sent the same words again and again in a row, the message is "
                "quoted once, with how many times it was sent, when the first and the last "
                "were sent, and where each one is in the export."
            ),
            SMALL,
            color=MUTED,
        )
    doc.grid_table(
        [
            Column(_("No."), 4, align="R"),
            Column(_("When"), 11),
            Column(_("From"), 12),
            Column(_("Channel"), 7),
            Column(_("Message (exactly as written)"), 46),
            Column(_("Exhibit, position"), 20),
        ],
        (_quoted_row(run, first, case, findings) for first, run in _numbered(runs)),
    )
    exports: dict[str, tuple[str, str]] = {}
    for m in findings.quoted:
        exports.setdefault(m.exhibit_ref or m.import_ref, (m.source_name, m.source_sha256))
    doc.lines([_("The exports quoted above")], Font("bold", 9.5), doc.l_margin)
    doc.gap(1)
    hash_width = doc.width("0" * 64, HASH_FONT) + 2.6
    rest = doc.content_width - hash_width
    doc.grid_table(
        [
            Column(_("Exhibit"), rest * 0.25),
            Column(_("File name"), rest * 0.75),
            Column(_("SHA-256"), hash_width, mono=True),
        ],
        ([ref, name, sha] for ref, (name, sha) in exports.items()),
        mono_font=HASH_FONT,
        zebra=False,
    )


def _police_text(incident: IncidentRow) -> str:
    police = incident.police
    if not police.any:
        return _("not recorded")
    parts = [_("Reported: {v}").format(v=yes_no(police.reported))]
    if police.reference:
        parts.append(_("Ref: {v}").format(v=police.reference))
    if police.officer:
        parts.append(_("Officer: {v}").format(v=police.officer))
    if police.badge:
        parts.append(_("Badge: {v}").format(v=police.badge))
    return "\n".join(parts)


def _where_text(incident: IncidentRow) -> str:
    place = incident.location or ""
    if incident.latitude is not None and incident.longitude is not None:
        place = f"{place}\n({incident.latitude:.5f}, {incident.longitude:.5f})".strip()
    return place


def _witness_text(incident: IncidentRow) -> str:
    return "\n".join(f"{w.name} ({w.contact})" if w.contact else w.name for w in incident.witnesses)


def _kind_text(incident: IncidentRow, case: CaseData, show_people: bool) -> str:
    parts = [", ".join(vocab.tactic(t).label_text() for t in incident.tactics)]
    if incident.channel:
        parts.append(
            _("via {channel}").format(channel=vocab.channel(incident.channel).label_text().lower())
        )
    if incident.impacts:
        parts.append(
            _("Effects: {list}").format(
                list=", ".join(vocab.impact(i).label_text().lower() for i in incident.impacts)
            )
        )
    if show_people and incident.offender_ids:
        parts.append(
            _("Who: {refs}").format(
                refs=", ".join(case.refs.get(p, p) for p in incident.offender_ids)
            )
        )
    return "\n".join(p for p in parts if p)


def _what_text(incident: IncidentRow, case: CaseData, findings: Findings | None) -> str:
    text = incident.what_happened
    flagged = findings.by_incident.get(incident.id, ()) if findings is not None else ()
    for message in flagged:
        text += "\n" + _("Flagged message ({when}): “{text}”").format(
            when=stamp_text(message.at, case.timezone, seconds=False), text=message.text
        )
    return text


def _incident_rows(
    case: CaseData, show_people: bool, findings: Findings | None = None
) -> Iterator[list[str]]:
    for incident in case.incidents:
        day, clock = when_columns(incident.occurred, case.timezone)
        ref = incident.ref
        if incident.version > 1:
            ref += "\n" + _("corrected (v{n})").format(n=incident.version)
        yield [
            ref,
            day,
            clock,
            _what_text(incident, case, findings),
            _where_text(incident),
            _witness_text(incident),
            _police_text(incident),
            _kind_text(incident, case, show_people),
            "" if incident.fear is None else str(incident.fear),
            ", ".join(case.exhibit_refs(incident.evidence_ids)),
        ]


def incident_table(doc: Doc, case: CaseData, findings: Findings) -> None:
    doc.new_page("L")
    doc.heading(_("Chronological incident log"))
    doc.para(
        _(
            "Oldest first. Times are local times in {tz} unless another zone is shown; a time "
            "is only as precise as the person could say. Fear: 0 not afraid, 1 a little uneasy, "
            "2 worried, 3 very frightened, 4 terrified, afraid for my life. Evidence refers to "
            "the evidence index."
        ).format(tz=case.timezone),
        SMALL,
        color=MUTED,
    )
    if not case.incidents:
        doc.para(_("No incidents in the chosen period."))
        return
    show_people = len(case.people) > 1
    doc.grid_table(
        [
            Column(_("Ref"), 17),
            Column(_("Date"), 21),
            Column(_("Time"), 15),
            Column(_("What happened"), 76),
            Column(_("Where"), 26),
            Column(_("Witnesses"), 26),
            Column(_("Police called / report no. / officer and badge"), 28),
            Column(_("Kind of behaviour"), 27),
            Column(_("Fear 0–4"), 10, align="R"),
            Column(_("Evidence"), 16),
        ],
        _incident_rows(case, show_people, findings),
    )


def communications(doc: Doc, case: CaseData, section: CommunicationsSection) -> None:
    doc.heading(_("Imported communications"))
    if not section.rows:
        doc.para(_("No imported communications are in this log."))
        return
    doc.para(
        _("Messages and calls imported from the person's devices and accounts: {n}.").format(
            n=len(section.rows)
        )
    )
    doc.grid_table(
        [
            Column(_("From / to"), 30),
            Column(_("Channel"), 16),
            Column(_("Direction"), 14),
            Column(_("Count"), 10, align="R"),
            Column(_("First"), 24),
            Column(_("Last"), 24),
        ],
        (
            [
                who,
                channel,
                direction,
                str(n),
                stamp_text(first, case.timezone),
                stamp_text(last, case.timezone),
            ]
            for who, channel, direction, n, first, last in section.summary()
        ),
    )
    if not case.options.communications_appendix:
        doc.para(
            _("The full list is in the case bundle's communications file."), SMALL, color=MUTED
        )


def communications_appendix(doc: Doc, case: CaseData, section: CommunicationsSection) -> None:
    if not case.options.communications_appendix or not section.rows:
        return
    doc.new_page("L")
    doc.heading(_("Appendix: every message and call from them"))
    doc.grid_table(
        [
            Column(_("When"), 22),
            Column(_("Direction"), 12),
            Column(_("Channel"), 14),
            Column(_("From / to"), 26),
            Column(_("Text"), 90),
            Column(_("Attachments"), 16),
            Column(_("Source"), 30),
        ],
        (
            [
                stamp_text(r.at, case.timezone),
                r.direction,
                r.channel,
                r.counterpart + (f"\n{r.person_ref}" if r.person_ref else ""),
                r.text,
                ", ".join(r.attachments),
                f"{r.importer} {r.position}\n{r.source_sha256[:16]}…",
            ]
            for r in sorted(section.rows, key=lambda r: r.at)
        ),
    )


def _captured(exhibit_taken: str | None, modified: str | None, tz: str) -> str:
    from safetrail.reports.model import camera_time_text

    if exhibit_taken:
        return _("{when} (photo metadata)").format(when=camera_time_text(exhibit_taken))
    if modified:
        return _("{when} (file date)").format(when=stamp_text(modified, tz))
    return _("not known")


def evidence_index(doc: Doc, case: CaseData) -> None:
    doc.new_page("L")
    doc.heading(_("Evidence index"))
    doc.para(
        _(
            "Each exhibit's SHA-256 is the fingerprint of the original file, computed when it "
            "was added to the vault and re-checked by 'safetrail verify'. Any change to a file, "
            "even one byte, gives a different SHA-256."
        ),
        SMALL,
        color=MUTED,
    )
    if not case.exhibits:
        doc.para(_("No evidence files are attached to the incidents in this report."))
        return
    hash_width = doc.width("0" * 64, HASH_FONT) + 2.6
    rest = doc.content_width - hash_width
    scale = rest / 180
    columns = [
        Column(_("Exhibit"), 17 * scale),
        Column(_("File name"), 38 * scale),
        Column(_("Type and size"), 22 * scale),
        Column(_("Captured"), 29 * scale),
        Column(_("Added to the vault"), 26 * scale),
        Column(_("Source"), 28 * scale),
        Column(_("Incidents"), 20 * scale),
        Column(_("SHA-256"), hash_width, mono=True),
    ]
    doc.grid_table(
        columns,
        (
            [
                e.ref,
                e.name + (f"\n{e.description}" if e.description else ""),
                f"{e.media_type}\n{human_size(e.size)}",
                _captured(e.taken_at, e.file_modified_at, case.timezone),
                stamp_text(e.acquired_at, case.timezone),
                "\n".join(
                    x for x in (e.source_device, e.source_account, e.acquisition_method) if x
                ),
                ", ".join(e.incident_refs),
                e.sha256,
            ]
            for e in case.exhibits
        ),
        mono_font=HASH_FONT,
    )


def witnesses(doc: Doc, case: CaseData) -> None:
    doc.heading(_("Witnesses"))
    seen: dict[tuple[str, str | None], list[str]] = {}
    for incident in case.incidents:
        for w in incident.witnesses:
            seen.setdefault((w.name, w.contact), []).append(
                f"{incident.ref} ({day_text(incident.occurred.local_start.date())})"
            )
    if not seen:
        doc.para(_("No witnesses are recorded for these incidents."))
        return
    withheld = _("left out of this report")
    doc.grid_table(
        [Column(_("Name"), 30), Column(_("Contact"), 30), Column(_("Incidents"), 40)],
        (
            [name, contact or ("" if case.options.witness_contacts else withheld), ", ".join(refs)]
            for (name, contact), refs in sorted(seen.items(), key=lambda kv: kv[0][0].casefold())
        ),
    )


def police_references(doc: Doc, case: CaseData) -> None:
    doc.heading(_("Police references"))
    rows = [i for i in case.incidents if i.police.any]
    if not rows:
        doc.para(_("No police contact is recorded for these incidents."))
        return
    doc.grid_table(
        [
            Column(_("Incident"), 13),
            Column(_("Date"), 20),
            Column(_("Reported"), 11),
            Column(_("Reference number"), 22),
            Column(_("Officer"), 20),
            Column(_("Badge"), 14),
        ],
        (
            [
                i.ref,
                when_columns(i.occurred, case.timezone)[0],
                yes_no(i.police.reported),
                i.police.reference or "",
                i.police.officer or "",
                i.police.badge or "",
            ]
            for i in rows
        ),
    )


def notices_and_orders(doc: Doc, case: CaseData) -> None:
    from safetrail.services.events import method_label

    doc.heading(_("Notices and orders"))
    if case.notices:
        doc.grid_table(
            [
                Column(_("Ref"), 10),
                Column(_("Date"), 16),
                Column(_("How it was given"), 18),
                Column(_("To"), 22),
                Column(_("What it said"), 50),
            ],
            (
                [
                    n.ref,
                    day_text(n.day),
                    method_label(n.method),
                    case.names_for([n.person_id]) if n.person_id else "",
                    n.summary or "",
                ]
                for n in case.notices
            ),
        )
    if case.orders:
        doc.grid_table(
            [
                Column(_("Ref"), 10),
                Column(_("Order"), 20),
                Column(_("Made"), 15),
                Column(_("Ends"), 15),
                Column(_("Issued by / number"), 22),
                Column(_("Conditions"), 34),
                Column(_("Against"), 20),
            ],
            (
                [
                    o.ref,
                    o.order_type,
                    day_text(o.starts),
                    day_text(o.ends) if o.ends else _("no end date"),
                    "\n".join(x for x in (o.issuer, o.reference) if x),
                    o.conditions or "",
                    case.names_for([o.person_id]) if o.person_id else "",
                ]
                for o in case.orders
            ),
        )
    if not case.notices and not case.orders:
        doc.para(_("None recorded."))


def record_index(doc: Doc, case: CaseData) -> None:
    if not case.incidents:
        return
    doc.new_page("L")
    doc.heading(_("Record index"))
    doc.para(
        _(
            "When each incident was written down and corrected, and the SHA-256 of its current "
            "version as stored in the ledger. 'safetrail verify' recomputes these."
        ),
        SMALL,
        color=MUTED,
    )
    hash_width = doc.width("0" * 64, HASH_FONT) + 2.6
    rest = doc.content_width - hash_width
    scale = rest / 100
    doc.grid_table(
        [
            Column(_("Incident"), 12 * scale),
            Column(_("Version"), 9 * scale, align="R"),
            Column(_("Happened"), 21 * scale),
            Column(_("First written"), 22 * scale),
            Column(_("This version written"), 22 * scale),
            Column(_("Ledger entry"), 14 * scale, align="R"),
            Column(_("Content SHA-256"), hash_width, mono=True),
        ],
        (
            [
                i.ref,
                str(i.version),
                when_columns(i.occurred, case.timezone)[0],
                stamp_text(i.recorded_at, case.timezone),
                stamp_text(i.changed_at, case.timezone),
                str(i.ledger_seq),
                i.content_sha256,
            ]
            for i in case.incidents
        ),
        mono_font=HASH_FONT,
    )


def _timestamps(doc: Doc, stamps: Sequence[timestamps.Stamp]) -> None:
    doc.heading(_("Trusted timestamps"), font=Font("bold", 11), rule=False)
    if not stamps:
        doc.para(
            _(
                "No trusted timestamp of the ledger is stored. (They are optional: when the "
                "person turns them on, a time-stamping authority signs the ledger head's "
                "hash with the time, which proves the log existed as it was by then.)"
            ),
            SMALL,
        )
        return
    doc.para(
        _(
            "A time-stamping authority (RFC 3161) signed the hash of the ledger head with "
            "the time, proving that the log up to that entry existed, unchanged, by then. "
            "Only that hash was sent. The tokens are in the vault and in the case bundle's "
            "timestamps folder, which explains how to check them with 'openssl ts -verify'."
        ),
        SMALL,
    )
    doc.bullets([timestamps.describe(item) for item in stamps], SMALL)


def integrity_statement(
    doc: Doc, case: CaseData, what: str, stamps: Sequence[timestamps.Stamp] = ()
) -> None:
    doc.new_page("P")
    doc.heading(_("Integrity statement"))
    generated_local = stamp_text(case.generated_at.isoformat(), case.timezone)
    doc.para(
        _(
            "This {what} was generated by {software} on {local} ({tz}), "
            "{utc} UTC, from the person's encrypted, append-only SafeTrail log."
        ).format(
            what=what,
            software=case.software,
            local=generated_local,
            tz=case.timezone,
            utc=f"{case.generated_at:%Y-%m-%d %H:%M:%S}",
        )
    )
    doc.para(
        _(
            "Every incident, correction, withdrawal, evidence file and export in that log is an "
            "entry in a hash chain (the ledger). Each entry's SHA-256 includes the hash of the "
            "entry before it, so changing, removing or reordering any earlier entry changes "
            "every hash after it."
        )
    )
    doc.para(
        _(
            "When this {what} was made the ledger had {n} entries. The hash of the latest one "
            "(the ledger head) was:"
        ).format(what=what, n=case.ledger_entries)
    )
    doc.lines([case.head_hash], MONO, doc.l_margin + 4)
    doc.gap(2)
    doc.para(_("The ledger head is signed with the vault's Ed25519 key; its public key is:"))
    doc.lines([case.public_key], MONO, doc.l_margin + 4)
    doc.gap(2)
    doc.para(
        _(
            "Report ID {id}. Its fingerprint, a SHA-256 over the ledger head, the choices made "
            "for this {what}, and every record version and exhibit hash it shows, is:"
        ).format(id=case.report_id, what=what)
    )
    doc.lines([case.fingerprint], MONO, doc.l_margin + 4)
    doc.gap(2)
    doc.para(
        _(
            "Making this {what} was itself recorded in the ledger, as the next export entry, "
            "with the SHA-256 of this PDF file. A file cannot contain its own hash, so that "
            "hash is kept in the vault and in the case bundle's SHA256SUMS file."
        ).format(what=what)
    )
    _timestamps(doc, stamps)
    doc.heading(_("How to verify"), font=Font("bold", 11), rule=False)
    doc.bullets(
        [
            _(
                "In the person's vault, 'safetrail verify' recomputes every ledger entry and the "
                "SHA-256 of every evidence file, and names anything that was changed or lost. "
                "Entry {n} of its ledger must have the head hash printed above."
            ).format(n=case.ledger_entries),
            _(
                "'safetrail exports' lists every report, bundle and export made from the vault "
                "with its SHA-256; compare it with the SHA-256 of this file (for example "
                "'sha256sum report.pdf', or 'certutil -hashfile report.pdf SHA256' on Windows)."
            ),
            _(
                "In a case bundle, run 'sha256sum -c SHA256SUMS' in the bundle's folder: every "
                "file, including each original evidence file, must print OK. The SHA256SUMS "
                "file is signed with the key above (SHA256SUMS.sig; see README.txt)."
            ),
            _(
                "Each exhibit's SHA-256 in the evidence index must equal the SHA-256 of the "
                "original file handed over."
            ),
        ]
    )


def build_report(vault: CaseContext, options: ReportOptions) -> Report:
    """Gather, lay out and return the PDF. Nothing is written or recorded here, except a
    trusted timestamp of the ledger head when the person turned those on."""
    # The language is looked up once for the whole build (not from the environment for
    # each of the hundreds of thousands of strings and dates of a large report).
    with use_language(None):
        return _build_report(vault, options)


def _build_report(vault: CaseContext, options: ReportOptions) -> Report:
    timestamps.auto_stamp(vault)
    stamps = timestamps.stamps(vault)
    case = gather(vault, options)
    findings = findings_for(vault, case)
    include_exhibits(vault, case, (m.exhibit_id for m in findings.quoted))
    comms = communications_section(vault, case)
    title = _("Incident log report")
    doc = new_doc(case, title)
    _cover(doc, case, findings)
    _charts(doc, findings)
    signals_section(doc, case, findings)
    what_they_wrote(doc, case, findings)
    incident_table(doc, case, findings)
    evidence_index(doc, case)
    doc.new_page("P")
    communications(doc, case, comms)
    witnesses(doc, case)
    police_references(doc, case)
    notices_and_orders(doc, case)
    record_index(doc, case)
    communications_appendix(doc, case, comms)
    integrity_statement(doc, case, _("report"), stamps)
    pdf = bytes(doc.output())
    digest = hashlib.sha256(pdf).hexdigest()
    return Report(
        pdf,
        case,
        digest,
        f"report-{case.generated_at:%Y-%m-%d}-{case.fingerprint[:8]}.pdf",
        findings,
        tuple(stamps),
    )


def custody_details(case: CaseData) -> dict[str, object]:
    return {
        "report_id": case.report_id,
        "fingerprint": case.fingerprint,
        "ledger_head": case.head_hash,
        "ledger_entries": case.ledger_entries,
        "incidents": len(case.incidents),
        "exhibits": len(case.exhibits),
        "options": case.options.describe(),
    }


def record_report(
    vault: CaseContext, report: Report, file_name: str, fmt: str = "pdf-report"
) -> None:
    exports.record_export(
        vault, fmt, file_name, report.sha256, len(report.pdf), custody_details(report.case)
    )


def write_report(vault: CaseContext, options: ReportOptions, output: Path) -> Report:
    """Make the report, write it to ``output`` (never overwriting) and record the export."""
    exports.check_output(output)
    report = build_report(vault, options)
    from safetrail.fsutil import atomic_write

    atomic_write(output, report.pdf)
    record_report(vault, report, output.name)
    return report
