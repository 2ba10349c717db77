"""The threat scan's memory of texts: same flags as the engine, each text read once,
kept per case and forgotten when the case closes."""

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
    memo = scan_cache.Memo()
    assert scan_cache.scan(engine, TEXTS, memo) == expected
    assert sorted(engine.read, key=str) == sorted(
        ["good morning", "I will kill you", "I know where you live", "see you at six"], key=str
    )
    engine.read.clear()
    again = ["see you at six", "I will kill you", "a new text"]
    assert scan_cache.scan(engine, again, memo) == rules_engine().scan(again)
    assert engine.read == ["a new text"]
    # another case's memo (or none) has read nothing of this one's texts
    assert scan_cache.scan(engine, again, scan_cache.Memo()) == rules_engine().scan(again)
    assert engine.read == ["a new text", *again]
    engine.read.clear()
    assert scan_cache.scan(engine, ["ok", "ok", None, "ok"]) == {}
    assert engine.read == ["ok"]


def test_what_was_read_belongs_to_the_case_and_goes_when_it_closes(vault: Vault) -> None:
    analyse_vault(vault)
    memo = scan_cache.memo_for(vault)
    assert scan_cache.memo_for(vault) is memo
    scan_cache.scan(rules_engine(), ["I will kill you"], memo)
    assert "I will kill you" in memo.known
    vault.close()
    assert scan_cache.CACHE_KEY not in vault.cache
