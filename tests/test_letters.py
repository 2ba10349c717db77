"""Letters filled from the log: their words, their privacy, and the notice they become."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from safetrail.errors import ValidationError
from safetrail.reports import letters
from safetrail.reports.letters import LetterInput
from safetrail.reports.model import ReportOptions, gather
from safetrail.reports.pdf_report import build_report
from safetrail.services import events, incidents
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault
from tests.test_reports_support import MARKER, Case, pdf_text, populate


@pytest.fixture
def case(vault: Vault, tmp_path: Path) -> Case:
    files = tmp_path / "files"
    files.mkdir()
    return populate(vault, files)


def exported(vault: Vault) -> list[dict[str, object]]:
    with vault.read() as conn:
        return [r.data for r in vault.store.load(conn, vault.store.list_ids(conn, "export"))]


def test_no_contact_letter_says_it_once_and_reveals_nothing(vault: Vault, case: Case) -> None:
    letter = letters.compose(vault, LetterInput("no-contact", person=case.person, your_name="Sam"))
    text = letter.text()
    assert text.startswith("To: Mark Example\n")
    assert "I do not want any contact with you, of any kind." in text
    assert "report it to the police" in text
    assert text.rstrip().endswith("Sam")
    for secret in (MARKER, "SafeTrail", "SHA-256", "I-000", "ledger"):
        assert secret not in text
    assert letter.notices_already == ["N-001 on 1 Mar 2026"]  # shown as a caution, not printed
    pdf = letters.letter_pdf(letter, "GB")
    assert b"SafeTrail" not in pdf  # not even in the PDF's metadata
    shown = " ".join(pdf_text(pdf).split())
    assert "I do not want any contact with you, of any kind." in shown
    unsigned = letters.compose(vault, LetterInput("no-contact", person=case.person))
    assert "____" in unsigned.text()


def test_marking_the_letter_sent_records_the_notice(vault: Vault, case: Case) -> None:
    given = LetterInput("no-contact", person=case.person)
    record = letters.mark_notice_sent(vault, given, "2026-03-13", "email")
    assert record.ref == "N-002"
    assert record.data["starts_on"] == "2026-03-13"
    assert record.data["method"] == "email"
    assert "I do not want any contact with you" in record.data["summary"]
    notices = events.list_events(vault, "notice")
    assert [n.ref for n in notices] == ["N-001", "N-002"]
    # The report now counts contact after the new notice as well.
    text = " ".join(pdf_text(build_report(vault, ReportOptions()).pdf).split())
    assert "No-contact notice N-002: given on 13 Mar 2026" in text
    assert "Since you told them to stop on 13 Mar 2026 (N-002): 1 incident." in text
    with pytest.raises(ValidationError):
        letters.mark_notice_sent(vault, LetterInput("platform"), "2026-03-13", "email")
    with pytest.raises(ValidationError):
        letters.mark_notice_sent(vault, given, "2026-03-13", "carrier pigeon")


def test_platform_complaint_names_the_account_and_lists_incidents(vault: Vault, case: Case) -> None:
    with pytest.raises(ValidationError, match="platform"):
        letters.compose(vault, LetterInput("platform", person=case.person))
    incidents.record_incident(
        vault,
        IncidentInput(
            what_happened="Posted my address under a photo of my door.",
            when="2026-03-16 22:10",
            tactics=["rumours"],
            channel="social_media",
            offenders=[case.person],
            private_note=MARKER,
        ),
    )
    letter = letters.compose(
        vault, LetterInput("platform", person=case.person, provider="Instagram")
    )
    text = letter.text()
    assert "To: Instagram — safety and abuse reports" in text
    assert "the account @mark_example, mark@example.com on" in text  # from their identifiers
    assert "between 16 Mar 2026 and 16 Mar 2026 (1 in all):" in text
    assert "- 16 Mar 2026: spreading rumours — Posted my address under a photo" in text
    assert "preserve every record about the account" in text
    assert "Please do not give my name or contact details to the account holder." in text
    assert "(reference CAD 1234/26)" in text
    assert MARKER not in text
    chosen = letters.compose(
        vault,
        LetterInput("platform", person=case.person, provider="X", account="@other"),
    )
    assert "the account @other on your service" in chosen.text()


def test_call_records_request(vault: Vault, case: Case) -> None:
    with pytest.raises(ValidationError):
        letters.compose(vault, LetterInput("call-records", provider="Vodafone"))
    letter = letters.compose(
        vault,
        LetterInput(
            "call-records",
            person=case.person,
            provider="Vodafone",
            your_number="07700 900999",
            from_day="2026-02-01",
            to_day="2026-03-31",
        ),
    )
    text = letter.text()
    assert "I am the account holder for the number 07700 900999." in text
    assert "between 1 Feb 2026 and 31 Mar 2026" in text
    assert "The calls I am most concerned about come from: 07700 900123." in text
    assert "Eleven missed calls before work." in text
    assert MARKER not in text


def test_unknown_letter_is_refused(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="no letter called"):
        letters.compose(vault, LetterInput("apology"))


def test_written_letters_are_custody_events(vault: Vault, case: Case, tmp_path: Path) -> None:
    given = LetterInput("no-contact", person=case.person)
    pdf_path, text_path = tmp_path / "notice.pdf", tmp_path / "notice.txt"
    _letter, pdf_digest = letters.write_letter(vault, given, pdf_path)
    _letter, text_digest = letters.write_letter(vault, given, text_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert "I do not want any contact" in text_path.read_text()
    records = exported(vault)
    assert [(r["format"], r["sha256"], r["file_type"]) for r in records] == [
        ("letter-no-contact", pdf_digest, "pdf"),
        ("letter-no-contact", text_digest, "text"),
    ]
    assert pdf_digest == hashlib.sha256(pdf_path.read_bytes()).hexdigest()
    assert gather(vault, ReportOptions()).incidents  # the log itself is untouched
