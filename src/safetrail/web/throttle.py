"""Growing waits after wrong passphrases, per client and for the server as a whole.

A few typing slips cost nothing. After that each further wrong passphrase doubles the
wait before the next try is even checked (1 s, 2 s, 4 s ... up to 5 minutes), counted per
client address and, with a higher allowance, over all clients together, so that many
addresses (or one that changes) cannot try faster. A correct passphrase clears both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

FREE_PER_CLIENT = 3
FREE_OVERALL = 10
MAX_WAIT_SECONDS = 300.0
_OVERALL = "*"


def wait_after(failures: int, free: int) -> float:
    """Seconds to wait after ``failures`` wrong passphrases when ``free`` cost nothing."""
    if failures <= free:
        return 0.0
    return min(2.0 ** (failures - free - 1), MAX_WAIT_SECONDS)


@dataclass
class _Count:
    failures: int = 0
    last_at: float = 0.0


@dataclass
class UnlockThrottle:
    counts: dict[str, _Count] = field(default_factory=dict)

    def wait_seconds(self, client: str, now: float) -> int:
        """Whole seconds (rounded up) before ``client`` may try again; 0 means now."""
        waits = [0.0]
        for key, free in ((client, FREE_PER_CLIENT), (_OVERALL, FREE_OVERALL)):
            count = self.counts.get(key)
            if count is not None:
                waits.append(count.last_at + wait_after(count.failures, free) - now)
        return max(0, math.ceil(max(waits)))

    def failed(self, client: str, now: float) -> None:
        for key in (client, _OVERALL):
            count = self.counts.setdefault(key, _Count())
            count.failures += 1
            count.last_at = now
        if len(self.counts) > 1024:  # many addresses: forget the oldest, keep the total
            oldest = min((k for k in self.counts if k != _OVERALL), key=self._last_at)
            del self.counts[oldest]

    def succeeded(self) -> None:
        self.counts.clear()

    def _last_at(self, key: str) -> float:
        return self.counts[key].last_at
