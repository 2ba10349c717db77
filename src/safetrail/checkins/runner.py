"""Running the scheduler: as ``safetrail daemon``, and inside the web app.

Both need the unlocked vault: the database, the message settings and the contacts'
addresses are all encrypted with its key. So alerts can only go out while some
SafeTrail process holds the vault unlocked; that is the price of keeping
everything encrypted on the person's own machine. The daemon keeps the vault open
for as long as it runs; the web app ticks only while someone has it unlocked.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from safetrail.checkins.scheduler import CheckinContext, TickReport, run, tick

if TYPE_CHECKING:
    from safetrail.case import CaseContext

log = logging.getLogger("safetrail.checkins")

DAEMON_INTERVAL_SECONDS = 5.0
WEB_INTERVAL_SECONDS = 5.0


def tick_vault(vault: CaseContext) -> TickReport:
    return tick(CheckinContext.for_vault(vault))


async def run_in_app(
    current_vault: Callable[[], CaseContext | None], interval: float = WEB_INTERVAL_SECONDS
) -> None:
    """The web app's scheduler task: a tick every ``interval`` seconds while unlocked.

    The tick runs in a worker thread (it talks to mail servers); a lock in the
    meantime lets it finish, and the next round sees no vault and does nothing.
    """
    while True:
        await asyncio.sleep(interval)
        vault = current_vault()
        if vault is None:
            continue
        try:
            await asyncio.to_thread(tick_vault, vault)
        except Exception:  # the app must keep serving pages whatever happens here
            log.exception("the check-in scheduler failed; trying again shortly")


def run_daemon(
    vault: CaseContext, interval: float = DAEMON_INTERVAL_SECONDS, once: bool = False
) -> int:
    """Run until SIGTERM or SIGINT (finishing the message in hand), or one tick."""
    ctx = CheckinContext.for_vault(vault)
    if once:
        report = tick(ctx)
        return 1 if report.errors else 0
    stop = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info("SafeTrail daemon started (worker %s)", ctx.worker.id)
        run(ctx, stop, interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("SafeTrail daemon stopped")
    return 0
