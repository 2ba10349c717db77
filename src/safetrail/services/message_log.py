"""Reading imported messages and calls: search, filter, page, with threatening ones marked.

The threat detector marks the same messages the analysis flags (``analysis.threats``):
only what the other side sent is looked at. Filtering to flagged messages scans the
filtered rows in batches, newest first, and stops once the page is full.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from safetrail.analysis.threats import default_engine
from safetrail.case import CaseContext
from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.services import settings
from safetrail.storage.columns import content_searchable_in_sql
from safetrail.storage.comm_tables import communications as comms
from safetrail.storage.records import utc_stamp
from safetrail.storage.tables import people

PER_PAGE = 100
MAX_QUERY = 200  # characters of search text
_SCAN_BATCH = 2000


@dataclass(frozen=True)
class MessageFilter:
    text: str = ""
    person: str = ""  # a person's reference, e.g. P-001
    channel: str = ""
    direction: str = ""  # incoming / outgoing
    kind: str = ""  # message / call
    since: str = ""  # YYYY-MM-DD, in the vault's time zone
    until: str = ""
    flagged_only: bool = False
    page: int = 1


@dataclass(frozen=True)
class MessageRow:
    ref: str
    at: datetime  # in the vault's time zone
    kind: str
    channel: str
    direction: str | None
    counterpart: str
    person_ref: str | None
    person_name: str | None
    subject: str | None
    text: str | None
    duration: int | None
    outcome: str | None
    flagged: bool = False
    flag_phrase: str = ""


@dataclass
class MessagePage:
    rows: list[MessageRow]
    total: int | None  # None when only flagged messages are listed (counted as found)
    page: int
    has_more: bool
    channels: list[str] = field(default_factory=list)
    people: list[tuple[str, str]] = field(default_factory=list)  # (ref, name)


def _day(text: str, zone: ZoneInfo, label: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), zone)
    except ValueError:
        raise ValidationError(
            _("{value} is not a date SafeTrail understands ({label}).").format(
                value=text, label=label
            ),
            _("Write the day as year-month-day, for example 2026-03-14."),
        ) from None


def _conditions(
    conn: Connection, vault: CaseContext, given: MessageFilter, zone: ZoneInfo
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [comms.c.undone.is_(False), comms.c.system.is_(False)]
    text = given.text.strip()[:MAX_QUERY]
    if text and content_searchable_in_sql():  # else matched in Python (see _needle)
        where.append(
            or_(
                comms.c.text.icontains(text, autoescape=True),
                comms.c.subject.icontains(text, autoescape=True),
                comms.c.counterpart.icontains(text, autoescape=True),
                comms.c.counterpart_name.icontains(text, autoescape=True),
            )
        )
    if given.person:
        where.append(comms.c.person_id == vault.store.resolve(conn, "person", given.person))
    if given.channel:
        where.append(comms.c.channel == given.channel)
    if given.direction in ("incoming", "outgoing"):
        where.append(comms.c.direction == given.direction)
    if given.kind in ("message", "call"):
        where.append(comms.c.kind == given.kind)
    since = _day(given.since, zone, _("from"))
    if since is not None:
        where.append(comms.c.at >= utc_stamp(since))
    until = _day(given.until, zone, _("to"))
    if until is not None:
        where.append(comms.c.at < utc_stamp(until + timedelta(days=1)))
    return where


def _needle(given: MessageFilter) -> str | None:
    """The search text to match here rather than in SQL (content is encrypted: a server
    case), lower-cased; None when SQL matches it or there is none."""
    text = given.text.strip()[:MAX_QUERY]
    return text.lower() if text and not content_searchable_in_sql() else None


def _matches(raw: Any, needle: str | None) -> bool:
    """What ``icontains`` on text, subject and counterpart does in SQL."""
    if needle is None:
        return True
    values = (raw.text, raw.subject, raw.counterpart, raw.counterpart_name)
    return any(needle in (value or "").lower() for value in values)


def _people(conn: Connection, vault: CaseContext) -> dict[str, tuple[str, str]]:
    """record id → (reference, name) of everyone in the vault."""
    rows = conn.execute(select(people.c.record_id, people.c.display_name)).all()
    refs = vault.store.refs(conn, [str(r.record_id) for r in rows])
    return {str(r.record_id): (refs.get(str(r.record_id), ""), str(r.display_name)) for r in rows}


def _row(raw: Any, zone: ZoneInfo, who: dict[str, tuple[str, str]]) -> MessageRow:
    person = who.get(str(raw.person_id)) if raw.person_id else None
    at = datetime.fromisoformat(str(raw.at).replace("Z", "+00:00")).astimezone(zone)
    return MessageRow(
        ref=f"C-{raw.id}",
        at=at,
        kind=str(raw.kind),
        channel=str(raw.channel),
        direction=raw.direction,
        counterpart=str(raw.counterpart_name or raw.counterpart or raw.counterpart_raw or ""),
        person_ref=person[0] if person else None,
        person_name=person[1] if person else None,
        subject=raw.subject,
        text=raw.text,
        duration=raw.duration,
        outcome=raw.outcome,
    )


def _marked(rows: list[MessageRow]) -> list[MessageRow]:
    """The rows with the detector's verdict on what the other side sent."""
    texts = [r.text if r.direction != "outgoing" else None for r in rows]
    flags = default_engine().scan(texts)  # built once, then cached
    return [
        MessageRow(**{**r.__dict__, "flagged": True, "flag_phrase": flags[i].phrase})
        if i in flags
        else r
        for i, r in enumerate(rows)
    ]


def _batches(conn: Connection, where: list[ColumnElement[bool]]) -> Iterator[list[Any]]:
    query = select(comms).where(and_(*where)).order_by(comms.c.at.desc(), comms.c.id.desc())
    offset = 0
    while True:
        batch = conn.execute(query.limit(_SCAN_BATCH).offset(offset)).all()
        if not batch:
            return
        yield list(batch)
        offset += len(batch)


def browse(vault: CaseContext, given: MessageFilter, per_page: int = PER_PAGE) -> MessagePage:
    """One page of imported messages and calls, newest first."""
    zone = ZoneInfo(settings.current(vault).timezone)
    page = max(1, min(given.page, 1_000_000))
    with vault.read() as conn:
        where = _conditions(conn, vault, given, zone)
        who = _people(conn, vault)
        channels = sorted(
            str(c)
            for c in conn.execute(
                select(comms.c.channel).where(comms.c.undone.is_(False)).distinct()
            ).scalars()
        )
        choices = sorted(who.values())
        needle = _needle(given)
        if given.flagged_only:
            rows, more = _flagged_page(conn, where, zone, who, page, per_page, needle)
            return MessagePage(rows, None, page, more, channels, choices)
        if needle is not None:
            total, raw = _matching_page(conn, where, needle, page, per_page)
            rows = _marked([_row(r, zone, who) for r in raw])
            return MessagePage(rows, total, page, page * per_page < total, channels, choices)
        total = int(
            conn.execute(select(func.count()).select_from(comms).where(*where)).scalar_one()
        )
        raw = conn.execute(
            select(comms)
            .where(*where)
            .order_by(comms.c.at.desc(), comms.c.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
    rows = _marked([_row(r, zone, who) for r in raw])
    return MessagePage(rows, total, page, page * per_page < total, channels, choices)


def _flagged_page(
    conn: Connection,
    where: list[ColumnElement[bool]],
    zone: ZoneInfo,
    who: dict[str, tuple[str, str]],
    page: int,
    per_page: int,
    needle: str | None = None,
) -> tuple[list[MessageRow], bool]:
    skip, found = (page - 1) * per_page, []
    for batch in _batches(conn, where):
        kept = [r for r in batch if _matches(r, needle)]
        for row in _marked([_row(r, zone, who) for r in kept]):
            if not row.flagged:
                continue
            if skip:
                skip -= 1
                continue
            found.append(row)
            if len(found) > per_page:
                return found[:per_page], True
    return found, False


def _matching_page(
    conn: Connection, where: list[ColumnElement[bool]], needle: str, page: int, per_page: int
) -> tuple[int, list[Any]]:
    """(how many match, the rows of ``page``) when the text is matched here."""
    first, total, kept = (page - 1) * per_page, 0, []
    for batch in _batches(conn, where):
        for row in batch:
            if _matches(row, needle):
                if first <= total < first + per_page:
                    kept.append(row)
                total += 1
    return total, kept
