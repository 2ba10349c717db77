"""What the analysis found, for reports: the same ``Analysis`` the Patterns page renders.

Reports add no rules of their own. ``findings_for`` runs ``analysis.analyse`` over the part
of the case a report covers, and gathers what the report quotes: every message the threat
detector flagged, word for word, with the export it came from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from safetrail.analysis import scan_cache
from safetrail.analysis.case import Analysis, analyse
from safetrail.analysis.charts import ChartImage, report_charts
from safetrail.analysis.escalation import THREAT_LABELS, Signal
from safetrail.analysis.loader import load_case
from safetrail.analysis.text import ngettext
from safetrail.analysis.threats import ThreatFlag
from safetrail.case import CaseContext
from safetrail.domain.when import zone
from safetrail.i18n import N_, _
from safetrail.reports.messages import QuotedMessage, quoted_messages
from safetrail.reports.model import CaseData, NoticeRow, OrderRow, day_text
from safetrail.services.events import method_label

__all__ = [
    "CAVEAT",
    "Findings",
    "arrangement_sentences",
    "findings_for",
    "notice_sentence",
    "order_sentence",
    "signal_line",
    "signal_title",
]

CAVEAT = N_(
    "These are signals found in the log by plain, checkable rules, not a risk assessment. "
    "Stalking can become more dangerous at any time; police or a specialist stalking "
    "advocate can help judge the risk."
)


@dataclass(frozen=True)
class Findings:
    analysis: Analysis
    quoted: tuple[QuotedMessage, ...] = ()  # every flagged message, oldest first
    flags: dict[str, ThreatFlag] = field(default_factory=dict)  # by message reference
    by_incident: dict[str, tuple[QuotedMessage, ...]] = field(default_factory=dict)
    charts: tuple[ChartImage, ...] = ()

    @property
    def signals(self) -> tuple[Signal, ...]:
        return self.analysis.signals

    def threat_kinds(self, ref: str) -> str:
        flag = self.flags.get(ref)
        if flag is None:
            return ""
        return ", ".join(_(THREAT_LABELS[c]) for c in flag.categories if c in THREAT_LABELS)

    def notice_signal(self, notice: NoticeRow) -> Signal | None:
        return next(
            (s for s in self.signals if s.kind == "after_notice" and s.about == notice.ref), None
        )


def signal_title(signal: Signal) -> str:
    return _("Serious: {title}").format(title=signal.title) if signal.urgent else signal.title


def signal_line(signal: Signal) -> str:
    """A signal in one line: its title and what it rests on."""
    return _("{title}: {detail}").format(title=signal_title(signal), detail=signal.detail)


def _epoch(day: date, tz: str) -> int:
    return int(datetime.combine(day, time()).replace(tzinfo=zone(tz)).timestamp())


def report_day(case: CaseData) -> date:
    """The day the report's analysis is "as of": its last day, or the day it is made."""
    made = case.generated_at.astimezone(zone(case.timezone)).date()
    if case.options.to_day:
        return min(made, date.fromisoformat(case.options.to_day))
    return made


def findings_for(vault: CaseContext, case: CaseData, charts: bool = True) -> Findings:
    """The analysis of the report's part of the case, and the messages it flagged."""
    facts = load_case(vault)
    options = case.options
    whole = not (options.from_day or options.to_day or options.offenders or options.incidents)
    if not whole:
        people = frozenset(p.id for p in case.people) if options.offenders else None
        since = until = None
        if options.from_day:
            since = _epoch(date.fromisoformat(options.from_day), case.timezone)
        if options.to_day:
            last = date.fromisoformat(options.to_day)
            until = _epoch(last + timedelta(days=1), case.timezone)
        facts = facts.within(frozenset(i.id for i in case.incidents), people, since, until)
    found = analyse(facts, report_day(case), memo=scan_cache.memo_for(vault))
    flags: dict[str, ThreatFlag] = {}
    log = found.contacts.log
    for position, flag in found.contact_flags.items():
        ref = log.ref_of(int(found.contacts.index[position]))
        if ref:
            flags[ref] = flag
    quoted = quoted_messages(vault, sorted(flags))
    by_incident: dict[str, list[QuotedMessage]] = defaultdict(list)
    for message in quoted:
        if message.incident_id:
            by_incident[message.incident_id].append(message)
    return Findings(
        analysis=found,
        quoted=tuple(quoted),
        flags=flags,
        by_incident={k: tuple(v) for k, v in by_incident.items()},
        charts=tuple(report_charts(found)) if charts else (),
    )


def notice_sentence(case: CaseData, findings: Findings, notice: NoticeRow) -> str:
    """The notice, and what the analysis counts after it (the Patterns page's own words)."""
    who = case.names_for([notice.person_id]) if notice.person_id else _("the person responsible")
    head = _("No-contact notice {ref}: given on {day} to {who} (how: {method}).").format(
        ref=notice.ref,
        day=day_text(notice.day),
        method=method_label(notice.method).lower(),
        who=who,
    )
    signal = findings.notice_signal(notice)
    if signal is None:
        return head + " " + _("Nothing from them is recorded after that day.")
    return head + " " + signal.detail


def order_sentence(case: CaseData, findings: Findings, order: OrderRow) -> str:
    """The order, and the possible breaches the analysis found while it was in force."""
    ends = day_text(order.ends) if order.ends else _("no end date")
    head = _("{kind} {ref}: made on {day}, ends: {ends}.").format(
        kind=order.order_type, ref=order.ref, day=day_text(order.starts), ends=ends
    )
    if order.person_id:
        head += " " + _("Against {who}.").format(who=case.names_for([order.person_id]))
    mine = [b for b in findings.analysis.breaches if b.order_ref == order.ref]
    incidents = sum(1 for b in mine if b.source == "incident")
    contacts = sum(b.count for b in mine if b.source == "contacts")
    marked = sum(1 for b in mine if b.recorded_as_breach)
    counted = _("While it was in force: {incidents} and {contacts} from them.").format(
        incidents=ngettext("{n} incident", "{n} incidents", incidents).format(n=incidents),
        contacts=ngettext("{n} call or message", "{n} calls or messages", contacts).format(
            n=contacts
        ),
    )
    marked_text = _("Marked by the person as breaking it: {n}.").format(n=marked)
    return f"{head} {counted} {marked_text}"


def arrangement_sentences(case: CaseData, findings: Findings) -> list[str]:
    """Each permitted contact arrangement, said plainly, with what fell inside it.

    Contact inside an arrangement is not counted as contact after a notice or during an
    order (``analysis.escalation.outside_arrangements``); saying so here keeps the log
    honest about what was left out and why."""
    lines = []
    for counted in findings.analysis.arranged:
        item = counted.arrangement
        source = _("set by a court order") if item.source == "order" else _("agreed")
        line = _(
            "Permitted contact {ref} ({source}) with {who}: {summary}. {incidents} and "
            "{contacts} fell inside it; they are not counted as contact after the notice or "
            "as possible breaches."
        ).format(
            ref=item.ref,
            source=source,
            who=case.names_for([item.person_id]),
            summary=item.summary,
            incidents=ngettext("{n} incident", "{n} incidents", counted.incidents).format(
                n=counted.incidents
            ),
            contacts=ngettext(
                "{n} call or message", "{n} calls or messages", counted.contacts
            ).format(n=counted.contacts),
        )
        if counted.flagged:
            line += " " + ngettext(
                "{n} of them contains threatening words and is still listed with the threats.",
                "{n} of them contain threatening words and are still listed with the threats.",
                counted.flagged,
            ).format(n=counted.flagged)
        lines.append(line)
    return lines
