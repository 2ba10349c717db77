"""The resources dataset: schema-checked, complete for every country, and looked up right."""

from __future__ import annotations

import copy
import json
from importlib import resources as package_files
from typing import Any

import pytest

from safetrail.errors import ValidationError
from safetrail.planning import resources as r
from safetrail.planning.emergency import FALLBACK, emergency_for

COUNTRIES = ["AU", "CA", "DE", "FR", "GB", "IE", "IN", "JP", "KR", "NZ", "US"]
GB_REGIONS = ["england_wales", "scotland", "northern_ireland"]


def raw() -> dict[str, Any]:
    text = package_files.files("safetrail.planning").joinpath("data", r.DATA_FILE).read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def places() -> list[tuple[str, str | None]]:
    return [(c, None) for c in COUNTRIES if c != "GB"] + [("GB", g) for g in GB_REGIONS]


def test_the_shipped_file_passes_the_schema_and_covers_every_country() -> None:
    data = r.dataset()
    assert data.schema_version == 1
    assert r.country_codes() == COUNTRIES
    assert list(data.countries["GB"].regions) == GB_REGIONS


@pytest.mark.parametrize(("country", "region"), places())
def test_every_place_has_emergency_number_helpline_and_law_each_with_a_source(
    country: str, region: str | None
) -> None:
    found = r.lookup(country, region)
    assert found.emergency and found.emergency[0].number
    assert found.helplines
    assert found.law is not None and found.law.summary
    sourced: list[r.Sourced] = [
        *found.emergency,
        *found.non_emergency,
        *found.silent_call,
        *found.notes,
        *found.helplines,
        *found.orders,
        found.law,
    ]
    for fact in sourced:
        assert fact.source.strip(), fact
        assert isinstance(fact.verified, bool)
        assert fact.checked == "2026-11-21"
    for line in found.helplines:
        assert r.dial_text(line.number), line.name


def test_unconfirmed_facts_are_flagged_not_dropped() -> None:
    ew = r.lookup("GB", "england_wales")
    assert [(n.number, n.verified) for n in ew.non_emergency] == [("101", False)]
    ni = r.lookup("GB", "northern_ireland")
    assert [(n.number, n.verified) for n in ni.non_emergency] == [("101", True)]
    assert r.lookup("IE").emergency[0].verified is False
    assert [e.verified for e in r.lookup("DE").emergency] == [False, False]
    assert r.lookup("NZ").non_emergency[0].verified is False
    assert r.lookup("AU").non_emergency[0].verified is False
    assert ew.has_unverified and not r.lookup("KR").has_unverified


def test_lookup_by_country_and_region() -> None:
    default = r.lookup("GB")
    assert (default.region, default.region_name) == ("england_wales", "England and Wales")
    assert default.place_name == "United Kingdom (England and Wales)"
    scotland = r.lookup("gb", "Scotland")
    assert scotland.region == "scotland"
    assert [h.number for h in scotland.helplines] == ["0800 027 1234"]
    assert scotland.law is not None and "section 39" in scotland.law.name
    assert [o.id for o in scotland.orders] == ["sco_nho"]
    # UK-wide facts come with every region.
    for region in GB_REGIONS:
        found = r.lookup("GB", region)
        assert found.emergency[0].number == "999"
        assert any("55" in tip.text for tip in found.silent_call)
    ni = r.lookup("UK", "ni")  # aliases
    assert ni.region == "northern_ireland"
    assert "Protection from Stalking Act (Northern Ireland) 2022" in (ni.law.name if ni.law else "")
    assert [o.id for o in r.lookup("GB", "england_wales").orders] == [
        "gb_spo",
        "gb_restraining",
        "gb_non_molestation",
        "gb_injunction",
    ]
    jp = r.lookup("jp")
    assert [(e.label, e.number) for e in jp.emergency] == [
        ("Police", "110"),
        ("Fire and ambulance", "119"),
    ]
    assert jp.non_emergency[0].number == "#9110"
    assert [p.say for p in jp.phrases] == [
        "Tasukete!",
        "Hottoite!",
        "Yamete!",
        "Chikan da!",
        "Keisatsu o yonde!",
    ]
    assert [o.id for o in jp.orders] == ["jp_warning", "jp_prohibition"]
    assert r.order_kinds("IN") == ()
    assert r.order_kinds("XX") == ()
    assert [k.id for k in r.all_order_kinds("GB")][-2:] == ["sco_nho", "ni_spo"]
    assert r.order_kind("kr_urgent") is not None and r.order_kind("nope") is None


def test_lookup_mistakes_are_explained() -> None:
    with pytest.raises(ValidationError, match="no helpline list for XX") as unknown:
        r.lookup("XX")
    assert "AU, CA, DE" in unknown.value.hint
    with pytest.raises(ValidationError, match="wales_north is not a region of United Kingdom"):
        r.lookup("GB", "wales_north")
    with pytest.raises(ValidationError, match="not divided into regions"):
        r.lookup("JP", "scotland")


def test_phone_links() -> None:
    assert r.dial_text("0808 802 0300") == "08088020300"
    assert r.tel_href("#9110") == "tel:%239110"
    assert r.tel_href("1-800-799-7233") == "tel:18007997233"
    assert r.lookup("US").helplines[0].tel == "tel:18007997233"


def test_emergency_for_keeps_its_shape_for_the_home_page() -> None:
    gb = emergency_for("GB")
    assert (gb.country, gb.number, gb.verified) == ("GB", "999", True)
    assert gb.note_text() == "If you cannot speak on a mobile, dial 999 then press 55."
    assert emergency_for("jp").note_text() == "Police. Fire and ambulance: 119."
    assert emergency_for("FR").note_text() == (
        "Police. All emergency services: 112. If you cannot speak, text 114."
    )
    assert emergency_for("US").note_text() is None
    assert (emergency_for("IE").number, emergency_for("IE").verified) == ("112", False)
    assert emergency_for("ZZ") == FALLBACK
    assert FALLBACK.note_text() == "112 works from mobile phones in many countries."


def _broken(change: str) -> dict[str, Any]:
    data = copy.deepcopy(raw())
    jp = data["countries"]["JP"]
    gb = data["countries"]["GB"]
    if change == "no_source":
        del jp["helplines"][0]["source"]
    elif change == "verified_text":
        jp["helplines"][0]["verified"] = "yes"
    elif change == "bad_date":
        jp["law"]["checked"] = "21/11/2026"
    elif change == "bad_number":
        jp["emergency"][0]["number"] = "call 110"
    elif change == "no_helplines":
        jp["helplines"] = []
    elif change == "no_law":
        del jp["law"]
    elif change == "region_without_law":
        del gb["regions"]["scotland"]["law"]
    elif change == "no_emergency":
        jp["emergency"] = []
    elif change == "unknown_field":
        jp["helplines"][0]["website"] = "example"
    elif change == "unknown_region":
        gb["regions"]["wales"] = gb["regions"]["scotland"]
    elif change == "text_way_without_text":
        del data["countries"]["US"]["helplines"][0]["text"]
    elif change == "duplicate_order":
        gb["regions"]["scotland"]["orders"][0]["id"] = "gb_spo"
    elif change == "lowercase_code":
        data["countries"]["jp"] = data["countries"].pop("JP")
    elif change == "schema_version":
        data["schema_version"] = 2
    elif change == "phrases_without_language":
        del jp["phrase_language"]
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_source", "countries.JP.helplines[0].source is missing"),
        ("verified_text", "countries.JP.helplines[0].verified must be true or false"),
        ("bad_date", "countries.JP.law.checked must be a date"),
        ("bad_number", "countries.JP.emergency[0].number is not a phone number"),
        ("no_helplines", "countries.JP: at least one helpline is needed"),
        ("no_law", "countries.JP: the stalking law entry is missing"),
        ("region_without_law", "countries.GB.regions.scotland: the stalking law entry is missing"),
        ("no_emergency", "countries.JP.emergency must not be empty"),
        ("unknown_field", "countries.JP.helplines[0]: unknown field(s) website"),
        ("unknown_region", "unknown region 'wales'"),
        ("text_way_without_text", "countries.US.helplines[0].text must say how to text"),
        ("duplicate_order", "countries.GB: order ids must be unique"),
        ("lowercase_code", "country codes are two capital letters"),
        ("schema_version", "schema_version must be 1"),
        ("phrases_without_language", "countries.JP.phrase_language must say"),
    ],
)
def test_schema_problems_are_found_and_located(change: str, message: str) -> None:
    with pytest.raises(r.ResourceDataError) as problem:
        r.parse_dataset(_broken(change))
    assert message in str(problem.value)
