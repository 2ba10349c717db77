"""The analysis kept between requests on the server (``server.kept``): sealed under the
case key, found only by the view it was computed for, gone when the case changes, read
back by any web process."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from safetrail.analysis.case import Analysis
from safetrail.analysis.serialize import analysis_json
from safetrail.analysis.threats import ThreatEngine, ThreatFlag
from safetrail.i18n import use_language
from safetrail.server import kept
from safetrail.server.accounts import READ
from safetrail.server.cases import Server, ServerCase, create_case, open_case
from safetrail.server.sharing import ALL, RANGE, Scope, SharedCase
from safetrail.services import analysis_cache, settings
from safetrail.services.incidents import IncidentInput, record_incident
from tests.conftest import StepClock, postgres_url
from tests.server_support import fresh_server

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
INCIDENTS = (
    ("2026-11-02 18:00", "He waited outside my house again and said he would kill me"),
    ("2026-11-09 08:30", "He followed me to work in the grey van"),
    ("2026-11-16 21:10", "He sent twenty messages overnight"),
    ("2026-11-23 19:45", "He was outside my house again"),
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with fresh_server(tmp_path) as made:
        yield made


@pytest.fixture
def case(server: Server) -> Iterator[tuple[str, bytearray]]:
    case_id, case_key = create_case(server, "person:one")
    ctx = open_case(server, case_id, case_key, "person:one", clock=StepClock())
    try:
        settings.initialise(ctx, "GB", "Europe/London")
        for when, what in INCIDENTS:
            record_incident(ctx, IncidentInput(what_happened=what, when=when))
    finally:
        ctx.close()
    yield case_id, case_key


class Counted:
    """``analyse_vault`` as the cache calls it, counting the real analyses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = analysis_cache.analyse_vault

        def counted(*args: Any, **kwargs: Any) -> Analysis:
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(analysis_cache, "analyse_vault", counted)


def _opened(server: Server, case: tuple[str, bytearray]) -> ServerCase:
    """One request's opening of the case (as the provider does it)."""
    return open_case(server, case[0], case[1], "person:one", clock=StepClock())


def _shared(server: Server, case: tuple[str, bytearray], scope: Scope) -> SharedCase:
    return SharedCase(server, case[0], case[1], "advocate:ada", scope, READ, clock=StepClock())


def _analysis(ctx: ServerCase) -> Analysis:
    try:
        return analysis_cache.case_analysis(ctx)
    finally:
        ctx.close()


def _kept_rows(server: Server, case_id: str) -> list[tuple[str, str, int]]:
    with server.engine.connect() as conn:
        rows = conn.execute(
            select(
                kept.kept_results.c.view, kept.kept_results.c.slot, kept.kept_results.c.head_seq
            ).where(kept.kept_results.c.case_id == case_id)
        ).all()
    # the threat scan's memory of texts (not tied to the ledger) is looked at on its own
    return sorted((str(r.view), str(r.slot), int(r.head_seq)) for r in rows if r.head_seq >= 0)


def _shape(found: Analysis) -> dict[str, Any]:
    """What the pages show of an analysis, comparable (the JSON of ``analyze --json``,
    and the flags and counts the charts draw)."""
    return {
        **analysis_json(found),
        "incident_flags": sorted(found.incident_flags),
        "facts": [(f.ref, f.start.isoformat(), f.text) for f in found.facts.incidents],
        "table_days": found.table.clock.day.tolist(),
    }


def test_a_kept_analysis_equals_a_fresh_one_and_is_not_computed_again(
    server: Server, case: tuple[str, bytearray], monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = Counted(monkeypatch)
    first = _analysis(_opened(server, case))
    assert counted.calls == 1
    assert _kept_rows(server, case[0]) == [("case", "analysis:en", 6)]  # settings, 4 incidents
    again = _analysis(_opened(server, case))  # the next request: a new opening of the case
    assert counted.calls == 1
    fresh_ctx = _opened(server, case)
    try:
        fresh = analysis_cache.analyse_vault(fresh_ctx)
    finally:
        fresh_ctx.close()
    assert _shape(again) == _shape(fresh) == _shape(first)
    assert again.pattern.incidents == 4
    assert [s.kind for s in again.signals] == [s.kind for s in fresh.signals]


def test_any_write_forgets_what_was_kept(
    server: Server, case: tuple[str, bytearray], monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = Counted(monkeypatch)
    _analysis(_opened(server, case))
    assert _kept_rows(server, case[0]) == [("case", "analysis:en", 6)]
    ctx = _opened(server, case)
    try:
        record_incident(ctx, IncidentInput(what_happened="He rang at night", when="2026-11-30"))
    finally:
        ctx.close()
    assert _kept_rows(server, case[0]) == []  # removed with the new signed checkpoint
    after = _analysis(_opened(server, case))
    assert counted.calls == 2
    assert after.pattern.incidents == 5
    assert _kept_rows(server, case[0]) == [("case", "analysis:en", 7)]


def test_after_a_write_the_threat_scan_reads_only_the_new_text(
    server: Server, case: tuple[str, bytearray], monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[list[str | None]] = []
    real = ThreatEngine.scan

    def counted(self: ThreatEngine, texts: Sequence[str | None]) -> dict[int, ThreatFlag]:
        read.append(list(texts))
        return real(self, texts)

    monkeypatch.setattr(ThreatEngine, "scan", counted)
    _analysis(_opened(server, case))
    assert sorted(t for batch in read for t in batch if t) == sorted(w for _d, w in INCIDENTS)
    ctx = _opened(server, case)
    try:
        record_incident(ctx, IncidentInput(what_happened="He rang at night", when="2026-11-30"))
    finally:
        ctx.close()
    read.clear()
    after = _analysis(_opened(server, case))  # a new opening: the memory comes from the store
    assert read == [["He rang at night"]]
    assert after.pattern.incidents == 5
    with server.engine.connect() as conn:
        slots = conn.execute(
            select(kept.kept_results.c.slot, kept.kept_results.c.head_seq).where(
                kept.kept_results.c.case_id == case[0]
            )
        ).all()
    assert sorted((str(r.slot), int(r.head_seq)) for r in slots) == [
        ("analysis:en", 7),
        ("threat-scan", -1),
    ]


def test_a_second_web_process_reads_the_kept_analysis(
    server: Server, case: tuple[str, bytearray], monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = Counted(monkeypatch)
    mine = _analysis(_opened(server, case))
    assert counted.calls == 1
    schema = dict(server.engine.get_execution_options()["schema_translate_map"])["safetrail"]
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from safetrail.analysis.serialize import analysis_json\n"
        "from safetrail.server.cases import Server, open_case\n"
        "from safetrail.services import analysis_cache\n"
        "def refused(*args, **kwargs):\n"
        "    raise SystemExit('analysed again instead of reading the kept analysis')\n"
        "analysis_cache.analyse_vault = refused\n"
        "url, blobs, schema, case_id = sys.argv[1:5]\n"
        "key = bytearray.fromhex(sys.stdin.read().strip())\n"
        "server = Server.connect(url, Path(blobs), server_schema=schema)\n"
        "ctx = open_case(server, case_id, key, 'person:one')\n"
        "found = analysis_cache.case_analysis(ctx)\n"
        "print(json.dumps([analysis_json(found), sorted(found.incident_flags),"
        " [f.text for f in found.facts.incidents]]))\n"
        "ctx.close()\n"
        "server.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, postgres_url(), str(server.blobs_dir), schema, case[0]],
        input=case[1].hex(),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    theirs = json.loads(done.stdout)
    assert theirs == json.loads(
        json.dumps(
            [
                analysis_json(mine),
                sorted(mine.incident_flags),
                [f.text for f in mine.facts.incidents],
            ]
        )
    )


def test_each_view_of_a_case_finds_only_its_own_kept_analysis(
    server: Server, case: tuple[str, bytearray], monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = Counted(monkeypatch)
    whole = _analysis(_opened(server, case))
    assert counted.calls == 1
    ranged = Scope(RANGE, date(2026, 11, 8), date(2026, 11, 17))
    _analysis(_shared(server, case, ranged))  # not the whole case's result
    assert counted.calls == 2
    _analysis(_shared(server, case, Scope(ALL)))  # nor for an "everything" share
    assert counted.calls == 3
    _analysis(_shared(server, case, Scope(ALL)))  # a second advocate with the same scope
    _analysis(_shared(server, case, ranged))
    assert counted.calls == 3
    assert _kept_rows(server, case[0]) == [
        ("case", "analysis:en", 6),
        ("share:all", "analysis:en", 6),
        ("share:range:2026-11-08:2026-11-17", "analysis:en", 6),
    ]
    assert whole.pattern.incidents == 4


def test_the_language_and_the_impacts_are_kept_apart(
    server: Server, case: tuple[str, bytearray], monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = Counted(monkeypatch)
    with use_language("en"):
        english = _analysis(_opened(server, case))
    with use_language("ja"):
        japanese = _analysis(_opened(server, case))
    assert counted.calls == 2  # signals are worded when computed
    assert [s.kind for s in english.signals] == [s.kind for s in japanese.signals]
    with use_language("en"):
        ctx = _opened(server, case)
        try:
            analysis_cache.case_analysis(ctx, with_impacts=True)
        finally:
            ctx.close()
        assert counted.calls == 3
        _analysis(_opened(server, case))
        assert counted.calls == 3
    assert sorted(r[1] for r in _kept_rows(server, case[0])) == [
        "analysis+impacts:en",
        "analysis:en",
        "analysis:ja",
    ]


def test_a_kept_value_only_opens_with_its_case_key_and_builds_only_analysis_classes(
    server: Server, case: tuple[str, bytearray]
) -> None:
    store = kept.KeptResults(server.engine, case[0], case[1])
    store.save("probe", "v1", 1, {"fine": [1, 2, 3]})
    assert store.load("probe", "v1") == {"fine": [1, 2, 3]}
    assert store.load("probe", "v2") is None  # another version is not returned
    other = kept.KeptResults(server.engine, case[0], bytearray(32))
    assert other.load("probe", "v1") is None  # another key opens nothing
    moved = kept.KeptResults(server.engine, case[0], case[1], view="share:all")
    assert moved.load("probe", "v1") is None
    with server.engine.begin() as conn:  # the row copied to another view does not open
        row = conn.execute(
            select(kept.kept_results).where(kept.kept_results.c.slot == "probe")
        ).one()
        conn.execute(kept.kept_results.insert().values({**row._mapping, "view": "share:all"}))
    assert moved.load("probe", "v1") is None

    class Boom:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return (print, ("this must never run",))

    with pytest.raises(pickle.UnpicklingError, match=r"builtins\.print is not part"):
        kept._loads(pickle.dumps(Boom()))
    store.save("probe", "v3", 2, Boom())  # even sealed with the right key
    assert store.load("probe", "v3") is None
    store.wipe()
    other.wipe()
    moved.wipe()
