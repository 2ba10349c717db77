"""Server check-ins: alerts go out while the person is signed out, exactly once.

Real PostgreSQL (a private global schema and private case schemas per test) and a real
aiosmtpd mail server on 127.0.0.1. The scheduler's clock is moved by hand; nothing here
waits for a deadline, and waiting between processes is on events.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import stat
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import OperationalError

from safetrail.errors import ConfigError
from safetrail.server import alert_jobs, alert_key, alerts
from safetrail.server.alert_jobs import checkin_alert_jobs
from safetrail.server.cases import Server, ServerCase, case_ids, create_case, open_case, remove_case
from safetrail.server.provider import ServerCaseProvider
from safetrail.services import checkins, settings
from tests.conftest import postgres_url
from tests.test_checkins_support import START, Mailbox, ManualClock, body, smtp_server

pytestmark = pytest.mark.postgres

EXPECTED = "19:00"  # London is on GMT in November: 19:00 UTC
ALERT_AT = START + timedelta(hours=1, minutes=15)  # expected by + 15 minutes' grace
NEXT_AT = ALERT_AT + timedelta(minutes=15)  # the second contact, 15 minutes later


@dataclass
class World:
    server: Server
    schema: str
    key_path: Path
    clock: ManualClock

    def worker(self, **options: Any) -> alerts.AlertWorker:
        return alerts.AlertWorker(
            self.server.engine, alert_key.load_private(self.key_path), clock=self.clock, **options
        )


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    schema = f"st_chk_{uuid.uuid4().hex[:10]}"
    made = Server.connect(postgres_url(), tmp_path / "blobs", server_schema=schema)
    try:
        made.init()
    except OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required when CI=true but is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {postgres_url()}")
    key_path = tmp_path / "alert.key"
    alert_key.ensure(made.engine, key_path)
    try:
        yield World(made, schema, key_path, ManualClock())
    finally:
        for case_id in case_ids(made):
            remove_case(made, case_id)
        with made.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        made.close()


def sign_in(world: World, case_id: str, case_key: bytearray) -> ServerCase:
    return open_case(world.server, case_id, case_key, "person:one", clock=world.clock)


def person_case(
    world: World, mailbox: Mailbox, contacts: int = 2, **alerting: str
) -> tuple[str, bytearray]:
    """A person with alert settings and trusted contacts (signed in, then signed out)."""
    case_id, case_key = create_case(world.server, "person:one")
    case = sign_in(world, case_id, case_key)
    try:
        settings.initialise(case, "GB", "Europe/London")
        checkins.save_alert_settings(
            case,
            checkins.AlertSettingsInput(
                owner_name="Alex",
                public_url="https://safetrail.example.org",
                smtp_host="127.0.0.1",
                smtp_port=str(mailbox.port),  # type: ignore[attr-defined]
                smtp_security="none",
                smtp_sender="alerts@example.org",
                **alerting,
            ),
        )
        for n in range(contacts):
            checkins.add_contact(
                case, checkins.ContactInput(name=f"Sam{n}", email=f"sam{n}@example.org")
            )
    finally:
        case.close()
    return case_id, case_key


def start(world: World, case_id: str, case_key: bytearray, where: str = "Café Rosa") -> str:
    case = sign_in(world, case_id, case_key)
    try:
        record = checkins.start_checkin(
            case, checkins.CheckinInput(where=where, expected_by=EXPECTED, remind_minutes=0)
        )
        return record.ref
    finally:
        case.close()  # signed out


def jobs(world: World) -> list[Any]:
    with world.server.engine.connect() as conn:
        return list(conn.execute(select(checkin_alert_jobs).order_by(checkin_alert_jobs.c.step)))


def run_until_idle(worker: alerts.AlertWorker) -> alerts.TickReport:
    total = alerts.TickReport()
    while True:
        report = alerts.tick(worker)
        assert report.errors == 0
        total.sent += report.sent
        total.failed += report.failed
        total.retrying += report.retrying
        if not report.busy:
            return total


# -- the alert key ------------------------------------------------------------------------------


def test_alert_key_file_is_private_and_must_match_the_database(
    world: World, tmp_path: Path
) -> None:
    assert stat.S_IMODE(world.key_path.stat().st_mode) == 0o600
    public = alert_key.public_key(world.server.engine)
    assert public is not None and len(public) == 32
    assert alert_key.ensure(world.server.engine, world.key_path) == public  # idempotent
    world.key_path.chmod(0o644)
    with pytest.raises(ConfigError) as loose:
        alert_key.load_private(world.key_path)
    assert loose.value.message == f"The alert key file {world.key_path} can be read by other users."
    world.key_path.chmod(0o600)
    with pytest.raises(ConfigError) as missing:
        alert_key.ensure(world.server.engine, tmp_path / "elsewhere.key")
    assert missing.value.message == f"The alert key file {tmp_path / 'elsewhere.key'} is missing."
    other_key = tmp_path / "other.key"
    other = Server.connect(postgres_url(), tmp_path / "b2", server_schema=world.schema + "x")
    try:
        other.init()
        alert_key.ensure(other.engine, other_key)  # another server's key
    finally:
        with other.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{world.schema}x" CASCADE'))
        other.close()
    with pytest.raises(ConfigError) as wrong:
        alert_key.ensure(world.server.engine, other_key)
    assert wrong.value.message == (
        f"The alert key file {other_key} is not the key this database's alerts use."
    )


# -- the whole flow while signed out --------------------------------------------------------------


def test_alerts_go_out_while_the_person_is_signed_out(world: World) -> None:
    with smtp_server() as mailbox:
        case_id, case_key = person_case(world, mailbox)
        ref = start(world, case_id, case_key)
        worker = world.worker()

        world.clock.set(ALERT_AT - timedelta(seconds=1))
        assert run_until_idle(worker).sent == 0

        world.clock.set(ALERT_AT + timedelta(seconds=30))
        assert run_until_idle(worker).sent == 1
        first = mailbox.raw[0]
        assert first["To"] == "sam0@example.org"
        assert first["Subject"] == "Alex has not checked in: please check on them"
        text = body(first)
        assert text.startswith("Hello Sam0,\n")
        assert "Café Rosa" in text
        assert "https://safetrail.example.org/ack/" in text

        # the second contact gets their full 15 minutes from when the first was alerted
        world.clock.set(NEXT_AT + timedelta(seconds=10))
        assert run_until_idle(worker).sent == 0
        world.clock.set(NEXT_AT + timedelta(seconds=30))
        assert run_until_idle(worker).sent == 1
        world.clock.advance(hours=2)
        assert run_until_idle(worker).sent == 0

    assert [m["To"] for m in mailbox.raw] == ["sam0@example.org", "sam1@example.org"]
    assert len({m["Message-ID"] for m in mailbox.raw}) == 2
    assert [r.status for r in jobs(world)] == ["sent", "sent"]

    # signing in again: the case's own records learn what the worker did
    case = sign_in(world, case_id, case_key)
    try:
        assert alert_jobs.sync(case) == 2
        assert alert_jobs.sync(case) == 0  # once only
        active, _closed = checkins.list_checkins(case)
        assert [(v.ref, v.status) for v in active] == [(ref, "all_notified")]
        assert active[0].alerted == ("Sam0", "Sam1")
        history = checkins.alert_history(case)
        assert [h.cause for h in history] == ["missed"]
        with case.read() as conn:
            alert = case.store.load(conn, case.store.list_ids(conn, "alert"))[0]
        deliveries = alert.data["deliveries"]
        assert [(d["to"], d["status"], d["at"]) for d in deliveries] == [
            ("sam0@example.org", "sent", "2026-11-01T19:15:30.000000Z"),
            ("sam1@example.org", "sent", "2026-11-01T19:30:30.000000Z"),
        ]
        assert alert.data["status"] == "all_notified"
    finally:
        case.close()


def test_checking_in_before_the_deadline_cancels_every_alert(world: World) -> None:
    with smtp_server() as mailbox:
        case_id, case_key = person_case(world, mailbox)
        ref = start(world, case_id, case_key)
        world.clock.set(START + timedelta(minutes=50))
        case = sign_in(world, case_id, case_key)
        try:
            checkins.close_checkin(case, ref)
        finally:
            case.close()
        world.clock.set(NEXT_AT + timedelta(hours=1))
        assert run_until_idle(world.worker()).sent == 0
    assert mailbox.raw == []
    assert [r.status for r in jobs(world)] == ["cancelled", "cancelled"]


def test_a_contact_acknowledging_stops_the_escalation(world: World) -> None:
    with smtp_server() as mailbox:
        case_id, case_key = person_case(world, mailbox)
        start(world, case_id, case_key)
        worker = world.worker()
        world.clock.set(ALERT_AT + timedelta(seconds=30))
        assert run_until_idle(worker).sent == 1
        link = body(mailbox.raw[0]).split("https://safetrail.example.org/ack/")[1].split()[0]
        provider = ServerCaseProvider(world.server, 900, world.clock)
        provider.acknowledge("link", link)  # what the open /ack/<token> page does
        with world.server.engine.begin() as conn:
            assert alert_jobs.acknowledge(conn, "link", link, world.clock()) is False  # once
            assert alert_jobs.acknowledge(conn, "link", "x" * 43, world.clock()) is False
        world.clock.set(NEXT_AT + timedelta(hours=1))
        assert run_until_idle(worker).sent == 0
    assert [m["To"] for m in mailbox.raw] == ["sam0@example.org"]
    assert [r.status for r in jobs(world)] == ["sent", "cancelled"]
    case = sign_in(world, case_id, case_key)
    try:
        alert_jobs.sync(case)
        active, _closed = checkins.list_checkins(case)
        assert active[0].status == "acknowledged"
        assert (
            active[0].status_text == "Not checked in: Sam0 has confirmed they are dealing with it."
        )
    finally:
        case.close()


# -- exactly once: racing workers, a killed worker, a broken connection ---------------------------


def test_two_workers_racing_send_each_alert_once(world: World) -> None:
    with smtp_server() as mailbox:
        mailbox.delay = 0.01  # a little work per message, so the workers overlap
        made = [person_case(world, mailbox, contacts=3) for _ in range(2)]
        for case_id, case_key in made:
            for n in range(3):
                start(world, case_id, case_key, where=f"Place {n}")
        workers = [world.worker(batch=2), world.worker(batch=2)]
        sent = Counter[str]()
        failures: list[BaseException] = []

        def work(worker: alerts.AlertWorker) -> None:
            try:
                sent[worker.worker.id] += run_until_idle(worker).sent
            except BaseException as exc:
                failures.append(exc)

        # three rounds: the first contact of every check-in, then the second, the third
        for minutes in (1, 16, 31):
            world.clock.set(ALERT_AT + timedelta(minutes=minutes))
            threads = [threading.Thread(target=work, args=(w,)) for w in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
    assert failures == []
    expected = 2 * 3 * 3  # cases × check-ins × contacts
    assert len(mailbox.raw) == expected
    assert Counter(str(m["Message-ID"]) for m in mailbox.raw).most_common(1)[0][1] == 1
    assert sum(sent.values()) == expected
    assert all(count > 0 for count in sent.values()), sent
    assert Counter(r.status for r in jobs(world)) == {"sent": expected}


def _claim_and_hang(url: str, schema: str, key_path: str, now: str, ready: Any) -> None:
    """A worker that claims the due jobs and then stops dead (the parent kills it)."""
    from datetime import datetime

    from safetrail.server.db import server_engine

    engine = server_engine(url, schema)
    moment = datetime.fromisoformat(now)
    worker = alerts.AlertWorker(
        engine, alert_key.load_private(Path(key_path)), clock=lambda: moment
    )
    claimed = alerts.claim(worker, moment)
    ready.put(len(claimed))
    threading.Event().wait()  # never returns: SIGKILL ends it


def test_a_killed_worker_s_claims_are_sent_by_another_after_the_lease(world: World) -> None:
    with smtp_server() as mailbox:
        case_id, case_key = person_case(world, mailbox)
        start(world, case_id, case_key)
        world.clock.set(NEXT_AT + timedelta(minutes=1))
        spawn = multiprocessing.get_context("spawn")
        ready = spawn.Queue()
        child = spawn.Process(
            target=_claim_and_hang,
            args=(
                postgres_url(),
                world.schema,
                str(world.key_path),
                world.clock().isoformat(),
                ready,
            ),
        )
        child.start()
        try:
            assert ready.get(timeout=60) == 2
        finally:
            os.kill(child.pid or 0, signal.SIGKILL)
            child.join(30)
        assert child.exitcode == -signal.SIGKILL
        assert [r.status for r in jobs(world)] == ["sending", "sending"]

        other = world.worker()
        assert run_until_idle(other).sent == 0  # the lease still holds
        world.clock.advance(minutes=2, seconds=1)
        assert run_until_idle(other).sent == 2
        world.clock.advance(minutes=10)
        assert run_until_idle(other).sent == 0
    assert sorted(m["To"] for m in mailbox.raw) == ["sam0@example.org", "sam1@example.org"]
    rows = jobs(world)
    assert [(r.status, r.attempts, r.resent_after_crash) for r in rows] == [
        ("sent", 2, False),
        ("sent", 2, False),
    ]


def test_a_terminated_database_connection_loses_nothing_and_sends_once(world: World) -> None:
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    engine = world.server.engine
    killed: list[str] = []

    def terminate(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        moment = None
        if "FOR UPDATE SKIP LOCKED" in statement and "claim" not in killed:
            moment = "claim"
        elif "sent_at" in statement and statement.startswith("UPDATE") and "mark" not in killed:
            moment = "mark"
        if moment is None:
            return
        killed.append(moment)
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    try:
        with smtp_server() as mailbox:
            case_id, case_key = person_case(world, mailbox)
            start(world, case_id, case_key)
            world.clock.set(NEXT_AT + timedelta(minutes=1))
            worker = world.worker()
            event.listen(engine, "before_cursor_execute", terminate)
            try:
                first = alerts.tick(worker)  # the claim's connection dies: nothing taken
                assert (first.errors, first.sent) == (1, 0)
                assert [r.status for r in jobs(world)] == ["pending", "pending"]
                second = alerts.tick(worker)  # marking "sent" dies once: recorded again
                assert (second.errors, second.sent) == (0, 2)
            finally:
                event.remove(engine, "before_cursor_execute", terminate)
            world.clock.advance(minutes=30)
            assert run_until_idle(world.worker()).sent == 0
        assert killed == ["claim", "mark"]
        assert sorted(m["To"] for m in mailbox.raw) == ["sam0@example.org", "sam1@example.org"]
        assert [r.status for r in jobs(world)] == ["sent", "sent"]
    finally:
        admin.dispose()


# -- what the database shows ---------------------------------------------------------------------

MARKERS = {
    "contact": "ZQCONTACTNAMEMARK",
    "address": "zqcontactaddressmark@example.org",
    "where": "ZQWHEREMARK",
    "owner": "ZQOWNERMARK",
}


def test_dump_holds_no_contact_address_or_message(world: World) -> None:
    with smtp_server() as mailbox:
        case_id, case_key = create_case(world.server, "person:one")
        case = sign_in(world, case_id, case_key)
        try:
            settings.initialise(case, "GB", "Europe/London")
            checkins.save_alert_settings(
                case,
                checkins.AlertSettingsInput(
                    owner_name=MARKERS["owner"],
                    smtp_host="127.0.0.1",
                    smtp_port=str(mailbox.port),  # type: ignore[attr-defined]
                    smtp_security="none",
                    smtp_sender="alerts@example.org",
                ),
            )
            checkins.add_contact(
                case, checkins.ContactInput(name=MARKERS["contact"], email=MARKERS["address"])
            )
        finally:
            case.close()
        start(world, case_id, case_key, where=MARKERS["where"])
        world.clock.set(ALERT_AT + timedelta(minutes=1))
        assert run_until_idle(world.worker()).sent == 1
    assert MARKERS["where"] in body(mailbox.raw[0])  # the alert itself says it all
    dumped = subprocess.run(
        [
            "pg_dump",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-n",
            world.schema,
            "-n",
            f"case_{case_id}",
            "test",
        ],
        capture_output=True,
        check=True,
    ).stdout
    assert b"checkin_alert_jobs" in dumped
    assert [name for name, mark in MARKERS.items() if mark.encode() in dumped] == []


def test_checking_in_after_an_alert_sends_the_all_clear_to_who_was_alerted(world: World) -> None:
    with smtp_server() as mailbox:
        case_id, case_key = person_case(world, mailbox)
        ref = start(world, case_id, case_key)
        worker = world.worker()
        world.clock.set(ALERT_AT + timedelta(minutes=1))
        assert run_until_idle(worker).sent == 1
        world.clock.advance(minutes=5)
        case = sign_in(world, case_id, case_key)
        try:
            checkins.close_checkin(case, ref)
        finally:
            case.close()
        assert run_until_idle(worker).sent == 1
        world.clock.advance(hours=1)
        assert run_until_idle(worker).sent == 0
    assert [m["To"] for m in mailbox.raw] == ["sam0@example.org", "sam0@example.org"]
    assert mailbox.raw[1]["Subject"] != mailbox.raw[0]["Subject"]
    case = sign_in(world, case_id, case_key)
    try:
        alert_jobs.sync(case)
        with case.read() as conn:
            alert = case.store.load(conn, case.store.list_ids(conn, "alert"))[0]
        assert [(d["purpose"], d["to"]) for d in alert.data["deliveries"]] == [
            ("alert", "sam0@example.org"),
            ("all_clear", "sam0@example.org"),
        ]
    finally:
        case.close()


def test_the_emergency_code_alerts_everyone_at_once_while_signed_out(world: World) -> None:
    with smtp_server() as mailbox:
        case_id, case_key = person_case(world, mailbox, checkin_code="2468", duress_code="1357")
        ref = start(world, case_id, case_key)
        world.clock.set(START + timedelta(minutes=30))
        case = sign_in(world, case_id, case_key)
        try:
            checkins.close_checkin(case, ref, code="1357")
            assert checkins.checkin_view(case, ref).status == "done"  # looks like any check-in
        finally:
            case.close()
        assert run_until_idle(world.worker()).sent == 2
        world.clock.set(NEXT_AT + timedelta(hours=1))
        assert run_until_idle(world.worker()).sent == 0
    assert sorted(m["To"] for m in mailbox.raw) == ["sam0@example.org", "sam1@example.org"]
    case = sign_in(world, case_id, case_key)
    try:
        alert_jobs.sync(case)
        assert [h.cause for h in checkins.alert_history(case)] == ["duress"]
    finally:
        case.close()


def test_the_worker_process_of_server_run_sends_due_alerts(tmp_path: Path) -> None:
    """``run_worker(settings)`` as ``safetrail server run`` starts it: its own process, the
    key file from the settings, the real clock; stopped with SIGTERM."""
    from datetime import UTC, datetime

    from safetrail.server.settings import ServerSettings
    from tests.server_support import private_database

    with private_database() as url, smtp_server() as mailbox:
        server = Server.connect(url, tmp_path / "blobs")
        key_path = tmp_path / "keys" / "alert.key"
        try:
            server.init()
            alert_key.ensure(server.engine, key_path)
            # the person's clock: their check-in was due 45 minutes ago, in real time
            clock = ManualClock(datetime.now(UTC) - timedelta(hours=2))
            world = World(server, "safetrail", key_path, clock)
            case_id, case_key = person_case(world, mailbox, contacts=1)
            case = sign_in(world, case_id, case_key)
            try:
                checkins.start_checkin(
                    case, checkins.CheckinInput(where="Café Rosa", expected_by="in 1h")
                )
            finally:
                case.close()
            settings = ServerSettings.from_env(
                {}, database=url, blobs=tmp_path / "blobs", alert_key=key_path
            )
            process = multiprocessing.get_context("spawn").Process(
                target=alerts.run_worker, args=(settings,)
            )
            process.start()
            try:
                assert mailbox.data_started.wait(60)
            finally:
                os.kill(process.pid or 0, signal.SIGTERM)
                process.join(30)
            assert process.exitcode == 0
            assert [m["To"] for m in mailbox.raw] == ["sam0@example.org"]
            assert [r.status for r in jobs(world)] == ["sent"]
        finally:
            for case_id in case_ids(server):
                remove_case(server, case_id)
            server.close()


def test_the_open_ack_pages_work_on_the_server_while_signed_out(world: World) -> None:
    from fastapi.testclient import TestClient

    from safetrail.server.app import create_server_app
    from safetrail.server.settings import ServerSettings

    with smtp_server() as mailbox:
        case_id, case_key = person_case(world, mailbox)
        start(world, case_id, case_key)
        world.clock.set(ALERT_AT + timedelta(minutes=1))
        assert run_until_idle(world.worker()).sent == 1
        text = body(mailbox.raw[0])
        code = text.split("or enter the code ")[1].split()[0]
        assert (
            text.split("or enter the code ")[1].split()[2] == "https://safetrail.example.org/ack/"
        )
        settings = ServerSettings(database="unused", blobs=world.server.blobs_dir)
        app = create_server_app(settings, server=world.server, clock=world.clock)
        browser = TestClient(app, base_url="https://testserver")
        assert browser.get("/ack/", follow_redirects=False).status_code == 200  # no sign-in
        for typed in ("0000-0000-000", code.lower().replace("-", " ")):  # wrong, then right
            reply = browser.post("/ack/", data={"code": typed}, follow_redirects=False)
            assert reply.status_code == 200
        world.clock.set(NEXT_AT + timedelta(hours=1))
        assert run_until_idle(world.worker()).sent == 0
    assert len(mailbox.raw) == 1
    rows = jobs(world)
    assert [(r.status, r.ack_via) for r in rows] == [("sent", "code"), ("cancelled", None)]
