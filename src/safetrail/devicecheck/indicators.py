"""Stalkerware and watchware indicators: loading, checking and matching.

The shipped copy comes from the Echap stalkerware-indicators project (CC-BY 4.0); the
credit below must be shown wherever results are shown. A newer copy of the same files
can be loaded into the vault with ``safetrail device update-indicators``; it is read
with the same strict reader and kept as a record, so a check always says which copy
of the data it used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from safetrail.devicecheck.yamlsubset import YamlSubsetError, loads
from safetrail.errors import DeviceInputError
from safetrail.i18n import _

SHIPPED_FILES = ("ioc.yaml", "watchware.yaml")
SHIPPED_DATE = "2026-06-21"
SHIPPED_COMMIT = "a04c5c1958bff93fec3b1b56edbb412b209f2a38"
CREDIT_NAME = "Echap — stalkerware-indicators"
CREDIT_URL = "https://github.com/AssoEchap/stalkerware-indicators"
LICENCE = "CC-BY 4.0"
MAX_FILE_BYTES = 8 * 1024 * 1024

PACKAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
HEX_HASH = re.compile(r"^[0-9A-F]{40}$|^[0-9A-F]{64}$")


@dataclass(frozen=True)
class Indicator:
    name: str
    kind: str  # "stalkerware", "watchware", or what a newer file calls it
    aliases: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()  # upper-case hex SHA-1 (or SHA-256)
    ios_bundles: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind,
            "names": list(self.aliases),
            "packages": list(self.packages),
            "certificates": list(self.certificates),
            "ios_bundles": list(self.ios_bundles),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Indicator:
        return cls(
            name=data["name"],
            kind=data["type"],
            aliases=tuple(data.get("names", ())),
            packages=tuple(data.get("packages", ())),
            certificates=tuple(data.get("certificates", ())),
            ios_bundles=tuple(data.get("ios_bundles", ())),
        )


@dataclass(frozen=True)
class IndicatorSet:
    entries: tuple[Indicator, ...]
    data_date: str | None
    origin: str  # "shipped" or the record reference of a loaded copy
    skipped: tuple[str, ...] = ()
    _packages: dict[str, list[Indicator]] = field(default_factory=dict, repr=False)
    _certificates: dict[str, list[Indicator]] = field(default_factory=dict, repr=False)
    _bundles: dict[str, list[Indicator]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            for name in entry.packages:
                self._packages.setdefault(name, []).append(entry)
            for cert in entry.certificates:
                self._certificates.setdefault(cert, []).append(entry)
            for bundle in entry.ios_bundles:
                self._bundles.setdefault(bundle, []).append(entry)

    def by_package(self, name: str) -> list[Indicator]:
        return self._packages.get(name, [])

    def by_certificate(self, digest: str) -> list[Indicator]:
        return self._certificates.get(normalise_hash(digest) or "", [])

    def by_ios_bundle(self, bundle: str) -> list[Indicator]:
        return self._bundles.get(bundle, [])

    def counts(self) -> dict[str, int]:
        return {
            "entries": len(self.entries),
            "stalkerware": sum(1 for e in self.entries if e.kind == "stalkerware"),
            "watchware": sum(1 for e in self.entries if e.kind == "watchware"),
            "packages": len(self._packages),
            "certificates": len(self._certificates),
        }


def normalise_hash(text: str) -> str | None:
    """'aa:bb:…' or 'AABB…' → upper-case hex; None when it is not a SHA-1/SHA-256."""
    cleaned = re.sub(r"[\s:]", "", text).upper()
    return cleaned if HEX_HASH.match(cleaned) else None


def _strings(value: Any, where: str, key: str, skipped: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        skipped.append(_("{where}: '{key}' is not a list.").format(where=where, key=key))
        return []
    return [v for v in value if isinstance(v, str) and v.strip()]


def _entry(raw: Any, position: int, skipped: list[str]) -> Indicator | None:
    where = _("entry {n}").format(n=position)
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        skipped.append(_("{where}: it has no name, so it was skipped.").format(where=where))
        return None
    name = raw["name"].strip()
    where = f"{where} ({name})"
    kind = raw.get("type") if isinstance(raw.get("type"), str) else "stalkerware"
    packages = []
    for value in _strings(raw.get("packages"), where, "packages", skipped):
        if PACKAGE_NAME.match(value.strip()):
            packages.append(value.strip())
        else:
            skipped.append(
                _("{where}: '{value}' is not an Android package name.").format(
                    where=where, value=value
                )
            )
    certificates = []
    for value in _strings(raw.get("certificates"), where, "certificates", skipped):
        digest = normalise_hash(value)
        if digest:
            certificates.append(digest)
        else:
            skipped.append(
                _("{where}: '{value}' is not a certificate fingerprint.").format(
                    where=where, value=value
                )
            )
    return Indicator(
        name=name,
        kind=str(kind).strip().lower(),
        aliases=tuple(_strings(raw.get("names"), where, "names", skipped)),
        packages=tuple(dict.fromkeys(packages)),
        certificates=tuple(dict.fromkeys(certificates)),
        ios_bundles=tuple(_strings(raw.get("ios_bundles"), where, "ios_bundles", skipped)),
    )


def parse_indicators(text: str, file_name: str) -> tuple[list[Indicator], list[str]]:
    """Entries of one indicator file, and a sentence for each value that was skipped."""
    try:
        document = loads(text)
    except YamlSubsetError as exc:
        raise DeviceInputError(
            _("{name} could not be read as an indicator file (line {line}: {reason}).").format(
                name=file_name, line=exc.line, reason=exc.reason
            ),
            _("Use ioc.yaml or watchware.yaml from the stalkerware-indicators project, unchanged."),
        ) from None
    if not isinstance(document, list) or not document:
        raise DeviceInputError(
            _("{name} does not contain a list of apps.").format(name=file_name),
            _("Use ioc.yaml or watchware.yaml from the stalkerware-indicators project, unchanged."),
        )
    skipped: list[str] = []
    entries = [e for n, raw in enumerate(document, 1) if (e := _entry(raw, n, skipped))]
    return entries, skipped


def read_indicator_bytes(data: bytes, file_name: str) -> tuple[list[Indicator], list[str]]:
    if len(data) > MAX_FILE_BYTES:
        raise DeviceInputError(
            _("{name} is larger than an indicator file can be ({size} MB at most).").format(
                name=file_name, size=MAX_FILE_BYTES // (1024 * 1024)
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeviceInputError(
            _("{name} is not a text file.").format(name=file_name),
            _("Use ioc.yaml or watchware.yaml from the stalkerware-indicators project, unchanged."),
        ) from None
    return parse_indicators(text, file_name)


def shipped() -> IndicatorSet:
    """The copy of the indicators that ships with SafeTrail."""
    entries: list[Indicator] = []
    skipped: list[str] = []
    folder = resources.files("safetrail.devicecheck") / "data"
    for name in SHIPPED_FILES:
        found, problems = read_indicator_bytes((folder / name).read_bytes(), name)
        entries.extend(found)
        skipped.extend(problems)
    return IndicatorSet(tuple(entries), SHIPPED_DATE, "shipped", tuple(skipped))


def merged(current: Iterable[Indicator], newer: Iterable[Indicator]) -> list[Indicator]:
    """Newer entries replace every current entry of the kinds they contain."""
    newer_list = list(newer)
    replaced = {e.kind for e in newer_list}
    return [e for e in current if e.kind not in replaced] + newer_list
