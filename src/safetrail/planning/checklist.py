"""The digital safety checklist: steps in our own words, and progress through them.

Progress is one record of kind "checklist" (``{"name": "digital_safety", "items":
{item_id: "done" | "not_needed"}}``); each save is a new version, so the person
can see when they did what. Items not in ``items`` are still to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from safetrail.errors import ValidationError
from safetrail.i18n import N_, _

NAME = "digital_safety"
STATES = ("done", "not_needed")


@dataclass(frozen=True)
class Item:
    id: str
    title: str  # msgid
    detail: str  # msgid

    def title_text(self) -> str:
        return _(self.title)

    def detail_text(self) -> str:
        return _(self.detail)


@dataclass(frozen=True)
class Group:
    id: str
    title: str  # msgid
    items: tuple[Item, ...]

    def title_text(self) -> str:
        return _(self.title)


GROUPS: tuple[Group, ...] = (
    Group(
        "passwords",
        N_("Passwords and sign-ins"),
        (
            Item(
                "email_password",
                N_("Change your email password first"),
                N_(
                    "Email can reset almost every other account. Choose a long passphrase you "
                    "have never used, and type it on a device they have never had."
                ),
            ),
            Item(
                "other_passwords",
                N_("Change the passwords of your other important accounts"),
                N_(
                    "Phone account, bank, social media, cloud storage and shopping. Use a "
                    "different one for each; a password manager can remember them for you."
                ),
            ),
            Item(
                "two_step",
                N_("Turn on two-step verification"),
                N_(
                    "A code from your phone or an app stops someone who has your password. "
                    "Check that the recovery phone number and email on each account are yours."
                ),
            ),
            Item(
                "sign_out",
                N_("Sign out devices you do not recognise"),
                N_(
                    "Most accounts list the phones and computers signed in to them. Sign out "
                    "any you do not know, or all of them, then sign in again yourself."
                ),
            ),
            Item(
                "screen_lock",
                N_("Use a screen lock they do not know"),
                N_(
                    "Change the PIN or passcode of your phone and computer, and remove any "
                    "fingerprint or face you did not add."
                ),
            ),
        ),
    ),
    Group(
        "security_questions",
        N_("Security questions"),
        (
            Item(
                "questions",
                N_("Change security questions to answers they cannot know"),
                N_(
                    "Someone who knows you may know your first school or your pet's name. "
                    "Use answers nobody could guess, even made-up ones, and keep them "
                    "somewhere safe."
                ),
            ),
        ),
    ),
    Group(
        "location",
        N_("Location"),
        (
            Item(
                "location_sharing",
                N_("Check who can see your location"),
                N_(
                    "Look at location sharing in your phone's settings, map apps, family "
                    "groups and social apps. Turn off anything you did not set up yourself."
                ),
            ),
            Item(
                "photo_location",
                N_("Stop photos from giving away where you are"),
                N_(
                    "Turn off location tags in the camera, and avoid posting photos that show "
                    "your home, street, school or number plate."
                ),
            ),
            Item(
                "tracking_tags",
                N_("Check for tracking tags"),
                N_(
                    "Look in bags, coats, your car and children's things; many phones can scan "
                    "for unknown tags travelling with you. If you find one, get advice before "
                    "removing it: it is evidence, and removing it may alert them."
                ),
            ),
        ),
    ),
    Group(
        "privacy",
        N_("Privacy settings"),
        (
            Item(
                "social_privacy",
                N_("Review the privacy settings of every social media account"),
                N_(
                    "Limit who can see your posts, friends, tagged photos, phone number and "
                    "email address."
                ),
            ),
            Item(
                "friends_posting",
                N_("Ask friends and family not to post where you are"),
                N_("Ask them not to tag you, or share photos that show places you go."),
            ),
            Item(
                "post_later",
                N_("Post about a place after you have left it"),
                N_("Live posts and check-ins tell anyone watching where to find you right now."),
            ),
        ),
    ),
    Group(
        "your_name",
        N_("Your name online"),
        (
            Item(
                "search_name",
                N_("Search for your own name"),
                N_(
                    "Try your name with your town, workplace, phone number and email in "
                    "more than one search engine, and note what anyone can find."
                ),
            ),
            Item(
                "removal",
                N_("Ask websites to remove your personal details"),
                N_(
                    "Most sites and people-search services have a removal form. Take "
                    "screenshots first: what was posted about you may be evidence."
                ),
            ),
        ),
    ),
    Group(
        "devices",
        N_("Signs a device may be compromised"),
        (
            Item(
                "signs",
                N_("Look out for signs of tampering"),
                N_(
                    "For example: they know things you only wrote in messages; apps you did "
                    "not install; settings that change by themselves; a battery that drains "
                    "much faster; sign-in alerts from places you have not been."
                ),
            ),
            Item(
                "shared_accounts",
                N_("Check accounts and plans you share, or shared, with them"),
                N_(
                    "Family phone plans, shared cloud storage, app store and streaming "
                    "accounts can show your location, photos or contacts."
                ),
            ),
            Item(
                "expert_help",
                N_("If you think a device is compromised, get expert advice first"),
                N_(
                    "They may see any change you make on it. Use a device they have never "
                    "touched for private things. If you believe they are watching it now, "
                    "consider switching it off and asking a stalking or domestic abuse "
                    "service for specialist help."
                ),
            ),
        ),
    ),
)
ITEM_IDS = tuple(item.id for group in GROUPS for item in group.items)


def empty() -> dict[str, Any]:
    return {"name": NAME, "items": {}}


def with_states(states: Mapping[str, str]) -> dict[str, Any]:
    """The checklist data for what the form sent (blank or unknown-to-do items are left out)."""
    items: dict[str, str] = {}
    for item_id in ITEM_IDS:
        state = states.get(item_id, "")
        if not state or state == "to_do":
            continue
        if state not in STATES:
            raise ValidationError(_("Choose to do, done, or not needed for each step."))
        items[item_id] = state
    return {"name": NAME, "items": items}


@dataclass(frozen=True)
class Progress:
    done: int
    not_needed: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.not_needed

    @property
    def settled(self) -> int:
        return self.done + self.not_needed


def progress(data: Mapping[str, Any] | None) -> Progress:
    items = (data or {}).get("items") or {}
    done = sum(1 for i in ITEM_IDS if items.get(i) == "done")
    not_needed = sum(1 for i in ITEM_IDS if items.get(i) == "not_needed")
    return Progress(done, not_needed, len(ITEM_IDS))
