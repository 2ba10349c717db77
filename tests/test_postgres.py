"""The same schema, migrations, record store and checks on PostgreSQL (server mode)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text

from safetrail.services.verify import VerifyReport, verify_database
from safetrail.storage import migrate, projections
from safetrail.storage.engine import url_engine
from safetrail.storage.records import RecordStore
from safetrail.storage.tables import incident_tactics, incidents, person_identifiers
from tests.conftest import StepClock

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(pg_schema: tuple[str, str]) -> Iterator[Engine]:
    url, schema = pg_schema
    engine = url_engine(url, schema=schema)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


INCIDENT = {
    "occurred": {
        "start": "2026-10-03T17:30:00+01:00",
        "end": None,
        "tz": "Europe/London",
        "precision": "minute",
    },
    "location": {"text": "Bus stop", "latitude": 51.5, "longitude": -0.12},
    "what_happened": "He stood at the bus stop and stared — again. 彼はまた来た。",
    "tactics": ["watching", "following"],
    "channel": "in_person",
    "offender_ids": [],
    "witnesses": [],
    "fear": 3,
    "impacts": [],
    "police": {"reported": False, "reference": None, "officer": None, "badge": None},
    "evidence_ids": [],
    "private_note": None,
}


def test_round_trip_on_postgres(pg_engine: Engine) -> None:
    assert pg_engine.dialect.name == "postgresql"
    store = RecordStore(pg_engine, clock=StepClock())
    with store.writing() as conn:
        person = store.create(
            conn,
            "person",
            {
                "names": ["Kim"],
                "role": "offender",
                "identifiers": [
                    {"kind": "phone", "value": "010-1234-5678", "normalised": "+821012345678"}
                ],
                "vehicles": [],
            },
        )
        first = store.create(conn, "incident", {**INCIDENT, "offender_ids": [person.id]})
    with store.writing() as conn:
        store.amend(conn, first.id, {**INCIDENT, "fear": 4}, "remembered more")
    with store.writing() as conn:
        second = store.create(conn, "incident", {**INCIDENT, "what_happened": "Calls"})
        store.void(conn, second.id, "duplicate")
    with store.reading() as conn:
        history = store.history(conn, first.id)
        assert [(v.version, v.op, v.reason) for v in history] == [
            (1, "create", None),
            (2, "amend", "remembered more"),
        ]
        assert history[0].data == {**INCIDENT, "offender_ids": [person.id]}
        assert history[1].data["fear"] == 4
        assert history[1].data["offender_ids"] == []
        assert store.get(conn, second.id).voided
        assert store.resolve(conn, "incident", "I-0002") == second.id
        rows = conn.execute(
            select(incidents.c.occurred_start, incidents.c.fear, incidents.c.voided).order_by(
                incidents.c.occurred_start, incidents.c.voided
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            ("2026-10-03T16:30:00.000000Z", 4, False),
            ("2026-10-03T16:30:00.000000Z", 3, True),
        ]
        tactics = (
            conn.execute(
                select(incident_tactics.c.tactic)
                .where(incident_tactics.c.incident_id == first.id)
                .order_by(incident_tactics.c.tactic)
            )
            .scalars()
            .all()
        )
        assert tactics == ["following", "watching"]
        assert conn.execute(select(person_identifiers.c.normalised)).scalars().all() == [
            "+821012345678"
        ]
        report = VerifyReport()
        verify_database(conn, report)
    assert report.ok, report.problems
    assert (report.entries, report.versions, report.records) == (5, 5, 3)


def test_tamper_is_found_on_postgres(pg_engine: Engine) -> None:
    store = RecordStore(pg_engine, clock=StepClock())
    with store.writing() as conn:
        store.create(conn, "incident", INCIDENT)
    with pg_engine.begin() as conn:
        conn.execute(text("UPDATE versions SET data = replace(data, 'stared', 'stored')"))
    report = VerifyReport()
    with store.reading() as conn:
        verify_database(conn, report)
    assert [str(p) for p in report.problems] == [
        "incident I-0001 version 1: content was altered after it was recorded",
        "incident I-0001 version 1: does not match its ledger entry",
        "incident I-0001: the incidents index was altered",
    ]


def test_concurrent_appends_keep_one_chain(pg_engine: Engine) -> None:
    import threading

    store = RecordStore(pg_engine)
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(10):
                with store.writing() as conn:
                    store.create(conn, "incident", INCIDENT)
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    report = VerifyReport()
    with store.reading() as conn:
        verify_database(conn, report)
        refs = conn.execute(text("SELECT ref_no FROM records ORDER BY ref_no")).scalars().all()
    assert report.ok, report.problems
    assert report.entries == 40
    assert refs == list(range(1, 41))
    assert projections.TABLES["incident"][0][0].name == "incidents"


def test_imported_communications_on_postgres(pg_engine: Engine) -> None:
    """Batches of communications, their ledger entries, dedupe and verify, on PostgreSQL."""
    from pathlib import Path

    from safetrail.importers.base import ParsedRecord, ParseOptions
    from safetrail.importers.smsbackup import IMPORTERS
    from safetrail.importers.sources import FileSource
    from safetrail.services.imports.rows import RowBuilder
    from safetrail.services.imports.writer import Pending
    from safetrail.storage.comm_tables import communications

    sample = Path(__file__).parent / "samples" / "imports" / "alex-sms.xml"
    parsed = [
        item
        for item in IMPORTERS[0].parse(FileSource(sample), ParseOptions(region="GB"))
        if isinstance(item, ParsedRecord)
    ]
    store = RecordStore(pg_engine, clock=StepClock())
    with store.writing() as conn:
        job = store.create(conn, "import", {"status": "running"})
    builder = RowBuilder("GB", "Europe/London", 1)
    with store.writing() as conn:
        fresh = Pending([builder.row(p) for p in parsed]).write(conn, job.id, 1, StepClock()())
    again = RowBuilder("GB", "Europe/London", 1)
    with store.writing() as conn:
        repeat = Pending([again.row(p) for p in parsed]).write(conn, job.id, 2, StepClock()())
        stored = conn.execute(
            select(communications.c.counterpart, communications.c.text).order_by(
                communications.c.id
            )
        ).all()
    assert (len(parsed), len(fresh), len(repeat)) == (9, 9, 0)
    assert stored[0] == ("+447700900123", "Why are you ignoring me")
    report = VerifyReport()
    with pg_engine.connect() as conn:
        verify_database(conn, report)
    assert report.problems == []
    with pg_engine.begin() as conn:
        conn.execute(
            communications.update()
            .where(communications.c.text == "Answer me")
            .values(text="changed")
        )
    report = VerifyReport()
    with pg_engine.connect() as conn:
        verify_database(conn, report)
    assert [str(p) for p in report.problems] == [
        "communications: 1 imported records were altered after they were stored"
    ]
