"""“Is this stalking?” — a guided self-check, answered from the log where the log can.

Three questions sit at the heart of most definitions: is it against your will, is it
repeated, and does it make you afraid? The log often already answers them ("you have
recorded 14 incidents since 3 March; 9 came after your no-contact notice"), so those
answers are offered, never imposed: the person has the last word. The log only ever
suggests "yes"; a missing record never becomes a "no".

The outcome is never "this is not stalking". When the answers are unclear the wording says
so and points to someone who can help think it through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from safetrail.analysis.case import Analysis
from safetrail.analysis.helplines import LawInfo, LocalHelp
from safetrail.analysis.localtime import day_of
from safetrail.analysis.text import day_text, ngettext
from safetrail.analysis.timeline import DAY
from safetrail.domain import vocab
from safetrail.i18n import N_, _

__all__ = [
    "ANSWERS",
    "QUESTIONS",
    "CheckQuestion",
    "CheckResult",
    "SelfCheck",
    "TacticItem",
    "prepare",
    "result",
]

QUESTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "against_will",
        N_("Is it against your will?"),
        N_(
            "It goes on although you did not want it, said no, or showed it in what you did "
            "(ignoring, blocking, moving away). You do not have to have said it in words."
        ),
    ),
    (
        "repeated",
        N_("Does it keep happening?"),
        N_(
            "More than once, even if it is not the same thing each time: a call, then a "
            "message, then turning up. Many laws count two or more times as a pattern."
        ),
    ),
    (
        "afraid",
        N_("Does it make you afraid or anxious?"),
        N_(
            "Worried, on edge, changing what you do to avoid them, feeling unsafe at home. "
            "Your fear counts even if people around you do not see why."
        ),
    ),
)
ANSWERS = ("yes", "no", "unsure")


@dataclass(frozen=True)
class CheckQuestion:
    key: str
    text: str
    help: str
    from_log: str | None  # what the log already shows, in a sentence
    suggested: Literal["yes"] | None


@dataclass(frozen=True)
class TacticItem:
    slug: str
    label: str
    description: str
    count: int


@dataclass(frozen=True)
class SelfCheck:
    summary: str
    questions: tuple[CheckQuestion, ...]
    tactics: tuple[TacticItem, ...]
    law: LawInfo
    help: LocalHelp


@dataclass(frozen=True)
class CheckResult:
    heading: str
    message: str
    points: tuple[str, ...]
    answers: dict[str, str]
    tactics: tuple[str, ...]


def _summary(analysis: Analysis) -> str:
    pattern = analysis.pattern
    if pattern.incidents == 0 and pattern.contacts == 0:
        return _(
            "Nothing is recorded yet. You can still answer the questions below from what you "
            "know; recording what happens will make the picture clearer over time."
        )
    parts = []
    if pattern.incidents and pattern.first is not None:
        parts.append(
            ngettext(
                "You have recorded {n} incident, on {date}",
                "You have recorded {n} incidents since {date}",
                pattern.incidents,
            ).format(n=pattern.incidents, date=day_text(pattern.first))
        )
    if pattern.contacts:
        parts.append(
            ngettext(
                "{n} call or message from them is in your records",
                "{n} calls and messages from them are in your records",
                pattern.contacts,
            ).format(n=pattern.contacts)
        )
    notice = analysis.signal("after_notice")
    sentence = "; ".join(parts)
    if notice is not None:
        incidents_after = sum(1 for e in notice.evidence if e.kind == "incident")
        first_notice = min(
            (e for e in analysis.facts.events if e.kind == "notice"), key=lambda e: e.starts_on
        )
        sentence += "; " + ngettext(
            "{k} came after your no-contact notice of {date}",
            "{k} came after your no-contact notice of {date}",
            incidents_after,
        ).format(k=incidents_after, date=day_text(first_notice.starts_on))
    return sentence + "."


def _against_will(analysis: Analysis) -> tuple[str | None, bool]:
    facts = analysis.facts
    notices = sorted((e for e in facts.events if e.kind == "notice"), key=lambda e: e.starts_on)
    orders = sorted((e for e in facts.events if e.kind == "order"), key=lambda e: e.starts_on)
    reported = sum(1 for f in analysis.table.facts if f.police_reported)
    lines = []
    if notices:
        first = notices[0]
        lines.append(
            _("You told them to stop on {date} ({ref}).").format(
                date=day_text(first.starts_on), ref=first.ref
            )
        )
    if orders:
        lines.append(
            _("An order has been made against them ({label}, {date}).").format(
                label=orders[0].label or orders[0].ref, date=day_text(orders[0].starts_on)
            )
        )
    if reported:
        lines.append(
            ngettext(
                "You reported {n} incident to the police.",
                "You reported {n} incidents to the police.",
                reported,
            ).format(n=reported)
        )
    if lines:
        return " ".join(lines), True
    return (
        _(
            "The log does not show a notice, an order or a police report yet. That is fine: "
            "behaviour can be unwanted without any of them."
        ),
        False,
    )


def _repeated(analysis: Analysis) -> tuple[str | None, bool]:
    pattern = analysis.pattern
    table = analysis.table
    dated = table.clock.day[table.level <= DAY]
    distinct = int(np.unique(dated).size)
    total = pattern.incidents + pattern.contacts
    if pattern.incidents >= 2 and pattern.first and pattern.last:
        text = _(
            "You have recorded {n} incidents on {d} different days, from {first} to {last}."
        ).format(
            n=pattern.incidents,
            d=distinct,
            first=day_text(pattern.first),
            last=day_text(pattern.last),
        )
        return text, True
    if total >= 2:
        return (
            ngettext(
                "{n} contact from them is recorded.", "{n} contacts from them are recorded.", total
            ).format(n=total),
            True,
        )
    if pattern.incidents == 1:
        return _("One incident is recorded so far."), False
    return None, False


def _afraid(analysis: Analysis) -> tuple[str | None, bool]:
    table = analysis.table
    worried = np.flatnonzero(table.fear >= 2)
    changed = [f for f in table.facts if f.impacts]
    lines = []
    if worried.size:
        peak = int(table.fear[worried].max())
        last = day_of(int(table.clock.day[worried[-1]]))
        lines.append(
            ngettext(
                "In {n} incident you recorded feeling worried or more; at worst: “{peak}”.",
                "In {n} incidents you recorded feeling worried or more (most recently on "
                "{date}); at worst: “{peak}”.",
                int(worried.size),
            ).format(n=int(worried.size), date=day_text(last), peak=vocab.fear_label(peak))
        )
    if changed:
        kinds = sorted({i for f in changed for i in f.impacts})
        labels = ", ".join(vocab.impact(k).label_text().lower() for k in kinds)
        lines.append(
            ngettext(
                "{n} incident changed things in your life ({labels}).",
                "{n} incidents changed things in your life ({labels}).",
                len(changed),
            ).format(n=len(changed), labels=labels)
        )
    if lines:
        return " ".join(lines), True
    return None, False


def prepare(analysis: Analysis, law: LawInfo, help_: LocalHelp) -> SelfCheck:
    """The self-check form, with what the log already shows."""
    found = {"against_will": _against_will, "repeated": _repeated, "afraid": _afraid}
    questions = []
    for key, text, help_text in QUESTIONS:
        from_log, suggest = found[key](analysis)
        questions.append(
            CheckQuestion(key, _(text), _(help_text), from_log, "yes" if suggest else None)
        )
    counts = {t.key: t.incidents for t in analysis.pattern.by_tactic}
    tactics = tuple(
        TacticItem(t.slug, t.label_text(), t.description_text(), counts.get(t.slug, 0))
        for t in vocab.TACTICS
    )
    return SelfCheck(_summary(analysis), tuple(questions), tactics, law, help_)


def result(check: SelfCheck, answers: Mapping[str, str], ticked: Iterable[str]) -> CheckResult:
    """What the answers mean, in calm words; never "this is not stalking"."""
    given = {key: answers.get(key, "") for key, _t, _h in QUESTIONS}
    given = {k: v if v in ANSWERS else "unsure" for k, v in given.items()}
    known = {t.slug for t in check.tactics}
    chosen = tuple(slug for slug in dict.fromkeys(ticked) if slug in known)
    yes = [k for k, v in given.items() if v == "yes"]
    if len(yes) == 3:
        heading = _("What you describe fits what stalking is")
        message = _(
            "Unwanted, repeated and frightening: those are the three things most definitions "
            "of stalking share. What is happening to you is serious, and it is not your "
            "fault. You do not have to face it alone."
        )
    elif given["repeated"] == "yes" and len(yes) == 2:
        heading = _("What you describe has important signs of stalking")
        message = _(
            "It is repeated, and at least one more sign is there. You do not need to be sure "
            "of everything to ask for help: a specialist can look at it with you."
        )
    else:
        heading = _("It is all right not to be sure")
        message = _(
            "Stalking is often made of small things that only add up over time, and it is "
            "common to doubt yourself. Trust the feeling that something is wrong. Writing "
            "down what happens, as you are doing, is how the pattern becomes clear, and a "
            "specialist can help you think it through."
        )
    points = []
    if chosen:
        points.append(
            ngettext(
                "You ticked {n} kind of behaviour.",
                "You ticked {n} kinds of behaviour. Most people who stalk use several, which is "
                "why the whole series matters more than any one incident.",
                len(chosen),
            ).format(n=len(chosen))
        )
    if given["afraid"] != "yes":
        points.append(
            _(
                "Even if you are not afraid, being on edge, losing sleep or changing your "
                "routine are effects worth recording."
            )
        )
    if given["against_will"] != "yes":
        points.append(
            _(
                "Behaviour can be unwanted without you ever having said so. If you decide to "
                "tell them to stop, a specialist can help you do it safely; once is enough, "
                "and you can record it under Notices and orders."
            )
        )
    return CheckResult(heading, message, tuple(points), given, chosen)
