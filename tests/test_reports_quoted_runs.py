"""
"What they wrote": runs of the same words sent again and again are one row each, with
their count and every position; nothing is left out."""

from __future__ import annotations

from safetrail.reports.messages import QuotedMessage
from safetrail.reports.pdf_report import RUN_MIN, _numbered, _positions, quoted_runs


def message(n: int, text: str, sender: str = "Mark", exhibit: str = "EX-0001") -> QuotedMessage:
    return QuotedMessage(
        ref=f"C-{n}",
        at=f"2026-01-01T10:{n:02d}:00.000000Z",
        sender=sender,
        identifier="",
        channel="whatsapp",
        text=text,
        exhibit_ref=exhibit,
        exhibit_id="e1",
        source_name="chat.txt",
        source_sha256="0" * 64,
        importer="whatsapp 1",
        import_ref="IM-001",
        position=f"line {n}",
        incident_id=None,
        incident_ref=None,
    )


def test_consecutive_messages_with_the_same_words_form_one_run() -> None:
    quoted = [
        message(1, "I know where you live"),
        message(2, "I will find you"),
        message(3, "I will find  you"),  # spacing aside, the same words
        message(4, "I will find you"),
        message(5, "I will find you", sender="Lisa"),  # someone else: a new run
        message(7, "I will find you"),
        message(8, "I will find you", exhibit="EX-0002"),  # another export: a new run
        message(9, "I know where you live"),
    ]
    runs = quoted_runs(quoted)
    assert [[m.ref for m in run] for run in runs] == [
        ["C-1"],
        ["C-2", "C-3", "C-4"],
        ["C-5"],
        ["C-7"],
        ["C-8"],
        ["C-9"],
    ]
    assert [m for run in runs for m in run] == quoted  # every message, in order
    assert [(number, len(run)) for number, run in _numbered(runs)] == [
        (1, 1),
        (2, 3),
        (5, 1),
        (6, 1),
        (7, 1),
        (8, 1),
    ]
    assert len(runs[1]) >= RUN_MIN > len(runs[2])


def test_positions_of_a_run_are_all_named() -> None:
    run = [message(n, "x") for n in (3, 4, 5, 9, 11, 12)]
    assert _positions(run) == "line 3-5, 9, 11-12"
    odd = [message(1, "x"), message(2, "x")]
    odd[1] = QuotedMessage(**{**odd[1].__dict__, "position": "record 2 (line 7)"})
    assert _positions(odd) == "line 1; record 2 (line 7)"
