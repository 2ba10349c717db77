"""Risk screening: questions over the published risk-factor topics, in SafeTrail's own words.

The topics come from the research summarised in ``reference/risk-factors.md`` (S-DASH,
DASH, SAM, SHARP and clinical reviews); no tool's item text is used. Every question is
asked so that "yes" is a red flag. Answers the log can support are pre-filled with the
evidence; the log only ever suggests "yes", never "no".

The result is the red flags that are present, each explained, and always the same advice:
talk to a specialist now. There is no score and no "low risk": research-based tools are
for trained people, risk changes quickly, and an absence of red flags here does not mean
someone is safe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np

from safetrail.analysis.case import Analysis
from safetrail.analysis.escalation import NEARBY, approaches
from safetrail.analysis.localtime import day_of
from safetrail.analysis.text import day_text, ngettext
from safetrail.analysis.timeline import DAY
from safetrail.domain import vocab
from safetrail.i18n import N_, _

__all__ = [
    "ANSWERS",
    "QUESTIONNAIRE_VERSION",
    "QUESTIONS",
    "SECTIONS",
    "Comparison",
    "RedFlag",
    "RiskQuestion",
    "RiskResult",
    "compare",
    "from_json",
    "prepare",
    "result",
]

QUESTIONNAIRE_VERSION = 1
ANSWERS = ("yes", "no", "unsure")
Section = Literal["behaviour", "them", "situation"]
SECTIONS: dict[Section, str] = {
    "behaviour": N_("What they have done"),
    "them": N_("About them"),
    "situation": N_("Your situation"),
}


@dataclass(frozen=True)
class _Spec:
    key: str
    section: Section
    text: str
    why: str
    serious: bool = False


_SPECS: tuple[_Spec, ...] = (
    _Spec(
        "frightened",
        "behaviour",
        N_("Are you very frightened of what they might do next?"),
        N_(
            "How afraid you are is one of the strongest signs specialists listen to. Your sense "
            "of danger is information, not an overreaction."
        ),
        True,
    ),
    _Spec(
        "escalating",
        "behaviour",
        N_("Is it getting worse: happening more often, or more serious things?"),
        N_("Escalation is one of the clearest warnings that the danger is growing."),
        True,
    ),
    _Spec(
        "visits_weekly",
        "behaviour",
        N_("Have they come to where you are more than three times in one week?"),
        N_("Frequent visits show how much effort they are putting into being near you."),
    ),
    _Spec(
        "home_visits",
        "behaviour",
        N_("Have they come to your home, or waited near it?"),
        N_("Coming to someone's home is one of the signs most linked to serious harm."),
        True,
    ),
    _Spec(
        "loitering",
        "behaviour",
        N_("Have they waited, watched or hung around places you go, like work or school?"),
        N_("Waiting and watching mean planning and persistence."),
    ),
    _Spec(
        "property",
        "behaviour",
        N_("Have they damaged or interfered with your home, car or belongings?"),
        N_(
            "Damage to things often comes before harm to people, and shows they will break the law."
        ),
    ),
    _Spec(
        "threats_harm",
        "behaviour",
        N_("Have they threatened to hurt you, physically or sexually?"),
        N_("Threats are a strong warning: many people who threaten go on to act."),
        True,
    ),
    _Spec(
        "threats_kill",
        "behaviour",
        N_("Have they threatened to kill you or anyone else?"),
        N_("A threat to kill is one of the most serious warning signs there is."),
        True,
    ),
    _Spec(
        "threats_family",
        "behaviour",
        N_("Have they threatened or targeted your children, family, friends or a new partner?"),
        N_("Threats to children and loved ones are linked to serious harm."),
        True,
    ),
    _Spec(
        "pets",
        "behaviour",
        N_("Have they hurt, or threatened to hurt, an animal you care for?"),
        N_("Harming animals is linked to harming people, and is often meant as a message."),
    ),
    _Spec(
        "self_harm",
        "behaviour",
        N_("Have they threatened to hurt or kill themselves to pressure you?"),
        N_(
            "Threats of suicide are a way of controlling you, and are also linked to a higher "
            "risk of harm to others. Their choices are not your responsibility."
        ),
        True,
    ),
    _Spec(
        "images",
        "behaviour",
        N_("Have they shared, or threatened to share, intimate pictures or videos of you?"),
        N_(
            "This is a crime in many places and a powerful form of control. Specialists can "
            "often help get images taken down."
        ),
    ),
    _Spec(
        "third_parties",
        "behaviour",
        N_("Have they contacted or pressured your family, friends, neighbours or coworkers?"),
        N_("Reaching you through others shows determination and widens the harm."),
    ),
    _Spec(
        "others_helping",
        "behaviour",
        N_("Have they got other people to watch, follow or contact you for them?"),
        N_("Recruiting others makes the stalking harder to escape and to predict."),
    ),
    _Spec(
        "tracking",
        "behaviour",
        N_("Do they seem to know where you are, or have they tracked your phone, car or accounts?"),
        N_("Tracking gives them a way to find you; a specialist can help check your devices."),
    ),
    _Spec(
        "violence",
        "behaviour",
        N_("Have they been violent to you, or to anyone, since this started?"),
        N_("Violence during the stalking is one of the strongest signs of serious harm to come."),
        True,
    ),
    _Spec(
        "order_breach",
        "behaviour",
        N_("Have they broken a court order, bail condition or police warning?"),
        N_("Breaking an order shows that the law is not stopping them. Report every breach."),
        True,
    ),
    _Spec(
        "ex_partner",
        "them",
        N_("Were you in an intimate relationship with them?"),
        N_("Stalking by a former partner is the kind most likely to become violent."),
    ),
    _Spec(
        "past_violence",
        "them",
        N_("Have they been violent before, to you or to anyone else?"),
        N_("Past violence is one of the best-known signs of future violence."),
        True,
    ),
    _Spec(
        "strangled",
        "them",
        N_("Have they ever choked, strangled or smothered you?"),
        N_("Strangulation is one of the strongest warning signs of a future attempt to kill."),
        True,
    ),
    _Spec(
        "weapons",
        "them",
        N_("Do they have, or could they easily get, a weapon?"),
        N_("Access to weapons makes any attack far more dangerous."),
        True,
    ),
    _Spec(
        "acted_on_threats",
        "them",
        N_("Have they ever done something they had threatened to do?"),
        N_("Someone who has carried out a threat before may do so again."),
        True,
    ),
    _Spec(
        "substances",
        "them",
        N_("Do they misuse alcohol or drugs?"),
        N_("Alcohol and drugs are linked to violence in stalking."),
    ),
    _Spec(
        "previous_stalking",
        "them",
        N_("Have they stalked or harassed you, or anyone else, before?"),
        N_("A history of stalking means the behaviour is a pattern of theirs, not a one-off."),
    ),
    _Spec(
        "trouble_law",
        "them",
        N_("Have they been in trouble with the police or the courts before?"),
        N_("A criminal history is linked to a higher risk of violence."),
    ),
    _Spec(
        "separation",
        "situation",
        N_("Have you separated from them, or tried to, in the last year?"),
        N_("The months around a separation are a time of higher danger."),
    ),
    _Spec(
        "new_partner",
        "situation",
        N_("Do you have a new partner, or do they believe you do?"),
        N_("A new partner can trigger jealousy and escalation, and puts that person at risk too."),
    ),
    _Spec(
        "court_children",
        "situation",
        N_("Is there a court date, an order being served or a dispute over children coming up?"),
        N_("Court dates and orders being served can set off escalation."),
    ),
    _Spec(
        "pregnant",
        "situation",
        N_("Are you pregnant, or have you had a baby in the last year?"),
        N_("Pregnancy and the time after a birth are linked to higher risk from an abuser."),
    ),
    _Spec(
        "changed_life",
        "situation",
        N_("Have you had to change your life because of them (routine, work, home, phone)?"),
        N_("The changes you have had to make show how serious the impact already is."),
    ),
    _Spec(
        "alone",
        "situation",
        N_("Are you dealing with this mostly on your own?"),
        N_("Nobody should carry this alone; a specialist can help you build support."),
    ),
    _Spec(
        "hard_to_get_help",
        "situation",
        N_(
            "Is getting help harder for you (health, disability, money, immigration, language, "
            "or where you live)?"
        ),
        N_("Specialists know these barriers and can find ways around them with you."),
    ),
)

QUESTIONS: tuple[str, ...] = tuple(s.key for s in _SPECS)
_BY_KEY = {s.key: s for s in _SPECS}


@dataclass(frozen=True)
class RiskQuestion:
    key: str
    section: Section
    text: str
    why: str
    serious: bool
    from_log: str | None
    suggested: Literal["yes"] | None


@dataclass(frozen=True)
class RedFlag:
    key: str
    text: str
    why: str
    serious: bool


@dataclass(frozen=True)
class RiskResult:
    taken_on: date
    answers: dict[str, str]
    flags: tuple[RedFlag, ...]
    unsure: tuple[RedFlag, ...]
    from_log: dict[str, str]

    @property
    def serious(self) -> tuple[RedFlag, ...]:
        return tuple(f for f in self.flags if f.serious)

    def to_json(self) -> dict[str, Any]:
        """What a saved assessment stores (the record kind "assessment")."""
        return {
            "type": "risk",
            "questionnaire": QUESTIONNAIRE_VERSION,
            "taken_on": self.taken_on.isoformat(),
            "answers": dict(sorted(self.answers.items())),
            "from_log": dict(sorted(self.from_log.items())),
            "red_flags": [f.key for f in self.flags],
            "serious": [f.key for f in self.flags if f.serious],
            "unsure": [f.key for f in self.unsure],
        }


# --- what the log shows ------------------------------------------------------------------

_PARTNER = re.compile(
    r"\b(?:ex|former|partner|husband|wife|boyfriend|girlfriend|spouse|fianc[eé]e?|dated|dating|"
    r"relationship|married)\b|元彼|元カレ|元カノ|元夫|元妻|元交際|交際相手|夫|妻|彼氏|彼女|"
    r"전\s*남자친구|전\s*여자친구|전남친|전여친|전\s*남편|전\s*아내|남편|아내|애인|남자친구|여자친구",
    re.IGNORECASE,
)


def _refs(analysis: Analysis, positions: list[int], limit: int = 3) -> str:
    refs = [analysis.table.facts[i].ref for i in positions[-limit:]]
    return ", ".join(refs)


def _flag_positions(analysis: Analysis, category: str) -> tuple[list[int], int]:
    incidents = [i for i, f in analysis.incident_flags.items() if category in f.categories]
    messages = sum(1 for f in analysis.contact_flags.values() if category in f.categories)
    return sorted(incidents), messages


def _threat_evidence(analysis: Analysis, category: str, tactic: str | None = None) -> str | None:
    positions, messages = _flag_positions(analysis, category)
    if tactic:
        positions = sorted(
            set(positions) | {i for i, f in enumerate(analysis.table.facts) if tactic in f.tactics}
        )
    parts = []
    if positions:
        parts.append(
            ngettext(
                "{n} incident in your log ({refs})",
                "{n} incidents in your log (latest: {refs})",
                len(positions),
            ).format(n=len(positions), refs=_refs(analysis, positions))
        )
    if messages:
        parts.append(ngettext("{n} message", "{n} messages", messages).format(n=messages))
    return _("Found in {where}.").format(where=_(" and ").join(parts)) if parts else None


def _tactic_evidence(analysis: Analysis, *tactics: str) -> str | None:
    positions = [i for i, f in enumerate(analysis.table.facts) if set(tactics) & set(f.tactics)]
    if not positions:
        return None
    return ngettext(
        "You recorded this in {n} incident ({refs}).",
        "You recorded this in {n} incidents (latest: {refs}).",
        len(positions),
    ).format(n=len(positions), refs=_refs(analysis, positions))


def _frightened(analysis: Analysis) -> str | None:
    table = analysis.table
    rated = np.flatnonzero(table.fear >= 0)
    if rated.size == 0:
        return None
    last = int(rated[-1])
    if int(table.fear[last]) < 3:
        return None
    return _("On {date} ({ref}) you recorded feeling “{label}”.").format(
        date=day_text(day_of(int(table.clock.day[last]))),
        ref=table.facts[last].ref,
        label=vocab.fear_label(int(table.fear[last])),
    )


def _escalating(analysis: Analysis) -> str | None:
    chosen = [
        s
        for s in analysis.signals
        if s.kind in {"rising_rate", "rising_contacts", "new_tier"} and s.recent
    ]
    if not chosen:
        return None
    return _("The log shows: {signals}.").format(signals="; ".join(s.title for s in chosen))


def _visits_weekly(analysis: Analysis) -> str | None:
    table = analysis.table
    near = np.array(
        [bool(NEARBY.intersection(f.tactics)) or f.channel == "in_person" for f in table.facts],
        dtype=np.bool_,
    )
    days = np.sort(table.clock.day[near & (table.level <= DAY)])
    if days.size < 4:
        return None
    # For each visit, how many visits fall in the 7 days starting that day.
    counts = np.searchsorted(days, days + 7, side="left") - np.arange(days.size)
    best = int(np.argmax(counts))
    if int(counts[best]) <= 3:
        return None
    return _("{n} visits in the week from {date}.").format(
        n=int(counts[best]), date=day_text(day_of(int(days[best])))
    )


def _places(analysis: Analysis, kinds: set[str]) -> str | None:
    positions = [i for i, f in enumerate(analysis.table.facts) if approaches(f) in kinds]
    if not positions:
        return None
    return ngettext(
        "Recorded in {n} incident ({refs}).",
        "Recorded in {n} incidents (latest: {refs}).",
        len(positions),
    ).format(n=len(positions), refs=_refs(analysis, positions))


def _loitering(analysis: Analysis) -> str | None:
    return _places(analysis, {"work", "school"}) or _tactic_evidence(analysis, "watching")


def _others(analysis: Analysis) -> str | None:
    helpers = {p.id for p in analysis.facts.people if p.role == "associate"}
    positions = [i for i, f in enumerate(analysis.table.facts) if helpers & set(f.people)]
    if not positions:
        return None
    return _("Someone acting with them appears in {n} incidents ({refs}).").format(
        n=len(positions), refs=_refs(analysis, positions)
    )


def _tracking(analysis: Analysis) -> str | None:
    return _tactic_evidence(analysis, "tech_tracking", "account_intrusion") or _threat_evidence(
        analysis, "whereabouts"
    )


def _breaches(analysis: Analysis) -> str | None:
    if not analysis.breaches:
        return None
    return ngettext(
        "{n} possible breach found in the log.",
        "{n} possible breaches found in the log.",
        len(analysis.breaches),
    ).format(n=len(analysis.breaches))


def _partner(analysis: Analysis) -> str | None:
    for person in analysis.facts.people:
        if (
            person.role == "offender"
            and person.relationship
            and _PARTNER.search(person.relationship)
        ):
            return _("You described {ref} ({name}) as: “{relationship}”.").format(
                ref=person.ref, name=person.name, relationship=person.relationship
            )
    return None


def _changed(analysis: Analysis) -> str | None:
    changed = [f for f in analysis.table.facts if f.impacts]
    if not changed:
        return None
    kinds = sorted({i for f in changed for i in f.impacts})
    return _("You recorded: {labels}.").format(
        labels=", ".join(vocab.impact(k).label_text().lower() for k in kinds)
    )


_FROM_LOG: dict[str, Callable[[Analysis], str | None]] = {
    "frightened": _frightened,
    "escalating": _escalating,
    "visits_weekly": _visits_weekly,
    "home_visits": lambda a: _places(a, {"home"}),
    "loitering": _loitering,
    "property": lambda a: _tactic_evidence(a, "property_damage"),
    "threats_harm": lambda a: _threat_evidence(a, "harm", "threats"),
    "threats_kill": lambda a: _threat_evidence(a, "kill"),
    "threats_family": lambda a: _threat_evidence(a, "family"),
    "pets": lambda a: _tactic_evidence(a, "harm_to_pets") or _threat_evidence(a, "pets"),
    "self_harm": lambda a: _threat_evidence(a, "self_harm"),
    "images": lambda a: _tactic_evidence(a, "intimate_images") or _threat_evidence(a, "images"),
    "third_parties": lambda a: _tactic_evidence(a, "third_party_contact"),
    "others_helping": _others,
    "tracking": _tracking,
    "violence": lambda a: _tactic_evidence(a, "violence"),
    "order_breach": _breaches,
    "ex_partner": _partner,
    "changed_life": _changed,
}


def prepare(analysis: Analysis) -> tuple[RiskQuestion, ...]:
    """The questions, with the log's evidence where it answers one."""
    questions = []
    for spec in _SPECS:
        finder = _FROM_LOG.get(spec.key)
        found = finder(analysis) if finder else None
        questions.append(
            RiskQuestion(
                spec.key,
                spec.section,
                _(spec.text),
                _(spec.why),
                spec.serious,
                found,
                "yes" if found else None,
            )
        )
    return tuple(questions)


def _flag(key: str) -> RedFlag:
    spec = _BY_KEY[key]
    return RedFlag(key, _(spec.text), _(spec.why), spec.serious)


def result(
    answers: Mapping[str, str], taken_on: date, from_log: Mapping[str, str | None] | None = None
) -> RiskResult:
    """Red flags from the answers (unknown keys and values are ignored)."""
    given = {k: v for k, v in answers.items() if k in _BY_KEY and v in ANSWERS}
    flags = [_flag(k) for k in QUESTIONS if given.get(k) == "yes"]
    flags.sort(key=lambda f: not f.serious)
    unsure = tuple(_flag(k) for k in QUESTIONS if given.get(k) == "unsure")
    evidence = {k: v for k, v in (from_log or {}).items() if v and k in _BY_KEY}
    return RiskResult(taken_on, given, tuple(flags), unsure, evidence)


def from_json(data: Mapping[str, Any]) -> RiskResult:
    """A saved assessment read back (flags are recomputed from the stored answers)."""
    return result(
        data.get("answers") or {},
        date.fromisoformat(str(data["taken_on"])),
        data.get("from_log") or {},
    )


@dataclass(frozen=True)
class Comparison:
    earlier: date
    later: date
    new: tuple[RedFlag, ...]
    gone: tuple[RedFlag, ...]
    still: tuple[RedFlag, ...]


def compare(earlier: RiskResult, later: RiskResult) -> Comparison:
    before = {f.key for f in earlier.flags}
    after = {f.key for f in later.flags}
    return Comparison(
        earlier.taken_on,
        later.taken_on,
        tuple(f for f in later.flags if f.key not in before),
        tuple(f for f in earlier.flags if f.key not in after),
        tuple(f for f in later.flags if f.key in before),
    )
