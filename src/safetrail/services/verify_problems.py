"""One problem ``verify`` found: where it is and what is wrong with it.

Its own module so that every part of ``verify`` (the ledger and records in
``services.verify``, imported communications in ``services.verify_comms``) can name
problems without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"
