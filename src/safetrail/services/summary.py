"""The case at a glance: what the home screen and the terminal summary show."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from safetrail.case import CaseContext
from safetrail.services import settings
from safetrail.storage import ledger
from safetrail.storage.records import utc_stamp
from safetrail.storage.tables import events, evidence, incident_tactics, incidents, people


@dataclass
class CaseSummary:
    country: str
    timezone: str
    incidents: int = 0
    incidents_last_7_days: int = 0
    first_incident: str | None = None
    last_incident: str | None = None
    people: int = 0
    evidence: int = 0
    notices: int = 0
    orders: int = 0
    top_tactics: list[tuple[str, int]] = field(default_factory=list)
    ledger_entries: int = 0
    head_hash: str = ledger.GENESIS


def summarise(vault: CaseContext, now: datetime | None = None) -> CaseSummary:
    place = settings.current(vault)
    moment = now or datetime.now(UTC)
    live = incidents.c.voided.is_(False)
    with vault.read() as conn:
        count, first, last = conn.execute(
            select(
                func.count(),
                func.min(incidents.c.occurred_start),
                func.max(incidents.c.occurred_start),
            ).where(live)
        ).one()
        recent = conn.execute(
            select(func.count()).where(
                live, incidents.c.occurred_start >= utc_stamp(moment - timedelta(days=7))
            )
        ).scalar()
        tactics = Counter(
            {
                row.tactic: row.n
                for row in conn.execute(
                    select(incident_tactics.c.tactic, func.count().label("n"))
                    .join(incidents, incidents.c.record_id == incident_tactics.c.incident_id)
                    .where(live)
                    .group_by(incident_tactics.c.tactic)
                )
            }
        )
        n_people = conn.execute(select(func.count()).where(people.c.voided.is_(False))).scalar()
        n_evidence = conn.execute(select(func.count()).where(evidence.c.voided.is_(False))).scalar()
        by_kind = {
            str(kind): int(n)
            for kind, n in conn.execute(
                select(events.c.kind, func.count())
                .where(events.c.voided.is_(False))
                .group_by(events.c.kind)
            )
        }
        top = ledger.head(conn)
    return CaseSummary(
        country=place.country,
        timezone=place.timezone,
        incidents=int(count or 0),
        incidents_last_7_days=int(recent or 0),
        first_incident=first,
        last_incident=last,
        people=int(n_people or 0),
        evidence=int(n_evidence or 0),
        notices=int(by_kind.get("notice", 0)),
        orders=int(by_kind.get("order", 0)),
        top_tactics=sorted(tactics.items(), key=lambda kv: (-kv[1], kv[0]))[:5],
        ledger_entries=top.seq if top else 0,
        head_hash=top.entry_hash if top else ledger.GENESIS,
    )
