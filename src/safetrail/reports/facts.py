"""Plain counts over the gathered log: contacts after a notice, incidents during an order,
and simple escalation signals used when the analysis package offers none.

Everything here is arithmetic on what the person recorded. It never says the risk is low:
it states counts and points to a specialist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from safetrail.domain import vocab
from safetrail.domain.when import zone
from safetrail.i18n import N_, _
from safetrail.reports.model import (
    CaseData,
    IncidentRow,
    NoticeRow,
    OrderRow,
    day_text,
)
from safetrail.services.events import method_label

WINDOW = timedelta(days=28)


def _day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time()).replace(tzinfo=zone(tz)).astimezone(UTC)


def _involves(incident: IncidentRow, person_id: str | None) -> bool:
    return person_id is None or person_id in incident.offender_ids


def after_notice(case: CaseData, notice: NoticeRow) -> list[IncidentRow]:
    """Incidents on or after the day the notice was given, involving its person."""
    start = _day_start(notice.day, case.timezone)
    return [
        i for i in case.incidents if i.occurred.start >= start and _involves(i, notice.person_id)
    ]


def during_order(case: CaseData, order: OrderRow) -> list[IncidentRow]:
    """Incidents from the day the order was made to the end of its last day."""
    start = _day_start(order.starts, case.timezone)
    end = _day_start(order.ends + timedelta(days=1), case.timezone) if order.ends else None
    return [
        i
        for i in case.incidents
        if i.occurred.start >= start
        and (end is None or i.occurred.start < end)
        and _involves(i, order.person_id)
    ]


def notice_sentence(case: CaseData, notice: NoticeRow) -> str:
    after = after_notice(case, notice)
    who = case.names_for([notice.person_id]) if notice.person_id else _("the person responsible")
    head = _("No-contact notice {ref}: given on {day} to {who} (how: {method}).").format(
        ref=notice.ref,
        day=day_text(notice.day),
        method=method_label(notice.method).lower(),
        who=who,
    )
    if not after:
        return head + " " + _("No incident in this report happened on or after that day.")
    return (
        head
        + " "
        + _("Incidents in this report on or after that day: {n} (the first on {first}).").format(
            n=len(after), first=day_text(after[0].occurred.local_start.date())
        )
    )


def order_sentence(case: CaseData, order: OrderRow) -> str:
    during = during_order(case, order)
    marked = [i for i in during if "order_breach" in i.tactics or i.id in order.breach_ids]
    ends = day_text(order.ends) if order.ends else _("no end date")
    head = _("{kind} {ref}: made on {day}, ends: {ends}.").format(
        kind=order.order_type, ref=order.ref, day=day_text(order.starts), ends=ends
    )
    if order.person_id:
        head += " " + _("Against {who}.").format(who=case.names_for([order.person_id]))
    return (
        head
        + " "
        + _(
            "Incidents in this report while it was in force: {n}; of these, marked as "
            "breaking a court order: {m}."
        ).format(n=len(during), m=len(marked))
    )


@dataclass(frozen=True)
class Windows:
    end: datetime
    recent: list[IncidentRow]
    previous: list[IncidentRow]
    before_recent: list[IncidentRow]


def windows(case: CaseData) -> Windows:
    """The last four weeks of the period, the four weeks before, and all before the last four."""
    end = case.generated_at
    if case.options.to_day:
        chosen = _day_start(
            date.fromisoformat(case.options.to_day) + timedelta(days=1), case.timezone
        )
        end = min(end, chosen)
    recent = [i for i in case.incidents if end - WINDOW <= i.occurred.start < end]
    previous = [i for i in case.incidents if end - 2 * WINDOW <= i.occurred.start < end - WINDOW]
    before = [i for i in case.incidents if i.occurred.start < end - WINDOW]
    return Windows(end, recent, previous, before)


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def basic_signals(case: CaseData) -> list[str]:
    """Escalation signals in plain words, from counts alone."""
    if not case.incidents:
        return [_("There are no incidents in the chosen period, so no pattern can be shown.")]
    out: list[str] = []
    w = windows(case)
    n_recent, n_previous = len(w.recent), len(w.previous)
    latest = case.incidents[-1]
    if n_recent == n_previous == 0:
        out.append(
            _(
                "No incident was recorded in the last eight weeks of the period; the latest "
                "recorded was on {day} ({ref})."
            ).format(day=day_text(latest.occurred.local_start.date()), ref=latest.ref)
        )
    elif n_recent > n_previous and n_recent >= 2:
        out.append(
            _(
                "More frequent. Incidents in the last four weeks of the period: {r}; "
                "in the four weeks before: {p}."
            ).format(r=n_recent, p=n_previous)
        )
    else:
        out.append(
            _(
                "Incidents in the last four weeks of the period: {r}; "
                "in the four weeks before: {p}."
            ).format(r=n_recent, p=n_previous)
        )
    first_by_tier: dict[int, IncidentRow] = {}
    for incident in case.incidents:
        first_by_tier.setdefault(incident.tier, incident)
    top = max(first_by_tier)
    if top >= vocab.SeverityTier.SURVEILLANCE:
        first = first_by_tier[top]
        tier = vocab.SeverityTier(top)
        kinds = ", ".join(
            vocab.tactic(t).label_text() for t in first.tactics if vocab.tactic(t).tier == top
        )
        out.append(
            _(
                "The most serious kind of behaviour recorded ({tier}: {kinds}) first happened "
                "on {day} ({ref})."
            ).format(
                tier=_(vocab.SEVERITY_LABELS[tier]).lower(),
                kinds=kinds.lower(),
                day=day_text(first.occurred.local_start.date()),
                ref=first.ref,
            )
        )
    seen_before = {t for i in w.before_recent for t in i.tactics}
    new = sorted({t for i in w.recent for t in i.tactics} - seen_before) if w.before_recent else []
    if new:
        out.append(
            _("New in the last four weeks: {kinds}.").format(
                kinds=", ".join(vocab.tactic(t).label_text().lower() for t in new)
            )
        )
    channels_before = {i.channel for i in w.before_recent if i.channel}
    new_channels = (
        sorted({i.channel for i in w.recent if i.channel} - channels_before)
        if w.before_recent
        else []
    )
    if new_channels:
        out.append(
            _("New ways of reaching the person in the last four weeks: {ways}.").format(
                ways=", ".join(vocab.channel(c).label_text().lower() for c in new_channels)
            )
        )
    for slug in ("threats", "violence", "harm_to_pets", "intimate_images", "order_breach"):
        hits = [i for i in case.incidents if slug in i.tactics]
        if hits:
            out.append(
                _(
                    "{kind}: recorded in incidents: {n}; "
                    "the first on {first}, the latest on {last}."
                ).format(
                    kind=vocab.tactic(slug).label_text(),
                    n=len(hits),
                    first=day_text(hits[0].occurred.local_start.date()),
                    last=day_text(hits[-1].occurred.local_start.date()),
                )
            )
    recent_fear = _mean([i.fear for i in w.recent if i.fear is not None])
    previous_fear = _mean([i.fear for i in w.before_recent if i.fear is not None])
    if recent_fear is not None and previous_fear is not None and recent_fear > previous_fear:
        out.append(
            _(
                "Fear has risen: on average {a:.1f} of 4 in the last four weeks, "
                "{b:.1f} of 4 before that."
            ).format(a=recent_fear, b=previous_fear)
        )
    terrified = sum(1 for i in case.incidents if i.fear == vocab.MAX_FEAR)
    if terrified:
        out.append(
            _("Incidents in which the person recorded feeling afraid for their life: {n}.").format(
                n=terrified
            )
        )
    for notice in case.notices:
        after = after_notice(case, notice)
        if after:
            out.append(
                _(
                    "Contact continued after the no-contact notice of {day} (incidents since: {n})."
                ).format(day=day_text(notice.day), n=len(after))
            )
    for order in case.orders:
        during = during_order(case, order)
        if during:
            out.append(
                _("Incidents while order {ref} ({kind}, made {day}) was in force: {n}.").format(
                    n=len(during), ref=order.ref, kind=order.order_type, day=day_text(order.starts)
                )
            )
    return out


CAVEAT = N_(
    "These are counts from the log, not a risk assessment. Stalking can become more dangerous "
    "at any time; police or a specialist stalking advocate can help judge the risk."
)
