"""Suggestions: which unmarked records look like contact an arrangement allows.

A suggestion never marks anything. It lists a record with the reasons it looks permitted
(the agreed channel or identifier, inside an agreed window, words about the children or a
handover) and the person confirms each one, or a batch, with ``arrangements.mark``.

A record is suggested only when it came from the arrangement's person on one of its
channels, inside its dates, *and* either falls in a window or talks about the children.
Anything else stays outside (and keeps counting) until the person says otherwise. The
daily summaries an import writes are never suggested: they are inside when every message
they cover is (``analysis.loader``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from safetrail.case import CaseContext
from safetrail.domain.when import zone
from safetrail.i18n import _
from safetrail.services import arrangements as arr
from safetrail.storage.comm_tables import communication_incidents as links
from safetrail.storage.comm_tables import communications as comms
from safetrail.storage.records import Record, format_ref
from safetrail.storage.tables import incident_people, incidents, records

__all__ = ["CHILD_WORDS", "Suggestion", "about_children", "suggest"]

# Words that mean a message is about the children or a handover (English, Japanese, Korean).
CHILD_WORDS = (
    r"\bchild(?:ren)?\b",
    r"\bkids?\b",
    r"\bson\b",
    r"\bdaughter\b",
    r"\bpick(?:ing)?[ -]?up\b",
    r"\bdrop(?:ping)?[ -]?off\b",
    r"\bhand(?:ing)?[ -]?over\b",
    r"\bcollect(?:ing|ion)?\b",
    r"\bschool\b",
    r"\bnursery\b",
    r"\bcustody\b",
    r"\bbedtime\b",
    r"子ども",
    r"子供",
    r"息子",
    r"娘",
    r"受け渡し",
    r"迎え",
    r"送り",
    r"学校",
    r"保育園",
    r"面会",
    r"아이",
    r"애들",
    r"아들",
    r"딸",
    r"인계",
    r"픽업",
    r"데려",
    r"학교",
    r"어린이집",
    r"면접교섭",
)
_CHILD = re.compile("|".join(CHILD_WORDS), re.IGNORECASE)


def about_children(text: str | None, names: tuple[str, ...] = ()) -> bool:
    if not text:
        return False
    if _CHILD.search(text):
        return True
    folded = text.casefold()
    return any(n.casefold() in folded for n in names if n)


@dataclass(frozen=True)
class Suggestion:
    ref: str  # C-12 or I-0004
    kind: str  # "communication" or "incident"
    at: datetime  # local, in the arrangement's zone
    channel: str
    text: str
    arrangement_ref: str
    reasons: tuple[str, ...]
    threatening: bool = False  # threatening words: still flagged if marked inside


def _active(data: dict[str, Any], day: date) -> bool:
    starts, ends = data.get("starts_on"), data.get("ends_on")
    return (not starts or day.isoformat() >= starts) and (not ends or day.isoformat() <= ends)


def _reasons(
    data: dict[str, Any], local: datetime, text: str | None, channel_text: str
) -> tuple[str, ...] | None:
    windows = [arr.window_from_json(w) for w in data.get("windows", [])]
    in_window = any(w.covers(local.weekday(), local.time()) for w in windows)
    talks = about_children(text, tuple(data.get("children", ())))
    if not (in_window or talks):
        return None
    found = [_("on the agreed channel ({channel})").format(channel=channel_text)]
    if in_window:
        found.append(_("inside an agreed time window"))
    if talks:
        found.append(_("about the children or a handover"))
    return tuple(found)


def _comm_matches(spec: arr.ChannelSpec, channel: str, counterpart: str | None) -> bool:
    if spec.channel not in (channel, arr.ChannelSpec(channel).slug):
        return False
    return spec.identifier is None or spec.identifier == counterpart


def _for_arrangement(vault: CaseContext, record: Record, marked: set[str]) -> list[Suggestion]:
    data = record.data
    tz = zone(data["timezone"])
    specs = [arr.channel_from_json(c) for c in data.get("channels", [])]
    found: list[Suggestion] = []
    with vault.read() as conn:
        rows = conn.execute(
            select(comms.c.id, comms.c.at, comms.c.channel, comms.c.counterpart, comms.c.text)
            .where(
                comms.c.person_id == data["person_id"],
                comms.c.undone.is_(False),
                comms.c.system.is_(False),
                comms.c.direction != "outgoing",
            )
            .order_by(comms.c.at, comms.c.id)
        ).all()
        incident_rows = conn.execute(
            select(
                incidents.c.record_id,
                records.c.ref_no,
                incidents.c.occurred_start,
                incidents.c.channel,
                incidents.c.what_happened,
            )
            .join(records, records.c.id == incidents.c.record_id)
            .join(incident_people, incident_people.c.incident_id == incidents.c.record_id)
            .where(
                incidents.c.voided.is_(False),
                incident_people.c.person_id == data["person_id"],
                # summaries of imported messages follow their messages, never on their own
                incidents.c.record_id.not_in(select(links.c.incident_id)),
            )
            .order_by(incidents.c.occurred_start)
        ).all()
    for row in rows:
        key = f"C-{row.id}"
        spec = next((s for s in specs if _comm_matches(s, row.channel, row.counterpart)), None)
        if key in marked or spec is None:
            continue
        local = datetime.fromisoformat(row.at[:19]).replace(tzinfo=UTC).astimezone(tz)
        if not _active(data, local.date()):
            continue
        reasons = _reasons(data, local, row.text, spec.text())
        if reasons:
            found.append(
                Suggestion(
                    key, "communication", local, row.channel, row.text or "", record.ref, reasons
                )
            )
    slugs = {s.slug for s in specs}  # incidents carry a channel, never an identifier
    for inc in incident_rows:
        if str(inc.record_id) in marked or inc.channel not in slugs:
            continue
        local = datetime.fromisoformat(inc.occurred_start).astimezone(tz)
        if not _active(data, local.date()):
            continue
        reasons = _reasons(data, local, inc.what_happened, inc.channel)
        if reasons:
            found.append(
                Suggestion(
                    format_ref("incident", inc.ref_no),
                    "incident",
                    local,
                    inc.channel,
                    inc.what_happened,
                    record.ref,
                    reasons,
                )
            )
    return found


def suggest(vault: CaseContext, arrangement: str | None = None) -> list[Suggestion]:
    """Unmarked records that look permitted, oldest first (one arrangement, or all)."""
    chosen = (
        [arr.get_arrangement(vault, arrangement)] if arrangement else arr.list_arrangements(vault)
    )
    marked = set(arr.marks_by_target(arr.list_marks(vault)))
    found: list[Suggestion] = []
    seen: set[str] = set()
    for record in chosen:
        if record.voided:
            continue
        for item in _for_arrangement(vault, record, marked):
            if item.ref not in seen:
                seen.add(item.ref)
                found.append(item)
    found.sort(key=lambda s: (s.at, s.ref))
    return _with_threats(found)


def _with_threats(found: list[Suggestion]) -> list[Suggestion]:
    """Say which suggestions carry threatening words, so the person sees that marking one
    inside an arrangement does not hide it (analysis flags it either way)."""
    if not found:
        return found
    from dataclasses import replace

    from safetrail.analysis.threats import default_engine

    try:
        flags = default_engine().scan([s.text for s in found])
    except Exception:  # the suggestion list still works; analysis reports a failed scan
        return found
    return [replace(s, threatening=True) if i in flags else s for i, s in enumerate(found)]
