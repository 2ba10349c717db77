"""Escalation signals, each with the incidents and contacts behind it, and order breaches.

A signal is a change worth noticing, never a verdict. The thresholds below are deliberately
plain, so a person or an advocate can check any signal by hand against the log:

* **rising rate** — more incidents in the last 4 weeks than in the 4 weeks before: at least
  4 of them, on at least 3 different days (one bad day is not a trend), at least 1.5 times
  as many as before and at least 2 more. The same test, with at least 10, runs on contacts.
* **more serious behaviour** — the first incident in a higher severity tier than anything
  before it (tiers from ``domain.vocab``: indirect < contact < surveillance < approach <
  violence).
* **new kinds of behaviour / new channels** — first seen in the last 4 weeks, when the log
  goes back further than that.
* **at home, work or school** — following, watching, turning up, approaching, damage or
  anything in person at those places.
* **threats** — incidents recorded as threats, and threatening words found in incident notes
  and messages (``threats``).
* **rising fear** — the person's own fear ratings: the average of the latest ratings is at
  least one step higher than the average of the ones before.
* **after a no-contact notice**, **during a protective order** — every incident and contact
  from the person it names, from the day after it was given, except what the person
  confirmed was inside a permitted contact arrangement (``CaseFacts.inside``: handovers of
  children, for example). Those are counted apart and threat flags still cover them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from safetrail.analysis.facts import CaseFacts, EventFact, IncidentFact
from safetrail.analysis.localtime import day_number, day_of
from safetrail.analysis.pattern import label_channel
from safetrail.analysis.places import place_kind
from safetrail.analysis.text import day_text, ngettext, short_text
from safetrail.analysis.threats import ThreatFlag
from safetrail.analysis.timeline import DAY, ContactTable, IncidentTable, tier_of
from safetrail.domain import vocab
from safetrail.errors import ValidationError
from safetrail.i18n import N_, _

__all__ = [
    "EVIDENCE_KEPT",
    "Breach",
    "DetectionContext",
    "Evidence",
    "Rules",
    "Signal",
    "ThreatScanFailed",
    "TierStep",
    "find_after_notice",
    "find_fear",
    "find_new_tier",
    "find_news",
    "find_order_breaches",
    "find_places",
    "find_rising",
    "find_threats",
    "outside_arrangements",
    "rate_marks",
]

EVIDENCE_KEPT = 200  # per signal: the first and last halves are kept when there are more

SignalKind = Literal[
    "rising_rate",
    "rising_contacts",
    "new_tier",
    "new_tactics",
    "new_channels",
    "approach_places",
    "threats",
    "rising_fear",
    "after_notice",
    "order_breach",
]

# Behaviour that means being physically near the person (for the home/work/school signal).
NEARBY = frozenset(
    {
        "following",
        "watching",
        "showing_up",
        "approaching",
        "property_damage",
        "items_sent",
        "violence",
        "harm_to_pets",
        "order_breach",
    }
)

PLACE_LABELS = {
    "home": N_("at or near home"),
    "work": N_("at or near work"),
    "school": N_("at or near school"),
}
THREAT_LABELS = {
    "kill": N_("to kill"),
    "harm": N_("to hurt"),
    "self_harm": N_("to hurt themselves, to pressure you"),
    "family": N_("against family or people close to you"),
    "pets": N_("against animals"),
    "images": N_("to share intimate images"),
    "whereabouts": N_("knowing where you are"),
}


@dataclass(frozen=True)
class Rules:
    """The thresholds (see the module docstring for why each is what it is)."""

    window_days: int = 28
    min_recent: int = 4
    min_recent_days: int = 3
    min_ratio: float = 1.5
    min_increase: int = 2
    contact_min_recent: int = 10
    fear_ratings: int = 5  # compare the latest (up to) 5 ratings with the 5 before
    fear_min_ratings: int = 3
    fear_rise: float = 1.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """One incident, or one day of contacts, behind a signal."""

    kind: Literal["incident", "contacts"]
    on: date
    ref: str | None = None  # the incident reference
    note: str = ""
    count: int = 1  # contacts on that day
    position: int = -1  # the incident's index in the table


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    title: str
    detail: str
    evidence: tuple[Evidence, ...]
    evidence_total: int
    first_on: date | None
    recent: bool
    urgent: bool = False
    lines: tuple[str, ...] = ()
    about: str | None = None  # the notice a signal is about (its reference)

    @property
    def evidence_left_out(self) -> int:
        return self.evidence_total - len(self.evidence)


@dataclass(frozen=True)
class TierStep:
    tier: int
    previous: int
    on: date
    ref: str
    tactics: tuple[str, ...]
    position: int  # the incident's index in the table


@dataclass(frozen=True)
class Breach:
    """Something that happened while an order was in force (or was recorded as a breach)."""

    on: date
    order_ref: str | None
    order_label: str
    source: Literal["incident", "contacts"]
    ref: str | None
    count: int
    summary: str  # what happened, in full (the pages shorten it); or "12 calls or messages"
    recorded_as_breach: bool


@dataclass
class DetectionContext:
    """What every detector reads (and where the breach list and severity steps land)."""

    facts: CaseFacts
    table: IncidentTable
    contacts: ContactTable
    today: int
    rules: Rules
    incident_flags: dict[int, ThreatFlag]
    contact_flags: dict[int, ThreatFlag]
    threat_scan_error: str | None = None
    days: NDArray[np.int64] = field(init=False)
    dated: NDArray[np.bool_] = field(init=False)
    unnamed: NDArray[np.bool_] = field(init=False)
    outside: NDArray[np.bool_] = field(init=False)  # incidents not inside an arrangement
    contacts_outside: NDArray[np.bool_] = field(init=False)  # the same for contacts
    breach_positions: dict[str, int] = field(init=False, default_factory=dict)
    found_breaches: list[Breach] = field(init=False, default_factory=list)
    steps: list[TierStep] = field(init=False, default_factory=list)
    _by_person: dict[str, NDArray[np.bool_]] = field(init=False)
    _by_tactic: dict[str, NDArray[np.bool_]] = field(init=False)

    def __post_init__(self) -> None:
        self.days = self.table.clock.day
        self.dated = self.table.level <= DAY
        count = len(self.table)
        self.unnamed = np.fromiter((not f.people for f in self.table.facts), np.bool_, count)
        self.outside, self.contacts_outside = outside_arrangements(
            self.facts, self.table, self.contacts
        )
        people: dict[str, list[int]] = defaultdict(list)
        tactics: dict[str, list[int]] = defaultdict(list)
        for i, fact in enumerate(self.table.facts):
            for person in fact.people:
                people[person].append(i)
            for slug in fact.tactics:
                tactics[slug].append(i)
        self._by_person = self._masks(people)
        self._by_tactic = self._masks(tactics)

    def _masks(self, positions: dict[str, list[int]]) -> dict[str, NDArray[np.bool_]]:
        """For each value (a person id, a tactic), which incidents carry it."""
        masks = {}
        for value, found in positions.items():
            mask = np.zeros(len(self.table), dtype=np.bool_)
            mask[found] = True
            masks[value] = mask
        return masks

    def naming(self, person_id: str | None) -> NDArray[np.bool_]:
        """Incidents that name ``person_id`` (every incident when it is None)."""
        if person_id is None:
            return np.ones(len(self.table), dtype=np.bool_)
        return self._by_person.get(person_id, np.zeros(len(self.table), dtype=np.bool_))

    def with_tactic(self, slug: str) -> NDArray[np.bool_]:
        return self._by_tactic.get(slug, np.zeros(len(self.table), dtype=np.bool_))

    @property
    def window_start(self) -> int:
        return self.today - self.rules.window_days + 1

    def incident(self, i: int, note: str = "") -> Evidence:
        fact = self.table.facts[i]
        return Evidence("incident", day_of(int(self.days[i])), fact.ref, note, 1, i)

    def contact_days(self, positions: NDArray[np.int64], note: str = "") -> list[Evidence]:
        if positions.size == 0:
            return []
        days, counts = np.unique(self.contacts.clock.day[positions], return_counts=True)
        return [
            Evidence("contacts", day_of(int(d)), None, note, int(n))
            for d, n in zip(days.tolist(), counts.tolist(), strict=True)
        ]


def outside_arrangements(
    facts: CaseFacts, table: IncidentTable, contacts: ContactTable
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which incidents and which contacts are *not* inside a permitted arrangement.

    This is the one place the exclusion lives: contact after a notice and breaches of an
    order both read these masks, so every page and report follows it."""
    inside = facts.inside
    if not inside:  # the usual case: nothing to leave out, nothing to look up
        return np.ones(len(table), dtype=np.bool_), np.ones(len(contacts), dtype=np.bool_)
    incidents = np.fromiter((f.id not in inside for f in table.facts), np.bool_, len(table))
    refs = contacts.log.refs
    if not refs:
        return incidents, np.ones(len(contacts), dtype=np.bool_)
    kept = np.fromiter(
        (refs[i] not in inside for i in contacts.index.tolist()), np.bool_, len(contacts)
    )
    return incidents, kept


def _gather(
    ctx: DetectionContext,
    positions: Sequence[int],
    note: str | Callable[[int], str] = "",
    contacts: Sequence[Evidence] = (),
) -> tuple[list[Evidence], int]:
    """Evidence for incidents at ``positions`` and days of contacts, in time order.

    Only what a signal keeps (see ``EVIDENCE_KEPT``) is built; the total counts everything.
    """
    order = sorted(
        [(int(ctx.days[i]), 0, i) for i in positions]
        + [(day_number(e.on), 1, k) for k, e in enumerate(contacts)]
    )
    items = []
    for k in _half_and_half(len(order)):
        _day, source, index = order[k]
        if source == 0:
            items.append(ctx.incident(index, note(index) if callable(note) else note))
        else:
            items.append(contacts[index])
    return items, len(positions) + sum(e.count for e in contacts)


def _kept(items: list[Evidence]) -> tuple[tuple[Evidence, ...], int]:
    items.sort(key=lambda e: (e.on, e.kind, e.position))
    total = sum(1 if e.kind == "incident" else e.count for e in items)
    if len(items) <= EVIDENCE_KEPT:
        return tuple(items), total
    half = EVIDENCE_KEPT // 2
    return tuple(items[:half] + items[-half:]), total


def _signal(
    kind: SignalKind,
    title: str,
    detail: str,
    items: list[Evidence],
    ctx: DetectionContext,
    urgent: bool = False,
    lines: list[str] | None = None,
    first_on: date | None = None,
    total: int | None = None,
) -> Signal:
    kept, counted = _kept(items)
    total = counted if total is None else total
    first = first_on or (kept[0].on if kept else None)
    latest = max((e.on for e in kept), default=None)
    recent = latest is not None and day_number(latest) >= ctx.window_start
    return Signal(kind, title, detail, kept, total, first, recent, urgent, tuple(lines or ()))


# --- rate --------------------------------------------------------------------------------


def _window_counts(days: NDArray[np.int64], end: int, width: int) -> tuple[int, int, int]:
    """(count in the window ending on ``end``, distinct days in it, count in the one before).

    Nothing is counted (all zero) until the log covers both windows: the first weeks of any
    log would otherwise always look like a rise from nothing.
    """
    if days.size == 0 or int(days.min()) > end - 2 * width + 1:
        return 0, 0, 0
    recent = (days > end - width) & (days <= end)
    previous = (days > end - 2 * width) & (days <= end - width)
    return int(recent.sum()), int(np.unique(days[recent]).size), int(previous.sum())


def _rising(recent: int, distinct: int, previous: int, rules: Rules, minimum: int) -> bool:
    return (
        recent >= minimum
        and distinct >= rules.min_recent_days
        and recent >= rules.min_ratio * previous
        and recent - previous >= rules.min_increase
    )


def find_rising(ctx: DetectionContext) -> list[Signal]:
    found: list[Signal] = []
    width = ctx.rules.window_days
    weeks = width // 7
    days = ctx.days[ctx.dated]
    recent, distinct, previous = _window_counts(days, ctx.today, width)
    if _rising(recent, distinct, previous, ctx.rules, ctx.rules.min_recent):
        chosen = np.flatnonzero(
            ctx.dated & (ctx.days > ctx.today - width) & (ctx.days <= ctx.today)
        )
        items, total = _gather(ctx, chosen.tolist())
        found.append(
            _signal(
                "rising_rate",
                _("It is happening more often"),
                ngettext(
                    "{recent} incident in the last {weeks} weeks, on {distinct} different days; "
                    "{previous} in the {weeks} weeks before.",
                    "{recent} incidents in the last {weeks} weeks, on {distinct} different days; "
                    "{previous} in the {weeks} weeks before.",
                    recent,
                ).format(recent=recent, weeks=weeks, distinct=distinct, previous=previous),
                items,
                ctx,
                total=total,
            )
        )
    contact_days = ctx.contacts.clock.day
    recent, distinct, previous = _window_counts(contact_days, ctx.today, width)
    if _rising(recent, distinct, previous, ctx.rules, ctx.rules.contact_min_recent):
        chosen = np.flatnonzero((contact_days > ctx.today - width) & (contact_days <= ctx.today))
        found.append(
            _signal(
                "rising_contacts",
                _("They are contacting you more often"),
                _(
                    "{recent} calls and messages from them in the last {weeks} weeks, on "
                    "{distinct} different days; {previous} in the {weeks} weeks before."
                ).format(recent=recent, weeks=weeks, distinct=distinct, previous=previous),
                ctx.contact_days(chosen, _("calls and messages")),
                ctx,
            )
        )
    return found


def rate_marks(days: NDArray[np.int64], today: int, rules: Rules, minimum: int) -> list[date]:
    """Each day on which the rising-rate test first started to hold (for chart marks)."""
    if days.size == 0:
        return []
    width = rules.window_days
    low = int(days.min())
    high = max(int(days.max()), today)
    span = high - low + 1
    per_day = np.bincount(days - low, minlength=span)
    pad = 2 * width
    counts = np.concatenate([np.zeros(pad, dtype=np.int64), per_day])
    active = np.concatenate([np.zeros(pad, dtype=np.int64), (per_day > 0).astype(np.int64)])
    total = np.concatenate([[0], np.cumsum(counts)])
    busy = np.concatenate([[0], np.cumsum(active)])
    ends = np.arange(pad, pad + span)  # index of each real day in the padded arrays
    covered = np.arange(span) >= 2 * width - 1  # the log reaches back over both windows
    recent = total[ends + 1] - total[ends + 1 - width]
    previous = total[ends + 1 - width] - total[ends + 1 - 2 * width]
    distinct = busy[ends + 1] - busy[ends + 1 - width]
    fires = (
        covered
        & (recent >= minimum)
        & (distinct >= rules.min_recent_days)
        & (recent >= rules.min_ratio * previous)
        & (recent - previous >= rules.min_increase)
    )
    starts = np.flatnonzero(fires & ~np.concatenate([[False], fires[:-1]]))
    return [day_of(low + int(i)) for i in starts]


# --- severity ----------------------------------------------------------------------------


def tier_steps(table: IncidentTable) -> list[TierStep]:
    steps: list[TierStep] = []
    highest = 0
    for i, tier in enumerate(table.tier.tolist()):
        if tier > highest:
            if highest > 0:
                fact = table.facts[i]
                on = day_of(int(table.clock.day[i]))
                steps.append(TierStep(tier, highest, on, fact.ref, fact.tactics, i))
            highest = tier
    return steps


def _tier_label(tier: int) -> str:
    return _(vocab.SEVERITY_LABELS[vocab.SeverityTier(tier)]).lower()


def _tactic_label(slug: str) -> str:
    try:
        return vocab.tactic(slug).label_text()
    except ValidationError:
        return slug


def find_new_tier(ctx: DetectionContext) -> list[Signal]:
    """More serious behaviour than before (also keeps the steps for the charts)."""
    steps = ctx.steps = tier_steps(ctx.table)
    if not steps:
        return []
    lines = []
    items = []
    for step in steps:
        kinds = ", ".join(_tactic_label(t) for t in step.tactics if tier_of([t]) == step.tier)
        lines.append(
            _("{date}: first {tier} behaviour ({kinds}), {ref}").format(
                date=day_text(step.on), tier=_tier_label(step.tier), kinds=kinds, ref=step.ref
            )
        )
        items.append(ctx.incident(step.position, _tier_label(step.tier)))
    last = steps[-1]
    return [
        _signal(
            "new_tier",
            _("More serious behaviour than before"),
            _(
                "The most serious kind of behaviour recorded so far is {tier}, first on {date} "
                "({ref}). Before that, nothing went beyond {previous}."
            ).format(
                tier=_tier_label(last.tier),
                date=day_text(last.on),
                ref=last.ref,
                previous=_tier_label(last.previous),
            ),
            items,
            ctx,
            urgent=last.tier >= int(vocab.SeverityTier.VIOLENCE),
            lines=lines,
        )
    ]


# --- new tactics and channels -----------------------------------------------------------


def find_news(ctx: DetectionContext) -> list[Signal]:
    start = ctx.window_start
    history = bool(np.any(ctx.days < start)) or bool(np.any(ctx.contacts.clock.day < start))
    if not history:
        return []
    found: list[Signal] = []
    first_tactic: dict[str, int] = {}
    first_channel: dict[str, int] = {}
    for i, fact in enumerate(ctx.table.facts):
        for slug in fact.tactics:
            first_tactic.setdefault(slug, i)
        if fact.channel:
            first_channel.setdefault(fact.channel, i)
    new_tactics = [(s, i) for s, i in first_tactic.items() if int(ctx.days[i]) >= start]
    if new_tactics:
        items = [ctx.incident(i, _tactic_label(s)) for s, i in new_tactics]
        names = ", ".join(_tactic_label(s) for s, _i in sorted(new_tactics, key=lambda x: x[1]))
        found.append(
            _signal(
                "new_tactics",
                _("New kinds of behaviour"),
                _("First recorded in the last {weeks} weeks: {names}.").format(
                    weeks=ctx.rules.window_days // 7, names=names
                ),
                items,
                ctx,
            )
        )
    # A channel's first use, by an incident or by a contact, whichever came first.
    first_use: dict[str, tuple[int, Evidence]] = {}
    for slug, i in first_channel.items():
        first_use[slug] = (int(ctx.days[i]), ctx.incident(i, label_channel(slug)))
    contacts = ctx.contacts
    if len(contacts):
        codes, first = np.unique(contacts.channel, return_index=True)
        for code, position in zip(codes.tolist(), first.tolist(), strict=True):
            slug = contacts.log.channels[code]
            day = int(contacts.clock.day[position])
            if slug not in first_use or day < first_use[slug][0]:
                evidence = ctx.contact_days(np.array([position], dtype=np.int64))[0]
                first_use[slug] = (day, replace(evidence, note=label_channel(slug), count=1))
    new_channels = sorted(
        ((day, slug, evidence) for slug, (day, evidence) in first_use.items() if day >= start),
        key=lambda x: (x[0], x[1]),
    )
    if new_channels:
        found.append(
            _signal(
                "new_channels",
                _("New ways of reaching you"),
                _("First used in the last {weeks} weeks: {names}.").format(
                    weeks=ctx.rules.window_days // 7,
                    names=", ".join(label_channel(slug) for _d, slug, _e in new_channels),
                ),
                [evidence for _d, _s, evidence in new_channels],
                ctx,
            )
        )
    return found


# --- places ------------------------------------------------------------------------------


def approaches(fact: IncidentFact) -> str | None:
    """ "home", "work" or "school" when the incident brought them near the person there."""
    nearby = bool(NEARBY.intersection(fact.tactics)) or fact.channel == "in_person"
    unspecified = not fact.tactics and fact.channel is None
    if not (nearby or unspecified):
        return None
    return place_kind(fact.place, fact.text)


def find_places(ctx: DetectionContext) -> list[Signal]:
    facts = ctx.table.facts
    near = np.zeros(len(facts), dtype=np.bool_)
    for slug in NEARBY:
        near |= ctx.with_tactic(slug)
    # The same test as ``approaches``, with the tactic part done for all incidents at once.
    maybe = near | np.fromiter(
        (f.channel == "in_person" or (not f.tactics and f.channel is None) for f in facts),
        np.bool_,
        len(facts),
    )
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i in np.flatnonzero(maybe).tolist():
        fact = facts[i]
        kind = place_kind(fact.place, fact.text)
        if kind:
            by_kind[kind].append(i)
    if not by_kind:
        return []
    lines = []
    items: list[Evidence] = []
    for kind in ("home", "work", "school"):
        chosen = by_kind.get(kind, [])
        if not chosen:
            continue
        last = day_of(int(ctx.days[chosen[-1]]))
        lines.append(
            ngettext(
                "{label}: {n} time, most recently {date}",
                "{label}: {n} times, most recently {date}",
                len(chosen),
            ).format(label=_(PLACE_LABELS[kind]).capitalize(), n=len(chosen), date=day_text(last))
        )
    words = {kind: _(PLACE_LABELS[kind]) for kind in by_kind}  # translated once, not per incident
    label = {i: words[kind] for kind, chosen in by_kind.items() for i in chosen}
    everything = sorted(label)
    items, total = _gather(ctx, everything, label.__getitem__)
    return [
        _signal(
            "approach_places",
            _("They came to places that are part of your life"),
            _(
                "Following, watching, waiting or turning up where you live, work or study "
                "means they know those places and are willing to come there."
            ),
            items,
            ctx,
            total=total,
            urgent="home" in by_kind,
            lines=lines,
        )
    ]


# --- threats -----------------------------------------------------------------------------


def _threat_note(flag: ThreatFlag | None, labels: dict[str, str]) -> str:
    if flag is None:
        return _("recorded as a threat")
    kinds = ", ".join(labels[c] for c in flag.categories)
    return f"{kinds}: “{short_text(flag.phrase, 60)}”"


def _half_and_half(count: int) -> list[int]:
    """Which of ``count`` items in time order a signal keeps: all, or the first and last."""
    if count <= EVIDENCE_KEPT:
        return list(range(count))
    half = EVIDENCE_KEPT // 2
    return [*range(half), *range(count - half, count)]


def find_threats(ctx: DetectionContext) -> list[Signal]:
    if ctx.threat_scan_error is not None:
        raise ThreatScanFailed(ctx.threat_scan_error)
    recorded = ctx.with_tactic("threats")
    flagged = np.zeros(len(ctx.table), dtype=np.bool_)
    flagged[list(ctx.incident_flags)] = True
    positions = np.flatnonzero(recorded | flagged)
    messages = sorted(ctx.contact_flags)
    if positions.size == 0 and not messages:
        return []
    categories = {c for f in ctx.incident_flags.values() for c in f.categories}
    categories |= {c for f in ctx.contact_flags.values() for c in f.categories}
    # Sort cheaply first; notes (the costly part) are written only for what is kept.
    order = sorted(
        [(int(ctx.days[i]), 0, i) for i in positions.tolist()]
        + [(int(ctx.contacts.clock.day[m]), 1, m) for m in messages]
    )
    labels = {c: _(label) for c, label in THREAT_LABELS.items()}
    items = []
    for k in _half_and_half(len(order)):
        _day, source, position = order[k]
        if source == 0:
            note = _threat_note(ctx.incident_flags.get(position), labels)
            items.append(ctx.incident(position, note))
        else:
            flag = ctx.contact_flags[position]
            ref = ctx.contacts.log.ref_of(int(ctx.contacts.index[position]))
            day = day_of(int(ctx.contacts.clock.day[position]))
            items.append(Evidence("contacts", day, ref, _threat_note(flag, labels), 1, position))
    incidents = int(positions.size)
    messages_count = len(messages)
    kinds = [_(label) for c, label in THREAT_LABELS.items() if c in categories]
    parts = []
    if incidents:
        parts.append(
            ngettext(
                "{n} incident includes a threat.", "{n} incidents include threats.", incidents
            ).format(n=incidents)
        )
    if messages_count:
        parts.append(
            ngettext(
                "{n} message contains threatening words.",
                "{n} messages contain threatening words.",
                messages_count,
            ).format(n=messages_count)
        )
    detail = " ".join(parts)
    if kinds:
        detail += " " + _("Threats found: {kinds}.").format(kinds="; ".join(kinds))
    return [
        _signal(
            "threats",
            _("Threats"),
            detail,
            items,
            ctx,
            urgent="kill" in categories or "images" in categories,
            total=len(order),
        )
    ]


# --- fear --------------------------------------------------------------------------------


def find_fear(ctx: DetectionContext) -> list[Signal]:
    rated = np.flatnonzero(ctx.table.fear >= 0)
    k = min(ctx.rules.fear_ratings, rated.size // 2)
    if k < ctx.rules.fear_min_ratings:
        return []
    latest = rated[-k:]
    before = rated[-2 * k : -k]
    now = float(ctx.table.fear[latest].mean())
    then = float(ctx.table.fear[before].mean())
    if now - then < ctx.rules.fear_rise:
        return []
    return [
        _signal(
            "rising_fear",
            _("You have been feeling more afraid"),
            _(
                "Your last {k} fear ratings average {now:.1f} out of 4; the {k} before them "
                "averaged {then:.1f}. Your fear is information worth acting on."
            ).format(k=k, now=now, then=then),
            [ctx.incident(int(i), vocab.fear_label(int(ctx.table.fear[i]))) for i in latest],
            ctx,
            urgent=bool(np.any(ctx.table.fear[latest] >= 4)),
        )
    ]


# --- notices and orders -------------------------------------------------------------------


def _contact_positions(ctx: DetectionContext, event: EventFact) -> NDArray[np.bool_]:
    contacts = ctx.contacts
    if event.person_id is None:
        return np.ones(len(contacts), dtype=np.bool_)
    if event.person_id not in contacts.person_ids:
        return np.zeros(len(contacts), dtype=np.bool_)
    return np.asarray(contacts.person == contacts.person_ids.index(event.person_id), np.bool_)


def _notice(ctx: DetectionContext, event: EventFact) -> Signal | None:
    start = day_number(event.starts_on)
    later = (ctx.days > start) & ctx.outside
    after = np.flatnonzero(ctx.naming(event.person_id) & later).tolist()
    unnamed_after = int((ctx.unnamed & later).sum()) if event.person_id is not None else 0
    positions = np.flatnonzero(
        _contact_positions(ctx, event) & (ctx.contacts.clock.day > start) & ctx.contacts_outside
    )
    if not after and positions.size == 0:
        return None
    counted = [
        ngettext("{n} incident", "{n} incidents", len(after)).format(n=len(after)),
    ]
    if len(ctx.contacts):
        counted.append(
            ngettext("{n} call or message", "{n} calls or messages", int(positions.size)).format(
                n=int(positions.size)
            )
        )
    detail = _("Since you told them to stop on {date} ({ref}): {counts}.").format(
        date=day_text(event.starts_on), ref=event.ref, counts=_(", ").join(counted)
    )
    if unnamed_after:
        detail += " " + ngettext(
            "{n} more incident since then names no one; if it was them, add them to it so it "
            "counts here.",
            "{n} more incidents since then name no one; if they were from them, add them to "
            "those incidents so they count here.",
            unnamed_after,
        ).format(n=unnamed_after)
    items, total = _gather(ctx, after, "", ctx.contact_days(positions, _("calls and messages")))
    found = _signal(
        "after_notice",
        _("Contact after your no-contact notice"),
        detail,
        items,
        ctx,
        first_on=event.starts_on,
        total=total,
    )
    return replace(found, about=event.ref)


def breaches(ctx: DetectionContext) -> list[Breach]:
    """Everything from the person an order names while it was in force, and every incident
    the person marked as a breach (with no recorded order in force, it is listed alone)."""
    found: list[Breach] = []
    matched = np.zeros(len(ctx.table), dtype=np.bool_)
    marked = ctx.with_tactic("order_breach")
    for order in (e for e in ctx.facts.events if e.kind == "order"):
        start = day_number(order.starts_on)
        end = day_number(order.ends_on) if order.ends_on else None
        inside = ctx.naming(order.person_id) & (ctx.days > start) & ctx.outside
        if end is not None:
            inside &= ctx.days <= end
        matched |= inside
        for i in np.flatnonzero(inside).tolist():
            fact = ctx.table.facts[i]
            ctx.breach_positions[fact.ref] = i
            found.append(
                Breach(
                    day_of(int(ctx.days[i])),
                    order.ref,
                    order.label,
                    "incident",
                    fact.ref,
                    1,
                    fact.text,
                    bool(marked[i]),
                )
            )
        days = ctx.contacts.clock.day
        during = _contact_positions(ctx, order) & (days > start) & ctx.contacts_outside
        if end is not None:
            during &= days <= end
        for evidence in ctx.contact_days(np.flatnonzero(during)):
            found.append(
                Breach(
                    evidence.on,
                    order.ref,
                    order.label,
                    "contacts",
                    None,
                    evidence.count,
                    ngettext("{n} call or message", "{n} calls or messages", evidence.count).format(
                        n=evidence.count
                    ),
                    False,
                )
            )
    for i in np.flatnonzero(marked & ~matched).tolist():
        fact = ctx.table.facts[i]
        ctx.breach_positions[fact.ref] = i
        found.append(
            Breach(
                day_of(int(ctx.days[i])),
                None,
                "",
                "incident",
                fact.ref,
                1,
                fact.text,
                True,
            )
        )
    found.sort(key=lambda b: (b.on, b.order_ref or "", b.ref or ""))
    return found


def _order_signals(ctx: DetectionContext, found: list[Breach]) -> list[Signal]:
    if not found:
        return []
    items: list[Evidence] = []
    lines: list[str] = []
    by_order: dict[str | None, list[Breach]] = defaultdict(list)
    for breach in found:
        by_order[breach.order_ref].append(breach)
    for k in _half_and_half(len(found)):  # the breach list is already in time order
        breach = found[k]
        if breach.source == "incident" and breach.ref is not None:
            items.append(ctx.incident(ctx.breach_positions[breach.ref], breach.order_ref or ""))
        else:
            items.append(Evidence("contacts", breach.on, None, breach.summary, breach.count))
    total = sum(b.count for b in found)
    for order_ref, group in by_order.items():
        incidents = sum(1 for b in group if b.source == "incident")
        contacts = sum(b.count for b in group if b.source == "contacts")
        if order_ref is None:
            lines.append(
                ngettext(
                    "{n} incident you recorded as breaking an order",
                    "{n} incidents you recorded as breaking an order",
                    incidents,
                ).format(n=incidents)
            )
        else:
            lines.append(
                _(
                    "{ref} ({label}): {incidents} incidents and {contacts} calls or messages while "
                    "it was in force"
                ).format(
                    ref=order_ref,
                    label=group[0].order_label,
                    incidents=incidents,
                    contacts=contacts,
                )
            )
    return [
        _signal(
            "order_breach",
            _("Possible breaches of a protective order"),
            _(
                "Check each one against what the order forbids; those you marked as a breach "
                "are shown as such."
            ),
            items,
            ctx,
            urgent=True,
            lines=lines,
            total=total,
        )
    ]


def find_after_notice(ctx: DetectionContext) -> list[Signal]:
    """One signal per no-contact notice that was followed by contact."""
    found = []
    for event in ctx.facts.events:
        if event.kind == "notice":
            notice = _notice(ctx, event)
            if notice is not None:
                found.append(notice)
    return found


def find_order_breaches(ctx: DetectionContext) -> list[Signal]:
    """Possible breaches of protective orders (the list lands in ``ctx.found_breaches``)."""
    ctx.found_breaches = breaches(ctx)
    return _order_signals(ctx, ctx.found_breaches)


class ThreatScanFailed(RuntimeError):
    """The threat scan of notes and messages raised; the threat signal cannot be computed."""
