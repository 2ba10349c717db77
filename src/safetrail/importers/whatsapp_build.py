"""WhatsApp chat export: from one message to its record, carefully.

:class:`Builder` knows who is who in the chat (see :mod:`safetrail.importers.whatsapp`),
reads dates and times through caches, and turns a message's header and body into a
record or a Skipped (:meth:`Builder.build`). :func:`.whatsapp_fast.batch` gives the same
records faster for ordinary messages and hands everything else to it.
"""

from __future__ import annotations

import mimetypes
from datetime import date, datetime, time
from pathlib import PurePosixPath
from typing import Final

from safetrail.errors import SafetrailError
from safetrail.i18n import N_, _
from safetrail.importers.base import (
    Attachment,
    CallOutcome,
    Direction,
    Item,
    ParseOptions,
    RecordKind,
    Skipped,
    Source,
)
from safetrail.importers.whatsapp_layout import (
    DATE_ONLY,
    INVISIBLE,
    LAYOUTS,
    TIME_ONLY,
    bad_date_reason,
    bad_time_reason,
    clean_sender,
    resolve_date,
    resolve_time,
)
from safetrail.importers.whatsapp_scan import Scan
from safetrail.importers.whatsapp_slots import make_record
from safetrail.importers.whatsapp_text import (
    EVENTS,
    NOTICES,
    SPECIAL,
    SPECIAL_LIMIT,
    attached_file,
    chat_name,
    is_placeholder,
)

__all__ = ["CACHE_LIMIT", "MAX_TEXT", "Builder", "Person", "me_and_partner", "media_type"]

combine = datetime.combine

#: a message's text is cut after this many characters (WhatsApp itself allows 65,536)
MAX_TEXT = 1 << 20
CACHE_LIMIT = 50_000

NOT_INCLUDED = N_("not included in the export")
NOT_FOUND = N_("not found in the export")
TOO_BIG_NOTE = N_("too large to store ({size} MB)")
TOO_BIG = N_(
    "The file {name} ({size} MB) is larger than SafeTrail stores ({limit} MB); "
    "the message was kept without it."
)
TOO_LONG = N_(
    "This message is longer than SafeTrail reads ({limit} characters); only its beginning was kept."
)
PREAMBLE = N_("The text at the start of the file does not belong to any message; it was not read.")
BROKEN = N_("This message could not be read ({reason}); it was skipped.")
READ_FAILED = N_(
    "The rest of the file could not be read ({reason}); everything before this line was kept."
)


def me_and_partner(
    chat: str | None, senders: tuple[str, ...], many: bool, me: str | None
) -> tuple[str | None, str | None]:
    """(who is "me", the other person of a two-person chat), each None when unknown.

    ``me`` as given wins (blank is not given). Otherwise, when the chat's name is one of at
    most two senders, that sender is the other person and the remaining one is "me"."""
    me = me.strip() if me and me.strip() else None
    partner: str | None = None
    if me is not None:
        fold = me.casefold()
        others = [name for name in senders if name.casefold() != fold]
        if not many and len(others) == 1:
            partner = others[0]
        elif not many and not others:
            partner = chat
    elif chat is not None and chat in senders and not many:
        partner = chat
        if len(senders) == 2:
            me = senders[1] if senders[0] == chat else senders[0]
    return me, partner


_MEDIA_TYPES = {
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
    ".webp": "image/webp",
    ".vcf": "text/vcard",
    ".heic": "image/heic",
}
_MIME = mimetypes.MimeTypes()

#: a sender that is not a person: the text before ": " is part of a system line
_NOBODY: Final = (None, None, None)
#: the chat's own name (iOS writes group system lines under it): a system line
_CHAT_ITSELF: Final = ("", None, None)

Person = tuple[str | None, Direction | None, str | None]


def media_type(name: str) -> str | None:
    suffix = PurePosixPath(name).suffix.lower()
    return _MEDIA_TYPES.get(suffix) or _MIME.guess_type(name)[0]


class Builder:
    """Turns one message (header match and continuation lines) into a record."""

    def __init__(self, source: Source, options: ParseOptions, plan: Scan) -> None:
        self.source = source
        self.options = options
        self.day_first = plan.day_first
        self.bracketed = plan.layout.startswith("[")
        self.chat = chat_name(source.name)
        self.dates: dict[str, date | str] = {}
        self.times: dict[str, time | str] = {}
        self.general = LAYOUTS[plan.layout].match
        self.people: dict[str, Person] = {}
        self.extra: list[Skipped] = []
        self.not_included = _(NOT_INCLUDED)
        self.not_found = _(NOT_FOUND)
        self._who(plan, options.me)
        for raw in plan.raw_names:
            self.person(raw)

    def _who(self, plan: Scan, me_option: str | None) -> None:
        chat, senders, many = self.chat, plan.senders, plan.many_senders
        me, partner = me_and_partner(chat, senders, many, me_option)
        self.me_fold = me.casefold() if me is not None else None
        self.partner = partner
        self.group = partner is None and (
            many or (chat is not None and chat not in senders and len(senders) >= 2)
        )

    def person(self, raw: str) -> Person:
        name = clean_sender(raw)
        found: Person
        if name is None:
            found = _NOBODY
        elif self.group and self.bracketed and name == self.chat:
            found = _CHAT_ITSELF  # iOS writes a group's system lines under its name
        elif self.me_fold is not None and name.casefold() == self.me_fold:
            found = (name, "outgoing", self.partner)
        elif self.me_fold is not None or name == self.partner:
            found = (name, "incoming", name)
        else:
            found = (name, None, name)
        if len(self.people) < CACHE_LIMIT:
            self.people[raw] = found
        return found

    def attachment(self, name: str, number: int) -> Attachment:
        kind = media_type(name)
        try:
            sibling = self.source.sibling(name)
        except SafetrailError:
            raise
        except Exception:
            sibling = None
        if sibling is None:
            return Attachment(name=name, media_type=kind, note=self.not_found)
        limit = self.options.max_attachment_bytes
        if sibling.size > limit:
            size = sibling.size // (1024 * 1024)
            self.extra.append(
                Skipped(
                    f"line {number}",
                    _(TOO_BIG).format(name=name, size=size, limit=limit // (1024 * 1024)),
                )
            )
            return Attachment(name=name, media_type=kind, note=_(TOO_BIG_NOTE).format(size=size))
        return Attachment(name=name, media_type=kind, member=sibling.member)

    def day(self, raw: str) -> date | str:
        """The date a header's date stands for, or why it cannot be read (cached)."""
        known = self.dates.get(raw)
        if known is None:
            fields = DATE_ONLY.fullmatch(raw)
            try:
                if fields is None:
                    raise ValueError(raw)
                year, month, day = resolve_date(
                    fields["d1"], fields["d2"], fields["d3"], raw, self.day_first
                )
                known = date(year, month, day)
            except ValueError:
                known = bad_date_reason(raw)
            if len(self.dates) < CACHE_LIMIT:
                self.dates[raw] = known
        return known

    def clock(self, raw: str) -> time | str:
        """The time of day a header's time stands for, or why it cannot be read (cached)."""
        known = self.times.get(raw)
        if known is None:
            fields = TIME_ONLY.fullmatch(raw)
            try:
                if fields is None:
                    raise ValueError(raw)
                marker = fields["ap"] or fields["bp"]
                hour, minute, second = resolve_time(fields["h"], fields["mi"], fields["s"], marker)
                known = time(hour, minute, second)
            except ValueError:
                known = bad_time_reason(raw)
            if len(self.times) < CACHE_LIMIT:
                self.times[raw] = known
        return known

    def when(
        self, raw_date: str | None, raw_time: str | None, general: str | None
    ) -> datetime | str:
        """The header's date and time, or why they cannot be read."""
        if general is not None:  # only the layout's general expression matched the header
            found = self.general(general.lstrip(INVISIBLE))
            if found is None:
                raise ValueError(general)
            raw_date, raw_time = found["date"], found["time"]
        if raw_date is None or raw_time is None:
            raise ValueError(general)
        day = self.day(raw_date)
        if isinstance(day, str):
            return day
        clock = self.clock(raw_time)
        if isinstance(clock, str):
            return clock
        return combine(day, clock)

    def build(
        self,
        raw_date: str | None,
        raw_time: str | None,
        general: str | None,
        number: int,
        body: str,
    ) -> Item:
        """One message: its header's date and time as written (or the whole header when
        only the layout's general expression read it), the header's line ``number``, and
        ``body``, the rest of the header line and then the continuation lines."""
        try:
            day = self.dates.get(raw_date)  # type: ignore[arg-type]
            clock = self.times.get(raw_time)  # type: ignore[arg-type]
            if day.__class__ is date and clock.__class__ is time:
                at = combine(day, clock)
            else:
                when = self.when(raw_date, raw_time, general)
                if isinstance(when, str):
                    return Skipped(f"line {number}", when)
                at = when
            newline = body.find("\n")
            line = body if newline < 0 else body[:newline]
            cut = line.find(": ")
            if cut > 0:
                raw = line[:cut]
                person = self.people.get(raw) or self.person(raw)
                if person is not _NOBODY:
                    line = line[cut + 2 :]
            elif line[-1:] == ":" and len(line) > 1:
                raw = line[:-1]
                person = self.people.get(raw) or self.person(raw)
                if person is not _NOBODY:
                    line = ""
            else:
                person = _NOBODY
            sender, direction, counterpart = person
            system = not sender
            if line and line[0] in INVISIBLE:
                # iOS puts a left-to-right mark before media, deleted messages, calls and
                # often before a person's own words: the sender stays the sender
                line = line.lstrip(INVISIBLE)
            kind: RecordKind = "message"
            outcome: CallOutcome | None = None
            attachments: tuple[Attachment, ...] = ()
            first: str | None = line
            if line:
                if line[-1] in ")>" and (name := attached_file(line)):
                    attachments = (self.attachment(name, number),)
                    first = None
                elif len(line) <= SPECIAL_LIMIT and (
                    (key := line.casefold()) in SPECIAL or (key[:1] == "<" and is_placeholder(key))
                ):
                    event = EVENTS.get(key)
                    if event is None:
                        attachments = (Attachment(name=line, note=self.not_included),)
                        first = None
                    elif event == "missed_voice" or event == "missed_video":
                        kind, outcome = "call", "missed"
                elif line.startswith(NOTICES):
                    system = True  # e.g. the encryption notice iOS writes under a name
            text: str | None
            if newline >= 0 and (more := body[newline + 1 :].rstrip("\n")):
                text = f"{first}\n{more}" if first else more
            else:
                text = first or None
            if not sender:
                return make_record(
                    f"line {number}", kind, at, None, None, None, text, outcome, self.chat,
                    True, attachments,
                )  # fmt: skip
            return make_record(
                f"line {number}", kind, at, direction, counterpart, sender, text, outcome,
                self.chat, system, attachments,
            )  # fmt: skip
        except Exception as exc:  # one bad message must not stop the import
            return Skipped(f"line {number}", _(BROKEN).format(reason=type(exc).__name__))
