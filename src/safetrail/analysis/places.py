"""Where things happened: home, work or school, and places grouped as the person names them.

Place words are matched in English, Japanese and Korean. The location field is trusted
as it is ("outside work, Mill Lane" is at work); the description is only read for
unmistakable phrases ("outside my house"), because "I was at home when he called" says
where the person was, not that anyone came there.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

__all__ = ["PLACE_KINDS", "PlaceGroup", "group_places", "place_key", "place_kind"]

PLACE_KINDS = ("school", "work", "home")  # checked in this order: the most specific first

_ELSEWHERE = re.compile(
    r"\b(?:parents'?|mum's|mom's|mother's|dad's|father's|friend's|sister's|brother's|"
    r"grandma's|grandmother's|neighbour's|neighbor's)\s+(?:house|home|flat|place|apartment)",
    re.IGNORECASE,
)

_LOCATION_WORDS = {
    "school": re.compile(
        r"\b(?:school|schools|college|university|uni|campus|classroom|nursery|kindergarten|"
        r"school\s+gates?)\b|学校|大学|校門|教室|キャンパス|保育園|幼稚園|학교|대학|캠퍼스|교문|"
        r"학원|어린이집|유치원",
        re.IGNORECASE,
    ),
    "work": re.compile(
        r"\b(?:work|workplace|office|my\s+job|job|shift)\b|職場|会社|勤務先|仕事場|バイト先|"
        r"オフィス|회사|직장|사무실|근무지|일터|알바",
        re.IGNORECASE,
    ),
    "home": re.compile(
        r"\b(?:home|house|flat|apartment|front\s+door|doorstep|driveway|my\s+street|my\s+road|"
        r"my\s+building|my\s+door|garden|balcony)\b|自宅|(?<![実国作画])家(?![族具電事賃])|"
        r"アパート|マンション|玄関|집|자택|아파트|현관|빌라",
        re.IGNORECASE,
    ),
}

_MY = r"(?:my|our|the\s+kids'?|my\s+kids'?|my\s+children's|my\s+son's|my\s+daughter's)"
_TEXT_PHRASES = {
    "school": re.compile(
        r"\b(?:outside|at|near|to|by|in\s+front\s+of|around|opposite)\s+" + _MY + r"\s+"
        r"(?:school|college|university|uni|campus|nursery|school\s+gates?)\b|"
        r"学校の(?:前|近く|門)|校門|大学の(?:前|近く)|학교\s*(?:앞|근처)|교문",
        re.IGNORECASE,
    ),
    "work": re.compile(
        r"\b(?:outside|at|near|to|by|in\s+front\s+of|around|opposite)\s+(?:my|our)\s+"
        r"(?:work|workplace|office|job)\b|\boutside\s+work\b|"
        r"職場|会社の(?:前|近く|入口)|勤務先|회사\s*(?:앞|근처|로)|직장",
        re.IGNORECASE,
    ),
    "home": re.compile(
        r"\b(?:outside|at|near|to|by|in\s+front\s+of|around|opposite|came\s+to|come\s+to)\s+"
        r"(?:my|our)\s+(?:house|home|flat|apartment|door|front\s+door|building|street|road|"
        r"window|garden|driveway)\b|自宅|家の(?:前|近く|周り|玄関)|(?:マンション|アパート)の(?:前|下)|"
        r"玄関|우리\s*집|집\s*(?:앞|근처)|현관",
        re.IGNORECASE,
    ),
}


# One pass over lower-cased text (the phrases are lower case), which is much faster than
# three case-insensitive searches.
_DESCRIBED = re.compile(
    "|".join(f"(?P<{kind}>{_TEXT_PHRASES[kind].pattern})" for kind in PLACE_KINDS)
)


@lru_cache(maxsize=8192)
def _location_kind(location: str) -> str | None:
    text = _ELSEWHERE.sub(" ", location)
    for kind in PLACE_KINDS:
        if _LOCATION_WORDS[kind].search(text):
            return kind
    return None


# Every phrase above contains one of these, so most descriptions are passed over at once.
_ANY_PHRASE = re.compile(
    r"\b(?:my|our|outside)\s|自宅|家の|マンション|アパート|玄関|学校|校門|大学|職場|会社|勤務先|"
    r"집|현관|학교|교문|회사|직장",
    re.IGNORECASE,
)


def _described_kind(description: str) -> str | None:
    if _ANY_PHRASE.search(description) is None:
        return None
    text = description.lower()
    if "'" in text:
        text = _ELSEWHERE.sub(" ", text)
    named = {m.lastgroup for m in _DESCRIBED.finditer(text)}
    return next((k for k in PLACE_KINDS if k in named), None)


def place_kind(location: str | None, description: str | None = None) -> str | None:
    """ "home", "work", "school" or None, from the location field and then the description."""
    if location:
        kind = _location_kind(location)
        if kind is not None:
            return kind
    if description:
        return _described_kind(description)
    return None


_TRIM = " \t\r\n.,;:!?-–—'\"()[]"


@lru_cache(maxsize=8192)
def place_key(text: str) -> str:
    """How place names are grouped: case, spacing and surrounding punctuation ignored."""
    return " ".join(text.casefold().split()).strip(_TRIM)


GRID_DEGREES = 0.001  # about 110 m north-south: points in the same cell are one place


@dataclass
class PlaceGroup:
    """Incidents at one named place, or within one small grid cell when only coordinates exist."""

    label: str
    kind: str | None
    count: int
    first: date
    last: date
    refs: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None


def _grid_key(latitude: float, longitude: float) -> str:
    return f"g:{math.floor(latitude / GRID_DEGREES)}:{math.floor(longitude / GRID_DEGREES)}"


def group_places(
    refs: Sequence[str],
    days: Sequence[date],
    texts: Sequence[str | None],
    latitudes: Sequence[float | None],
    longitudes: Sequence[float | None],
) -> list[PlaceGroup]:
    """Named places by name; unnamed incidents with coordinates by grid cell. Busiest first.

    The columns line up (one entry per incident). A group is labelled with its most common
    spelling and, when any of its incidents has coordinates, their average.
    """
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, (text, latitude, longitude) in enumerate(zip(texts, latitudes, longitudes, strict=True)):
        key = place_key(text) if text else ""
        if key:
            buckets["t:" + key].append(i)
        elif latitude is not None and longitude is not None:
            buckets[_grid_key(latitude, longitude)].append(i)
    groups = []
    for members in buckets.values():
        spellings = Counter(t.strip() for i in members if (t := texts[i]))
        points = [
            (lat, lon)
            for i in members
            if (lat := latitudes[i]) is not None and (lon := longitudes[i]) is not None
        ]
        latitude = longitude = None
        if points:
            latitude = round(sum(p[0] for p in points) / len(points), 5)
            longitude = round(sum(p[1] for p in points) / len(points), 5)
        label = spellings.most_common(1)[0][0] if spellings else f"{latitude:.4f}, {longitude:.4f}"
        on = [days[i] for i in members]
        groups.append(
            PlaceGroup(
                label=label,
                kind=place_kind(label) if spellings else None,
                count=len(members),
                first=min(on),
                last=max(on),
                refs=[refs[i] for i in members],
                latitude=latitude,
                longitude=longitude,
            )
        )
    groups.sort(key=lambda g: (-g.count, g.first, g.label))
    return groups
