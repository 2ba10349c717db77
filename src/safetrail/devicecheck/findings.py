"""Turn a snapshot into findings: indicator matches, the strong heuristic, risky settings.

Every finding carries what it means and what the person might do, in plain words, with
safety first: removing a monitoring app can alert whoever installed it and destroys
evidence, so the advice is always to talk to an advocate before changing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safetrail.devicecheck.indicators import Indicator, IndicatorSet
from safetrail.devicecheck.model import Snapshot
from safetrail.i18n import N_, _

HIGH, REVIEW = "high", "review"
SAFETY_FIRST = N_(
    "Do not remove the app or change the phone's settings yet: that can alert the person "
    "who installed it, and it removes evidence. Talk to an advocate or a helpline first, "
    "from a phone or computer the other person has never had access to."
)


@dataclass(frozen=True)
class Finding:
    id: str  # stable within a check, e.g. "indicator:com.example"
    kind: str  # stalkerware, watchware, heuristic, proxy, vpn
    severity: str  # high or review
    title: str
    meaning: str
    next_steps: tuple[str, ...]
    package: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "title": self.title,
            "meaning": self.meaning,
            "next_steps": list(self.next_steps),
            "package": self.package,
            "details": self.details,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(
            id=data["id"],
            kind=data["kind"],
            severity=data["severity"],
            title=data["title"],
            meaning=data["meaning"],
            next_steps=tuple(data["next_steps"]),
            package=data.get("package"),
            details=dict(data.get("details") or {}),
        )


def _powers(snap: Snapshot, package: str) -> list[str]:
    powers = []
    if package in snap.device_admins:
        powers.append("device_admin")
    if package in snap.accessibility:
        powers.append("accessibility")
    if package in snap.notification_listeners:
        powers.append("notification_listener")
    app = snap.apps.get(package)
    if app is not None and app.background_location:
        powers.append("location_always")
    return powers


def _app_details(snap: Snapshot, package: str) -> dict[str, Any]:
    app = snap.apps.get(package)
    return {
        "installer": app.installer if app else None,
        "first_install": app.first_install if app else None,
        "outside_store": app.outside_store if app else None,
        "powers": _powers(snap, package),
    }


def _indicator_finding(snap: Snapshot, package: str, entry: Indicator, matched_by: str) -> Finding:
    details = {**_app_details(snap, package), "indicator": entry.name, "matched_by": matched_by}
    if entry.kind == "stalkerware":
        return Finding(
            id=f"stalkerware:{package}",
            kind="stalkerware",
            severity=HIGH,
            package=package,
            title=_("{package} is known stalkerware ({name})").format(
                package=package, name=entry.name
            ),
            meaning=_(
                "This app is on a public list of apps made to secretly watch someone. "
                "Apps like this can pass on messages, calls, photos and where the phone is. "
                "It does not by itself say who installed it or when."
            ),
            next_steps=(
                _(SAFETY_FIRST),
                _(
                    "SafeTrail has kept the listing as evidence. You can record this finding "
                    "as an incident so it is part of your log."
                ),
                _(
                    "Assume that what you do on this phone may be seen. Plan the next steps "
                    "with an advocate, who can help you decide when and how to remove it."
                ),
            ),
            details=details,
        )
    return Finding(
        id=f"watchware:{package}",
        kind="watchware",
        severity=REVIEW,
        package=package,
        title=_("{package} is a monitoring app ({name})").format(package=package, name=entry.name),
        meaning=_(
            "This is a parental-control or monitoring app. It can be there for good reasons, "
            "but it can also be used to watch an adult without their agreement. If you did "
            "not install it or agree to it, treat it as a warning sign."
        ),
        next_steps=(
            _("Think about whether you installed it or agreed to it."),
            _(SAFETY_FIRST),
        ),
        details=details,
    )


def _heuristic(snap: Snapshot, package: str) -> Finding:
    return Finding(
        id=f"heuristic:{package}",
        kind="heuristic",
        severity=HIGH,
        package=package,
        title=_("{package} has the powers spyware needs").format(package=package),
        meaning=_(
            "This app was installed from outside an app store and is allowed all four of: "
            "device administrator rights, accessibility (reading the screen), reading "
            "notifications, and location all the time. It is not on the list of known "
            "stalkerware, but ordinary apps almost never need all of these together."
        ),
        next_steps=(
            _("If you do not recognise this app, treat it as a warning sign."),
            _(SAFETY_FIRST),
        ),
        details=_app_details(snap, package),
    )


def _settings_findings(snap: Snapshot) -> list[Finding]:
    found = []
    if snap.http_proxy:
        found.append(
            Finding(
                id="proxy",
                kind="proxy",
                severity=REVIEW,
                title=_("Web traffic is set to go through a proxy ({proxy})").format(
                    proxy=snap.http_proxy
                ),
                meaning=_(
                    "A proxy sends the phone's web traffic through another computer, which "
                    "can see where you go online. Workplaces sometimes set one; if you did "
                    "not, it is a warning sign."
                ),
                next_steps=(
                    _("Ask yourself whether your work or school set this up."),
                    _(SAFETY_FIRST),
                ),
                details={"proxy": snap.http_proxy},
            )
        )
    if snap.vpn_active:
        owners = ", ".join(snap.vpn_owners) or _("an unknown app")
        found.append(
            Finding(
                id="vpn",
                kind="vpn",
                severity=REVIEW,
                title=_("A VPN was connected during the check ({owners})").format(owners=owners),
                meaning=_(
                    "A VPN carries the phone's internet traffic through another service. Many "
                    "people use one for privacy; an app you did not choose could use it to "
                    "watch your traffic."
                ),
                next_steps=(_("If you do not recognise the VPN app, talk to an advocate."),),
                details={"owners": snap.vpn_owners},
            )
        )
    return found


def find(snap: Snapshot, indicators: IndicatorSet) -> list[Finding]:
    """Every finding for ``snap``: indicator matches first, then the heuristic, settings."""
    found: dict[str, Finding] = {}
    for package in sorted(snap.apps):
        app = snap.apps[package]
        matches = [(e, "package name") for e in indicators.by_package(package)]
        for digest in app.certificates:
            matches += [(e, "signing certificate") for e in indicators.by_certificate(digest)]
        # Stalkerware outranks watchware when both lists name the app.
        matches.sort(key=lambda m: (m[0].kind != "stalkerware", m[1] != "package name"))
        if matches:
            entry, how = matches[0]
            finding = _indicator_finding(snap, package, entry, how)
            found[finding.id] = finding
            continue
        if app.outside_store and len(_powers(snap, package)) == 4:
            finding = _heuristic(snap, package)
            found[finding.id] = finding
    return list(found.values()) + _settings_findings(snap)


def special_access(snap: Snapshot) -> list[dict[str, Any]]:
    """Every app with at least one strong permission, for the person or advocate to review."""
    names = set(snap.device_admins) | set(snap.accessibility) | set(snap.notification_listeners)
    names |= set(snap.location_always())
    rows = []
    for package in sorted(names):
        app = snap.apps.get(package)
        rows.append(
            {
                "package": package,
                "powers": _powers(snap, package),
                "installer": app.installer if app else None,
                "outside_store": app.outside_store if app else None,
                "system": app.is_system if app else None,
            }
        )
    return rows
