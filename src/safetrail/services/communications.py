"""Imported communications as the rest of SafeTrail reads them (analysis and reports)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection, select

from safetrail.analysis.facts import CommunicationLog
from safetrail.services.imports.summaries import _CHANNEL_SLUG
from safetrail.storage.comm_tables import communications as comms

__all__ = ["channel_slug", "load_log"]


def channel_slug(channel: str) -> str:
    """The incident channel an imported channel belongs to ("sms" → "text_message")."""
    return _CHANNEL_SLUG.get(channel, "other")


def load_log(conn: Connection) -> CommunicationLog:
    """Every live, non-system communication as columns (for analysis)."""
    rows = conn.execute(
        select(
            comms.c.id,
            comms.c.at,
            comms.c.direction,
            comms.c.channel,
            comms.c.person_id,
            comms.c.text,
        )
        .where(comms.c.undone.is_(False), comms.c.system.is_(False))
        .order_by(comms.c.at, comms.c.id)
    ).all()
    if not rows:
        return CommunicationLog.empty()
    ids, stamps, directions, channels, people, texts = zip(*rows, strict=True)
    epoch = np.array([s[:19] for s in stamps], dtype="datetime64[s]").astype(np.int64)
    slugs = {c: channel_slug(c) for c in set(channels)}
    return CommunicationLog.from_columns(
        epoch,
        [d != "outgoing" for d in directions],
        [slugs[c] for c in channels],
        list(people),
        list(texts),
        [f"C-{i}" for i in ids],
    )
