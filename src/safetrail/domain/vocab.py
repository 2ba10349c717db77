"""Fixed vocabularies: tactics, channels, impacts, severity tiers and the fear scale.

Slugs are stable identifiers used by the CLI, exports and analysis; never rename one.
Labels and descriptions are English source strings (gettext msgids): pass them through
``_`` when showing them, or use ``label_text()`` / ``description_text()``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType
from typing import TypeVar

from safetrail.errors import ValidationError
from safetrail.i18n import N_, _

__all__ = [
    "CHANNELS",
    "FEAR_LEVELS",
    "IMPACTS",
    "MAX_FEAR",
    "SEVERITY_LABELS",
    "TACTICS",
    "Channel",
    "Impact",
    "SeverityTier",
    "Tactic",
    "channel",
    "fear_label",
    "impact",
    "normalise_slug",
    "tactic",
    "validate_fear",
]


class SeverityTier(IntEnum):
    """Ordinal used by escalation analysis: a higher tier is a more serious kind of behaviour."""

    INDIRECT = 1
    CONTACT = 2
    SURVEILLANCE = 3
    APPROACH = 4
    VIOLENCE = 5


SEVERITY_LABELS: Mapping[SeverityTier, str] = MappingProxyType(
    {
        SeverityTier.INDIRECT: N_("Indirect"),
        SeverityTier.CONTACT: N_("Contact"),
        SeverityTier.SURVEILLANCE: N_("Surveillance"),
        SeverityTier.APPROACH: N_("Approach"),
        SeverityTier.VIOLENCE: N_("Violence"),
    }
)


@dataclass(frozen=True, slots=True)
class Tactic:
    slug: str
    label: str
    description: str
    tier: SeverityTier

    def label_text(self) -> str:
        return _(self.label)

    def description_text(self) -> str:
        return _(self.description)


@dataclass(frozen=True, slots=True)
class Channel:
    slug: str
    label: str

    def label_text(self) -> str:
        return _(self.label)


@dataclass(frozen=True, slots=True)
class Impact:
    slug: str
    label: str

    def label_text(self) -> str:
        return _(self.label)


_T = SeverityTier

TACTICS: tuple[Tactic, ...] = (
    Tactic(
        "unwanted_calls",
        N_("Unwanted calls"),
        N_("They phoned you, or kept phoning, including silent calls and hang-ups."),
        _T.CONTACT,
    ),
    Tactic(
        "unwanted_messages",
        N_("Unwanted messages or email"),
        N_("They sent you texts, emails, voice notes or online messages you did not want."),
        _T.CONTACT,
    ),
    Tactic(
        "items_sent",
        N_("Letters, gifts or items"),
        N_("They sent or left letters, gifts or other things for you, or near where you are."),
        _T.CONTACT,
    ),
    Tactic(
        "following",
        N_("Following"),
        N_("They followed you on foot, by car or on public transport."),
        _T.SURVEILLANCE,
    ),
    Tactic(
        "watching",
        N_("Watching or waiting"),
        N_("They watched, waited or hung around near your home, work, school or other places."),
        _T.SURVEILLANCE,
    ),
    Tactic(
        "showing_up",
        N_("Showing up"),
        N_("They turned up somewhere you were without being invited."),
        _T.APPROACH,
    ),
    Tactic(
        "approaching",
        N_("Approaching or blocking"),
        N_("They came up to you, got in your way or stopped you from leaving."),
        _T.APPROACH,
    ),
    Tactic(
        "tech_tracking",
        N_("Tracking with technology"),
        N_("They kept track of you with location sharing, apps, tags, spyware or hidden cameras."),
        _T.SURVEILLANCE,
    ),
    Tactic(
        "account_intrusion",
        N_("Getting into your accounts"),
        N_("They got into your accounts or devices, or changed your passwords or settings."),
        _T.SURVEILLANCE,
    ),
    # Impersonation works through other people's view of you, like rumours, so it sits in the
    # indirect tier; contact made through a fake profile is also recorded as unwanted_messages.
    Tactic(
        "impersonation",
        N_("Pretending to be you"),
        N_("They pretended to be you, or set up fake profiles or accounts."),
        _T.INDIRECT,
    ),
    Tactic(
        "rumours",
        N_("Spreading rumours"),
        N_("They spread rumours or false stories about you, in person or online."),
        _T.INDIRECT,
    ),
    Tactic(
        "intimate_images",
        N_("Intimate images"),
        N_("They posted, shared or threatened to share intimate pictures or videos of you."),
        _T.APPROACH,
    ),
    Tactic(
        "third_party_contact",
        N_("Contacting people around you"),
        N_("They contacted or pressured your family, friends, neighbours or coworkers."),
        _T.SURVEILLANCE,
    ),
    Tactic(
        "information_gathering",
        N_("Gathering information"),
        N_("They searched for details about you online, asked around or went through your bins."),
        _T.INDIRECT,
    ),
    Tactic(
        "property_damage",
        N_("Damage to property"),
        N_("They damaged, broke into or interfered with your home, car or belongings."),
        _T.APPROACH,
    ),
    Tactic(
        "threats",
        N_("Threats"),
        N_(
            "They threatened you, people close to you or your pets, "
            "or threatened to hurt themselves to pressure you."
        ),
        _T.APPROACH,
    ),
    Tactic(
        "harm_to_pets",
        N_("Harm to pets"),
        N_("They hurt, took or harmed an animal you care for."),
        _T.VIOLENCE,
    ),
    Tactic(
        "violence",
        N_("Physical or sexual violence"),
        N_("They hurt you physically or sexually, or attacked you or someone else."),
        _T.VIOLENCE,
    ),
    Tactic(
        "order_breach",
        N_("Breaking a court order"),
        N_("They did something that a protective order, injunction or bail condition forbids."),
        _T.APPROACH,
    ),
    Tactic(
        "other",
        N_("Something else"),
        N_("Anything else they did that controlled, tracked or frightened you."),
        _T.CONTACT,
    ),
)

CHANNELS: tuple[Channel, ...] = (
    Channel("in_person", N_("In person")),
    Channel("phone_call", N_("Phone call")),
    Channel("text_message", N_("Text message")),
    Channel("messaging_app", N_("Messaging app")),
    Channel("email", N_("Email")),
    Channel("social_media", N_("Social media")),
    Channel("letter_item", N_("Letter or item")),
    Channel("third_party", N_("Through someone else")),
    Channel("device_account", N_("Device or account")),
    Channel("other", N_("Other")),
)

IMPACTS: tuple[Impact, ...] = (
    Impact("changed_routine", N_("Changed my routine or route")),
    Impact("missed_work_school", N_("Missed work or school")),
    Impact("changed_number_accounts", N_("Changed my number or accounts")),
    Impact("moved_or_stayed_elsewhere", N_("Moved or stayed somewhere else")),
    Impact("sleep_health", N_("Sleep or health affected")),
    Impact("sought_help", N_("Got medical or counselling help")),
    Impact("told_employer_school", N_("Told my employer, school or security")),
)

_TACTICS_BY_SLUG: Mapping[str, Tactic] = MappingProxyType({t.slug: t for t in TACTICS})
_CHANNELS_BY_SLUG: Mapping[str, Channel] = MappingProxyType({c.slug: c for c in CHANNELS})
_IMPACTS_BY_SLUG: Mapping[str, Impact] = MappingProxyType({i.slug: i for i in IMPACTS})


def normalise_slug(text: str) -> str:
    """Forgiving slug form: ``" Unwanted-Calls "`` becomes ``"unwanted_calls"``."""
    return "_".join(text.strip().casefold().replace("-", " ").replace("_", " ").split())


_V = TypeVar("_V")


def _closest(key: str, slugs: list[str]) -> str | None:
    """Best guess at a mistyped slug: a near spelling, else the only slug containing it."""
    close = difflib.get_close_matches(key, slugs, n=1, cutoff=0.6)
    if close:
        return close[0]
    containing = [slug for slug in slugs if key and key in slug]
    return containing[0] if len(containing) == 1 else None


def _lookup(table: Mapping[str, _V], slug: str, not_found: str, valid_list: str) -> _V:
    key = normalise_slug(slug)
    found = table.get(key)
    if found is not None:
        return found
    valid = ", ".join(table)
    hint = valid_list.format(valid=valid)
    match = _closest(key, list(table))
    if match is not None:
        hint = _("Did you mean '{match}'?").format(match=match) + " " + hint
    raise ValidationError(not_found.format(slug=slug.strip()), hint)


def tactic(slug: str) -> Tactic:
    """The tactic with this slug; ValidationError (with the closest match) if there is none."""
    return _lookup(
        _TACTICS_BY_SLUG,
        slug,
        _("'{slug}' is not a known tactic."),
        _("Valid tactics: {valid}."),
    )


def channel(slug: str) -> Channel:
    """The channel with this slug; ValidationError (with the closest match) if there is none."""
    return _lookup(
        _CHANNELS_BY_SLUG,
        slug,
        _("'{slug}' is not a known channel."),
        _("Valid channels: {valid}."),
    )


def impact(slug: str) -> Impact:
    """The impact with this slug; ValidationError (with the closest match) if there is none."""
    return _lookup(
        _IMPACTS_BY_SLUG,
        slug,
        _("'{slug}' is not a known impact."),
        _("Valid impacts: {valid}."),
    )


MAX_FEAR = 4

FEAR_LEVELS: Mapping[int, str] = MappingProxyType(
    {
        0: N_("Not afraid"),
        1: N_("A little uneasy"),
        2: N_("Worried"),
        3: N_("Very frightened"),
        4: N_("Terrified, afraid for my life"),
    }
)


def validate_fear(n: int | str) -> int:
    """Check a fear level (0-4); digits given as text, e.g. from a form, are accepted."""
    value: int | None = None
    if isinstance(n, bool):
        value = None
    elif isinstance(n, int):
        value = n
    elif isinstance(n, str) and n.strip().isdecimal() and n.strip().isascii():
        value = int(n.strip())
    if value is None or not 0 <= value <= MAX_FEAR:
        scale = "; ".join(f"{level} = {_(label)}" for level, label in FEAR_LEVELS.items())
        raise ValidationError(
            _("The fear level must be a whole number from 0 to {top}; '{given}' is not.").format(
                top=MAX_FEAR, given=n
            ),
            _("Choose the number that fits best: {scale}.").format(scale=scale),
        )
    return value


def fear_label(n: int) -> str:
    """The translated words for a fear level."""
    return _(FEAR_LEVELS[validate_fear(n)])
