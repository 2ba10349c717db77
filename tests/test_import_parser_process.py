"""A large export is parsed in a child process: the same records, hashes, ledger and
report as parsing in the importing process, and the parser's refusals come through."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from safetrail.services.imports import feed
from safetrail.services.imports.run import run_import
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault, create_vault
from safetrail.services.verify import verify
from safetrail.storage.comm_tables import communications

SAMPLES = Path(__file__).parent / "samples" / "smsbackup"
SMS = SAMPLES / "sms-20220502091433.xml"
TRUNCATED = SAMPLES / "sms-truncated.xml"
ID = re.compile(r'"evidence_id": "[0-9a-f-]{36}"')


def _imported(vault: Vault, path: Path) -> tuple[dict[str, object], list[tuple[object, ...]]]:
    add_person(vault, PersonInput(names=["Sam"], identifiers=["+1 555 0100"]))
    report = run_import(vault, [path])
    with vault.read() as conn:
        rows = conn.execute(
            select(
                communications.c.dedupe_key,
                communications.c.content_sha256,
                communications.c.text,
                communications.c.attachments,
                communications.c.position,
                communications.c.batch_no,
            ).order_by(communications.c.id)
        ).all()
    # evidence ids are new in each vault, and so are the hashes of rows that name them
    rows = [
        (key, None if files else digest, text, re.sub(ID, "", files or ""), where, batch)
        for key, digest, text, files, where, batch in rows
    ]
    summary = {
        "records": report.records,
        "new": report.new,
        "skipped": [(s.name, s.skipped, s.rest_lost) for s in report.sources],
        "status": report.status,
    }
    return summary, rows


@pytest.mark.parametrize("sample", [SMS, TRUNCATED], ids=["whole", "truncated"])
def test_a_child_process_parses_exactly_as_the_importing_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: Path
) -> None:
    here = create_vault(tmp_path / "here", "a long test passphrase", "US", "America/New_York")
    expected = _imported(here, sample)
    here.close()
    monkeypatch.setattr(feed, "MIN_BYTES", 0)
    started: list[bool] = []
    real = feed.fed_items

    def counted(*args: object, **kwargs: object) -> object:
        started.append(True)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(feed, "fed_items", counted)
    there = create_vault(tmp_path / "there", "a long test passphrase", "US", "America/New_York")
    got = _imported(there, sample)
    assert started == [True]
    assert got == expected
    assert expected[1], "the sample imports records"
    result = verify(there)
    assert result.ok, result
    there.close()


def test_a_refusal_in_the_child_process_is_reported_like_one_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "sms-bad.xml"
    bad.write_bytes(
        b'<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY x "y">]><smses count="1">&x;'
    )
    here = create_vault(tmp_path / "here", "a long test passphrase", "US", "America/New_York")
    expected = run_import(here, [bad])
    monkeypatch.setattr(feed, "MIN_BYTES", 0)
    there = create_vault(tmp_path / "there", "a long test passphrase", "US", "America/New_York")
    got = run_import(there, [bad])
    assert expected.status == got.status
    assert [s.refused for s in expected.sources] == [s.refused for s in got.sources]
    assert expected.exit_code == got.exit_code
