"""The threat scan's memory of texts: same flags as the engine, each text read once,
forgotten when the vault closes."""

from __future__ import annotations

from collections.abc import Sequence

from safetrail.analysis import scan_cache
from safetrail.analysis.service import analyse_vault
from safetrail.analysis.threats import ThreatEngine, ThreatFlag, rules_engine
from safetrail.services.vault import Vault

TEXTS: list[str | None] = [
    "good morning",
    "I will kill you",
    None,
    "",
    "good morning",
    "I know where you live",
    "I will kill you",
    "see you at six",
]


class CountingEngine(ThreatEngine):
    """The real rules engine, counting the texts it is asked to read."""

    def __init__(self, inner: ThreatEngine) -> None:
        self.__dict__.update(inner.__dict__)
        self.read: list[str | None] = []

    def scan(self, texts: Sequence[str | None]) -> dict[int, ThreatFlag]:
        self.read.extend(texts)
        return super().scan(texts)


def test_the_same_flags_as_the_engine_each_distinct_text_read_once() -> None:
    engine = CountingEngine(rules_engine())
    expected = rules_engine().scan(TEXTS)
    assert sorted(expected) == [1, 5, 6]
    assert scan_cache.scan(engine, TEXTS) == expected
    assert sorted(engine.read, key=str) == sorted(
        ["good morning", "I will kill you", "I know where you live", "see you at six"], key=str
    )
    engine.read.clear()
    again = ["see you at six", "I will kill you", "a new text"]
    assert scan_cache.scan(engine, again) == rules_engine().scan(again)
    assert engine.read == ["a new text"]
    scan_cache.clear()
    assert scan_cache.scan(engine, again) == rules_engine().scan(again)
    assert engine.read == ["a new text", *again]


def test_what_was_read_is_forgotten_when_the_vault_closes(vault: Vault) -> None:
    analyse_vault(vault)
    assert vault.on_close.count(scan_cache.clear) == 1
    analyse_vault(vault)
    assert vault.on_close.count(scan_cache.clear) == 1
    scan_cache.scan(rules_engine(), ["I will kill you"])
    assert scan_cache._known
    vault.close()
    assert not scan_cache._known
