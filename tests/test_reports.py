"""The PDF report read back as text: counts, chronology, hashes, integrity, CJK, privacy."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safetrail.reports.model import ReportOptions, gather
from safetrail.reports.pdf_report import build_report, write_report
from safetrail.reports.police_sheet import build_sheet
from safetrail.reports.schema import EXPORT_SCHEMA
from safetrail.reports.typeset import Doc
from safetrail.services import exports, incidents, summary
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault, create_vault
from safetrail.services.verify import verify
from tests.conftest import PASSPHRASE, StepClock
from tests.test_reports_support import (
    ARTIFACTS,
    JAPANESE,
    JAPANESE_NAME,
    KOREAN,
    KOREAN_NAME,
    MARKER,
    WITNESS_PHONE,
    Case,
    pdf_pages,
    pdf_text,
    poppler_text,
    populate,
    squeeze,
)


@pytest.fixture(scope="module")
def case_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, Case]]:
    root = tmp_path_factory.mktemp("report")
    vault = create_vault(root / "vault", PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    case = populate(vault, root)
    yield vault, case
    vault.close()


@pytest.fixture(scope="module")
def full_report(case_vault: tuple[Vault, Case]) -> tuple[bytes, str, str]:
    """(pdf, text, head hash before it was made), with witnesses' contacts included."""
    vault, _case = case_vault
    head = summary.summarise(vault).head_hash
    made = build_report(vault, ReportOptions(witness_contacts=True, prepared_by="A. Person"))
    return made.pdf, pdf_text(made.pdf), head


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_counts_and_summary(full_report: tuple[bytes, str, str]) -> None:
    _pdf, text, _head = full_report
    assert "Incidents in this report: 8." in text
    assert "First: 15 Jan 2026. Most recent: 15 Mar 2026." in text
    assert "Reported to the police: 1. With evidence attached: 6. With witnesses: 2." in text
    assert "Evidence files (exhibits) listed: 3." in text
    assert "withdrawn by the person, not shown: 1." in " ".join(text.split())
    assert "A. Person" in text
    # Totals by kind of behaviour: threats twice, following twice, the rest once.
    assert re.search(r"Threats\s+2\s+25%", text)
    assert re.search(r"Following\s+2\s+25%", text)
    assert re.search(r"Phone call\s+1\s+13%", text)


def test_incidents_are_in_chronological_order(
    full_report: tuple[bytes, str, str], case_vault: tuple[Vault, Case]
) -> None:
    _pdf, text, _head = full_report
    _vault, case = case_vault
    log = section(text, "Chronological incident log", "Evidence index")
    positions = [log.index(ref) for ref in case.order]
    assert positions == sorted(positions)
    assert case.withdrawn not in log
    assert re.search(rf"{case.corrected}\s+corrected\s+\(v2\)", log)
    flat = " ".join(log.split())
    assert "about March 2026" in flat  # an approximate month stays approximate
    assert "Fri 20 Feb 2026 not recorded" in flat  # a day without a time says so


def test_every_evidence_hash_and_the_head_hash(
    full_report: tuple[bytes, str, str], case_vault: tuple[Vault, Case]
) -> None:
    _pdf, text, head = full_report
    _vault, case = case_vault
    index = section(text, "Evidence index", "Imported communications")
    for ref, (sha256, content) in case.exhibits.items():
        assert sha256 == hashlib.sha256(content).hexdigest()
        assert ref in index
        assert sha256 in index
    integrity = text[text.index("Integrity statement") :]
    assert head in integrity
    assert head in text[: text.index("Who this is about")]  # on the cover too
    assert "How to verify" in integrity
    assert "sha256sum -c SHA256SUMS" in integrity
    assert "SafeTrail 0.1.0" in integrity


def test_every_page_has_report_id_and_page_numbers(full_report: tuple[bytes, str, str]) -> None:
    pdf, text, head = full_report
    report_id = re.search(r"SR-\d{8}-[0-9A-F]{8}", text)
    assert report_id is not None
    pages = pdf_pages(pdf)
    assert len(pages) >= 8
    for number, page in enumerate(pages, start=1):
        assert f"Report {report_id.group(0)}" in page
        assert head[:16] in page
        assert f"Page {number} of {len(pages)}" in page


def test_private_notes_never_appear(full_report: tuple[bytes, str, str]) -> None:
    pdf, text, _head = full_report
    assert MARKER not in text
    assert MARKER.encode() not in pdf
    poppler = poppler_text(pdf)
    if poppler is not None:
        assert MARKER not in poppler


def test_japanese_and_korean_render(
    full_report: tuple[bytes, str, str], case_vault: tuple[Vault, Case]
) -> None:
    pdf, text, _head = full_report
    flat = squeeze(text)
    assert squeeze(JAPANESE) in flat
    assert squeeze(KOREAN) in flat
    assert JAPANESE_NAME in flat and KOREAN_NAME in flat
    poppler = poppler_text(pdf)
    if poppler is not None:  # poppler keeps CJK spacing exactly as written
        assert JAPANESE[:20] in poppler
        assert KOREAN.split(" ")[0] in poppler


def test_emoji_is_named_not_dropped(full_report: tuple[bytes, str, str]) -> None:
    _pdf, text, _head = full_report
    assert "[hocho]" in text


def test_notice_order_signals_and_witnesses(full_report: tuple[bytes, str, str]) -> None:
    _pdf, text, _head = full_report
    flat = " ".join(text.split())
    assert "No-contact notice N-001: given on 1 Mar 2026" in flat
    # One rule with the Patterns page: contact counts from the day after the notice.
    assert "Since you told them to stop on 1 Mar 2026 (N-001): 3 incidents." in flat
    assert "Non-molestation order O-001: made on 11 Mar 2026" in flat
    assert "While it was in force: 1 incident and 0 calls or messages from them." in flat
    assert "Threats 3 incidents include threats. Threats found: knowing where you are." in flat
    assert "not a risk assessment" in flat
    assert WITNESS_PHONE in text
    assert "CAD 1234/26" in section(text, "Police references", "Notices and orders")


def test_witness_contacts_left_out_unless_chosen(case_vault: tuple[Vault, Case]) -> None:
    vault, _case = case_vault
    made = build_report(vault, ReportOptions())
    text = pdf_text(made.pdf)
    assert "Jo Evans" in text
    assert WITNESS_PHONE not in text
    assert "left out of this report" in text


def test_choices_filter_the_report(case_vault: tuple[Vault, Case]) -> None:
    vault, case = case_vault
    only_second = gather(vault, ReportOptions(offenders=(case.second,)))
    assert [i.ref for i in only_second.incidents] == [case.korean]
    assert [p.ref for p in only_second.people] == [case.second]
    march = gather(vault, ReportOptions(from_day="2026-03-01", to_day="2026-03-12"))
    assert [i.ref for i in march.incidents] == case.order[3:7]
    picked = gather(vault, ReportOptions(incidents=(case.order[0], case.order[-1])))
    assert [i.ref for i in picked.incidents] == [case.order[0], case.order[-1]]
    assert picked.report_id != march.report_id


def test_written_report_is_a_custody_event(case_vault: tuple[Vault, Case], tmp_path: Path) -> None:
    vault, _case = case_vault
    out = tmp_path / "report.pdf"
    made = write_report(vault, ReportOptions(), out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert digest == made.sha256
    with vault.read() as conn:
        found = vault.store.load(conn, vault.store.list_ids(conn, "export"))
    record = next(r for r in found if r.data["sha256"] == digest)
    assert record.data["format"] == "pdf-report"
    assert record.data["report_id"] == made.case.report_id
    assert record.data["ledger_head"] == made.case.head_hash
    assert record.data["private_notes_included"] is False
    with pytest.raises(Exception, match="already exists"):
        write_report(vault, ReportOptions(), out)
    assert verify(vault, check_blobs=False).ok


def test_long_text_continues_across_pages(tmp_path: Path) -> None:
    vault = create_vault(tmp_path / "v", PASSPHRASE, "US", "America/Chicago", clock=StepClock())
    words = " ".join(f"word{n}" for n in range(6000))
    incidents.record_incident(vault, IncidentInput(what_happened=words, when="2026-05-01 10:00"))
    made = build_report(vault, ReportOptions())
    text = " ".join(pdf_text(made.pdf).split())
    for n in (0, 2999, 5999):
        assert f"word{n}" in text
    assert text.count("What happened") >= 3  # the header repeats on every continued page
    vault.close()


def test_empty_vault_makes_a_report(vault: Vault) -> None:
    made = build_report(vault, ReportOptions())
    text = pdf_text(made.pdf)
    assert "Incidents in this report: 0." in text
    assert "No incidents in the chosen period." in text


def test_wrapping_breaks_cjk_and_keeps_every_character() -> None:
    from datetime import UTC, datetime

    doc = Doc("A4", "", "", "t", datetime.now(UTC))
    body = JAPANESE * 4
    lines = doc.wrap(body, doc_font(), 40)
    assert len(lines) > 3
    assert "".join(lines) == body
    assert not any(line.startswith(("。", "、")) for line in lines)
    latin = doc.wrap("alpha beta gamma delta epsilon " * 5, doc_font(), 30)
    assert all(not line.startswith(" ") and not line.endswith(" ") for line in latin)
    assert " ".join(latin).split() == ("alpha beta gamma delta epsilon " * 5).split()


def doc_font() -> Any:
    from safetrail.reports.typeset import BODY

    return BODY


def test_police_sheet_is_one_page(case_vault: tuple[Vault, Case], tmp_path: Path) -> None:
    vault, _case = case_vault
    sheet = build_sheet(vault, ReportOptions())
    pages = pdf_pages(sheet.pdf)
    assert len(pages) == 1
    text = pages[0]
    assert "Police report preparation sheet" in text
    assert "Mark Example" in text and "07700 900123" in text
    assert "What to bring" in text and "Timeline in brief" in text
    assert "CAD 1234/26" in text
    assert MARKER not in text
    busy = create_vault(tmp_path / "busy", PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    for n in range(60):
        incidents.record_incident(
            busy,
            IncidentInput(
                what_happened="He followed me again. " * 30,
                when=f"2026-04-{1 + n % 28:02d} 10:{n % 60:02d}",
                tactics=["following", "threats"] if n % 7 == 0 else ["following"],
            ),
        )
    crowded = build_sheet(busy, ReportOptions())
    assert len(pdf_pages(crowded.pdf)) == 1
    assert "The full report has every incident; not shown here:" in pdf_text(crowded.pdf)
    busy.close()


def _check(value: Any, schema: dict[str, Any], where: str) -> None:
    """A small JSON Schema check for the keywords the export schema uses."""
    types = schema.get("type")
    names = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float)}
    if types is not None:
        allowed = types if isinstance(types, list) else [types]
        ok = any(
            (value is None if t == "null" else t == "boolean" and isinstance(value, bool))
            or (t in names and isinstance(value, names[t]) and not isinstance(value, bool))
            for t in allowed
        )
        assert ok, f"{where}: {value!r} is not {allowed}"
    if "const" in schema:
        assert value == schema["const"], where
    if "enum" in schema:
        assert value in schema["enum"], where
    if "pattern" in schema:
        assert re.fullmatch(schema["pattern"], value), where
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing {key}"
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            extra = set(value) - set(properties)
            assert not extra, f"{where}: unexpected {extra}"
        for key, sub in properties.items():
            if key in value:
                _check(value[key], sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            _check(item, schema["items"], f"{where}[{n}]")


def test_json_export_follows_its_schema_and_csv_keeps_notes_out(
    case_vault: tuple[Vault, Case], tmp_path: Path
) -> None:
    vault, _case = case_vault
    data = exports.build_json(vault)
    _check(data, EXPORT_SCHEMA, "export")
    assert len(data["incidents"]) == 9  # eight live, one withdrawn (marked voided)
    with_note = dict(data["incidents"][0], private_note="x")
    with pytest.raises(AssertionError, match="unexpected"):
        _check(with_note, EXPORT_SCHEMA["properties"]["incidents"]["items"], "i")
    out = tmp_path / "log.json"
    exports.export(vault, "json", out)
    csv_out = tmp_path / "log.csv"
    exports.export(vault, "csv", csv_out)
    for path in (out, csv_out):
        assert MARKER not in path.read_text("utf-8-sig")
    assert json.loads(out.read_text())["ledger"]["head_hash"]


def test_pages_render_to_png(full_report: tuple[bytes, str, str], tmp_path: Path) -> None:
    """Saved for a person to look at: tests/artifacts/reports/report-N.png."""
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler-utils) is required when CI=true")
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    pdf, _text, _head = full_report
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("report-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", str(source), str(ARTIFACTS / "report")], check=True
    )
    made = sorted(ARTIFACTS.glob("report-*.png"))
    assert len(made) == len(pdf_pages(pdf))
    assert all(p.stat().st_size > 5000 for p in made)  # not blank pages
