"""Server mode: two workers share the check-ins and the outbox on PostgreSQL.

Both advance the schedule and claim messages at the same time (``FOR UPDATE SKIP
LOCKED``); the receiver must see every alert exactly once — counted raw, with no
de-duplication on its side — and the ledger must stay one valid chain.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from safetrail.checkins import outbox
from safetrail.checkins.acks import AckKeys
from safetrail.checkins.model import AlertSettings, ChannelSpec, Plan, contact_data
from safetrail.checkins.scheduler import CheckinContext, start_schedule, tick
from safetrail.checkins.tables import checkin_outbox
from safetrail.services.verify import VerifyReport, verify_database
from safetrail.storage import migrate
from safetrail.storage.engine import url_engine
from safetrail.storage.records import RecordStore
from tests.test_checkins_support import START, ManualClock, http_receiver

pytestmark = pytest.mark.postgres

CHECKINS = 12
CONTACTS = 3


@pytest.fixture
def engines(pg_schema: tuple[str, str]) -> Iterator[list[Engine]]:
    url, schema = pg_schema
    made = [url_engine(url, schema=schema) for _ in range(3)]
    migrate.upgrade(made[0])
    yield made
    for engine in made:
        engine.dispose()


def test_two_workers_never_send_the_same_alert_twice(engines: list[Engine]) -> None:
    clock = ManualClock()
    setup = RecordStore(engines[0], clock=clock)
    keys = AckKeys.derive(b"server-mode test key material!!!")
    with http_receiver() as hook:
        hook.delay = 0.01  # a little work per message, so the two workers overlap
        with setup.writing() as conn:
            settings = {"country": "GB", "timezone": "Europe/London"}
            settings["alerting"] = AlertSettings(owner_name="Alex").to_json()  # type: ignore[assignment]
            setup.create(conn, "settings", settings)
            for n in range(CONTACTS):
                channel = ChannelSpec("webhook", f"{hook.url}/c{n}", "s" * 16 + str(n))
                setup.create(conn, "contact", contact_data(f"Contact {n}", None, n + 1, [channel]))
            for n in range(CHECKINS):
                plan = Plan(
                    where=f"Place {n}",
                    with_whom=None,
                    expected_by=START + timedelta(hours=1),
                    grace_minutes=15,
                    remind_minutes=0,
                    escalate_minutes=15,
                    tz="Europe/London",
                )
                record = setup.create(conn, "checkin", plan.to_json())
                start_schedule(conn, record.id, plan, clock())

        workers = [
            CheckinContext(
                store=RecordStore(engine, clock=clock),
                keys=keys,
                worker=outbox.Worker.new(),
                batch=2,
            )
            for engine in engines[1:]
        ]
        sent = Counter[str]()
        failures: list[BaseException] = []

        def work(ctx: CheckinContext) -> None:
            try:
                idle = 0
                while idle < 3:
                    report = tick(ctx)
                    assert report.errors == 0
                    sent[ctx.worker.id] += report.sent
                    idle = 0 if report.busy else idle + 1
            except BaseException as exc:  # surfaced below
                failures.append(exc)

        # Three rounds: the first contact of every check-in, then the second, the third.
        for minutes in (75, 90, 105):
            clock.set(START + timedelta(minutes=minutes))
            threads = [threading.Thread(target=work, args=(ctx,)) for ctx in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert failures == []

    keys_seen = hook.keys()
    assert len(keys_seen) == CHECKINS * CONTACTS
    assert Counter(keys_seen).most_common(1)[0][1] == 1  # no key arrived twice
    assert sorted(Counter(r.path for r in hook.requests).values()) == [CHECKINS] * CONTACTS
    assert sum(sent.values()) == CHECKINS * CONTACTS
    assert all(count > 0 for count in sent.values()), sent  # the work was shared

    with setup.reading() as conn:
        statuses = Counter(conn.execute(select(checkin_outbox.c.status)).scalars())
        alerts = setup.load(conn, setup.list_ids(conn, "alert"))
        raised = conn.execute(select(func.count()).select_from(checkin_outbox)).scalar()
        report = VerifyReport()
        verify_database(conn, report)
    assert statuses == {"sent": CHECKINS * CONTACTS} and raised == CHECKINS * CONTACTS
    assert len(alerts) == CHECKINS  # each check-in raised its alert once
    for alert in alerts:
        assert [d["status"] for d in alert.data["deliveries"]] == ["sent"] * CONTACTS
        assert len(alert.data["notified"]) == CONTACTS
    assert report.ok, report.problems
