"""Cell values and mapping suggestions for the CSV importer (:mod:`.csvfile`).

The suggestion reads header names in English, German, French, Spanish, Japanese and
Korean (``datetime``, ``correspondent_id``, ``call_duration``, ``電話番号``, ``전화번호``…);
a file without a header gets a guess from the cells themselves (a column of times, a
column of phone numbers, …). A column is only ever suggested as the time when its cells
read as plausible times (from 2000 to a year from now): a column of subscriber numbers is
not a column of Unix times. A suggestion is only shown to the person, who confirms or
corrects it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from safetrail.importers.base import CallOutcome, CsvMapping, Direction

__all__ = [
    "CALL_WORDS",
    "MESSAGE_WORDS",
    "ROLE_WORDS",
    "TIME_FORMATS",
    "WITHHELD",
    "guess_time_format",
    "header_roles",
    "impossible_date",
    "parse_time",
    "plausible",
    "read_direction",
    "read_duration",
    "read_time",
    "suggest_mapping",
]

#: layouts tried for a time column that is neither ISO 8601 nor epoch numbers (day first
#: before month first: a day above 12 anywhere in the sample decides)
TIME_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%y %H:%M:%S",
    "%d.%m.%y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%d/%m/%y %H:%M",
    "%m/%d/%y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y%m%d%H%M%S",
    "%a %b %d %H:%M:%S %Y",
    "%d.%m.%Y",
    "%d/%m/%Y",
)

WITHHELD = {
    "-1", "-2", "-3", "anonymous", "private", "unknown", "withheld", "hidden", "restricted",
    "private number", "unbekannt", "privat", "anonym", "unterdrückt", "masqué", "privé",
    "inconnu", "privado", "desconocido", "oculto", "非通知", "通知不可能",
}  # fmt: skip
MISSED_WORDS = ("missed", "verpasst", "entgangen", "manqué", "perdida", "不在", "부재중")
OTHER_OUTCOMES: tuple[tuple[tuple[str, ...], CallOutcome], ...] = (
    (("rejected", "declined", "refused", "abgelehnt", "rejeté", "rechazada", "拒否"), "rejected"),
    (("voicemail", "mailbox", "mailbox", "messagerie", "buzón", "留守"), "voicemail"),
    (("blocked", "blockiert", "bloqué", "bloqueada", "ブロック"), "blocked"),
)
OUT_WORDS = (
    "outgoing", "outbound", "ausgehend", "sortant", "saliente", "enviad", "発信", "送信", "발신",
)  # fmt: skip
IN_WORDS = (
    "incoming", "inbound", "eingehend", "entrant", "entrante", "recibid", "着信", "受信", "수신",
)  # fmt: skip
CALL_WORDS = ("call", "voice", "anruf", "gespräch", "telefonat", "appel", "llamada", "通話")
MESSAGE_WORDS = ("sms", "mms", "text", "message", "nachricht", "mensaje", "メッセージ", "メール")

#: role → header words (case-folded); whole-name matches win over matches inside a name
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "duration": (
        "duration", "dauer", "gesprächsdauer", "durée", "duración", "duracion", "通話時間",
        "length", "seconds", "sekunden", "secondes", "segundos", "秒数", "call duration",
        "통화시간", "통화 시간", "duration seconds", "duration (s)",
    ),
    "timestamp": (
        "date", "time", "datetime", "timestamp", "date/time", "date & time", "datum", "zeit",
        "uhrzeit", "datum/uhrzeit", "zeitpunkt", "fecha", "hora", "fecha y hora", "heure",
        "date et heure", "日時", "日付", "時刻", "start time", "start", "beginn", "début",
        "inicio", "開始", "開始日時", "received", "sent", "일시", "날짜", "통화일시",
        "date time", "event time", "call date",
    ),
    "name": (
        "name", "contact name", "contact", "kontakt", "kontaktname", "nom", "nombre",
        "contacto", "名前", "氏名", "連絡先", "相手", "display name", "이름", "성명",
        "contact_name",
    ),
    "counterpart": (
        "number", "phone number", "phone", "nummer", "rufnummer", "telefonnummer", "telefon",
        "numéro", "numero", "número", "teléfono", "telefono", "電話番号", "番号", "address",
        "other party", "remote party", "partner", "msisdn", "called number", "b-number",
        "b-nummer", "gegenstelle", "correspondant", "destinataire", "destino", "from/to",
        "相手先", "相手番号", "correspondent", "correspondent id", "contact number",
        "phone_number", "caller", "전화번호", "번호", "상대방", "상대방 번호", "연락처",
    ),
    "direction": (
        "direction", "richtung", "sens", "dirección", "direccion", "方向", "種別", "type",
        "typ", "call type", "tipo", "in/out", "発着信", "着発信", "発着", "anruftyp",
        "유형", "구분", "수신/발신", "발신/수신", "통화 유형",
    ),
    "text": (
        "text", "body", "message", "nachricht", "inhalt", "texte", "contenu", "mensaje",
        "contenido", "本文", "メッセージ", "内容", "content", "sms text", "message text",
        "내용", "메시지", "문자 내용",
    ),
    "kind": (
        "kind", "service", "dienst", "art", "category", "kategorie", "medium", "canal",
        "channel", "サービス", "servicio", "type", "typ", "tipo", "interaction",
        "interaction type", "event type", "종류",
    ),
}  # fmt: skip
SUBSTRING_ORDER = ("duration", "timestamp", "name", "counterpart", "direction", "text", "kind")

_PHONE = re.compile(r"\+?[\d\s()./-]{3,20}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_DIRECTION_CELLS = {
    "in", "out", "incoming", "outgoing", "missed", "received", "sent", "inbound",
    "outbound", "eingehend", "ausgehend", "entrant", "sortant", "entrante", "saliente",
    "着信", "発信", "不在着信", "수신", "발신", "부재중", "1", "2", "3",
}  # fmt: skip
_KIND_CELLS = {
    "call", "voice", "sms", "mms", "text", "message", "anruf", "appel", "llamada", "通話",
    "メッセージ", "통화", "문자",
}  # fmt: skip


def parse_time(value: str, layout: str | None = None) -> datetime:
    """A cell as a time: ``layout`` (strptime), else ISO 8601, else epoch s/ms/µs.

    Raises ``ValueError`` ("day is out of range for month" for dates that do not exist).
    """
    value = value.strip()
    if layout:
        return datetime.strptime(value, layout)
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        if "out of range" in str(exc):
            raise
    if re.fullmatch(r"\d{9,17}(\.\d+)?", value, flags=re.ASCII):
        number = float(value)
        if number >= 1e14:
            number /= 1_000_000
        elif number >= 1e11:
            number /= 1000
        try:
            return datetime.fromtimestamp(number, UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(str(exc)) from None
    raise ValueError("unknown time layout")


def read_time(value: str, layout: str | None = None) -> datetime | None:
    """:func:`parse_time`, or None when the cell is not a readable time."""
    try:
        return parse_time(value, layout)
    except ValueError:
        return None


def impossible_date(value: str, layout: str | None = None) -> bool:
    """True when the cell has the right shape but names a day that does not exist."""
    try:
        parse_time(value, layout)
    except ValueError as exc:
        return "out of range" in str(exc)
    return False


def read_direction(value: str, mapping: CsvMapping) -> tuple[Direction | None, CallOutcome | None]:
    """Direction (and call outcome) from a cell: the mapping's codes, then common words."""
    folded = value.strip().casefold()
    if not folded:
        return None, None
    if folded in {v.casefold() for v in mapping.missed_values}:
        return "incoming", "missed"
    if folded in {v.casefold() for v in mapping.incoming_values}:
        return "incoming", None
    if folded in {v.casefold() for v in mapping.outgoing_values}:
        return "outgoing", None
    if any(w in folded for w in MISSED_WORDS):
        return "incoming", "missed"
    for words, outcome in OTHER_OUTCOMES:
        if any(w in folded for w in words):
            return "incoming", outcome
    if any(w in folded for w in OUT_WORDS):
        return "outgoing", None
    if any(w in folded for w in IN_WORDS):
        return "incoming", None
    return None, None


def read_duration(value: str) -> int | None:
    """Seconds from ``"75"``, ``"75.0"``, ``"1:15"`` or ``"0:01:15"``; None otherwise."""
    value = value.strip()
    if re.fullmatch(r"\d{1,9}(\.\d+)?", value, flags=re.ASCII):
        return round(float(value))
    parts = value.split(":")
    if 2 <= len(parts) <= 3 and all(p.isdigit() and p.isascii() and len(p) < 7 for p in parts):
        seconds = 0
        for part in parts:
            seconds = seconds * 60 + int(part)
        return seconds
    return None


def _norm(name: str) -> str:
    name = name.strip().removeprefix("\ufeff").casefold().replace("_", " ")
    name = re.sub(r"\s+", " ", name)
    return name.strip(" :*#_")


def header_roles(header: list[str]) -> dict[str, int]:
    """Which column (index) each role's header name is in, as far as names tell."""
    names = [_norm(h) for h in header]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for role, words in ROLE_WORDS.items():
        for word in words:
            index = next((i for i, n in enumerate(names) if n == word and i not in taken), -1)
            if index >= 0:
                found[role] = index
                taken.add(index)
                break
    for role in SUBSTRING_ORDER:
        if role in found:
            continue
        for index, name in enumerate(names):
            if index in taken or not name:
                continue
            if any(_contains(name, word) for word in ROLE_WORDS[role]):
                found[role] = index
                taken.add(index)
                break
    return found


def _contains(name: str, word: str) -> bool:
    if word.isascii():
        return len(word) >= 4 and re.search(rf"(^|[^a-z]){re.escape(word)}", name) is not None
    return word in name


def guess_time_format(values: list[str]) -> str | None:
    """None when the values read without a layout; else the layout that reads the most of
    them (at least half: a few broken cells must not hide the right layout)."""
    values = [v.strip() for v in values if v.strip()]
    plain = sum(read_time(v) is not None for v in values)
    if not values or plain * 2 >= len(values):
        return None
    best, best_count = None, 0
    for layout in TIME_FORMATS:
        count = sum(read_time(v, layout) is not None for v in values)
        if count > best_count:
            best, best_count = layout, count
    return best if best_count * 2 >= len(values) else None


#: the earliest time a suggested time column may hold (phones' own records start later)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def plausible(moment: datetime | None) -> bool:
    """Whether a time read from a cell is one a phone or carrier record could hold: from
    2000 to a year from now (a column of 9-digit ids reads as Unix times in 1994)."""
    if moment is None:
        return False
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return EARLIEST <= aware <= datetime.now(UTC) + timedelta(days=366)


def _is_time(cell: str) -> bool:
    return plausible(read_time(cell)) or any(plausible(read_time(cell, f)) for f in TIME_FORMATS)


def _times_column(rows: list[list[str]], index: int) -> bool:
    """Whether most cells of column ``index`` (four in five) are plausible times."""
    cells = [r[index].strip() for r in rows if index < len(r) and r[index].strip()]
    return bool(cells) and sum(_is_time(c) for c in cells) * 5 >= len(cells) * 4


def _content_roles(rows: list[list[str]]) -> dict[str, int]:
    width = max((len(r) for r in rows), default=0)
    columns = [[r[i].strip() for r in rows if i < len(r) and r[i].strip()] for i in range(width)]
    found: dict[str, int] = {}

    def pick(role: str, test: object) -> None:
        for index, cells in enumerate(columns):
            if index in found.values() or not cells:
                continue
            if callable(test) and sum(bool(test(c)) for c in cells) * 5 >= len(cells) * 4:
                found[role] = index
                return

    pick("timestamp", _is_time)
    if "timestamp" not in found:
        return found
    pick("direction", lambda c: c.casefold() in _DIRECTION_CELLS)
    pick("kind", lambda c: c.casefold() in _KIND_CELLS)
    # the other party: numbers or addresses that are not all the same (a column holding
    # one number on every row is the account's own number or a subscriber id); "+" or "@"
    # first
    addresses = [
        index
        for index, cells in enumerate(columns)
        if index not in found.values()
        and cells
        and sum(bool(_PHONE.fullmatch(c) or _EMAIL.fullmatch(c)) for c in cells) * 5
        >= len(cells) * 4
    ]
    varied = [i for i in addresses if len(columns[i]) < 3 or len(set(columns[i])) > 1]
    marked = [i for i in varied or addresses if any(c[:1] == "+" or "@" in c for c in columns[i])]
    chosen = marked or varied or addresses
    if chosen:
        found["counterpart"] = chosen[0]
    pick("duration", lambda c: (read_duration(c) or 0) < 86_400 and read_duration(c) is not None)
    pick("text", lambda c: any(ch.isalpha() for ch in c))
    return found


def suggest_mapping(header: list[str], rows: list[list[str]]) -> CsvMapping | None:
    """A mapping guessed from header names (or from the cells when there is no header)."""
    roles = header_roles(header) if header else _content_roles(rows)
    if header and rows and "timestamp" in roles and not _times_column(rows, roles["timestamp"]):
        # the header's name says time, the cells do not: look for the times in the cells
        del roles["timestamp"]
        from_cells = _content_roles(rows)
        if "timestamp" in from_cells and from_cells["timestamp"] not in roles.values():
            roles["timestamp"] = from_cells["timestamp"]
    if "timestamp" not in roles or "counterpart" not in roles:
        return None

    def ref(role: str) -> str | None:
        if role not in roles:
            return None
        return header[roles[role]] if header else str(roles[role])

    index = roles["timestamp"]
    layout = guess_time_format([r[index] for r in rows if index < len(r)])
    timestamp, counterpart = ref("timestamp"), ref("counterpart")
    assert timestamp is not None and counterpart is not None
    return CsvMapping(
        timestamp=timestamp,
        counterpart=counterpart,
        direction=ref("direction"),
        kind=ref("kind"),
        text=ref("text"),
        duration=ref("duration"),
        name=ref("name"),
        time_format=layout,
        has_header=bool(header),
    )
