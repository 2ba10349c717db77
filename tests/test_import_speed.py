"""What the import-speed work changed, held to the old behaviour: the summaries' one pass
per import reads exactly what the per-person queries read, and the test-only threshold
sends small files through the parser process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, and_, or_, select

from safetrail.importers.sources import FileSource
from safetrail.services.imports import feed
from safetrail.services.imports.run import run_import
from safetrail.services.imports.summaries import Span, SpanRows, _bounds, resummarise_all
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault
from safetrail.services.verify import verify
from safetrail.storage.comm_tables import communications

SAMPLES = Path(__file__).parent / "samples" / "imports"
SMS = SAMPLES / "alex-sms.xml"
CALLS = SAMPLES / "alex-calls.xml"


def _reference(conn: Connection, person_id: str, span: Span) -> tuple[Any, Any, Any]:
    """The three queries per person that the one pass replaced."""
    c = communications.c
    lo, hi = _bounds(span)
    in_span = and_(c.at >= lo, c.at <= hi)
    live = and_(c.undone.is_(False), c.system.is_(False))
    order = (c.at, c.id)
    mine = conn.execute(
        select(c.id).where(in_span, live, c.person_id == person_id).order_by(*order)
    ).all()
    nobody = conn.execute(
        select(c.id)
        .where(in_span, live, c.withheld.is_(True), c.person_id.is_(None))
        .order_by(*order)
    ).all()
    ids = conn.execute(
        select(c.id).where(in_span, or_(c.person_id == person_id, c.withheld.is_(True)))
    ).all()
    return [r[0] for r in mine], [r[0] for r in nobody], sorted(r[0] for r in ids)


def test_one_pass_reads_what_the_queries_per_person_read(vault: Vault) -> None:
    alex = add_person(vault, PersonInput(names=["Alex Morgan"], identifiers=["07700 900123"]))
    other = add_person(vault, PersonInput(names=["Sam Other"], identifiers=["+447700900999"]))
    report = run_import(vault, [SMS, CALLS])
    assert report.new == 14
    spans = {
        alex.id: Span("2024-03-09T21:40:00.000000Z", "2024-03-10T20:10:00.000000Z"),
        other.id: Span("2024-03-10T09:00:00.000000Z", "2024-03-10T09:00:00.000000Z"),
    }
    with vault.read() as conn:
        rows = SpanRows(conn, spans)
        for person_id, span in spans.items():
            mine, nobody, ids = rows.of(person_id, span)
            assert ([c.id for c in mine], [c.id for c in nobody], sorted(ids)) == _reference(
                conn, person_id, span
            )
        mine, nobody, _ids = rows.of(alex.id, spans[alex.id])
        assert (len(mine), len(nobody)) == (11, 1)  # 1 call from a withheld number
    with vault.write() as conn:  # the summaries are up to date: nothing to change
        assert resummarise_all(vault, conn, spans, "no-import", "Europe/London", "again") == (
            0,
            0,
            0,
        )
    assert verify(vault).ok
    with vault.read() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_the_test_threshold_sends_small_files_through_the_parser_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small = FileSource(SMS)
    monkeypatch.delenv("SAFETRAIL_TEST_IMPORT_CHILD_BYTES", raising=False)
    assert not feed.in_process(small)
    monkeypatch.setenv("SAFETRAIL_TEST_IMPORT_CHILD_BYTES", "1")
    assert feed.in_process(small)
    monkeypatch.setenv("SAFETRAIL_TEST_IMPORT_CHILD_BYTES", "not a number")
    assert not feed.in_process(small)
