"""Google Takeout: Google Chat (messages.json + group_info.json) and Hangouts.json."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from safetrail.importers.base import ParsedRecord, ParseOptions, Skipped
from safetrail.importers.google_chat import GoogleChatImporter, HangoutsImporter, chat_time
from safetrail.importers.registry import choose
from safetrail.importers.sources import FolderSource, find_sources, probe
from safetrail.services.imports.run import ImportOptions, run_import
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault

TAKEOUT = Path(__file__).parent / "samples" / "google" / "Takeout"
CHAT = "Google Chat/Groups/DM 9QdLmAAAAE/messages.json"
HANGOUTS = "Hangouts/Hangouts.json"


def _source(member: str) -> FolderSource:
    names = sorted(p.relative_to(TAKEOUT).as_posix() for p in TAKEOUT.rglob("*") if p.is_file())
    return FolderSource(TAKEOUT, member, names)


def test_chat_times_in_both_layouts() -> None:
    assert chat_time("Thursday, 2 May 2024 at 20:00:05 UTC") == datetime(
        2024, 5, 2, 20, 0, 5, tzinfo=UTC
    )
    assert chat_time("Friday, May 3, 2024 at 6:15:00\u202fAM UTC") == datetime(
        2024, 5, 3, 6, 15, tzinfo=UTC
    )
    assert chat_time("Friday, May 3, 2024 at 12:05:00 PM UTC") == datetime(
        2024, 5, 3, 12, 5, tzinfo=UTC
    )
    assert chat_time("sometime in May") is None
    assert chat_time(17) is None


def test_google_chat_direct_messages() -> None:
    source = _source(CHAT)
    chosen = choose(probe(source))
    assert chosen is not None and chosen[0].name == "google-chat"
    items = list(GoogleChatImporter().parse(source, ParseOptions(me="sam.rivera@gmail.com")))
    assert items[-1] == Skipped(
        "message 4", "This message has no readable time, so it was not read."
    )
    alex = "alex.morgan.77@gmail.com"
    got = [
        (r.position, r.at, r.direction, r.sender, r.counterpart, r.text,
         [(a.name, a.note) for a in r.attachments])
        for r in items
        if isinstance(r, ParsedRecord)
    ]  # fmt: skip
    assert got == [
        ("message 1", datetime(2024, 5, 2, 20, 0, 5, tzinfo=UTC), "incoming", "Alex Morgan",
         alex, "Why aren't you answering my texts?", []),
        ("message 2", datetime(2024, 5, 2, 20, 7, 41, tzinfo=UTC), "outgoing", "Sam Rivera",
         alex, "Please stop contacting me on every app.", []),
        ("message 3", datetime(2024, 5, 3, 6, 15, tzinfo=UTC), "incoming", "Alex Morgan",
         alex, "I'm outside your gym",
         [("File-IMG_0412.jpg", "The export did not include this file.")]),
    ]  # fmt: skip
    # without "me", nobody's direction is guessed; the writer is the counterpart
    plain = [
        r for r in GoogleChatImporter().parse(source, ParseOptions()) if isinstance(r, ParsedRecord)
    ]
    assert [(r.direction, r.counterpart) for r in plain] == [
        (None, alex), (None, "sam.rivera@gmail.com"), (None, alex),
    ]  # fmt: skip


def test_hangouts_messages_and_calls() -> None:
    source = _source(HANGOUTS)
    chosen = choose(probe(source))
    assert chosen is not None and chosen[0].name == "hangouts"
    items = list(HangoutsImporter().parse(source, ParseOptions()))
    got = [
        (r.position, r.kind, r.at, r.direction, r.sender, r.counterpart_name, r.duration,
         r.outcome, r.text)
        for r in items
        if isinstance(r, ParsedRecord)
    ]  # fmt: skip
    assert len(got) == len(items)
    a = "Alex Morgan"
    assert got == [
        ("event 1 of conversation 1", "message", datetime(2019, 4, 11, 16, 0, tzinfo=UTC),
         "incoming", a, a, None, None, "I know you moved.\nNice street."),
        ("event 3 of conversation 1", "call", datetime(2019, 4, 11, 16, 1, 40, tzinfo=UTC),
         "incoming", a, a, None, "missed", None),
        ("event 4 of conversation 1", "call", datetime(2019, 4, 11, 16, 11, 40, tzinfo=UTC),
         "incoming", a, a, 65, "answered", None),
        ("event 5 of conversation 1", "message", datetime(2019, 4, 11, 16, 26, 40, tzinfo=UTC),
         "outgoing", "Sam Rivera", a, None, None, "Stop. I am reporting this."),
    ]  # fmt: skip


def test_takeout_folder_imports_and_matches_the_person(vault: Vault) -> None:
    add_person(vault, PersonInput(names=["Alex Morgan"], identifiers=["alex.morgan.77@gmail.com"]))
    report = run_import(vault, [TAKEOUT], ImportOptions(me="Sam Rivera"))
    assert sorted(
        (s.name.split("/")[-1], s.records, s.new, s.skipped_total) for s in report.sources
    ) == [
        ("Hangouts.json", 4, 4, 0),
        ("messages.json", 3, 3, 1),
    ]
    assert [(p.ref, p.count) for p in report.people.values()] == [("P-001", 7)]
    assert list(find_sources([TAKEOUT]))  # the folder is walked as it is
