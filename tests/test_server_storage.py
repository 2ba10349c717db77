"""Server storage on real PostgreSQL: a schema and a role per case, content encrypted.

Each test uses its own global schema (``st_srv_<hex>``) and its own cases, and removes
them afterwards, so parallel runs never meet.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, StatementError

from safetrail.errors import RecordNotFound, VaultBusy
from safetrail.server import keys
from safetrail.server.cases import (
    Server,
    ServerCase,
    create_case,
    open_case,
    upgrade_case,
)
from safetrail.server.crypto import ContentUnreadable
from safetrail.server.db import case_engine
from safetrail.server.kept import kept_results
from safetrail.services import settings
from safetrail.services.analysis_cache import case_analysis
from safetrail.services.evidence import IntakeDetails, add_evidence
from safetrail.services.imports.run import ImportOptions, run_import
from safetrail.services.incidents import (
    IncidentFilter,
    IncidentInput,
    amend_incident,
    list_incidents,
    record_incident,
    void_incident,
)
from safetrail.services.message_log import MessageFilter, browse
from safetrail.services.people import PersonInput, add_person
from safetrail.services.verify import verify
from safetrail.storage.columns import CipherMissing
from safetrail.storage.tables import incidents, person_identifiers
from tests.conftest import StepClock
from tests.server_support import fresh_server

pytestmark = pytest.mark.postgres


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with fresh_server(tmp_path) as made:
        yield made


def _open(server: Server, actor: str = "person:one") -> tuple[ServerCase, bytearray]:
    case_id, case_key = create_case(server, actor)
    case = open_case(server, case_id, case_key, actor, clock=StepClock())
    settings.initialise(case, "GB", "Europe/London")
    return case, case_key


# -- keys ----------------------------------------------------------------------------------------


def test_wrapped_keys_open_only_with_their_key_and_label() -> None:
    kek = keys.derive_kek("correct horse", keys.kek_params(salt=b"s" * 16))
    again = keys.derive_kek("correct horse", keys.kek_params(salt=b"s" * 16))
    assert kek == again and len(kek) == 32
    case_key = keys.new_key()
    wrapped = keys.wrap(kek, case_key, "case-key/password", ["acc-1", "case-1"])
    assert keys.unwrap(kek, wrapped, "case-key/password", ["acc-1", "case-1"]) == case_key
    wrong = keys.derive_kek("wrong horse", keys.kek_params(salt=b"s" * 16))
    for attempt in (
        lambda: keys.unwrap(wrong, wrapped, "case-key/password", ["acc-1", "case-1"]),
        lambda: keys.unwrap(kek, wrapped, "case-key/password", ["acc-2", "case-1"]),
        lambda: keys.unwrap(kek, wrapped, "case-key/recovery", ["acc-1", "case-1"]),
        lambda: keys.unwrap(kek, wrapped[:-1], "case-key/password", ["acc-1", "case-1"]),
    ):
        with pytest.raises(keys.KeyUnwrapFailed) as caught:
            attempt()
        assert caught.value.message == (
            "This key does not open the case: the password or key is wrong."
        )
    keys.wipe(kek)
    assert kek == bytearray(32)


def test_sealed_keys_open_only_with_the_private_key() -> None:
    advocate, other = keys.new_key_pair(), keys.new_key_pair()
    case_key = keys.new_key()
    sealed = keys.seal_to(advocate.public, case_key, "case-key/advocate", ["adv-1", "case-1"])
    assert len(sealed) == 1 + 32 + 12 + 32 + 16
    opened = keys.open_sealed(advocate.private, sealed, "case-key/advocate", ["adv-1", "case-1"])
    assert opened == case_key
    again = keys.seal_to(advocate.public, case_key, "case-key/advocate", ["adv-1", "case-1"])
    assert sealed != again  # a fresh ephemeral key each time
    with pytest.raises(keys.KeyUnwrapFailed):
        keys.open_sealed(other.private, sealed, "case-key/advocate", ["adv-1", "case-1"])
    with pytest.raises(keys.KeyUnwrapFailed):
        keys.open_sealed(advocate.private, sealed, "case-key/advocate", ["adv-2", "case-1"])
    advocate.wipe()
    assert advocate.private == bytearray(32)


# -- the whole flow on a server case ---------------------------------------------------------------


def test_records_services_import_and_evidence_on_a_server_case(
    server: Server, tmp_path: Path
) -> None:
    case, _key = _open(server)
    try:
        person = add_person(
            case,
            PersonInput(names=["Alex Morgan"], relationship="ex", identifiers=["+447700900123"]),
        )
        first = record_incident(
            case,
            IncidentInput(
                what_happened="He waited at the bus stop",
                when="2026-10-03 17:30",
                where="Bus stop, High Street",
                latitude=51.5,
                longitude=-0.12,
                offenders=[person.ref],
            ),
        )
        second = record_incident(case, IncidentInput(what_happened="Calls all night"))
        amend_incident(case, first.ref, {"fear": 4}, "remembered more")
        void_incident(case, second.ref, "duplicate")
        found, total = list_incidents(case, IncidentFilter(text="BUS STOP"))
        assert (total, [r.ref for r in found]) == (1, [first.ref])
        assert found[0].data["location"]["latitude"] == 51.5
        everything, total = list_incidents(case, IncidentFilter(include_voided=True))
        assert (total, [r.ref for r in everything]) == (2, [second.ref, first.ref])
        with case.read() as conn:
            history = case.store.history(conn, first.id)
            assert [(v.op, v.reason, v.actor) for v in history] == [
                ("create", None, "person:one"),
                ("amend", "remembered more", "person:one"),
            ]
            assert case.store.get(conn, second.id).voided
            # equality on an encrypted identifier still works (deterministic encryption)
            assert conn.execute(
                select(person_identifiers.c.person_id).where(
                    person_identifiers.c.normalised == "+447700900123"
                )
            ).scalars().all() == [person.id]
        chat = Path(__file__).parent / "samples" / "whatsapp" / "WhatsApp Chat with Alex Morgan.txt"
        report = run_import(case, [chat], ImportOptions(me="Jordan Lee"))
        assert report.records > 0 and report.records == report.new
        # searching encrypted messages: matched after decryption, as SQL would match them
        page = browse(case, MessageFilter(text="STATION"))
        assert page.total == 1
        assert (page.rows[0].text or "").startswith("I saw your car at the station.\n")
        assert browse(case, MessageFilter(text="no such words")).total == 0
        photo = tmp_path / "note.txt"
        photo.write_bytes(b"a photo of the note on the windscreen")
        intake = add_evidence(case, photo, IntakeDetails(), incident=first.ref)
        assert intake.record.data["original_name"] == "note.txt"
        checked = verify(case)
        assert checked.ok, checked.problems
        assert (checked.blobs_checked, checked.unreferenced_blobs) == (2, 0)
    finally:
        case.close()


# -- what the database and the blob folder hold ----------------------------------------------------

MARKERS = {
    "what": "ZQWHATHAPPENEDMARK",
    "where": "ZQLOCATIONMARK",
    "police": "ZQPOLICEREFMARK",
    "name": "ZQPERSONNAMEMARK",
    "relation": "ZQRELATIONMARK",
    "ident": "zqidentmark@example.org",
    "reason": "ZQAMENDREASONMARK",
    "void": "ZQVOIDREASONMARK",
    "file": "ZQFILENAMEMARK",
    "filebody": "ZQFILEBODYMARK",
    "chatname": "ZQCHATPERSONMARK",
    "chattext": "ZQCHATTEXTMARK",
    "note": "ZQPRIVATENOTEMARK",
    "latitude": "51.4242424242",
}


def test_dump_and_blob_folder_hold_no_content(server: Server, tmp_path: Path) -> None:
    case, _key = _open(server)
    try:
        person = add_person(
            case,
            PersonInput(
                names=[MARKERS["name"]],
                relationship=MARKERS["relation"],
                identifiers=[MARKERS["ident"]],
            ),
        )
        incident = record_incident(
            case,
            IncidentInput(
                what_happened=MARKERS["what"],
                where=MARKERS["where"],
                latitude=float(MARKERS["latitude"]),
                longitude=-1.5,
                police_reported=True,
                police_reference=MARKERS["police"],
                private_note=MARKERS["note"],
                offenders=[person.ref],
            ),
        )
        amend_incident(case, incident.ref, {"fear": 4}, MARKERS["reason"])
        spare = record_incident(case, IncidentInput(what_happened="spare"))
        void_incident(case, spare.ref, MARKERS["void"])
        exhibit = tmp_path / f"{MARKERS['file']}.txt"
        exhibit.write_text(MARKERS["filebody"] * 100)
        add_evidence(case, exhibit, incident=incident.ref)
        chat = tmp_path / f"WhatsApp Chat with {MARKERS['chatname']}.txt"
        chat.write_text(
            f"14/03/2022, 09:15 - {MARKERS['chatname']}: {MARKERS['chattext']} one\n"
            f"14/03/2022, 09:16 - Jordan Lee: stop\n"
            f"14/03/2022, 09:20 - {MARKERS['chatname']}: {MARKERS['chattext']} two\n",
            encoding="utf-8",
        )
        report = run_import(case, [chat], ImportOptions(me="Jordan Lee"))
        assert report.new == 3
        # the analysis kept between requests (names, places, texts) and the threat scan's
        # memory of texts are in the dump, sealed
        found = case_analysis(case)
        assert MARKERS["what"] in [f.text for f in found.facts.incidents]
        with server.engine.connect() as conn:
            kept = conn.execute(select(kept_results.c.slot)).scalars().all()
        assert sorted(kept) == ["analysis:en", "threat-scan"]
        dumped = subprocess.run(
            ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "test"],
            capture_output=True,
            check=True,
        ).stdout
        assert f"case_{case.case_id}".encode() in dumped  # the case really is in the dump
        assert b"CREATE TABLE case_" in dumped
        found_in_dump = [name for name, mark in MARKERS.items() if mark.encode() in dumped]
        assert found_in_dump == []
        folder = server.case_dir(case.case_id)
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert files  # the exhibit (and the chat file, kept as an exhibit) are there
        found_in_blobs = [
            (name, str(p))
            for p in files
            for name, mark in MARKERS.items()
            if mark.encode() in p.read_bytes() or mark.lower().encode() in p.read_bytes()
        ]
        assert found_in_blobs == []
        # ...and the case reads them all back
        with case.read() as conn:
            row = conn.execute(
                select(incidents.c.what_happened, incidents.c.latitude).where(
                    incidents.c.record_id == incident.id
                )
            ).one()
        assert tuple(row) == (MARKERS["what"], float(MARKERS["latitude"]))
    finally:
        case.close()


# -- isolation ------------------------------------------------------------------------------------


def test_a_case_role_cannot_read_another_case(server: Server) -> None:
    case_a, _ = _open(server, "person:a")
    case_b, _ = _open(server, "person:b")
    try:
        record_incident(case_b, IncidentInput(what_happened="only in B"))
        schema_b = f"case_{case_b.case_id}"
        # PostgreSQL refuses: A's role has no rights on B's schema
        with pytest.raises(DBAPIError) as refused, case_a.read() as conn:
            conn.execute(text(f'SELECT count(*) FROM "{schema_b}".incidents'))
        assert "permission denied" in str(refused.value.orig)
        # a query meant for B, run in A's context, reads A's tables and finds nothing
        found, total = list_incidents(case_a, IncidentFilter())
        assert (found, total) == ([], 0)
        with case_b.read() as conn:
            b_id = conn.execute(select(incidents.c.record_id)).scalar_one()
        with pytest.raises(RecordNotFound), case_a.read() as conn:
            case_a.store.get(conn, str(b_id))
        with case_a.read() as conn:
            assert conn.execute(text("SELECT current_user, current_schema()")).one() == (
                f"case_{case_a.case_id}",
                f"case_{case_a.case_id}",
            )
    finally:
        case_a.close()
        case_b.close()


def test_a_case_role_cannot_change_its_schema(server: Server) -> None:
    case, case_key = _open(server)
    case.close()
    upgrade_case(server, case.case_id)  # nothing to do; grants renewed
    case = open_case(server, case.case_id, case_key, "person:one")
    try:
        for statement in (
            "CREATE TABLE extra (id integer)",
            "DROP TABLE incidents",
            "UPDATE alembic_version SET version_num = 'x'",
        ):
            with pytest.raises(DBAPIError) as refused, case.read() as conn:
                conn.execute(text(statement))
            assert "permission denied" in str(refused.value.orig) or "must be owner" in str(
                refused.value.orig
            ), statement
        found, total = list_incidents(case, IncidentFilter())
        assert total == 0 and found == []
    finally:
        case.close()


def test_wrong_key_and_unknown_case_are_clear_errors(server: Server) -> None:
    case, case_key = _open(server)
    case.close()
    with pytest.raises(keys.KeyUnwrapFailed) as wrong:
        open_case(server, case.case_id, keys.new_key(), "person:one")
    assert wrong.value.message == "This key does not open the case: the password or key is wrong."
    with pytest.raises(RecordNotFound):
        open_case(server, uuid.uuid4().hex, case_key, "person:one")
    with pytest.raises(RecordNotFound):
        open_case(server, "../../etc", case_key, "person:one")
    # content written under one key does not open under another (same case id)
    from safetrail.server.crypto import CaseColumnCipher

    with pytest.raises(ContentUnreadable):
        CaseColumnCipher(keys.new_key(), case.case_id).open(
            CaseColumnCipher(case_key, case.case_id).seal("text")
        )
    closed = CaseColumnCipher(case_key, case.case_id)
    sealed = closed.seal_match("+447700900123")
    assert sealed == CaseColumnCipher(case_key, case.case_id).seal_match("+447700900123")
    closed.wipe()
    with pytest.raises(CipherMissing):
        closed.open_match(sealed)


def test_content_never_goes_to_postgres_in_clear(server: Server) -> None:
    case, _key = _open(server)
    try:
        engine = case_engine(server.engine, case.case_id)
        with pytest.raises(StatementError) as caught, engine.begin() as conn:
            conn.execute(incidents.select().where(incidents.c.what_happened == "x"))
        assert isinstance(caught.value.orig, CipherMissing)
    finally:
        case.close()


def test_import_lock_is_a_postgres_advisory_lock(server: Server) -> None:
    case, case_key = _open(server)
    other = open_case(server, case.case_id, case_key, "person:one")
    try:
        with case.locks.import_lock():
            with pytest.raises(VaultBusy), other.locks.import_lock():
                pass
            with other.locks.import_lock("another-import"):
                pass
        with other.locks.import_lock():
            pass
    finally:
        case.close()
        other.close()
