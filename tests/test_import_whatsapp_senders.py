"""WhatsApp: a line ``<stamp> <name>: <text>`` always keeps its sender.

iOS exports in Russian, Vietnamese, Japanese and Indonesian, left-to-right marks before a
person's words, deleted messages, missed calls, location shares and one-character texts;
then a property test over random chats in every layout, through import, the report's
communications and the communications CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from safetrail.importers.base import Item, ParsedRecord, ParseOptions, Skipped
from safetrail.importers.sources import BytesSource, FileSource
from safetrail.importers.whatsapp import WhatsAppImporter
from safetrail.reports.comms import communications_csv
from safetrail.reports.messages import communications_section
from safetrail.reports.model import ReportOptions, gather
from safetrail.services.imports.run import ImportOptions, run_import
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import create_vault
from safetrail.storage.comm_tables import communications
from tests.conftest import PASSPHRASE, StepClock

SAMPLES = Path(__file__).parent / "samples" / "whatsapp"
WA = WhatsAppImporter()


def parse(name: str, **options: object) -> list[Item]:
    return list(WA.parse(FileSource(SAMPLES / name), ParseOptions(**options)))  # type: ignore[arg-type]


def table(items: list[Item]) -> list[tuple[object, ...]]:
    """(line, time, sender, direction, kind, outcome, system, text) per record."""
    out: list[tuple[object, ...]] = []
    for item in items:
        assert isinstance(item, ParsedRecord), item
        out.append(
            (
                int(item.position.split()[1]),
                item.at.isoformat(sep=" "),
                item.sender,
                item.direction,
                item.kind,
                item.outcome,
                item.system,
                item.text,
            )
        )
    return out


def test_russian_ios_every_line_keeps_its_sender() -> None:
    items = parse("WhatsApp Chat - Иван Петров.txt")
    i, o = "Иван Петров", "Ольга Смирнова"
    m, c = "message", "call"
    assert table(items) == [
        (
            1, "2024-01-29 23:50:00", i, "incoming", m, None, True,
            "Сообщения и звонки защищены сквозным шифрованием. Никто вне этого чата, даже "
            "WhatsApp, не может их прочитать или прослушать.",
        ),
        (2, "2024-01-29 23:52:03", i, "incoming", m, None, False, "Где ты сейчас?"),
        (3, "2024-01-29 23:52:40", i, "incoming", m, None, False, "Я вижу твою машину"),
        (4, "2024-01-29 23:53:10", o, "outgoing", m, None, False, "Не пиши мне больше."),
        (5, "2024-01-29 23:54:00", i, "incoming", m, None, False, "Данное сообщение удалено."),
        (6, "2024-01-30 00:10:15", i, "incoming", c, "missed", False, "Пропущенный аудиозвонок"),
        (7, "2024-01-30 00:11:02", i, "incoming", c, "missed", False, "Пропущенный видеозвонок"),
        (
            8, "2024-01-30 00:12:30", i, "incoming", m, None, False,
            "геопозиция: https://maps.google.com/?q=55.751244,37.618423",
        ),
        (9, "2024-01-30 00:12:31", i, "incoming", m, None, False, "."),
        (10, "2024-01-30 00:12:32", i, "incoming", m, None, False, "?"),
        (11, "2024-01-30 00:13:00", i, "incoming", m, None, False, None),
        (
            12, "2024-01-30 00:14:00", i, "incoming", m, None, False,
            "Открой дверь\nя знаю что ты дома",
        ),
        (14, "2024-01-30 07:05:00", o, "outgoing", m, None, False, "Вы удалили данное сообщение."),
    ]  # fmt: skip
    photo = items[10]
    assert isinstance(photo, ParsedRecord)
    assert [(a.name, a.note) for a in photo.attachments] == [
        ("изображение отсутствует", "not included in the export")
    ]


def test_vietnamese_ios_time_first_with_sa_ch() -> None:
    items = parse("WhatsApp Chat - Nguyễn Văn Minh.txt")
    n, t = "Nguyễn Văn Minh", "Trần Thị Lan"
    m, c = "message", "call"
    assert table(items) == [
        (
            1, "2024-02-14 19:58:00", n, "incoming", m, None, True,
            "Tin nhắn và cuộc gọi được mã hóa đầu cuối. Không ai ngoài cuộc trò chuyện này, "
            "kể cả WhatsApp, có thể đọc hoặc nghe chúng.",
        ),
        (2, "2024-02-14 20:01:23", n, "incoming", m, None, False, "Em đang ở đâu?"),
        (3, "2024-02-14 20:02:05", t, "outgoing", m, None, False, "Đừng nhắn tin cho tôi nữa."),
        (4, "2024-02-14 20:03:00", n, "incoming", m, None, False, "Tin nhắn này đã bị xóa"),
        (5, "2024-02-14 23:45:10", n, "incoming", c, "missed", False, "Cuộc gọi thoại bị nhỡ"),
        (6, "2024-02-15 00:05:00", n, "incoming", c, "missed", False, "Cuộc gọi video bị nhỡ"),
        (7, "2024-02-15 00:06:30", n, "incoming", m, None, False, "!"),
        (
            8, "2024-02-15 06:30:00", n, "incoming", m, None, False,
            "vị trí: https://maps.google.com/?q=10.776889,106.700806",
        ),
        (9, "2024-02-15 06:31:00", t, "outgoing", m, None, False, "Bạn đã xóa tin nhắn này"),
    ]  # fmt: skip


def test_japanese_ios_year_first_with_gogo() -> None:
    items = parse("WhatsApp Chat - 山田 太郎.txt")
    y, s = "山田 太郎", "鈴木 花子"
    m, c = "message", "call"
    rows = table(items)
    assert rows[0][:7] == (1, "2024-03-18 14:50:00", y, "incoming", m, None, True)
    assert rows[1:] == [
        (2, "2024-03-18 14:56:01", y, "incoming", m, None, False, "今どこにいるの？"),
        (3, "2024-03-18 14:57:30", s, "outgoing", m, None, False, "連絡しないでください。"),
        (4, "2024-03-18 23:10:00", y, "incoming", m, None, False, "このメッセージは削除されました"),
        (5, "2024-03-19 00:05:44", y, "incoming", c, "missed", False, "音声通話の不在着信"),
        (6, "2024-03-19 00:06:10", y, "incoming", c, "missed", False, "ビデオ通話の不在着信"),
        (7, "2024-03-19 00:06:30", y, "incoming", m, None, False, "は"),
        (
            8, "2024-03-19 07:00:00", y, "incoming", m, None, False,
            "位置情報: https://maps.google.com/?q=35.681236,139.767125",
        ),
        (9, "2024-03-19 09:00:00", s, "outgoing", m, None, False, "このメッセージを削除しました"),
    ]  # fmt: skip


def test_indonesian_ios_dotted_times() -> None:
    items = parse("WhatsApp Chat - Budi Hartono.txt")
    b, s = "Budi Hartono", "Sari Dewi"
    m, c = "message", "call"
    voice, video = "Panggilan suara tak terjawab", "Panggilan video tak terjawab"
    rows = table(items)
    assert rows[0][:7] == (1, "2024-03-05 19:40:00", b, "incoming", m, None, True)
    assert rows[1:] == [
        (2, "2024-03-05 19:41:12", b, "incoming", m, None, False, "Kamu di mana?"),
        (3, "2024-03-05 19:42:00", s, "outgoing", m, None, False, "Jangan hubungi saya lagi."),
        (4, "2024-03-05 19:43:30", b, "incoming", m, None, False, "Pesan ini telah dihapus"),
        (5, "2024-03-05 22:15:00", b, "incoming", c, "missed", False, voice),
        (6, "2024-03-05 22:16:00", b, "incoming", c, "missed", False, video),
        (7, "2024-03-05 22:16:05", b, "incoming", m, None, False, "k"),
        (
            8, "2024-03-13 06:00:00", b, "incoming", m, None, False,
            "lokasi: https://maps.google.com/?q=-6.200000,106.816666",
        ),
        (9, "2024-03-13 06:01:00", b, "incoming", m, None, False, None),
        (10, "2024-03-13 08:00:00", s, "outgoing", m, None, False, "Anda menghapus pesan ini"),
    ]  # fmt: skip


def test_ios_group_name_lines_are_system_lines_but_people_keep_their_names() -> None:
    lines = [
        "[01/06/22, 19:00:00] Book Club: \u200eAlex created this group",
        "[01/06/22, 19:01:00] Alex: \u200eWelcome",
        "[01/06/22, 19:02:00] Sam: Thanks",
        "[13/06/22, 19:03:00] Casey: \u200eMissed voice call",
        '[13/06/22, 19:04:00] Alex "Boss" Smith: hi',
    ]
    source = BytesSource("WhatsApp Chat - Book Club.zip › _chat.txt", "\n".join(lines).encode())
    recs = [r for r in WA.parse(source, ParseOptions(me="Sam")) if isinstance(r, ParsedRecord)]
    assert [(r.sender, r.direction, r.kind, r.system, r.text) for r in recs] == [
        (None, None, "message", True, "Alex created this group"),
        ("Alex", "incoming", "message", False, "Welcome"),
        ("Sam", "outgoing", "message", False, "Thanks"),
        ("Casey", "incoming", "call", False, "Missed voice call"),
        ('Alex "Boss" Smith', "incoming", "message", False, "hi"),
    ]


# --- the property: every "<name>:" line keeps its sender, through import and report -------

AM_PM = {
    "us": ("AM", "PM"),
    "es": ("a.\u00a0m.", "p.\u00a0m."),
    "vi": ("SA", "CH"),
    "ja": ("午前", "午後"),
    "ko": ("오전", "오후"),
}


def _h12(at: datetime, zero_noon: bool) -> tuple[int, int]:
    """(hour on a 12-hour clock, 0 for AM / 1 for PM)."""
    hour = at.hour % 12
    if hour == 0 and not zero_noon:
        hour = 12
    return hour, int(at.hour >= 12)


def header(layout: str, at: datetime) -> str:
    d = at
    if layout == "android":
        return f"{d:%d/%m/%Y}, {d:%H:%M} - "
    if layout == "android-us":
        h, pm = _h12(d, False)
        return f"{d.month}/{d.day}/{d:%y}, {h}:{d:%M}\u202f{AM_PM['us'][pm]} - "
    if layout == "android-es":
        h, pm = _h12(d, False)
        return f"{d.day}/{d.month}/{d:%y}, {h}:{d:%M}\u202f{AM_PM['es'][pm]} - "
    if layout == "android-de":
        return f"{d:%d.%m.%y} {d:%H:%M} - "
    if layout == "android-ko":
        h, pm = _h12(d, False)
        return f"{d.year}. {d.month}. {d.day}. {AM_PM['ko'][pm]} {h}:{d:%M} - "
    if layout == "ios":
        return f"\u200e[{d:%d/%m/%y}, {d:%H:%M:%S}] "
    if layout == "ios-ru":
        return f"[{d:%d.%m.%y}, {d:%H:%M:%S}] "
    if layout == "ios-id":
        return f"[{d:%d/%m/%y} {d:%H.%M.%S}] "
    if layout == "ios-vi":
        h, pm = _h12(d, False)
        return f"[{h}:{d:%M:%S} {AM_PM['vi'][pm]}, {d.day}/{d.month}/{d:%y}] "
    if layout == "ios-ja":
        h, pm = _h12(d, True)
        return f"[{d:%Y/%m/%d} {AM_PM['ja'][pm]}{h}:{d:%M:%S}] "
    raise AssertionError(layout)


LAYOUTS = (
    "android", "android-us", "android-es", "android-de", "android-ko",
    "ios", "ios-ru", "ios-id", "ios-vi", "ios-ja",
)  # fmt: skip
WITH_SECONDS = {"ios", "ios-ru", "ios-id", "ios-vi", "ios-ja"}
PAIRS = (
    ("Иван Петров", "Ольга"),
    ("Nguyễn Văn Minh", "Trần Thị Lan"),
    ("山田 太郎", "鈴木 花子"),
    ("Budi Hartono", "Sari Dewi"),
    ("\u202a+44 7700 900123\u202c", "Jordan Lee"),
    ("Alex", "Al"),
)
#: texts WhatsApp writes itself under the sender's name: (text, kind)
SPECIAL_TEXTS = (
    ("This message was deleted", "message"),
    ("Данное сообщение удалено.", "message"),
    ("Tin nhắn này đã bị xóa", "message"),
    ("Missed voice call", "call"),
    ("Missed video call", "call"),
    ("Пропущенный аудиозвонок", "call"),
    ("Cuộc gọi video bị nhỡ", "call"),
    ("Panggilan suara tak terjawab", "call"),
    ("不在着信", "call"),
    ("location: https://maps.google.com/?q=51.5,-0.12", "message"),
)
_ALPHABET = "abcXYZ019 .,!?:;()-'éЖ漢😀\u200e"
plain_text = (
    st.text(alphabet=_ALPHABET, min_size=1, max_size=24)
    .map(lambda t: t.strip(" \u200e"))
    .filter(lambda t: bool(t) and not t.startswith(("'", "-")))
)
message = st.tuples(
    st.booleans(),  # who: True = the other person (the one who stalks)
    st.one_of(plain_text.map(lambda t: (t, "message")), st.sampled_from(SPECIAL_TEXTS)),
    st.booleans(),  # a left-to-right mark before the text
    st.integers(min_value=1, max_value=50_000),  # seconds after the one before
)


def _chat(
    layout: str, pair: tuple[str, str], messages: list[tuple[bool, tuple[str, str], bool, int]]
) -> tuple[str, list[tuple[str, str, str, datetime]]]:
    """The export's text and what each line must become: (sender, text, kind, time)."""
    them, me = pair
    at = datetime(2024, 1, 25, 21, 0, 0)  # the 25th decides the day/month order
    lines: list[str] = []
    expected: list[tuple[str, str, str, datetime]] = []
    for theirs, (text, kind), mark, gap in messages:
        at += timedelta(seconds=gap)
        if layout not in WITH_SECONDS:
            at = at.replace(second=0)
        name = them if theirs else me
        lines.append(f"{header(layout, at)}{name}: {chr(0x200E) if mark else ''}{text}")
        expected.append((name.strip("\u202a\u202c"), text, kind, at))
    return "\n".join(lines) + "\n", expected


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(LAYOUTS),
    st.sampled_from(PAIRS),
    st.lists(message, min_size=2, max_size=30),
)
def test_property_parse_keeps_every_sender(
    layout: str, pair: tuple[str, str], messages: list[tuple[bool, tuple[str, str], bool, int]]
) -> None:
    text, expected = _chat(layout, pair, messages)
    them = pair[0].strip("\u202a\u202c")
    source = BytesSource(f"WhatsApp Chat with {them}.txt", text.encode())
    items = list(WA.parse(source, ParseOptions(me=pair[1])))
    assert not [i for i in items if isinstance(i, Skipped)]
    got = [(r.sender, r.text, r.kind, r.at, r.direction, r.system) for r in items]  # type: ignore[union-attr]
    assert got == [
        (name, text, kind, at, "incoming" if name == them else "outgoing", False)
        for name, text, kind, at in expected
    ]


@settings(
    max_examples=12,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.sampled_from(LAYOUTS),
    st.sampled_from(PAIRS),
    st.lists(message, min_size=2, max_size=12),
)
def test_property_import_report_and_csv_keep_every_sender(
    tmp_path_factory: object,
    layout: str,
    pair: tuple[str, str],
    messages: list[tuple[bool, tuple[str, str], bool, int]],
) -> None:
    folder: Path = tmp_path_factory.mktemp("wa")  # type: ignore[attr-defined]
    text, expected = _chat(layout, pair, messages)
    them = pair[0].strip("\u202a\u202c")
    chat = folder / f"WhatsApp Chat with {them}.txt"
    chat.write_text(text, encoding="utf-8")
    vault = create_vault(folder / "vault", PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    try:
        person = PersonInput(names=[them], role="offender")
        add_person(vault, person)
        report = run_import(vault, [chat], options=ImportOptions(me=pair[1]))
        assert (report.new, report.skipped) == (len(expected), 0)
        with vault.read() as conn:
            stored = conn.execute(
                select(
                    communications.c.sender,
                    communications.c.text,
                    communications.c.kind,
                    communications.c.direction,
                    communications.c.system,
                ).order_by(communications.c.id)
            ).all()
        assert [tuple(row) for row in stored] == [
            (name, text, kind, "incoming" if name == them else "outgoing", False)
            for name, text, kind, _at in expected
        ]
        case = gather(vault, ReportOptions())
        section = communications_section(vault, case)

        # the report holds every line: the person's own, and the replies to them
        def report_side(direction: str, kind: str) -> str:
            if kind == "call" and direction == "missed":
                return "either"  # the report shows a missed call as "missed" either way
            return "them" if direction == "incoming" else "me"

        def side(name: str) -> str:
            return "them" if name == them else "me"

        def lines(rows: list[tuple[str, str, str, str]]) -> list[tuple[int, str, str]]:
            return sorted(
                (int(position.split()[1]), text, report_side(direction, kind))
                for position, text, direction, kind in rows
            )

        want = sorted(
            (number, text, "either" if kind == "call" else side(name))
            for number, (name, text, kind, _at) in enumerate(expected, start=1)
        )
        kinds = {n: kind for n, (_name, _t, kind, _at) in enumerate(expected, start=1)}
        got = [
            (row.position, row.text, row.direction, kinds[int(row.position.split()[1])])
            for row in section.rows
        ]
        assert lines(got) == want
        assert {row.person_ref for row in section.rows} == {"P-001"}
        written = list(csv.DictReader(io.StringIO(communications_csv(section, case.refs))))
        in_csv = [
            (r["position"], r["text"], r["direction"], kinds[int(r["position"].split()[1])])
            for r in written
        ]
        assert lines(in_csv) == want
        assert {r["person"] for r in written} == {"P-001"}
    finally:
        vault.close()
