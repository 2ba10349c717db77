"""The import pipeline end to end: preview, commit, idempotence, undo, verify, summaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from safetrail.analysis.loader import load_case
from safetrail.errors import InputFileError, ValidationError
from safetrail.services.imports.run import ImportOptions, list_imports, run_import, undo_import
from safetrail.services.incidents import IncidentFilter, list_incidents
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault
from safetrail.services.verify import verify
from safetrail.storage.comm_tables import communication_incidents, communications

SAMPLES = Path(__file__).parent / "samples" / "imports"
SMS = SAMPLES / "alex-sms.xml"
CALLS = SAMPLES / "alex-calls.xml"


@pytest.fixture
def alex(vault: Vault) -> str:
    return add_person(vault, PersonInput(names=["Alex Morgan"], identifiers=["07700 900123"])).id


def _count(vault: Vault, live_only: bool = True) -> int:
    with vault.read() as conn:
        query = select(func.count()).select_from(communications)
        if live_only:
            query = query.where(communications.c.undone.is_(False))
        return int(conn.execute(query).scalar_one())


def _summaries(vault: Vault) -> list[tuple[str, str, str | None]]:
    rows, _total = list_incidents(vault, IncidentFilter())
    return sorted(
        (r.ref, r.data["what_happened"], r.data["occurred"]["start"]) for r in rows if not r.voided
    )


def test_preview_writes_nothing_and_counts_everything(vault: Vault, alex: str) -> None:
    report = run_import(vault, [SMS, CALLS], commit=False)
    assert report.status == "preview"
    assert (report.records, report.new, report.duplicates, report.skipped) == (14, 14, 0, 0)
    assert report.first_at == "2024-03-09T21:40:00.000000Z"
    assert report.last_at == "2024-03-10T20:10:00.000000Z"
    assert [(p.ref, p.count) for p in report.people.values()] == [("P-001", 11)]
    assert dict(report.unmatched) == {"+447700900999": 1, "+447700900555": 1}
    assert [s.importer for s in report.sources] == ["smsbackup 1", "smsbackup 1"]
    assert _count(vault) == 0
    assert list_imports(vault) == []


def test_commit_stores_links_and_summarises(vault: Vault, alex: str) -> None:
    report = run_import(vault, [SMS, CALLS])
    assert report.ref == "IM-001"
    assert report.status == "complete"
    assert (report.new, report.incidents_created) == (14, 2)
    assert [s.evidence_ref for s in report.sources] == ["EX-0001", "EX-0002"]
    assert _count(vault) == 14
    assert _summaries(vault) == [
        (
            "I-0001",
            "Imported records: 4 calls (3 unanswered, 1 from a withheld number), 4 messages, "
            "between 21:40 and 00:00 (phone, sms). You sent 1 reply.",
            "2024-03-09T21:40:00Z",
        ),
        (
            "I-0002",
            "Imported records: 3 messages, between 20:00 and 20:10 (sms).",
            "2024-03-10T20:00:00Z",
        ),
    ]
    with vault.read() as conn:
        linked = conn.execute(
            select(func.count()).select_from(communication_incidents)
        ).scalar_one()
        people = conn.execute(
            select(communications.c.person_id, func.count()).group_by(communications.c.person_id)
        ).all()
    assert linked == 12  # 8 + 1 withheld call in the first episode, 3 in the second
    assert dict(people) == {alex: 11, None: 3}
    assert verify(vault).ok


def test_the_same_and_overlapping_exports_add_nothing_twice(
    vault: Vault, alex: str, tmp_path: Path
) -> None:
    run_import(vault, [SMS])
    again = run_import(vault, [SMS])
    assert (again.new, again.duplicates, again.incidents_amended) == (0, 9, 0)
    # a later export holding the old messages and one new one, with another layout
    text = SMS.read_text().replace(
        "</smses>",
        '  <sms protocol="0" address="+447700900123" date="1710102000000" type="1" '
        'body="Still there?" read="1" status="-1" contact_name="Alex" />\n</smses>',
    )
    later = tmp_path / "later.xml"
    later.write_text(text)
    overlap = run_import(vault, [later])
    assert (overlap.new, overlap.duplicates) == (1, 9)
    assert overlap.incidents_amended == 1
    assert _count(vault) == 10
    assert "4 messages, between 20:00 and 20:20" in _summaries(vault)[1][1]
    assert verify(vault).ok


def test_undo_keeps_history_and_voids_summaries(vault: Vault, alex: str) -> None:
    run_import(vault, [SMS, CALLS])
    undone = undo_import(vault, "IM-001", "imported the wrong phone")
    assert (undone.incidents_voided, undone.incidents_amended) == (2, 0)
    assert _count(vault) == 0
    assert _count(vault, live_only=False) == 14
    assert _summaries(vault) == []
    assert [(i.ref, i.status) for i in list_imports(vault)] == [("IM-001", "undone")]
    with pytest.raises(ValidationError):
        undo_import(vault, "IM-001", "again")
    assert verify(vault).ok
    # importing again after the undo brings the records back
    redo = run_import(vault, [SMS, CALLS])
    assert (redo.new, redo.incidents_created) == (14, 2)
    assert verify(vault).ok


def test_verify_finds_a_changed_or_removed_record(vault: Vault, alex: str) -> None:
    from safetrail.services.imports.rows import COLUMNS, content_digest

    run_import(vault, [SMS])
    with vault.write() as conn:
        conn.execute(
            update(communications)
            .where(communications.c.text == "Answer me")
            .values(text="Hello, how are you?")
        )
    problems = [str(p) for p in verify(vault).problems]
    assert problems == ["communications: 1 imported records were altered after they were stored"]
    # a careful forger also recomputes the row's hash: the batch's ledger entry still knows
    with vault.write() as conn:
        row = conn.execute(
            select(communications).where(communications.c.text == "Hello, how are you?")
        ).one()
        fields = {c: row._mapping[c] for c in COLUMNS}
        conn.execute(
            update(communications)
            .where(communications.c.id == row.id)
            .values(content_sha256=content_digest(fields))
        )
    problems = [str(p) for p in verify(vault).problems]
    assert problems == [
        "import IM-001 batch 1: records were changed, added or removed after the import"
    ]
    with vault.write() as conn:
        conn.execute(communication_incidents.delete())
        conn.execute(communications.delete())
    problems = [str(p) for p in verify(vault).problems]
    assert problems == ["import IM-001 batch 1: is in the ledger but its records are gone"]


def test_analysis_and_reports_see_imported_communications(vault: Vault, alex: str) -> None:
    from safetrail.reports.messages import communications_section
    from safetrail.reports.model import ReportOptions, gather

    run_import(vault, [SMS, CALLS])
    facts = load_case(vault)
    assert len(facts.communications) == 14
    assert facts.communications.channels == ("phone_call", "text_message")
    case = gather(vault, ReportOptions())
    section = communications_section(vault, case)
    assert len(section.rows) == 11
    first = section.rows[0]
    assert (first.at, first.direction, first.channel, first.counterpart, first.person_ref) == (
        "2024-03-09T21:40:00.000000Z",
        "incoming",
        "text_message",
        "+447700900123",
        "P-001",
    )
    assert first.text == "Why are you ignoring me"
    assert first.importer == "smsbackup 1 (IM-001)"
    assert first.position == "record 1 (line 3)"
    assert len(first.source_sha256) == 64
    missed = [r for r in section.rows if r.direction == "missed"]
    assert len(missed) == 1


def test_unknown_files_and_bad_paths_are_explained(vault: Vault, tmp_path: Path) -> None:
    note = tmp_path / "shopping.txt"
    note.write_text("milk\neggs\n")
    report = run_import(vault, [note], commit=False)
    assert report.sources[0].refused == (
        "SafeTrail does not recognise this file as an export it can read."
    )
    with pytest.raises(InputFileError):
        run_import(vault, [tmp_path / "missing.xml"])
    with pytest.raises(ValidationError):
        run_import(vault, [note], ImportOptions(format="carrier-pigeon"))


def test_import_record_keeps_the_report(vault: Vault, alex: str) -> None:
    run_import(vault, [SMS])
    with vault.read() as conn:
        record = vault.store.get(conn, vault.store.resolve(conn, "import", "IM-001"))
        history = vault.store.history(conn, record.id)
    assert [v.op for v in history] == ["create", "amend"]
    assert history[0].data["status"] == "running"
    data = record.data
    assert (data["status"], data["records"], data["new"]) == ("complete", 9, 9)
    assert data["sources"][0]["sha256"] == json.loads(json.dumps(data))["sources"][0]["sha256"]


def test_an_exhibit_already_in_the_vault_reads_like_the_file(vault: Vault) -> None:
    from safetrail.services.evidence import add_evidence

    chat = Path(__file__).parent / "samples" / "whatsapp" / "WhatsApp Chat with Alex Morgan.txt"
    from_file = run_import(vault, [chat], commit=False)
    exhibit = add_evidence(vault, chat).record.ref
    # the WhatsApp reader goes through the file twice: each pass decrypts it afresh
    from_exhibit = run_import(vault, evidence_refs=[exhibit], commit=False)
    assert from_exhibit.records == from_file.records > 0
    assert from_exhibit.sources[0].importer == "whatsapp 2"
