"""Importing the same chat again with ``--me`` corrects it and adds nothing.

The first import cannot tell who is "me" (the file's name does not give the chat's name),
so every message has no direction. The second, with ``me``, finds the same records (their
identity does not depend on the direction), corrects their direction and counterpart in
place, keeps the values before in ``communication_revisions`` and chains them in the
ledger; ``verify`` checks it all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from safetrail.services.imports.run import ImportOptions, run_import, undo_import
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault
from safetrail.services.verify import verify
from safetrail.storage.comm_tables import communication_revisions, communications
from safetrail.storage.tables import ledger

CHAT = Path(__file__).parent / "samples" / "whatsapp" / "reimport" / "chat-export.txt"
D, M = "Dan Reyes", "Mia Collins"


def _stored(vault: Vault) -> list[tuple[object, ...]]:
    with vault.read() as conn:
        rows = conn.execute(
            select(
                communications.c.position,
                communications.c.sender,
                communications.c.direction,
                communications.c.counterpart_raw,
            ).order_by(communications.c.id)
        ).all()
    return [tuple(r) for r in rows]


def _count(vault: Vault, what: object) -> int:
    with vault.read() as conn:
        return int(conn.execute(select(func.count()).select_from(what)).scalar_one())  # type: ignore[arg-type]


@pytest.fixture
def dan(vault: Vault) -> str:
    return add_person(vault, PersonInput(names=[D])).id


def test_reimport_with_me_corrects_directions_and_adds_nothing(vault: Vault, dan: str) -> None:
    first = run_import(vault, [CHAT])
    assert (first.new, first.duplicates, first.skipped) == (12, 0, 0)
    assert _stored(vault) == [
        ("line 1", None, None, None),
        ("line 2", D, None, D),
        ("line 3", D, None, D),
        ("line 4", M, None, M),
        ("line 5", D, None, D),
        ("line 6", D, None, D),
        ("line 7", D, None, D),
        ("line 8", D, None, D),
        ("line 9", D, None, D),
        ("line 10", M, None, M),
        ("line 11", D, None, D),
        ("line 12", D, None, D),
    ]

    second = run_import(vault, [CHAT], ImportOptions(me=M))
    assert (second.new, second.duplicates, second.skipped) == (0, 12, 0)
    assert _count(vault, communications) == 12
    assert _stored(vault) == [
        ("line 1", None, None, None),
        ("line 2", D, "incoming", D),
        ("line 3", D, "incoming", D),
        ("line 4", M, "outgoing", D),
        ("line 5", D, "incoming", D),
        ("line 6", D, "incoming", D),
        ("line 7", D, "incoming", D),
        ("line 8", D, "incoming", D),
        ("line 9", D, "incoming", D),
        ("line 10", M, "outgoing", D),
        ("line 11", D, "incoming", D),
        ("line 12", D, "incoming", D),
    ]
    with vault.read() as conn:
        before = conn.execute(
            select(
                communication_revisions.c.direction,
                communication_revisions.c.counterpart_raw,
            ).order_by(communication_revisions.c.id)
        ).all()
        kinds = [
            row[0]
            for row in conn.execute(select(ledger.c.kind).order_by(ledger.c.seq))
            if row[0] in ("import.batch", "import.revise")
        ]
    # the values before the correction are kept, one revision per corrected record
    assert [tuple(r) for r in before] == [
        (None, D), (None, D), (None, M), (None, D), (None, D), (None, D),
        (None, D), (None, D), (None, M), (None, D), (None, D),
    ]  # fmt: skip
    assert kinds == ["import.batch", "import.revise"]
    assert verify(vault, check_blobs=False).ok

    # a third import says the same: nothing new, nothing corrected
    third = run_import(vault, [CHAT], ImportOptions(me=M))
    assert (third.new, third.duplicates) == (0, 12)
    assert _count(vault, communication_revisions) == 11
    # and without "me", the guess (none) never undoes a correction
    fourth = run_import(vault, [CHAT])
    assert (fourth.new, fourth.duplicates) == (0, 12)
    assert _stored(vault)[3] == ("line 4", M, "outgoing", D)


def test_verify_finds_a_changed_correction(vault: Vault, dan: str) -> None:
    run_import(vault, [CHAT])
    run_import(vault, [CHAT], ImportOptions(me=M))
    assert verify(vault, check_blobs=False).ok
    with vault.write() as conn:
        conn.execute(
            update(communication_revisions)
            .where(communication_revisions.c.id == 3)
            .values(direction="incoming")
        )
    problems = [str(p) for p in verify(vault, check_blobs=False).problems]
    assert problems == ["communications: 1 imported records were altered after they were stored"]


def test_verify_finds_a_changed_corrected_row(vault: Vault, dan: str) -> None:
    run_import(vault, [CHAT])
    run_import(vault, [CHAT], ImportOptions(me=M))
    with vault.write() as conn:
        conn.execute(
            update(communications).where(communications.c.id == 4).values(direction="incoming")
        )
    problems = [str(p) for p in verify(vault, check_blobs=False).problems]
    assert problems == ["communications: 1 imported records were altered after they were stored"]


def test_undoing_the_correcting_import_gives_the_values_back(vault: Vault, dan: str) -> None:
    run_import(vault, [CHAT])
    second = run_import(vault, [CHAT], ImportOptions(me=M))
    assert [s.revised for s in second.sources] == [11]
    assert second.to_json()["corrected"] == 11
    assert second.ref is not None
    undone = undo_import(vault, second.ref, "imported with the wrong name")
    assert undone.revised == 11
    assert _stored(vault)[1:4] == [
        ("line 2", D, None, D),
        ("line 3", D, None, D),
        ("line 4", M, None, M),
    ]
    assert _count(vault, communication_revisions) == 22
    assert _count(vault, communications) == 12
    assert verify(vault, check_blobs=False).ok
