"""E-mail: .eml and streamed .mbox files."""

from __future__ import annotations

import io
import mailbox
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
from safetrail.importers import email as email_module
from safetrail.importers.base import ImportFormatError, ParsedRecord, ParseOptions, Probe, Skipped
from safetrail.importers.email import EmailImporter, split_mbox
from safetrail.importers.email_parts import decode_bytes, decode_words, html_to_text
from safetrail.importers.sources import BytesSource, FileSource, probe

SAMPLES = Path(__file__).parent / "samples"
ROOT = SAMPLES / "email"
EMAIL = EmailImporter()


def parse(path_or_source: Any, **options: Any) -> list[ParsedRecord | Skipped]:
    src = FileSource(ROOT / path_or_source) if isinstance(path_or_source, str) else path_or_source
    return list(EMAIL.parse(src, ParseOptions(**options)))


def one(name: str, **options: Any) -> ParsedRecord:
    (item,) = parse(name, **options)
    assert isinstance(item, ParsedRecord)
    return item


def test_plain_message() -> None:
    record = one("plain.eml")
    assert record.position == "plain.eml"
    assert (record.kind, record.channel, record.direction) == ("message", "email", "incoming")
    assert record.at == datetime(2023, 1, 5, 15, 3, 22, tzinfo=timezone(timedelta(hours=1)))
    assert (record.counterpart, record.counterpart_name) == ("alex@example.org", "Alex Döe")
    assert record.sender == "alex@example.org"
    assert record.participants == ("alex@example.org", "sam@example.net")
    assert record.subject == "Where are you? 😠"
    assert record.text == "I waited outside your office for an hour. Grüße,\nAlex"
    assert record.source_id == "<20230105140322.1@example.org>"
    assert record.attachments == ()


def test_html_only_windows_1252() -> None:
    record = one("html_only.eml")
    assert record.text == "You can't ignore me forever.\n\nCafé at 8 & then home."
    assert record.subject == "Café tonight"
    assert record.counterpart_name == "Doe, Alex"
    assert record.participants == ("alex@example.org", "sam@example.net", "jordan@example.com")
    assert record.thread == "<20230105140322.1@example.org>"
    assert record.at.astimezone(UTC) == datetime(2023, 1, 7, 1, 15, tzinfo=UTC)


def test_iso_2022_jp() -> None:
    record = one("japanese.eml")
    assert record.subject == "会いたい"
    assert record.counterpart_name == "山田"
    assert record.text == "今夜、家の前で待っています。"


def test_forwarded_message_and_attachment() -> None:
    record = one("forwarded.eml")
    assert record.text == "See below. He sent this to me last night."
    forwarded, pdf = record.attachments
    assert (forwarded.name, forwarded.media_type) == ("Tell Sam.eml", "message/rfc822")
    assert forwarded.data is not None
    assert b"Tell Sam I am not giving up." in forwarded.data
    assert forwarded.data.startswith(b"From: Alex Doe <alex@example.org>")
    assert (pdf.name, pdf.media_type) == ("list.pdf", "application/pdf")
    assert pdf.data == b"%PDF-1.4\n% tiny sample\n%%EOF\n"


def test_malformed_message_does_not_crash() -> None:
    record = one("malformed.eml")
    assert record.at == datetime(2023, 1, 9, 8, 0, tzinfo=UTC)
    assert record.subject == "café and =?utf-8?b?bad**base64?="
    assert record.text is not None
    assert record.text.startswith("Still here. été")
    (image,) = record.attachments
    assert image.name == "passwd.png"  # no path from the sender survives
    assert image.media_type == "image/png"


def test_direction_with_me() -> None:
    assert one("plain.eml", me="sam@example.net").direction == "incoming"
    mine = one("plain.eml", me="ALEX@example.org")
    assert (mine.direction, mine.counterpart, mine.counterpart_name) == (
        "outgoing",
        "sam@example.net",
        "Sam Rivera",
    )
    by_name = one("plain.eml", me="Alex Döe")
    assert by_name.direction == "outgoing"


def test_mbox() -> None:
    items = parse("mailbox.mbox", me="sam@example.net")
    assert len(items) == 6
    assert [i.position for i in items] == [f"message {n}" for n in range(1, 7)]
    first, reply, no_date, chinese, raw_utf8, bad_date = items
    assert isinstance(first, ParsedRecord)
    assert first.text == (
        "From the window I can see you.\nI will wait.\nFrom now on, I will write every day."
    )
    assert first.at == datetime(2023, 1, 5, 14, 3, 22, tzinfo=UTC)
    assert isinstance(reply, ParsedRecord)
    assert (reply.direction, reply.counterpart) == ("outgoing", "alex@example.org")
    assert reply.at == datetime(2023, 1, 6, 9, 0, tzinfo=UTC)  # from the "From -" line
    assert reply.text == "Do not contact me again.\n>From here on I keep every message."
    assert reply.thread == "<mbox-1@example.org>"
    assert no_date == Skipped("message 3", "This e-mail has no readable date, so it was not read.")
    assert isinstance(chinese, ParsedRecord)
    assert chinese.subject == "你好안녕"
    assert chinese.text == "見ています。"
    assert chinese.at == datetime(2023, 1, 7, 22, 0, tzinfo=timezone(timedelta(hours=1)))
    assert isinstance(raw_utf8, ParsedRecord)
    assert raw_utf8.subject == "Grüße aus der Nähe"
    assert bad_date == Skipped(
        "message 6",
        "The date '99 Foo 20233 99:99' of this e-mail cannot be read, so it was not read.",
    )


def test_mbox_splitting_rules() -> None:
    data = (
        b"From a@x Mon Jan  2 10:00:00 2023\nSubject: one\n\nbody\nFrom here it continues\n\n"
        b"From b@x Tue Jan  3 10:00:00 2023\nContent-Length: 99999\nSubject: two\n\n"
        b">From quoted\n>>From twice\nlast line"
    )
    found = list(split_mbox(io.BytesIO(data)))
    assert [m.number for m in found] == [1, 2]
    assert found[0].data == b"Subject: one\n\nbody\nFrom here it continues\n"
    assert found[1].data == (
        b"Content-Length: 99999\nSubject: two\n\nFrom quoted\n>From twice\nlast line"
    )
    assert found[0].complete and not found[1].complete


def test_truncated_mbox_reports_the_damage() -> None:
    data = (ROOT / "mailbox.mbox").read_bytes()
    cut = data.index(b"Do not contact me") + 6
    items = parse(BytesSource("mailbox.mbox", data[:cut]))
    assert len(items) == 3
    assert isinstance(items[1], ParsedRecord) and items[1].text == "Do not"
    assert items[2] == Skipped(
        "message 2",
        "The file ends in the middle of this e-mail; it was read as far as it goes, and "
        "nothing after it exists.",
        rest_lost=True,
    )


def test_oversized_message_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(email_module, "MAX_MESSAGE_BYTES", 1000)
    monkeypatch.setattr(email_module.split_mbox, "__defaults__", (1000,))
    big = b"From a@x Mon Jan  2 10:00:00 2023\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\n"
    big += b"x" * 80 + b"\n"
    data = big * 1 + big.replace(b"x" * 80, b"y" * 80 + b"\n" + b"z" * 2000) + big
    items = parse(BytesSource("big.mbox", data))
    assert [type(i).__name__ for i in items] == ["ParsedRecord", "Skipped", "ParsedRecord"]
    assert items[1] == Skipped(
        "message 2", "This e-mail is larger than 0 MB, more than SafeTrail reads; it was not read."
    )
    single = parse(BytesSource("big.eml", b"Date: x\n\n" + b"y" * 2000))
    assert isinstance(single[0], Skipped) and single[0].position == "big.eml"


def test_attachment_size_cap() -> None:
    record = one("forwarded.eml", max_attachment_bytes=10)
    pdf = record.attachments[1]
    assert pdf.data is None
    assert pdf.note == "This attachment is larger than SafeTrail stores (0 MB)."


def test_not_mail() -> None:
    with pytest.raises(ImportFormatError):
        parse(BytesSource("x.eml", b"just some text\nwithout headers\n"))


def test_helpers() -> None:
    assert decode_bytes(b"\x82\xa0", "shift_jis") == "あ"
    assert decode_bytes(b"caf\xe9", "no-such-charset") == "café"
    assert decode_bytes("café".encode(), None) == "café"
    assert decode_bytes(b"\xc4\xe3\xba\xc3", "gb2312") == "你好"
    assert decode_words("=?utf-8?q?a?= =?utf-8?q?b?=  c") == "ab  c"
    # one character split over two encoded words
    assert decode_words("=?utf-8?b?8J+Y?= =?utf-8?b?gA==?=") == "😀"
    assert html_to_text("<div>a<br>b</div><script>x</script>&lt;c&gt;") == "a\nb\n<c>"


def test_detect() -> None:
    for path in ROOT.iterdir():
        assert EMAIL.detect(probe(FileSource(path))) >= 0.9, path
    others = [
        p
        for folder in ("telegram", "meta", "discord", "csv")
        for p in (SAMPLES / folder).rglob("*")
        if p.is_file()
    ]
    for path in others:
        found = Probe(path.name, path.stat().st_size, path.read_bytes()[:65536])
        assert EMAIL.detect(found) < 0.5, path
    for head in (b"", b"hello: world\nthis is not: mail", b"05/01/2023, 14:03 - Alex: hi\n"):
        assert EMAIL.detect(Probe("x.txt", len(head), head)) < 0.5


# -- fuzzing --------------------------------------------------------------------------------

FUZZ_SAMPLES = [p.read_bytes() for p in sorted(ROOT.iterdir())]
MUTATIONS = ["random", "truncate", "flip", "insert", "delete"]


@st.composite
def mutated(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(samples)))
    how = draw(st.sampled_from(MUTATIONS))
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
        junk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=40),
                st.sampled_from(
                    [b"\n--outer\n", b"\nFrom x\n", b"=?utf-8?b?", b"Content-Type: multipart/",
                     b"\n\n", b"boundary=", b'"', b";;", b"\r"]
                ),
            )
        )  # fmt: skip
        return bytes(data[:at] + junk + data[at:])
    end = draw(st.integers(at, min(len(data), at + 200)))
    return bytes(data[:at] + data[end:])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(FUZZ_SAMPLES), st.sampled_from(["x.eml", "x.mbox"]))
def test_fuzzed_mail_never_crashes(data: bytes, name: str) -> None:
    try:
        items = list(EMAIL.parse(BytesSource(name, data), ParseOptions(me="sam@example.net")))
    except SafetrailError:
        return
    for item in items:
        assert isinstance(item, ParsedRecord | Skipped)
        for field in item.__slots__:
            value = getattr(item, field)
            if isinstance(value, str):
                value.encode("utf-8")
        if isinstance(item, ParsedRecord):
            assert item.at.tzinfo is not None
            for attachment in item.attachments:
                attachment.name.encode("utf-8")
                assert "/" not in attachment.name


def test_hostile_nesting_and_many_parts() -> None:
    deep = b"Date: Mon, 2 Jan 2023 10:00:00 +0000\nContent-Type: multipart/mixed; boundary=a\n\n"
    for level in range(300):
        deep += b"--a\nContent-Type: multipart/mixed; boundary=a%d\n\n" % level
    items = parse(BytesSource("deep.eml", deep))
    assert len(items) == 1
    many = b"Date: Mon, 2 Jan 2023 10:00:00 +0000\nContent-Type: multipart/mixed; boundary=b\n\n"
    many += b"--b\nContent-Type: application/octet-stream\n\nx\n" * 3000 + b"--b--\n"
    (record,) = parse(BytesSource("many.eml", many))
    assert isinstance(record, ParsedRecord)
    assert len(record.attachments) == 3000


def test_mbox_separators_without_a_blank_line_before_them() -> None:
    """Separators straight after the previous message's last line (no blank line), odd
    dates on the ``From `` lines, Content-Length headers that do not fit: three messages,
    as ``mailbox.mbox`` finds them; the unquoted "From here on" line is text."""
    items = parse("no-blank-separators.mbox", me="robin.park@example.net")
    assert [
        (i.position, i.at, i.direction, i.counterpart, i.subject, i.text)
        for i in items
        if isinstance(i, ParsedRecord)
    ] == [
        (
            "message 1",
            datetime(2024, 1, 13, 22, 41, 5, tzinfo=UTC),
            "incoming",
            "jordan.hale@example.org",
            "You changed your number",
            "I found the new one anyway.",
        ),
        (
            "message 2",
            datetime(2024, 1, 14, 7, 2, 11, tzinfo=timezone(timedelta(hours=1))),
            "incoming",
            "jordan.hale@example.org",
            "Good morning",
            "Saw your light go on at six.\nFrom here on I will check every morning.\n"
            "You know I mean it.",
        ),
        (
            "message 3",
            datetime(2024, 1, 14, 9, 30, tzinfo=UTC),
            "outgoing",
            "jordan.hale@example.org",
            "Re: Good morning",
            "Stop contacting me. I am keeping every message.",
        ),
    ]
    assert len(items) == 3
    # the standard library finds the same three separators (and, not knowing better, a
    # fourth one in the text)
    box = mailbox.mbox(ROOT / "no-blank-separators.mbox", create=False)
    subjects = [message["Subject"] for message in box]
    box.close()
    assert subjects == ["You changed your number", "Good morning", None, "Re: Good morning"]
