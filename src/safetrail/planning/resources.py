"""Emergency numbers, helplines, stalking law and protective orders, by country.

The facts live in ``data/resources.json`` (shipped inside the package, read offline).
Loading checks the whole file against the schema below and fails with the path of
the first problem, so a bad edit is caught by the tests, never by a frightened person.

Every fact carries ``source``, ``verified`` and ``checked`` (the date it was last
checked). ``verified`` is false for facts that could not be confirmed against an
official source; pages show those with a caveat instead of hiding them.

The United Kingdom has three legal systems: its entries are split into regions
(``england_wales``, ``scotland``, ``northern_ireland``); what is UK-wide (999, the
silent-call method) sits on the country. :func:`lookup` merges the two.

Texts are English source strings; pages pass them through ``_`` when showing them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources as package_files
from typing import Any, TypeVar
from urllib.parse import quote

from safetrail.errors import ValidationError
from safetrail.i18n import _

DATA_FILE = "resources.json"
SCHEMA_VERSION = 1
REGION_NAMES = ("england_wales", "scotland", "northern_ireland")
WAYS = ("phone", "text", "chat", "email", "tty")
_NUMBER = re.compile(r"^[0-9#*+][0-9 \-#*]*$")
_COUNTRY_ALIASES = {"UK": "GB"}
_REGION_ALIASES = {
    "england": "england_wales",
    "wales": "england_wales",
    "ew": "england_wales",
    "england_and_wales": "england_wales",
    "sco": "scotland",
    "ni": "northern_ireland",
    "nireland": "northern_ireland",
}


class ResourceDataError(ValueError):
    """The shipped data file does not match the schema (a bug in the data, caught by tests)."""


# --- entries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sourced:
    """Where a fact comes from, whether it was confirmed, and when it was last checked."""

    source: str
    verified: bool
    checked: str


@dataclass(frozen=True)
class PhoneNumber(Sourced):
    label: str
    number: str
    note: str | None = None

    @property
    def dial(self) -> str:
        return dial_text(self.number)

    @property
    def tel(self) -> str:
        return tel_href(self.number)


@dataclass(frozen=True)
class Tip(Sourced):
    text: str
    short: str | None = None


@dataclass(frozen=True)
class Helpline(Sourced):
    name: str
    number: str
    about: str
    letters: str | None = None
    hours: str | None = None
    ways: tuple[str, ...] = ("phone",)
    text: str | None = None
    tty: str | None = None
    languages: str | None = None
    free: bool | None = None
    note: str | None = None

    @property
    def tel(self) -> str:
        return tel_href(self.number)


@dataclass(frozen=True)
class Law(Sourced):
    name: str
    summary: str
    course_of_conduct: str | None = None
    penalties: str | None = None
    changes: str | None = None
    other_laws: str | None = None


@dataclass(frozen=True)
class OrderKind(Sourced):
    id: str
    name: str
    summary: str
    made_by: str | None = None
    duration: str | None = None
    breach: str | None = None


@dataclass(frozen=True)
class Phrase:
    text: str
    say: str
    meaning: str


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    emergency: tuple[PhoneNumber, ...] = ()
    non_emergency: tuple[PhoneNumber, ...] = ()
    silent_call: tuple[Tip, ...] = ()
    notes: tuple[Tip, ...] = ()
    helplines: tuple[Helpline, ...] = ()
    law: Law | None = None
    orders: tuple[OrderKind, ...] = ()


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    emergency: tuple[PhoneNumber, ...]
    non_emergency: tuple[PhoneNumber, ...] = ()
    silent_call: tuple[Tip, ...] = ()
    notes: tuple[Tip, ...] = ()
    helplines: tuple[Helpline, ...] = ()
    law: Law | None = None
    orders: tuple[OrderKind, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    phrase_language: str | None = None  # BCP 47 tag of the phrases, e.g. "ja"
    regions: Mapping[str, Region] = field(default_factory=dict)
    default_region: str | None = None


@dataclass(frozen=True)
class Dataset:
    schema_version: int
    compiled_on: str
    about: str
    countries: Mapping[str, Country]


@dataclass(frozen=True)
class CountryResources:
    """What applies to a person in one country (and region): the page and the CLI show this."""

    code: str
    name: str
    region: str | None
    region_name: str | None
    regions: tuple[tuple[str, str], ...]  # (code, name) of every region, for a picker
    emergency: tuple[PhoneNumber, ...]
    non_emergency: tuple[PhoneNumber, ...]
    silent_call: tuple[Tip, ...]
    notes: tuple[Tip, ...]
    helplines: tuple[Helpline, ...]
    law: Law | None
    orders: tuple[OrderKind, ...]
    phrases: tuple[Phrase, ...]

    @property
    def has_unverified(self) -> bool:
        facts: list[Sourced] = [
            *self.emergency,
            *self.non_emergency,
            *self.silent_call,
            *self.notes,
            *self.helplines,
            *self.orders,
        ]
        if self.law is not None:
            facts.append(self.law)
        return any(not fact.verified for fact in facts)

    @property
    def place_name(self) -> str:
        # Shown to people, so in their language (the names are catalogue entries).
        name = _(self.name)
        return f"{name} ({_(self.region_name)})" if self.region_name else name


# --- phone numbers -----------------------------------------------------------------------


def dial_text(number: str) -> str:
    """The keys to press: "0808 802 0300" → "08088020300", "#9110" stays "#9110"."""
    return "".join(c for c in number if c.isdigit() or c in "#*+")


def tel_href(number: str) -> str:
    """A tel: link a phone can call ("#" must be escaped in a URL)."""
    return "tel:" + quote(dial_text(number), safe="+*")


# --- loading and the schema check --------------------------------------------------------

_T = TypeVar("_T")


class _Reader:
    """Reads one JSON object, naming the exact place of any problem."""

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict):
            raise ResourceDataError(f"{where}: expected an object")
        self.raw: dict[str, Any] = raw
        self.where = where
        self.used: set[str] = set()

    def _get(self, key: str, required: bool) -> Any:
        self.used.add(key)
        if key not in self.raw or self.raw[key] is None:
            if required:
                raise ResourceDataError(f"{self.where}.{key} is missing")
            return None
        return self.raw[key]

    def text(self, key: str) -> str:
        value = self._get(key, True)
        if not isinstance(value, str) or not value.strip():
            raise ResourceDataError(f"{self.where}.{key} must be non-empty text")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ResourceDataError(f"{self.where}.{key} must be non-empty text when given")
        return value

    def flag(self, key: str, required: bool = True) -> bool | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise ResourceDataError(f"{self.where}.{key} must be true or false")
        return value

    def day(self, key: str) -> str:
        value = self.text(key)
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ResourceDataError(f"{self.where}.{key} must be a date (YYYY-MM-DD)") from None
        return value

    def number(self, key: str) -> str:
        value = self.text(key)
        if not _NUMBER.match(value):
            raise ResourceDataError(f"{self.where}.{key} is not a phone number: {value!r}")
        return value

    def optional_number(self, key: str) -> str | None:
        return self.number(key) if self.raw.get(key) is not None else self.optional_text(key)

    def choices(
        self, key: str, allowed: tuple[str, ...], default: tuple[str, ...]
    ) -> tuple[str, ...]:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, list) and value and all(v in allowed for v in value):
            return tuple(value)
        raise ResourceDataError(
            f"{self.where}.{key} must be a non-empty list of {', '.join(allowed)}"
        )

    def items(
        self, key: str, build: Callable[[_Reader], _T], required: bool = False
    ) -> tuple[_T, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise ResourceDataError(f"{self.where}.{key} must be a list")
        if required and not value:
            raise ResourceDataError(f"{self.where}.{key} must not be empty")
        return tuple(
            build(_Reader(item, f"{self.where}.{key}[{i}]")) for i, item in enumerate(value)
        )

    def child(self, key: str) -> _Reader | None:
        value = self._get(key, False)
        return None if value is None else _Reader(value, f"{self.where}.{key}")

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            raise ResourceDataError(f"{self.where}: unknown field(s) {', '.join(unknown)}")

    def sourced(self) -> dict[str, Any]:
        source = self.text("source")
        checked = self.day("checked")
        verified = self.flag("verified")
        return {"source": source, "verified": verified, "checked": checked}


def _phone(r: _Reader) -> PhoneNumber:
    entry = PhoneNumber(
        label=r.text("label"),
        number=r.number("number"),
        note=r.optional_text("note"),
        **r.sourced(),
    )
    r.done()
    return entry


def _tip(r: _Reader) -> Tip:
    entry = Tip(text=r.text("text"), short=r.optional_text("short"), **r.sourced())
    r.done()
    return entry


def _helpline(r: _Reader) -> Helpline:
    ways = r.choices("ways", WAYS, default=("phone",))
    entry = Helpline(
        name=r.text("name"),
        number=r.number("number"),
        about=r.text("about"),
        letters=r.optional_text("letters"),
        hours=r.optional_text("hours"),
        ways=ways,
        text=r.optional_text("text"),
        tty=r.optional_number("tty"),
        languages=r.optional_text("languages"),
        free=r.flag("free", required=False),
        note=r.optional_text("note"),
        **r.sourced(),
    )
    if "text" in ways and not entry.text:
        raise ResourceDataError(f"{r.where}.text must say how to text when ways has 'text'")
    if "tty" in ways and not entry.tty:
        raise ResourceDataError(f"{r.where}.tty must give the number when ways has 'tty'")
    r.done()
    return entry


def _law(r: _Reader) -> Law:
    entry = Law(
        name=r.text("name"),
        summary=r.text("summary"),
        course_of_conduct=r.optional_text("course_of_conduct"),
        penalties=r.optional_text("penalties"),
        changes=r.optional_text("changes"),
        other_laws=r.optional_text("other_laws"),
        **r.sourced(),
    )
    r.done()
    return entry


def _order(r: _Reader) -> OrderKind:
    entry = OrderKind(
        id=r.text("id"),
        name=r.text("name"),
        summary=r.text("summary"),
        made_by=r.optional_text("made_by"),
        duration=r.optional_text("duration"),
        breach=r.optional_text("breach"),
        **r.sourced(),
    )
    if not re.fullmatch(r"[a-z][a-z0-9_]*", entry.id):
        raise ResourceDataError(f"{r.where}.id must be a snake_case slug")
    r.done()
    return entry


def _phrase(r: _Reader) -> Phrase:
    entry = Phrase(text=r.text("text"), say=r.text("say"), meaning=r.text("meaning"))
    r.done()
    return entry


def _region(code: str, r: _Reader) -> Region:
    law = r.child("law")
    entry = Region(
        code=code,
        name=r.text("name"),
        emergency=r.items("emergency", _phone),
        non_emergency=r.items("non_emergency", _phone),
        silent_call=r.items("silent_call", _tip),
        notes=r.items("notes", _tip),
        helplines=r.items("helplines", _helpline),
        law=_law(law) if law else None,
        orders=r.items("orders", _order),
    )
    r.done()
    return entry


def _country(code: str, r: _Reader) -> Country:
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ResourceDataError(f"{r.where}: country codes are two capital letters (ISO 3166)")
    law = r.child("law")
    regions_raw = r.child("regions")
    regions: dict[str, Region] = {}
    if regions_raw is not None:
        for name, raw in regions_raw.raw.items():
            regions_raw.used.add(name)
            if name not in REGION_NAMES:
                raise ResourceDataError(f"{regions_raw.where}: unknown region {name!r}")
            regions[name] = _region(name, _Reader(raw, f"{regions_raw.where}.{name}"))
    country = Country(
        code=code,
        name=r.text("name"),
        emergency=r.items("emergency", _phone, required=True),
        non_emergency=r.items("non_emergency", _phone),
        silent_call=r.items("silent_call", _tip),
        notes=r.items("notes", _tip),
        helplines=r.items("helplines", _helpline),
        law=_law(law) if law else None,
        orders=r.items("orders", _order),
        phrases=r.items("phrases", _phrase),
        phrase_language=r.optional_text("phrase_language"),
        regions=regions,
        default_region=r.optional_text("default_region"),
    )
    r.done()
    _check_complete(country, r.where)
    return country


def _check_complete(country: Country, where: str) -> None:
    """Whoever lives there must find a helpline and the law, whatever their region."""
    if country.phrases and not country.phrase_language:
        raise ResourceDataError(
            f"{where}.phrase_language must say what language the phrases are in"
        )
    if country.regions and country.default_region not in country.regions:
        raise ResourceDataError(f"{where}.default_region must name one of its regions")
    places: list[Region | None] = [*country.regions.values()] or [None]
    for region in places:
        label = f"{where}.regions.{region.code}" if region else where
        if not country.helplines and not (region and region.helplines):
            raise ResourceDataError(f"{label}: at least one helpline is needed")
        if country.law is None and not (region and region.law):
            raise ResourceDataError(f"{label}: the stalking law entry is missing")
    ids = [o.id for o in country.orders] + [
        o.id for region in country.regions.values() for o in region.orders
    ]
    if len(ids) != len(set(ids)):
        raise ResourceDataError(f"{where}: order ids must be unique")


def parse_dataset(raw: Any) -> Dataset:
    """Check ``raw`` (the decoded JSON) against the schema and build the dataset."""
    r = _Reader(raw, "resources")
    version = r.raw.get("schema_version")
    r.used.add("schema_version")
    if version != SCHEMA_VERSION:
        raise ResourceDataError(f"resources.schema_version must be {SCHEMA_VERSION}")
    countries_raw = r.child("countries")
    if countries_raw is None or not countries_raw.raw:
        raise ResourceDataError("resources.countries is missing")
    countries = {}
    for code, value in countries_raw.raw.items():
        countries_raw.used.add(code)
        countries[code] = _country(code, _Reader(value, f"resources.countries.{code}"))
    dataset = Dataset(
        schema_version=SCHEMA_VERSION,
        compiled_on=r.day("compiled_on"),
        about=r.text("about"),
        countries=countries,
    )
    r.done()
    return dataset


@lru_cache(maxsize=1)
def dataset() -> Dataset:
    """The shipped dataset, read once per process."""
    text = package_files.files("safetrail.planning").joinpath("data", DATA_FILE).read_text("utf-8")
    return parse_dataset(json.loads(text))


# --- lookup ------------------------------------------------------------------------------


def country_codes() -> list[str]:
    return sorted(dataset().countries)


def normalise_country(code: str) -> str:
    text = code.strip().upper()
    return _COUNTRY_ALIASES.get(text, text)


def normalise_region(region: str | None) -> str | None:
    if region is None or not region.strip():
        return None
    text = region.strip().lower().replace("-", "_").replace(" ", "_").replace("&", "and")
    return _REGION_ALIASES.get(text, text)


def find(country: str) -> Country | None:
    return dataset().countries.get(normalise_country(country))


def lookup(country: str, region: str | None = None) -> CountryResources:
    """Everything SafeTrail knows for ``country`` (ISO 3166 code), merged with ``region``.

    A country with regions and no region given gets its default region (the picker
    on the page and the CLI's note say which one is shown).
    """
    found = find(country)
    if found is None:
        raise ValidationError(
            _("SafeTrail has no helpline list for {code} yet.").format(code=country.strip()),
            _("Countries with a list: {codes}.").format(codes=", ".join(country_codes())),
        )
    wanted = normalise_region(region)
    chosen: Region | None = None
    if found.regions:
        key = wanted or found.default_region or ""
        if key not in found.regions:
            raise ValidationError(
                _("{region} is not a region of {country}.").format(
                    region=region, country=found.name
                ),
                _("Choose one of: {regions}.").format(regions=", ".join(found.regions)),
            )
        chosen = found.regions[key]
    elif wanted:
        raise ValidationError(
            _("{country} is not divided into regions here.").format(country=found.name),
            _("Leave the region out."),
        )
    extra = chosen or Region(code="", name="")
    return CountryResources(
        code=found.code,
        name=found.name,
        region=chosen.code if chosen else None,
        region_name=chosen.name if chosen else None,
        regions=tuple((code, r.name) for code, r in found.regions.items()),
        emergency=found.emergency + extra.emergency,
        non_emergency=found.non_emergency + extra.non_emergency,
        silent_call=found.silent_call + extra.silent_call,
        notes=found.notes + extra.notes,
        helplines=extra.helplines + found.helplines,
        law=extra.law or found.law,
        orders=found.orders + extra.orders,
        phrases=found.phrases,
    )


def order_kinds(country: str, region: str | None = None) -> tuple[OrderKind, ...]:
    """The kinds of protective order recorded for a place; empty for unknown places."""
    try:
        return lookup(country, region).orders
    except ValidationError:
        return ()


def all_order_kinds(country: str) -> tuple[OrderKind, ...]:
    """Every order kind recorded for a country, in all of its regions (for a picker)."""
    found = find(country)
    if found is None:
        return ()
    return found.orders + tuple(o for region in found.regions.values() for o in region.orders)


def order_kind(kind_id: str | None) -> OrderKind | None:
    """Find an order kind by its id, in any country."""
    if not kind_id:
        return None
    for found in dataset().countries.values():
        for kind in (*found.orders, *(o for r in found.regions.values() for o in r.orders)):
            if kind.id == kind_id:
                return kind
    return None
