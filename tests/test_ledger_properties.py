"""Properties of the append-only record store and its hash-chained ledger.

A Hypothesis state machine adds, amends and voids records on one vault (and tries to
change voided records, which must be refused without a trace) and after every step
checks the whole history against a model. A second set of tests alters one row of the
database with raw SQL and expects ``verify`` to name the damaged record.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import Connection, delete, select, update

from safetrail import canonical
from safetrail.domain import vocab
from safetrail.errors import RecordVoided, ValidationError
from safetrail.services import incidents
from safetrail.services.vault import Vault, create_vault
from safetrail.services.verify import VerifyReport, verify
from safetrail.storage import ledger as ledger_mod
from safetrail.storage.records import content_hash
from safetrail.storage.tables import incidents as incidents_table
from safetrail.storage.tables import ledger, records, versions

PASSPHRASE = "ledger property passphrase"
BASE_RECORDS = 2  # create_vault records the case and the settings


@pytest.fixture(scope="module", autouse=True)
def weak_kdf() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAFETRAIL_TEST_WEAK_KDF", "1")
        yield


# -- what gets submitted ------------------------------------------------------------------

# Any Unicode a person can type (lone surrogates are not text and cannot be stored).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
WORDS = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60).filter(
    lambda s: s.strip() != ""
)
REASONS = WORDS

JSON_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
GENERIC_DATA = st.dictionaries(TEXT, JSON_VALUE, max_size=4)
GENERIC_KINDS = ("case", "custody")

TACTIC_SLUGS = sorted(t.slug for t in vocab.TACTICS)
CHANNEL_SLUGS = sorted(c.slug for c in vocab.CHANNELS)


@st.composite
def incident_data(draw: st.DrawFn) -> dict[str, Any]:
    """Data shaped like incidents.build_data's output (the projection needs that shape)."""
    start = draw(
        st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2030, 12, 31),
            timezones=st.just(UTC),
        )
    )
    end = draw(st.none() | st.integers(1, 10_000).map(lambda m: start + timedelta(minutes=m)))
    located = draw(st.booleans())
    coordinate = st.floats(-90, 90, allow_nan=False)
    return {
        "occurred": {
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": end.strftime("%Y-%m-%dT%H:%M:%SZ") if end else None,
            "precision": draw(st.sampled_from(["minute", "day", "month"])),
            "tz": draw(st.sampled_from(["Europe/London", "Asia/Tokyo", "UTC"])),
        },
        "location": {
            "text": draw(st.none() | WORDS),
            "latitude": draw(coordinate) if located else None,
            "longitude": draw(coordinate) if located else None,
        },
        "what_happened": draw(WORDS),
        "tactics": draw(
            st.lists(st.sampled_from(TACTIC_SLUGS), unique=True, max_size=3).map(sorted)
        ),
        "channel": draw(st.none() | st.sampled_from(CHANNEL_SLUGS)),
        "offender_ids": [],
        "witnesses": draw(
            st.lists(
                st.fixed_dictionaries({"name": WORDS, "contact": st.none() | TEXT}), max_size=2
            )
        ),
        "fear": draw(st.none() | st.integers(0, 4)),
        "impacts": [],
        "police": {
            "reported": draw(st.none() | st.booleans()),
            "reference": draw(st.none() | WORDS),
            "officer": None,
            "badge": None,
        },
        "evidence_ids": [],
        "private_note": draw(st.none() | TEXT),
    }


def data_for(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    return incident_data() if kind == "incident" else GENERIC_DATA


# -- the model ----------------------------------------------------------------------------------


@dataclass
class Expected:
    id: str
    kind: str
    ref: str
    versions: list[tuple[str, str, str | None]] = field(default_factory=list)  # op, data, reason

    @property
    def voided(self) -> bool:
        return self.versions[-1][0] == "void"


def snapshot(vault: Vault, record_id: str) -> tuple[Any, ...]:
    """Everything a refused change must leave exactly as it was."""
    with vault.read() as conn:
        rows = conn.execute(select(ledger).order_by(ledger.c.seq)).all()
        history = vault.store.history(conn, record_id)
        head = conn.execute(select(records).where(records.c.id == record_id)).one()
    return (tuple(map(tuple, rows)), tuple(history), tuple(head), vault.read_checkpoint())


class LedgerMachine(RuleBasedStateMachine):
    handles = Bundle("records")

    @initialize(target=handles, first=incident_data())
    def open_vault(self, first: dict[str, Any]) -> str:
        self.folder = Path(tempfile.mkdtemp(prefix="safetrail-ledger-"))
        self.vault = create_vault(self.folder / "vault", PASSPHRASE, "GB", "Europe/London")
        self.expected: dict[str, Expected] = {}
        self.log: list[tuple[str, int]] = []  # (record id, version) in commit order
        self.refs: dict[str, int] = {"case": 1, "settings": 1}  # made by create_vault
        return self._create("incident", first)

    def teardown(self) -> None:
        vault = getattr(self, "vault", None)
        if vault is not None:
            vault.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _write(self, action: Callable[[Connection], Any]) -> Any:
        with self.vault.write() as conn:
            return action(conn)

    def _record(
        self, expected: Expected, op: str, data: dict[str, Any], reason: str | None
    ) -> None:
        expected.versions.append((op, canonical.dumps(data), reason))
        self.log.append((expected.id, len(expected.versions)))

    # -- successful changes --

    @rule(target=handles, kind=st.sampled_from(["incident", *GENERIC_KINDS]), draw=st.data())
    def add(self, kind: str, draw: st.DataObject) -> str:
        return self._create(kind, draw.draw(data_for(kind), label="data"))

    def _create(self, kind: str, data: dict[str, Any]) -> str:
        record = self._write(lambda conn: self.vault.store.create(conn, kind, data))
        self.refs[kind] = self.refs.get(kind, 0) + 1
        expected = Expected(record.id, kind, record.ref)
        assert record.ref_no == self.refs[kind]
        self._record(expected, "create", data, None)
        self.expected[record.id] = expected
        assert record.head.version == 1
        return str(record.id)

    @rule(record_id=handles, draw=st.data(), reason=REASONS)
    def amend(self, record_id: str, draw: st.DataObject, reason: str) -> None:
        expected = self.expected[record_id]
        data = draw.draw(data_for(expected.kind), label="data")
        current = expected.versions[-1][1]
        before = snapshot(self.vault, record_id)
        if expected.voided:
            event("amend refused: voided")
            with pytest.raises(RecordVoided):
                self._write(lambda conn: self.vault.store.amend(conn, record_id, data, reason))
        elif canonical.dumps(data) == current:
            event("amend refused: nothing changed")
            with pytest.raises(ValidationError):
                self._write(lambda conn: self.vault.store.amend(conn, record_id, data, reason))
        else:
            record = self._write(lambda conn: self.vault.store.amend(conn, record_id, data, reason))
            self._record(expected, "amend", data, reason)
            assert record.head.version == len(expected.versions)
            assert not record.voided
            return
        assert snapshot(self.vault, record_id) == before

    @rule(record_id=handles, reason=REASONS)
    def void(self, record_id: str, reason: str) -> None:
        expected = self.expected[record_id]
        before = snapshot(self.vault, record_id)
        if expected.voided:
            event("void refused: voided")
            with pytest.raises(RecordVoided):
                self._write(lambda conn: self.vault.store.void(conn, record_id, reason))
            assert snapshot(self.vault, record_id) == before
            return
        record = self._write(lambda conn: self.vault.store.void(conn, record_id, reason))
        self._record(expected, "void", json.loads(expected.versions[-1][1]), reason)
        assert record.voided
        assert record.head.version == len(expected.versions)

    # -- refused changes (explicitly aimed at voided records, and at no-op amends) --

    def _voided(self) -> list[str]:
        return [r.id for r in self.expected.values() if r.voided]  # creation order: ids are random

    @precondition(lambda self: any(r.voided for r in self.expected.values()))
    @rule(draw=st.data(), reason=REASONS, also_data=st.booleans())
    def change_voided(self, draw: st.DataObject, reason: str, also_data: bool) -> None:
        record_id = draw.draw(st.sampled_from(self._voided()), label="voided record")
        expected = self.expected[record_id]
        before = snapshot(self.vault, record_id)
        if also_data:
            data = draw.draw(data_for(expected.kind), label="data")
            with pytest.raises(RecordVoided):
                self._write(lambda conn: self.vault.store.amend(conn, record_id, data, reason))
        else:
            with pytest.raises(RecordVoided):
                self._write(lambda conn: self.vault.store.void(conn, record_id, reason))
        assert snapshot(self.vault, record_id) == before

    @precondition(lambda self: any(not r.voided for r in self.expected.values()))
    @rule(draw=st.data(), reason=st.sampled_from(["", "   ", "\n"]))
    def change_without_reason(self, draw: st.DataObject, reason: str) -> None:
        live = [r.id for r in self.expected.values() if not r.voided]
        record_id = draw.draw(st.sampled_from(live), label="live record")
        expected = self.expected[record_id]
        data = draw.draw(data_for(expected.kind), label="data")
        before = snapshot(self.vault, record_id)
        with pytest.raises(ValidationError):
            self._write(lambda conn: self.vault.store.amend(conn, record_id, data, reason))
        with pytest.raises(ValidationError):
            self._write(lambda conn: self.vault.store.void(conn, record_id, reason))
        assert snapshot(self.vault, record_id) == before

    # -- what must always hold --

    @invariant()
    def history_matches_model(self) -> None:
        total = sum(len(r.versions) for r in self.expected.values())
        with self.vault.read() as conn:
            rows = conn.execute(select(ledger).order_by(ledger.c.seq)).all()
            assert len(rows) == BASE_RECORDS + total

            # The chain: consecutive seqs, each entry linking to the one before, every
            # entry hash recomputed from its fields.
            prev = ledger_mod.GENESIS
            for number, row in enumerate(rows, start=1):
                assert row.seq == number
                assert row.prev_hash == prev
                recomputed = ledger_mod.entry_hash(
                    row.seq,
                    row.kind,
                    row.record_id,
                    row.version,
                    row.content_sha256,
                    row.prev_hash,
                    row.recorded_at,
                )
                assert recomputed == row.entry_hash
                prev = row.entry_hash
            assert [(r.record_id, r.version) for r in rows[BASE_RECORDS:]] == self.log

            assert sorted(self.vault.store.list_ids(conn, "incident")) == sorted(
                r.id for r in self.expected.values() if r.kind == "incident"
            )
            for expected in self.expected.values():
                history = self.vault.store.history(conn, expected.id)
                record = self.vault.store.get(conn, expected.id)
                ops = [v.op for v in history]
                assert [v.version for v in history] == list(range(1, len(history) + 1))
                assert ops[0] == "create"
                assert set(ops[1:-1]) <= {"amend"}
                assert ops[1:] == [] or ops[-1] in {"amend", "void"}
                assert ops == [op for op, _d, _r in expected.versions]
                assert [canonical.dumps(v.data) for v in history] == [
                    d for _op, d, _r in expected.versions
                ]
                assert [v.reason for v in history] == [r for _op, _d, r in expected.versions]
                assert record.ref == expected.ref
                assert record.voided == expected.voided
                assert record.head == history[-1]
                for version in history:
                    entry = rows[version.ledger_seq - 1]
                    assert entry.record_id == expected.id
                    assert entry.version == version.version
                    assert entry.kind == f"{expected.kind}.{version.op}"
                    assert entry.content_sha256 == version.content_sha256
                    assert entry.recorded_at == version.recorded_at
                    assert version.content_sha256 == content_hash(
                        expected.id,
                        expected.kind,
                        version.version,
                        version.op,
                        version.reason,
                        version.actor,
                        version.recorded_at,
                        canonical.dumps(version.data),
                    )

        report = verify(self.vault)
        assert report.ok, "\n".join(str(p) for p in report.problems)
        assert report.entries == len(rows)
        assert report.versions == len(rows)
        assert report.records == BASE_RECORDS + len(self.expected)
        assert report.head_hash == prev
        checkpoint = self.vault.read_checkpoint()
        assert checkpoint is not None
        assert (checkpoint.seq, checkpoint.entry_hash) == (len(rows), prev)


LedgerMachine.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
test_ledger_state_machine = LedgerMachine.TestCase


# -- tampering with one row ----------------------------------------------------------------------


@dataclass
class Scene:
    vault: Vault
    ids: dict[str, str]  # "I-0001" → record id


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    """I-0001 (v1, v2), I-0002 (create, amend, void: its void is the ledger head), I-0003 (v1)."""
    vault = create_vault(tmp_path / "vault", PASSPHRASE, "GB", "Europe/London")
    first = incidents.record_incident(
        vault, incidents.IncidentInput("Followed me home", when="2026-03-01 18:00")
    )
    second = incidents.record_incident(
        vault, incidents.IncidentInput("Waited outside work", when="2026-03-02 17:30")
    )
    third = incidents.record_incident(
        vault, incidents.IncidentInput("Sent flowers to my door", when="2026-03-03 09:15")
    )
    incidents.amend_incident(vault, "I-0002", {"what_happened": "Waited by my car"}, "detail")
    incidents.amend_incident(vault, "I-0001", {"fear": 3}, "added fear")
    incidents.void_incident(vault, "I-0002", "logged twice")
    ids = {r.ref: r.id for r in (first, second, third)}
    report = verify(vault)
    assert report.ok, report.problems
    assert (report.entries, report.versions, report.records) == (8, 8, 5)
    yield Scene(vault, ids)
    vault.close()


def _version_where(record_id: str, number: int) -> Any:
    return (versions.c.record_id == record_id) & (versions.c.version == number)


def _seq_of(conn: Connection, record_id: str, number: int) -> int:
    return int(
        conn.execute(
            select(versions.c.ledger_seq).where(_version_where(record_id, number))
        ).scalar_one()
    )


def _ledger_where(conn: Connection, record_id: str, number: int) -> Any:
    return ledger.c.seq == _seq_of(conn, record_id, number)


Tamper = Callable[[Connection, str, str], None]  # conn, id of I-0002, id of I-0001


def version_data(conn: Connection, rid: str, _other: str) -> None:
    row = conn.execute(select(versions.c.data).where(_version_where(rid, 2))).scalar_one()
    changed = row.replace("Waited by my car", "Was never there")
    assert changed != row
    conn.execute(update(versions).where(_version_where(rid, 2)).values(data=changed))


def version_data_and_hash(conn: Connection, rid: str, _other: str) -> None:
    """Rewrite a version's data and its own content hash, consistently."""
    row = conn.execute(select(versions).where(_version_where(rid, 2))).one()
    data = json.loads(row.data)
    data["what_happened"] = "Was never there"
    text = canonical.dumps(data)
    digest = content_hash(rid, "incident", 2, row.op, row.reason, row.actor, row.recorded_at, text)
    conn.execute(
        update(versions).where(_version_where(rid, 2)).values(data=text, content_sha256=digest)
    )


def version_field(column: str, value: Any) -> Tamper:
    def tamper(conn: Connection, rid: str, _other: str) -> None:
        conn.execute(update(versions).where(_version_where(rid, 2)).values({column: value}))

    tamper.__name__ = f"version_{column}"
    return tamper


def version_deleted(conn: Connection, rid: str, _other: str) -> None:
    conn.execute(delete(versions).where(_version_where(rid, 2)))


def ledger_field(column: str, value: Any) -> Tamper:
    def tamper(conn: Connection, rid: str, _other: str) -> None:
        conn.execute(update(ledger).where(_ledger_where(conn, rid, 2)).values({column: value}))

    tamper.__name__ = f"ledger_{column}"
    return tamper


def ledger_record_id(conn: Connection, rid: str, other: str) -> None:
    conn.execute(update(ledger).where(_ledger_where(conn, rid, 2)).values(record_id=other))


def ledger_rehashed(conn: Connection, rid: str, _other: str) -> None:
    """Change an entry's content hash and recompute its entry hash (the row is self-consistent)."""
    row = conn.execute(select(ledger).where(_ledger_where(conn, rid, 2))).one()
    fake = "ab" * 32
    rehashed = ledger_mod.entry_hash(
        row.seq, row.kind, row.record_id, row.version, fake, row.prev_hash, row.recorded_at
    )
    conn.execute(
        update(ledger)
        .where(ledger.c.seq == row.seq)
        .values(content_sha256=fake, entry_hash=rehashed)
    )


def ledger_deleted(conn: Connection, rid: str, _other: str) -> None:
    conn.execute(delete(ledger).where(_ledger_where(conn, rid, 2)))


def last_version_and_entry_deleted(conn: Connection, rid: str, _other: str) -> None:
    seq = _seq_of(conn, rid, 3)
    assert seq == conn.execute(select(ledger.c.seq).order_by(ledger.c.seq.desc())).scalar()
    conn.execute(delete(versions).where(_version_where(rid, 3)))
    conn.execute(delete(ledger).where(ledger.c.seq == seq))


def entry_time_rehashed(number: int) -> Tamper:
    """Rewrite the recorded_at of I-0002's entry for version ``number`` and recompute its
    entry hash, so the row itself is self-consistent."""

    def tamper(conn: Connection, rid: str, _other: str) -> None:
        row = conn.execute(select(ledger).where(_ledger_where(conn, rid, number))).one()
        stamp = "2020-01-01T00:00:00.000000Z"
        rehashed = ledger_mod.entry_hash(
            row.seq, row.kind, row.record_id, row.version, row.content_sha256, row.prev_hash, stamp
        )
        conn.execute(
            update(ledger)
            .where(ledger.c.seq == row.seq)
            .values(recorded_at=stamp, entry_hash=rehashed)
        )

    tamper.__name__ = f"ledger_v{number}_recorded_at_rehashed"
    return tamper


def head_unvoided(conn: Connection, rid: str, _other: str) -> None:
    conn.execute(update(records).where(records.c.id == rid).values(voided=False))


def projection_text(conn: Connection, rid: str, _other: str) -> None:
    conn.execute(
        update(incidents_table)
        .where(incidents_table.c.record_id == rid)
        .values(what_happened="Nothing happened")
    )


TAMPERS: list[Tamper] = [
    version_data,
    version_data_and_hash,
    version_field("reason", "a different reason"),
    version_field("reason", None),
    version_field("op", "void"),
    version_field("actor", "someone else"),
    version_field("recorded_at", "2026-01-01T00:00:00.000000Z"),
    version_field("content_sha256", "0" * 64),
    version_field("ledger_seq", 999),
    version_deleted,
    ledger_field("prev_hash", "f" * 64),
    ledger_field("entry_hash", "e" * 64),
    ledger_field("content_sha256", "c" * 64),
    ledger_field("recorded_at", "2026-01-01T00:00:00.000000Z"),
    ledger_field("kind", "incident.create"),
    ledger_field("version", 3),
    ledger_record_id,
    ledger_rehashed,
    ledger_deleted,
    last_version_and_entry_deleted,
    head_unvoided,
    projection_text,
]

# A ledger entry whose time was changed and whose hash was recomputed looks self-consistent;
# comparing it with its version's recorded_at still names the right record.
CASES = [
    *(pytest.param(t, id=t.__name__) for t in TAMPERS),
    *(pytest.param(t, id=t.__name__) for t in (entry_time_rehashed(2), entry_time_rehashed(3))),
]


@pytest.mark.parametrize("tamper", CASES)
def test_single_row_tampering_names_the_record(scene: Scene, tamper: Tamper) -> None:
    with scene.vault.engine.begin() as conn:
        tamper(conn, scene.ids["I-0002"], scene.ids["I-0001"])
    report: VerifyReport = verify(scene.vault)
    problems = [str(p) for p in report.problems]
    assert not report.ok
    assert any(p.startswith("incident I-0002") or "(incident I-0002" in p for p in problems), (
        problems
    )
    # I-0003 was not touched, and its own history never appears in the report.
    assert not any("I-0003" in p for p in problems), problems


def test_untouched_vault_verifies(scene: Scene) -> None:
    report = verify(scene.vault)
    assert report.ok
    assert report.unreferenced_blobs == 0
    with scene.vault.read() as conn:
        top = ledger_mod.head(conn)
    assert top is not None and report.head_hash == top.entry_hash
