"""Call or message records in CSV files (needs a column mapping; preview suggests one)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
from safetrail.importers.base import (
    CsvMapping,
    ImportFormatError,
    ParsedRecord,
    ParseOptions,
    Probe,
    Skipped,
)
from safetrail.importers.csvfile import CsvImporter, preview, sniff
from safetrail.importers.csvfile_mapping import (
    guess_time_format,
    header_roles,
    read_duration,
    read_time,
)
from safetrail.importers.sources import BytesSource, FileSource, probe

SAMPLES = Path(__file__).parent / "samples"
ROOT = SAMPLES / "csv"
CSV = CsvImporter()
EN = CsvMapping(
    timestamp="Date",
    counterpart="Number",
    direction="Direction",
    duration="Duration",
    name="Name",
)


def parse(name: str | BytesSource, mapping: CsvMapping | None) -> list[ParsedRecord | Skipped]:
    src = FileSource(ROOT / name) if isinstance(name, str) else name
    return list(CSV.parse(src, ParseOptions(csv_mapping=mapping)))


def records(items: list[ParsedRecord | Skipped]) -> list[ParsedRecord]:
    return [i for i in items if isinstance(i, ParsedRecord)]


def skips(items: list[ParsedRecord | Skipped]) -> list[Skipped]:
    return [i for i in items if isinstance(i, Skipped)]


def test_needs_a_mapping() -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse("calls_en.csv", None)
    assert "column mapping" in caught.value.message
    assert "mapping step" in caught.value.hint


def test_english_calls() -> None:
    items = parse("calls_en.csv", EN)
    assert len(items) == 9
    assert skips(items) == [
        Skipped(
            "line 6", "The date 2023-02-30T10:00:00+00:00 does not exist; this line was not read."
        ),
        Skipped(
            "line 8", "This line has 2 columns, fewer than the mapping needs; it was not read."
        ),
    ]
    got = records(items)
    assert [r.position for r in got] == [f"line {n}" for n in (2, 3, 4, 5, 7, 9, 11)]
    assert {(r.kind, r.channel) for r in got} == {("call", "phone")}
    first, missed, outgoing, withheld, rejected, epoch, unknown = got
    assert first.at == datetime(2023, 1, 5, 14, 3, 22, tzinfo=UTC)
    assert (first.counterpart, first.counterpart_name) == ("+44 7700 900456", "Alex Doe")
    assert (first.direction, first.duration, first.outcome) == ("incoming", 75, "answered")
    assert (missed.direction, missed.outcome, missed.duration) == ("incoming", "missed", 0)
    assert outgoing.at == datetime(2023, 1, 5, 18, 0)  # no offset: naive local time
    assert (outgoing.direction, outgoing.duration, outgoing.counterpart_name) == (
        "outgoing",
        125,
        "Jordan Lee",
    )
    assert withheld.at == datetime(2023, 1, 5, 23, 59, 59, tzinfo=timezone(timedelta(hours=1)))
    assert (withheld.withheld, withheld.counterpart, withheld.counterpart_name) == (
        True,
        None,
        None,
    )
    assert (rejected.withheld, rejected.outcome) == (True, "rejected")
    assert epoch.at == datetime(2023, 1, 6, 10, 13, 20, tzinfo=UTC)
    assert epoch.direction == "incoming"
    assert (unknown.direction, unknown.outcome) == (None, "answered")


def test_german_cp1252_with_layout() -> None:
    mapping = CsvMapping(
        timestamp="Datum/Uhrzeit",
        counterpart="rufnummer",  # header names match regardless of case
        direction="Richtung",
        duration="Dauer",
        name="Name",
        time_format="%d.%m.%Y %H:%M:%S",
    )
    items = parse("anrufe_de.csv", mapping)
    assert skips(items) == [
        Skipped("line 5", "The date 31.02.2023 10:00:00 does not exist; this line was not read.")
    ]
    got = records(items)
    assert len(got) == 4
    assert got[0].counterpart_name == "Müller, Alex"
    assert got[0].at == datetime(2023, 1, 5, 14, 3, 22)
    assert [r.direction for r in got] == ["incoming", "incoming", "outgoing", "incoming"]
    assert [r.outcome for r in got] == ["answered", "missed", "answered", "answered"]
    assert got[2].counterpart_name == "Büro"
    assert (got[3].withheld, got[3].counterpart) == (True, None)


def test_messages_without_header() -> None:
    mapping = CsvMapping(
        timestamp="0", counterpart="1", direction="2", text="3", has_header=False, delimiter=","
    )
    items = parse("sms_noheader.csv", mapping)
    assert skips(items) == [
        Skipped(
            "line 5",
            "The time 'not-a-time' on this line is not in a form SafeTrail knows, so the line "
            "was not read. Set the time format in the column mapping.",
        )
    ]
    got = records(items)
    assert [r.position for r in got] == ["line 1", "line 2", "line 3", "line 6"]
    assert {(r.kind, r.channel, r.counterpart) for r in got} == {("message", "sms", "+15551234567")}
    assert [r.direction for r in got] == ["incoming", "outgoing", "incoming", "incoming"]
    assert got[0].at == datetime(2023, 1, 5, 14, 3, 22, tzinfo=UTC)  # milliseconds
    assert got[3].at == datetime(2023, 1, 5, 14, 6, 40, tzinfo=UTC)  # seconds
    assert got[2].text == 'I saw you, "darling"\nat the station'
    assert got[1].text == "Stop. Please, stop."
    assert (got[0].duration, got[0].outcome, got[0].withheld) == (None, None, False)


def test_kind_column_and_channel() -> None:
    data = (
        b"when;who;what;how long;text\n"
        b"2023-01-01 10:00;+111;Voice call;30;\n"
        b"2023-01-01 10:05;+111;SMS;;hello\n"
        b"2023-01-01 10:06;+111;other;12;\n"
    )
    mapping = CsvMapping(
        timestamp="when", counterpart="who", kind="what", duration="how long", text="text",
        channel="whatsapp",
    )  # fmt: skip
    got = records(parse(BytesSource("x.csv", data), mapping))
    assert [(r.kind, r.channel) for r in got] == [
        ("call", "whatsapp"),
        ("message", "whatsapp"),
        ("call", "whatsapp"),
    ]
    assert [r.duration for r in got] == [30, None, 12]
    assert got[1].text == "hello"


def test_mapping_naming_a_missing_column() -> None:
    with pytest.raises(ImportFormatError) as caught:
        parse("calls_en.csv", replace(EN, counterpart="Telephone"))
    assert caught.value.message == (
        "The column 'Telephone' of the mapping is not in this file (its columns: "
        "Date, Number, Direction, Duration, Name)."
    )


def test_custom_direction_codes() -> None:
    data = b"t,n,d\n1700000000,+1,A\n1700000001,+1,B\n1700000002,+1,C\n"
    mapping = CsvMapping(
        timestamp="t",
        counterpart="n",
        direction="d",
        incoming_values=("a",),
        outgoing_values=("b",),
        missed_values=("c",),
    )
    got = records(parse(BytesSource("x.csv", data), mapping))
    assert [(r.direction, r.outcome, r.kind) for r in got] == [
        ("incoming", None, "message"),
        ("outgoing", None, "message"),
        ("incoming", "missed", "call"),
    ]


def test_utf16_and_overlong_lines() -> None:
    text = "Date\tNumber\n2023-01-01T00:00:00Z\t+1\n"
    data = text.encode("utf-16")
    got = records(parse(BytesSource("x.tsv", data), replace(EN, direction=None, duration=None,
                                                              name=None)))  # fmt: skip
    assert [r.counterpart for r in got] == ["+1"]
    long_line = b"Date,Number\n" + b"x" * (1024 * 1024 + 10) + b"\n2023-01-01T00:00:00Z,+2\n"
    plain = CsvMapping(timestamp="Date", counterpart="Number")
    items = parse(BytesSource("x.csv", long_line), plain)
    assert items[0] == Skipped("line 2", "This line is longer than 1 MB, so it was not read.")
    assert isinstance(items[1], ParsedRecord) and items[1].counterpart == "+2"
    assert items[1].position == "line 3"


# -- preview and suggestions ----------------------------------------------------------------


def test_preview_english() -> None:
    shown = preview(FileSource(ROOT / "calls_en.csv"), rows=3)
    assert (shown.encoding, shown.delimiter, shown.has_header) == ("utf-8", ",", True)
    assert shown.columns == ("Date", "Number", "Direction", "Duration", "Name")
    assert shown.rows[0] == ("2023-01-05T14:03:22+00:00", "+44 7700 900456", "incoming", "75",
                             "Alex Doe")  # fmt: skip
    assert len(shown.rows) == 3
    assert shown.suggested == replace(EN, delimiter=",")


def test_preview_german_suggests_the_time_layout() -> None:
    shown = preview(FileSource(ROOT / "anrufe_de.csv"))
    assert (shown.encoding, shown.delimiter) == ("cp1252", ";")
    assert shown.rows[0][4] == "Müller, Alex"
    assert shown.suggested is not None
    assert shown.suggested.time_format == "%d.%m.%Y %H:%M:%S"
    assert shown.suggested.timestamp == "Datum/Uhrzeit"
    assert shown.suggested.counterpart == "Rufnummer"
    assert (shown.suggested.direction, shown.suggested.duration) == ("Richtung", "Dauer")
    got = records(parse("anrufe_de.csv", shown.suggested))
    assert len(got) == 4


def test_preview_japanese_and_spanish() -> None:
    jp = preview(FileSource(ROOT / "japanese.csv"))
    assert jp.encoding == "utf-8-sig"
    assert jp.columns == ("日時", "電話番号", "種別", "通話時間", "名前")
    assert jp.suggested == CsvMapping(
        timestamp="日時",
        counterpart="電話番号",
        direction="種別",
        duration="通話時間",
        name="名前",
        time_format="%Y/%m/%d %H:%M:%S",
        delimiter=",",
    )
    got = records(parse("japanese.csv", jp.suggested))
    assert [(r.direction, r.outcome) for r in got] == [
        ("incoming", "answered"),
        ("incoming", "missed"),
        ("outgoing", "answered"),
    ]
    es = preview(FileSource(ROOT / "llamadas_es.tsv"))
    assert es.delimiter == "\t"
    assert es.suggested is not None
    assert (es.suggested.timestamp, es.suggested.counterpart, es.suggested.direction) == (
        "fecha",
        "número",
        "tipo",
    )
    assert es.suggested.time_format == "%d/%m/%Y %H:%M"
    got = records(parse("llamadas_es.tsv", es.suggested))
    assert [(r.at, r.direction) for r in got] == [
        (datetime(2023, 1, 5, 14, 3), "incoming"),
        (datetime(2023, 1, 25, 9, 30), "outgoing"),
    ]


def test_preview_without_header_guesses_from_cells() -> None:
    shown = preview(FileSource(ROOT / "sms_noheader.csv"))
    assert shown.has_header is False
    assert shown.columns == ("0", "1", "2", "3")
    assert shown.rows[2][3] == 'I saw you, "darling"\nat the station'
    assert shown.suggested == CsvMapping(
        timestamp="0", counterpart="1", direction="2", text="3", has_header=False, delimiter=","
    )


def test_helpers() -> None:
    assert sniff("a;b;c\n1;2;3\n") == ";"
    assert sniff("a|b\n1|2\n") == "|"
    assert sniff("just words\nand more\n") is None
    assert read_time("1672927402") == datetime(2023, 1, 5, 14, 3, 22, tzinfo=UTC)
    assert read_time("1672927402500") == datetime(2023, 1, 5, 14, 3, 22, 500000, tzinfo=UTC)
    assert read_time("2023-01-05T14:03:22Z") == datetime(2023, 1, 5, 14, 3, 22, tzinfo=UTC)
    assert read_time("12345") is None
    assert read_time("5.1.2023 14:03", "%d.%m.%Y %H:%M") == datetime(2023, 1, 5, 14, 3)
    assert [read_duration(v) for v in ("75", "75.6", "1:15", "0:01:15", "x", "")] == [
        75,
        76,
        75,
        75,
        None,
        None,
    ]
    assert guess_time_format(["01/02/2023 10:00", "13/02/2023 10:00"]) == "%d/%m/%Y %H:%M"
    assert guess_time_format(["01/13/2023 10:00"]) == "%m/%d/%Y %H:%M"
    assert guess_time_format(["2023-01-01T00:00:00"]) is None
    assert header_roles(["Contact name", "Phone number", "Type", "Call duration", "Date"]) == {
        "name": 0,
        "counterpart": 1,
        "direction": 2,
        "duration": 3,
        "timestamp": 4,
    }


# -- detection ------------------------------------------------------------------------------


def test_detect_never_reaches_the_threshold() -> None:
    for path in ROOT.iterdir():
        score = CSV.detect(probe(FileSource(path)))
        assert 0 < score <= 0.3, path
    for folder in ("telegram", "meta", "discord"):
        for path in (SAMPLES / folder).rglob("*.json"):
            found = Probe(path.name, path.stat().st_size, path.read_bytes()[:65536])
            assert CSV.detect(found) == 0.0, path
    assert CSV.detect(Probe("x.txt", 5, b"hello")) == 0.0
    assert CSV.detect(Probe("x.bin", 4, b"\x00\x01\x02\x03")) == 0.0


# -- fuzzing --------------------------------------------------------------------------------

FUZZ_SAMPLES = [p.read_bytes() for p in sorted(ROOT.iterdir())]
FUZZ_MAPPINGS = [
    EN,
    CsvMapping(timestamp="0", counterpart="1", direction="2", text="3", has_header=False),
    CsvMapping(timestamp="Datum/Uhrzeit", counterpart="Rufnummer", time_format="%d.%m.%Y %H:%M:%S",
               delimiter=";", duration="Dauer", kind="Name"),
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(samples)))
    how = draw(st.sampled_from(["random", "truncate", "flip", "insert", "delete"]))
    if how == "random":
        return draw(st.binary(max_size=3000))
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data)))])
    if how == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    at = draw(st.integers(0, len(data)))
    if how == "insert":
        junk = draw(st.one_of(st.binary(min_size=1, max_size=40),
                              st.text('",;\t\r\n\x00|', max_size=20).map(str.encode)))  # fmt: skip
        return bytes(data[:at] + junk + data[at:])
    end = draw(st.integers(at, min(len(data), at + 200)))
    return bytes(data[:at] + data[end:])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(FUZZ_SAMPLES), st.sampled_from(FUZZ_MAPPINGS))
def test_fuzzed_tables_never_crash(data: bytes, mapping: CsvMapping) -> None:
    src = BytesSource("x.csv", data)
    try:
        items: list[Any] = list(CSV.parse(src, ParseOptions(csv_mapping=mapping)))
    except SafetrailError:
        items = []
    for item in items:
        assert isinstance(item, ParsedRecord | Skipped)
        assert item.position.startswith("line ")
    shown = preview(src)
    assert shown.delimiter in (",", ";", "\t", "|")
    CSV.detect(probe(src))


# --- headerless files, plausible times, common header names --------------------------------


def _calls(name: str, mapping: CsvMapping) -> list[tuple[object, ...]]:
    items = list(CSV.parse(FileSource(ROOT / name), ParseOptions(csv_mapping=mapping)))
    assert not [i for i in items if isinstance(i, Skipped)]
    return [
        (r.position, r.at, r.counterpart, r.kind, r.direction, r.outcome, r.duration)
        for r in items
        if isinstance(r, ParsedRecord)
    ]


def test_headerless_subscriber_file_gets_the_right_suggestion() -> None:
    """A 9-digit subscriber id is not a Unix time (it would read as 1994-05-27)."""
    found = preview(FileSource(ROOT / "subscriber-no-header.csv"))
    assert found.has_header is False
    assert found.suggested is not None
    s = found.suggested
    assert (s.timestamp, s.counterpart, s.direction, s.kind, s.duration, s.text) == (
        "1", "2", "4", "3", "5", None,
    )  # fmt: skip
    assert s.has_header is False
    # imported with that suggestion: six records, none dated 1994, the first row kept
    assert _calls("subscriber-no-header.csv", s) == [
        ("line 1", datetime(2024, 2, 3, 21, 15, 7), "+447700900123", "call",
         "incoming", "answered", 65),
        ("line 2", datetime(2024, 2, 3, 21, 40, 51), "+447700900123", "call",
         "incoming", None, 0),
        ("line 3", datetime(2024, 2, 3, 22, 2, 10), "+447700900123", "message",
         "incoming", None, None),
        ("line 4", datetime(2024, 2, 4, 7, 30), "+447700900456", "call",
         "outgoing", "answered", 312),
        ("line 5", datetime(2024, 2, 4, 8, 12, 45), "+447700900123", "message",
         "incoming", None, None),
        ("line 6", datetime(2024, 2, 4, 23, 59, 59), "+447700900123", "call",
         "incoming", "answered", 12),
    ]  # fmt: skip


def test_map_by_column_number_keeps_the_first_row_of_a_headerless_file() -> None:
    # as "--map timestamp=1 --map counterpart=2 …" gives it: has_header left at its default
    mapping = CsvMapping(timestamp="1", counterpart="2", direction="4", kind="3", duration="5")
    assert mapping.has_header
    rows = _calls("subscriber-no-header.csv", mapping)
    assert [r[0] for r in rows] == [f"line {n}" for n in range(1, 7)]
    # a real header is still a header
    en = list(CSV.parse(FileSource(ROOT / "calls_en.csv"), ParseOptions(csv_mapping=EN)))
    assert en[0].position == "line 2"


def test_a_time_header_over_cells_that_are_not_times_is_not_suggested() -> None:
    data = (
        b"Date,Number,Type\n770012345,+447700900123,in\n770012346,+447700900124,out\n"
        b"770012347,+447700900125,in\n"
    )
    assert preview(BytesSource("odd.csv", data)).suggested is None


def test_common_english_export_names() -> None:
    found = preview(FileSource(ROOT / "interactions.csv"))
    assert found.suggested is not None
    s = found.suggested
    assert (s.timestamp, s.counterpart, s.kind, s.duration, s.direction) == (
        "datetime", "correspondent_id", "interaction", "call_duration", "direction",
    )  # fmt: skip
    utc = UTC
    assert _calls("interactions.csv", s) == [
        ("line 2", datetime(2024, 3, 1, 19, 5, tzinfo=utc), "+447700900123", "call",
         "incoming", "answered", 48),
        ("line 3", datetime(2024, 3, 1, 19, 6, 10, tzinfo=utc), "+447700900123", "message",
         "incoming", None, None),
        ("line 4", datetime(2024, 3, 1, 20, 0, tzinfo=utc), "+447700900123", "call",
         "incoming", "missed", 0),
    ]  # fmt: skip


def test_korean_phone_export_names_and_words() -> None:
    found = preview(FileSource(ROOT / "calls-ko.csv"))
    assert found.suggested is not None
    s = found.suggested
    assert (s.timestamp, s.counterpart, s.name, s.direction, s.duration) == (
        "일시", "전화번호", "이름", "유형", "통화시간",
    )  # fmt: skip
    rows = _calls("calls-ko.csv", s)
    assert [(r[0], r[1], r[2], r[4], r[5], r[6]) for r in rows] == [
        ("line 2", datetime(2024, 4, 2, 22, 10), "010-1234-5678", "incoming", "answered", 35),
        ("line 3", datetime(2024, 4, 2, 22, 30), "010-1234-5678", "incoming", "missed", 0),
        ("line 4", datetime(2024, 4, 3, 7, 0), "010-1234-5678", "outgoing", "answered", 120),
    ]
