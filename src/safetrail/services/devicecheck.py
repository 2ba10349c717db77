"""Device check use cases: read a phone (or saved listings), keep them as evidence, find
warning signs, and turn a confirmed finding into an incident.

A check is a ``device_check`` record: what was read and how well (each section), the
findings, the indicator data used, and the exhibit holding the raw listing. The raw
listing goes through evidence intake (hashed, in the ledger, with its chain of custody)
from memory: nothing is written outside the vault.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safetrail import __version__
from safetrail.case import CaseContext
from safetrail.devicecheck import adb, folders, iphone
from safetrail.devicecheck import indicators as ind
from safetrail.devicecheck.findings import Finding, find, special_access
from safetrail.devicecheck.model import SECTION_LABELS, SECTIONS, Snapshot
from safetrail.errors import DeviceInputError, ValidationError
from safetrail.i18n import _
from safetrail.services import evidence, incidents
from safetrail.services.incidents import IncidentInput
from safetrail.storage.records import Record

ADB_METHOD = "adb listing by SafeTrail {version}"
FOLDER_METHOD = "saved listings ({kind}) read by SafeTrail {version}"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class CheckView:
    record: Record
    findings: list[Finding]
    evidence_ref: str | None

    @property
    def data(self) -> dict[str, Any]:
        return self.record.data

    @property
    def partial(self) -> bool:
        return bool(self.record.data.get("partial"))

    def section_rows(self) -> list[tuple[str, str, str | None]]:
        """(label, status, note) for each part of the check, in order."""
        stored = self.record.data.get("sections", {})
        order: list[str] = [n for n in SECTIONS if n in stored] + [
            n for n in stored if n not in SECTIONS
        ]
        return [
            (_(SECTION_LABELS.get(n, n)), stored[n]["status"], stored[n].get("note")) for n in order
        ]


# -- indicators -----------------------------------------------------------------------------


def current_indicators(vault: CaseContext) -> ind.IndicatorSet:
    """The newest copy loaded into this vault, or the shipped copy."""
    with vault.read() as conn:
        ids = vault.store.list_ids(conn, "indicators")
        if not ids:
            return ind.shipped()
        latest = vault.store.get(conn, ids[-1])
    entries = tuple(ind.Indicator.from_json(e) for e in latest.data["entries"])
    return ind.IndicatorSet(entries, latest.data.get("data_date"), latest.ref)


def update_indicators(vault: CaseContext, paths: list[Path], data_date: str | None) -> Record:
    """Load newer indicator files; they replace the current entries of the same types."""
    if data_date is not None:
        try:
            datetime.strptime(data_date, "%Y-%m-%d")
        except ValueError:
            raise ValidationError(
                _("{value} is not a date.").format(value=data_date),
                _("Give the date of the data as YYYY-MM-DD, for example 2026-09-30."),
            ) from None
    newer: list[ind.Indicator] = []
    skipped: list[str] = []
    files = []
    for path in paths:
        try:
            if path.is_symlink() or not path.is_file():
                raise DeviceInputError(
                    _("{path} is not an ordinary file.").format(path=path),
                    _("Give the indicator file itself (for example ioc.yaml)."),
                )
            with path.open("rb") as handle:
                data = handle.read(ind.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise DeviceInputError(
                _("{path} cannot be read: {reason}.").format(path=path, reason=exc.strerror)
            ) from None
        found, problems = ind.read_indicator_bytes(data, path.name)
        newer.extend(found)
        skipped.extend(problems)
        files.append(
            {"name": path.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )
    combined = ind.merged(current_indicators(vault).entries, newer)
    chosen = ind.IndicatorSet(tuple(combined), data_date, "new")
    body = {
        "entries": [e.to_json() for e in combined],
        "data_date": data_date,
        "loaded_at": datetime.now(UTC).isoformat(),
        "files": files,
        "counts": chosen.counts(),
        "skipped": skipped,
    }
    with vault.write() as conn:
        return vault.store.create(conn, "indicators", body)


def indicator_info(found: ind.IndicatorSet) -> dict[str, Any]:
    return {
        "origin": found.origin,
        "data_date": found.data_date,
        "counts": found.counts(),
        "credit": ind.CREDIT_NAME,
        "url": ind.CREDIT_URL,
        "licence": ind.LICENCE,
    }


# -- checks ---------------------------------------------------------------------------------


def _archive(snap: Snapshot, manifest: dict[str, Any]) -> bytes:
    """The raw listing as one zip: each file exactly as read, plus a manifest with hashes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(snap.raw):
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, snap.raw[name])
        info = zipfile.ZipInfo("manifest.json", _ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, json.dumps(manifest, indent=2, sort_keys=True))
    return buffer.getvalue()


def _store(vault: CaseContext, snap: Snapshot, method: str, origin: str) -> CheckView:
    found_indicators = current_indicators(vault)
    findings = find(snap, found_indicators)
    now = datetime.now(UTC)
    device = snap.device.get("model") or snap.device.get("serial") or _("phone")
    manifest = {
        "tool": f"SafeTrail {__version__}",
        "method": method,
        "origin": origin,
        "read_at": now.isoformat(),
        "device": snap.device,
        "files": {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(snap.raw.items())
        },
        "commands": dict(sorted(snap.commands.items())),
        "sections": {k: v.status for k, v in snap.sections.items()},
    }
    archive = _archive(snap, manifest)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    serial = "".join(c for c in snap.device.get("serial", snap.source) if c.isalnum())[:32]
    intake = evidence.add_evidence_stream(
        vault,
        io.BytesIO(archive),
        f"device-listing-{serial or 'phone'}-{stamp}.zip",
        evidence.IntakeDetails(
            source_device=device,
            acquisition_method=method,
            description=_("Raw listing of a phone check (apps, permissions, settings)."),
        ),
    )
    apps = snap.apps.values()
    body = {
        "platform": "android",
        "source": snap.source,
        "origin": origin,
        "device": snap.device,
        "checked_at": now.isoformat(),
        "partial": snap.partial,
        "sections": {k: {"status": v.status, "note": v.note} for k, v in snap.sections.items()},
        "app_count": len(snap.apps),
        "outside_store": sorted(a.package for a in apps if a.outside_store),
        "user_apps": [
            {
                "package": a.package,
                "installer": a.installer,
                "first_install": a.first_install,
                "version": a.version,
                "outside_store": a.outside_store,
            }
            for a in sorted(apps, key=lambda a: a.package)
            if not a.is_system
        ],
        "special_access": special_access(snap),
        "may_install_apps": snap.may_install_apps,
        "http_proxy": snap.http_proxy,
        "vpn_active": snap.vpn_active,
        "findings": [f.to_json() for f in findings],
        "indicators": indicator_info(found_indicators),
        "evidence_id": intake.record.id,
        "incidents": {},
    }
    with vault.write() as conn:
        record = vault.store.create(conn, "device_check", body)
    return CheckView(record, findings, intake.record.ref)


def check_phone(
    vault: CaseContext, serial: str | None = None, progress: Callable[[str], None] | None = None
) -> CheckView:
    """Read the connected phone with adb; partial results are kept and marked partial."""
    tool = adb.find_adb()
    device = adb.choose_device(tool, serial)
    snap = adb.read_phone(tool, device, progress)
    method = ADB_METHOD.format(version=__version__)
    return _store(
        vault, snap, method, _("USB connection, serial {serial}").format(serial=device.serial)
    )


def check_folder(vault: CaseContext, folder: Path) -> CheckView:
    snap = folders.read_folder(folder)
    if not snap.raw:
        raise DeviceInputError(
            _("Nothing in {path} could be read.").format(path=folder),
            _("Check that the files are complete, ordinary files (not links)."),
        )
    method = FOLDER_METHOD.format(kind=snap.source, version=__version__)
    return _store(vault, snap, method, _("folder {name}").format(name=folder.name))


def list_checks(vault: CaseContext) -> list[Record]:
    with vault.read() as conn:
        found = vault.store.load(conn, vault.store.list_ids(conn, "device_check"))
    return sorted(found, key=lambda r: r.ref_no, reverse=True)


def get_check(vault: CaseContext, ref: str) -> CheckView:
    with vault.read() as conn:
        record = vault.store.get(conn, vault.store.resolve(conn, "device_check", ref))
        evidence_id = record.data.get("evidence_id")
        refs = vault.store.refs(conn, [evidence_id]) if evidence_id else {}
    findings = [Finding.from_json(f) for f in record.data.get("findings", [])]
    return CheckView(record, findings, refs.get(evidence_id) if evidence_id else None)


def record_finding(vault: CaseContext, check_ref: str, finding_id: str) -> Record:
    """Make a finding an incident ("tracking with technology"), with the listing linked.

    Only called after the person confirmed. Asking twice returns the first incident."""
    view = get_check(vault, check_ref)
    finding = next((f for f in view.findings if f.id == finding_id), None)
    if finding is None:
        raise ValidationError(
            _("{check} has no finding called {finding}.").format(
                check=view.record.ref, finding=finding_id
            ),
            _("Use one of the finding names shown with the check."),
        )
    done = view.data.get("incidents", {}).get(finding_id)
    if done:
        with vault.read() as conn:
            return vault.store.get(conn, vault.store.resolve(conn, "incident", done))
    checked = datetime.fromisoformat(view.data["checked_at"])
    what = _("A phone check ({check}) found: {title}. {meaning}").format(
        check=view.record.ref, title=finding.title, meaning=finding.meaning
    )
    incident = incidents.record_incident(
        vault,
        IncidentInput(
            what_happened=what,
            when=checked.strftime("%Y-%m-%dT%H:%M"),
            tactics=["tech_tracking"],
            channel="device_account",
            evidence=[view.evidence_ref] if view.evidence_ref else [],
        ),
    )
    linked = {**view.data.get("incidents", {}), finding_id: incident.ref}
    with vault.write() as conn:
        vault.store.amend(
            conn,
            view.record.id,
            {**view.data, "incidents": linked},
            _("finding recorded as incident {ref}").format(ref=incident.ref),
        )
    return incident


# -- iPhone ---------------------------------------------------------------------------------


def save_iphone_answers(
    vault: CaseContext, answers: dict[str, str], backup_folder: Path | None = None
) -> Record:
    """Record the guided iPhone answers, and what a local backup lists (if given)."""
    known = {q.id for q in iphone.QUESTIONS}
    unknown = set(answers) - known
    if unknown:
        raise ValidationError(
            _("Unknown question: {names}.").format(names=", ".join(sorted(unknown)))
        )
    cleaned = {q.id: iphone.answer_value(answers.get(q.id)) for q in iphone.QUESTIONS}
    listing = iphone.read_backup(backup_folder) if backup_folder else None
    found = current_indicators(vault)
    flagged = []
    for bundle in listing.apps if listing else []:
        for entry in found.by_ios_bundle(bundle):
            flagged.append({"bundle": bundle, "name": entry.name, "type": entry.kind})
    body = {
        "platform": "iphone",
        "source": "guided",
        "checked_at": datetime.now(UTC).isoformat(),
        "answers": cleaned,
        "backup": listing.to_json() if listing else None,
        "backup_matches": flagged,
        "indicators": indicator_info(found),
        "partial": any(v == "skipped" for v in cleaned.values()),
        "findings": [],
        "incidents": {},
    }
    with vault.write() as conn:
        return vault.store.create(conn, "device_check", body)
