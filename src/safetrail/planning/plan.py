"""The safety plan: its parts, our suggestions, and pure changes to the plan's data.

A plan is one record of kind "plan"; every save is a new version, so every revision
is kept, dated, and can be shown again. This module knows nothing about storage:
it turns what a person chose into the plan's JSON and describes what changed.

Shape of the data (schema 1)::

    {"schema": 1,
     "sections": {section: {"choices": {suggestion: {"state": "adopted"|"skipped",
                                                     "text": wording}},
                            "own": [text, ...]}},
     "contingencies": [{"if": text, "then": text}],
     "go_bag": {"choices": {item: {"state": "packed"|"to_pack"|"not_needed",
                                   "text": wording}},
                "own": [{"item": text, "state": ...}]},
     "escape_routes": [{"place": text, "route": text, "go_to": text}],
     "trusted_people": [{"name": text, "reach": text, "knows": text,
                         "if_contacted": text, "circle": CIRCLES key | "",
                         "told_on": "YYYY-MM-DD" | "", "has_sheet": "yes" | "no" | ""}],
                        (who has been told: where they are in the person's life, when they
                        were told, and whether they have the lookout sheet; rows saved before
                        these existed read as "")
     "review_on": "YYYY-MM-DD" | null,
     "region": "scotland" | … | null}     (where in a country with regions the person lives)

The wording of an adopted suggestion is stored as the person saw (or edited) it, so an
old revision reads the same later even if SafeTrail's own wording changes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from safetrail.errors import ValidationError
from safetrail.i18n import N_, _

SCHEMA = 1
MAX_ENTRY = 2000
MAX_ROWS = 60
SUGGESTION_STATES = ("adopted", "skipped")
BAG_STATES = ("packed", "to_pack", "not_needed")


@dataclass(frozen=True)
class Suggestion:
    id: str
    text: str  # msgid

    def text_now(self) -> str:
        return _(self.text)


@dataclass(frozen=True)
class Section:
    id: str
    title: str  # msgid
    intro: str  # msgid
    suggestions: tuple[Suggestion, ...]

    def title_text(self) -> str:
        return _(self.title)

    def intro_text(self) -> str:
        return _(self.intro)

    def suggestion(self, suggestion_id: str) -> Suggestion | None:
        return next((s for s in self.suggestions if s.id == suggestion_id), None)


def _s(slug: str, text: str) -> Suggestion:
    return Suggestion(slug, text)


SECTIONS: tuple[Section, ...] = (
    Section(
        "general",
        N_("The basics"),
        N_(
            "Steps that help in most situations. You know your life best: keep what fits, "
            "change the words, and skip the rest."
        ),
        (
            _s(
                "trust_feelings",
                N_(
                    "I will take my own sense of danger seriously and act on it, even when "
                    "others say I am overreacting."
                ),
            ),
            _s(
                "advocate",
                N_(
                    "I will ask a local victim support or domestic abuse service to help me "
                    "build and review this plan."
                ),
            ),
            _s(
                "police",
                N_(
                    "I will report to the police, and explain why things that look harmless "
                    "to others, like a car driving past or a gift, frighten me."
                ),
            ),
            _s(
                "log",
                N_(
                    "I will record each incident in SafeTrail as soon as it is safe, with the "
                    "date, time, place and anyone who saw it."
                ),
            ),
            _s(
                "tell_people",
                N_(
                    "I will tell the people close to me what is happening, and what I would "
                    "like them to do if they are contacted."
                ),
            ),
            _s(
                "order",
                N_(
                    "I will find out what protective orders exist where I live and whether "
                    "one could help me."
                ),
            ),
            _s(
                "react",
                N_(
                    "Before I change something they will notice, like blocking them or "
                    "moving, I will think about how they might react and prepare for it."
                ),
            ),
            _s(
                "next",
                N_(
                    "I will plan for what they might do next, not only for what has already "
                    "happened (see 'If this happens')."
                ),
            ),
        ),
    ),
    Section(
        "stopping_contact",
        N_("Stopping contact"),
        N_(
            "Many stalkers take any reply, even an angry one, as a reason to carry on. "
            "Cutting contact is often safest, but it is not always possible, and that is "
            "not a failure."
        ),
        (
            _s(
                "no_reply",
                N_("I will not answer their calls, messages or letters, whatever they say."),
            ),
            _s(
                "notice_once",
                N_(
                    "If I decide to tell them to stop, I will say it once, clearly, keep a "
                    "copy, and then not reply again."
                ),
            ),
            _s(
                "keep_everything",
                N_(
                    "I will keep what they send as evidence instead of deleting it, even if "
                    "I do not read it."
                ),
            ),
            _s(
                "number",
                N_(
                    "I will decide, with an advocate if I can, whether to keep my number to "
                    "collect evidence or to change it."
                ),
            ),
            _s(
                "phone_company",
                N_("I will ask my phone company about call blocking and other safety options."),
            ),
            _s(
                "needed_contact",
                N_(
                    "If I have to stay in touch (for example about children), I will keep it "
                    "short, in writing, and on that subject only, and ask a professional how "
                    "it affects any order or case."
                ),
            ),
        ),
    ),
    Section(
        "home",
        N_("Home"),
        N_("Ways to be safer at home and to leave quickly if you need to."),
        (
            _s(
                "neighbours",
                N_(
                    "I will tell neighbours or the building manager, and give them a photo or "
                    "description of the person and their vehicle."
                ),
            ),
            _s(
                "go_bag",
                N_("I will pack a bag with essentials in case I need to leave quickly."),
            ),
            _s(
                "escape",
                N_(
                    "I will work out the ways out of my home and practise them, with my "
                    "children if I have any."
                ),
            ),
            _s(
                "safe_place",
                N_(
                    "I know where I can go at short notice: a friend's home, a police "
                    "station, a shelter or a busy public place."
                ),
            ),
            _s(
                "locks",
                N_("I will change or add locks, and improve lighting or alarms where I can."),
            ),
            _s(
                "camera",
                N_(
                    "I will think about a door or security camera to record who comes, if "
                    "the law where I live allows it."
                ),
            ),
            _s(
                "wifi",
                N_("I will change the passwords of my home Wi-Fi and any smart devices."),
            ),
            _s(
                "items",
                N_(
                    "I will leave things they send or leave untouched where I can, "
                    "photograph them, and ask the police how to keep them."
                ),
            ),
            _s(
                "damage",
                N_("I will photograph any damage to my property before it is repaired."),
            ),
        ),
    ),
    Section(
        "work_school",
        N_("Work or school"),
        N_("Places you have to be at set times are places they can find you."),
        (
            _s(
                "security",
                N_(
                    "I will give security, reception or a trusted colleague a photo or "
                    "description of the person."
                ),
            ),
            _s(
                "no_details",
                N_(
                    "I will ask my workplace or school not to give anyone my contact details, "
                    "timetable or whereabouts."
                ),
            ),
            _s(
                "walk_with",
                N_(
                    "I will ask a colleague or security guard to walk with me to my car or "
                    "transport."
                ),
            ),
            _s(
                "hours",
                N_("I will ask whether I can change my hours, or where I work or study."),
            ),
            _s(
                "order_copy",
                N_(
                    "If I have a protective order, I will give security a copy and keep one "
                    "with me."
                ),
            ),
            _s(
                "records",
                N_(
                    "I will ask security for visitor logs or camera footage that show when "
                    "the person came."
                ),
            ),
        ),
    ),
    Section(
        "technology",
        N_("Phones, accounts and online"),
        N_(
            "If they have ever had your phone or computer, they may see changes you make on "
            "it. Use a device they have never touched for the most private steps."
        ),
        (
            _s(
                "passwords",
                N_(
                    "I will change my passwords, starting with email, phone and bank, on a "
                    "device they have never had."
                ),
            ),
            _s(
                "questions",
                N_("I will change security questions to answers they could not know or guess."),
            ),
            _s(
                "location",
                N_(
                    "I will turn off location sharing I did not set up myself, and check which "
                    "apps can see where I am."
                ),
            ),
            _s(
                "privacy",
                N_(
                    "I will tighten my privacy settings and ask friends and family not to "
                    "post where I am."
                ),
            ),
            _s(
                "search_name",
                N_(
                    "I will search my own name to see what is public, and ask sites to remove "
                    "my details."
                ),
            ),
            _s(
                "safer_device",
                N_(
                    "If my phone or computer may be watched, I will use a safer one for "
                    "private things: a friend's phone, a library computer or a new device."
                ),
            ),
            _s(
                "screenshots",
                N_(
                    "I will screenshot messages and posts, and photograph disappearing ones "
                    "with a second camera."
                ),
            ),
            _s(
                "trackers",
                N_(
                    "I will check my bag, car and belongings for tracking tags, and get advice "
                    "before removing one: it is evidence, and removing it may alert them."
                ),
            ),
        ),
    ),
    Section(
        "children_pets",
        N_("Children and pets"),
        N_("Stalkers sometimes reach people through the ones they love."),
        (
            _s(
                "school_pickup",
                N_(
                    "I will tell the school or nursery who may and may not collect my "
                    "children, and give them a copy of any order."
                ),
            ),
            _s(
                "teach",
                N_(
                    "I will teach my children how to call for help, our ways out of home, and "
                    "a code word that means 'leave now'."
                ),
            ),
            _s(
                "safe_adults",
                N_("I will make sure my children know which adults they can go to."),
            ),
            _s(
                "kids_devices",
                N_(
                    "I will check my children's devices and accounts for location sharing and "
                    "apps I did not set up."
                ),
            ),
            _s(
                "pets_place",
                N_(
                    "I will arrange somewhere my pets can stay if I have to leave quickly, and "
                    "keep their records with my documents."
                ),
            ),
            _s(
                "pets_inside",
                N_("If there have been threats to my pets, I will not leave them outside alone."),
            ),
        ),
    ),
    Section(
        "travel_routine",
        N_("Travel and daily routine"),
        N_("Being predictable makes it easier to be followed or waited for."),
        (
            _s(
                "vary",
                N_(
                    "I will vary my routes and times to work, school, the shops and other "
                    "places I go often."
                ),
            ),
            _s(
                "buddy",
                N_(
                    "I will tell someone where I am going and when I expect to arrive, and "
                    "what to do if I do not check in."
                ),
            ),
            _s(
                "phone",
                N_("I will keep my phone charged and with me, with emergency numbers saved."),
            ),
            _s(
                "followed",
                N_(
                    "If I think I am being followed, I will go to a busy place or a police "
                    "station, not home."
                ),
            ),
            _s(
                "car",
                N_(
                    "I will park in well-lit places close to the entrance, and look around "
                    "before getting in or out."
                ),
            ),
            _s(
                "plates",
                N_("I will note the make, colour and number plate of any vehicle that follows me."),
            ),
            _s(
                "post_later",
                N_("I will post about places only after I have left them."),
            ),
        ),
    ),
)
SECTION_IDS = tuple(s.id for s in SECTIONS)

GO_BAG: tuple[Suggestion, ...] = (
    _s("id_documents", N_("Identity documents (passport, ID card, driving licence)")),
    _s("keys", N_("Spare keys for home and car")),
    _s("phone_charger", N_("Phone charger and a charged power bank")),
    _s("money", N_("Some cash and a bank card")),
    _s("medication", N_("Medication and prescriptions for a few days")),
    _s("order_copy", N_("A copy of any protective order and police reference numbers")),
    _s("numbers_on_paper", N_("Important phone numbers written on paper")),
    _s("clothes", N_("Clothes for a few days")),
    _s("glasses", N_("Glasses, hearing aids or anything else you need every day")),
    _s("children", N_("Children's documents, medicine and a comfort toy")),
    _s("pets", N_("Food, lead and records for pets")),
    _s("backup", N_("A SafeTrail backup on a USB stick (it stays encrypted)")),
)

# Shown as examples in empty "If this happens" rows (never stored unless typed).
CONTINGENCY_EXAMPLES: tuple[str, ...] = (
    N_("they come to my door"),
    N_("they follow me when I am out"),
    N_("they contact my family, friends or work"),
    N_("they break the order"),
)

PART_LABELS: Mapping[str, str] = {
    **{s.id: s.title for s in SECTIONS},
    "contingencies": N_("If this happens"),
    "go_bag": N_("Go-bag"),
    "escape_routes": N_("Ways out and safe places"),
    "trusted_people": N_("Trusted people"),
    "review_on": N_("Review date"),
    "region": N_("Where I live"),
}


def section(section_id: str) -> Section:
    found = next((s for s in SECTIONS if s.id == section_id), None)
    if found is None:
        raise ValidationError(
            _("There is no plan section called {name}.").format(name=section_id),
            _("Choose a section from the plan page."),
        )
    return found


def part_label(part: str) -> str:
    return _(PART_LABELS[part]) if part in PART_LABELS else part


# --- the data ----------------------------------------------------------------------------


def empty() -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "sections": {},
        "contingencies": [],
        "go_bag": {"choices": {}, "own": []},
        "escape_routes": [],
        "trusted_people": [],
        "review_on": None,
        "region": None,
    }


def normalised(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """``data`` with every part present (older or partial versions read the same way)."""
    out = empty()
    for key, value in (data or {}).items():
        out[key] = copy.deepcopy(value)
    out["go_bag"] = {"choices": {}, "own": [], **(out.get("go_bag") or {})}
    return out


def _clean(text: object, what: str) -> str:
    value = str(text or "").strip()
    if len(value) > MAX_ENTRY:
        raise ValidationError(
            _("{what} is too long (over {n} characters).").format(what=what, n=MAX_ENTRY),
            _("Shorten it, or split it into two entries."),
        )
    return value


def _rows(
    rows: Sequence[Mapping[str, object]], keys: Sequence[str], what: str
) -> list[dict[str, str]]:
    """Keep rows with anything typed in them; blank rows from the form are dropped."""
    kept = []
    for row in rows:
        cleaned = {key: _clean(row.get(key), what) for key in keys}
        if any(cleaned.values()):
            kept.append(cleaned)
    if len(kept) > MAX_ROWS:
        raise ValidationError(_("That is more rows than SafeTrail keeps ({n}).").format(n=MAX_ROWS))
    return kept


@dataclass(frozen=True)
class Choice:
    """What a person chose for one suggestion: "adopted", "skipped" or "" (not decided)."""

    state: str
    text: str = ""


def with_section(
    data: Mapping[str, Any], section_id: str, choices: Mapping[str, Choice], own: Sequence[str]
) -> dict[str, Any]:
    part = section(section_id)
    out = normalised(data)
    stored: dict[str, Any] = {}
    for suggestion in part.suggestions:
        choice = choices.get(suggestion.id)
        if choice is None or not choice.state:
            continue
        if choice.state not in SUGGESTION_STATES:
            raise ValidationError(_("Choose to use or skip each suggestion."))
        wording = _clean(choice.text, _("A suggestion")) or suggestion.text_now()
        stored[suggestion.id] = {"state": choice.state, "text": wording}
    entries = [e for e in (_clean(text, _("An entry")) for text in own) if e]
    if stored or entries:
        out["sections"][section_id] = {"choices": stored, "own": entries}
    else:
        out["sections"].pop(section_id, None)  # an untouched section is the same as none
    return out


def with_contingencies(
    data: Mapping[str, Any], rows: Sequence[Mapping[str, object]]
) -> dict[str, Any]:
    out = normalised(data)
    kept = _rows(rows, ("if", "then"), _("An 'if this happens' entry"))
    for row in kept:
        if not row["if"] or not row["then"]:
            raise ValidationError(
                _("Each entry needs both parts: what might happen, and what you will do."),
                _("Fill in the missing half, or clear both boxes of that row."),
            )
    out["contingencies"] = kept
    return out


def with_go_bag(
    data: Mapping[str, Any], states: Mapping[str, str], own: Sequence[Mapping[str, object]]
) -> dict[str, Any]:
    out = normalised(data)
    choices: dict[str, Any] = {}
    for item in GO_BAG:
        state = states.get(item.id, "")
        if not state:
            continue
        if state not in BAG_STATES:
            raise ValidationError(_("Choose packed, still to pack, or not needed."))
        previous = out["go_bag"]["choices"].get(item.id) or {}
        choices[item.id] = {"state": state, "text": previous.get("text") or item.text_now()}
    own_items = []
    for row in own:
        text = _clean(row.get("item"), _("A go-bag item"))
        if not text:
            continue
        state = str(row.get("state") or "to_pack")
        if state not in BAG_STATES:
            raise ValidationError(_("Choose packed, still to pack, or not needed."))
        own_items.append({"item": text, "state": state})
    out["go_bag"] = {"choices": choices, "own": own_items}
    return out


def with_escape_routes(
    data: Mapping[str, Any], rows: Sequence[Mapping[str, object]]
) -> dict[str, Any]:
    out = normalised(data)
    out["escape_routes"] = _rows(rows, ("place", "route", "go_to"), _("A way out"))
    return out


CIRCLES = {
    "family": N_("Family or friends"),
    "work": N_("Work"),
    "school": N_("School or nursery"),
    "neighbours": N_("Neighbours"),
    "building": N_("Building manager or security"),
    "other": N_("Someone else"),
}
TRUSTED_FIELDS = ("name", "reach", "knows", "if_contacted", "circle", "told_on", "has_sheet")


def with_trusted_people(
    data: Mapping[str, Any], rows: Sequence[Mapping[str, object]]
) -> dict[str, Any]:
    out = normalised(data)
    kept = _rows(rows, TRUSTED_FIELDS, _("A trusted person entry"))
    for row in kept:
        if not row["name"]:
            raise ValidationError(
                _("Each trusted person needs a name (a first name or nickname is enough)."),
                _("Add the name, or clear that row."),
            )
        if row["circle"] and row["circle"] not in CIRCLES:
            raise ValidationError(_("Choose where this person is in your life from the list."))
        if row["has_sheet"] not in ("", "yes", "no"):
            raise ValidationError(_("Say whether they have the lookout sheet: yes or no."))
        if row["told_on"]:
            try:
                row["told_on"] = date.fromisoformat(row["told_on"]).isoformat()
            except ValueError:
                raise ValidationError(
                    _("The date they were told must look like 2026-08-03."),
                    _("Leave it empty if you do not remember."),
                ) from None
    out["trusted_people"] = kept
    return out


def with_review_date(data: Mapping[str, Any], text: str, today: date) -> dict[str, Any]:
    out = normalised(data)
    value = text.strip()
    if not value:
        out["review_on"] = None
        return out
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            _("The review date must be a date like 2026-03-14 (year-month-day)."),
            _("Pick a date in the calendar, or leave it empty."),
        ) from None
    if day < today:
        raise ValidationError(
            _("The review date is in the past."),
            _("Choose a date from today on; a month ahead is a good start."),
        )
    out["review_on"] = day.isoformat()
    return out


def with_region(data: Mapping[str, Any], region: str | None) -> dict[str, Any]:
    """Remember the region (checked against the resources dataset by the caller)."""
    out = normalised(data)
    out["region"] = region
    return out


def suggested_review_date(today: date) -> str:
    return (today + timedelta(days=30)).isoformat()


# --- reading the data ----------------------------------------------------------------------


@dataclass(frozen=True)
class SectionSummary:
    section: Section
    adopted: list[str]  # wording of adopted suggestions, in the section's order
    own: list[str]
    skipped: int
    undecided: int

    @property
    def entries(self) -> list[str]:
        return [*self.adopted, *self.own]


def section_summary(data: Mapping[str, Any], part: Section) -> SectionSummary:
    stored = normalised(data)["sections"].get(part.id) or {"choices": {}, "own": []}
    choices = stored.get("choices") or {}
    adopted = [
        choices[s.id]["text"]
        for s in part.suggestions
        if (choices.get(s.id) or {}).get("state") == "adopted"
    ]
    skipped = sum(
        1 for s in part.suggestions if (choices.get(s.id) or {}).get("state") == "skipped"
    )
    return SectionSummary(
        section=part,
        adopted=adopted,
        own=list(stored.get("own") or []),
        skipped=skipped,
        undecided=len(part.suggestions) - len(adopted) - skipped,
    )


@dataclass(frozen=True)
class BagItem:
    text: str
    state: str  # "packed", "to_pack", "not_needed" or "" (not decided)
    own: bool


def go_bag_items(data: Mapping[str, Any]) -> list[BagItem]:
    bag = normalised(data)["go_bag"]
    items = []
    for item in GO_BAG:
        chosen = bag["choices"].get(item.id) or {}
        items.append(BagItem(chosen.get("text") or item.text_now(), chosen.get("state", ""), False))
    items.extend(BagItem(row["item"], row.get("state", "to_pack"), True) for row in bag["own"])
    return items


def is_empty(data: Mapping[str, Any] | None) -> bool:
    return normalised(data) == empty()


def changed_parts(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """The parts of the plan that differ between two versions, in the plan's order."""
    old, new = normalised(before), normalised(after)
    changed = [s.id for s in SECTIONS if old["sections"].get(s.id) != new["sections"].get(s.id)]
    changed += [
        key
        for key in (
            "contingencies",
            "go_bag",
            "escape_routes",
            "trusted_people",
            "review_on",
            "region",
        )
        if old[key] != new[key]
    ]
    return changed
