"""The demo case, end to end: what the analysis finds is what the court reads.

40 incidents (23 of them outside the person's home), a no-contact notice, and a WhatsApp
export with "I know where you live" and "If I can't have you nobody will" (and one message
in Japanese). The PDF report must quote each flagged message word for word with the
export's exhibit number and SHA-256; the police sheet and the bundle's analysis.json must
carry exactly the signal list ``safetrail analyze --json`` prints.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetrail.analysis.serialize import signals_json
from safetrail.analysis.service import today_in
from safetrail.cli.main import app
from safetrail.reports.bundle import write_bundle
from safetrail.reports.model import ReportOptions
from safetrail.reports.pdf_report import Report, write_report
from safetrail.reports.police_sheet import build_sheet
from safetrail.services import events, incidents, people
from safetrail.services.imports.run import ImportOptions, run_import
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault, create_vault, open_vault
from tests.conftest import PASSPHRASE, StepClock

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="pdftotext and pdftoppm (Debian poppler-utils) are not installed",
)

ARTIFACTS = Path(__file__).parent / "artifacts" / "report-demo"
WHERE = "I know where you live"
NOBODY = "If I can't have you nobody will"
JAPANESE = "お前がどこに住んでるか知ってるぞ"
FLAGGED = (WHERE, JAPANESE, NOBODY)  # in time order


@dataclass
class Demo:
    path: Path
    today: date
    chat: Path
    chat_sha256: str


def _chat(today: date) -> str:
    def line(days_ago: int, clock: str, who: str, text: str) -> str:
        return f"{(today - timedelta(days=days_ago)):%d/%m/%Y}, {clock} - {who}: {text}"

    return (
        "\n".join(
            [
                line(70, "20:01", "Mark Doyle", "Why won't you answer me?"),
                line(70, "20:15", "Sam", "Please stop contacting me."),
                line(40, "21:40", "Mark Doyle", WHERE),
                line(35, "08:12", "Mark Doyle", "Pick up the phone."),
                line(20, "22:30", "Mark Doyle", JAPANESE),
                line(12, "23:05", "Mark Doyle", NOBODY),
                line(5, "07:45", "Mark Doyle", "Good morning."),
            ]
        )
        + "\n"
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("demo")
    vault = create_vault(folder / "vault", PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    try:
        today = today_in(vault)
        mark = people.add_person(
            vault, people.PersonInput(["Mark Doyle"], relationship="former partner")
        )
        for n in range(17):  # calls and messages, 80 to 48 days ago
            day = today - timedelta(days=80 - 2 * n)
            incidents.record_incident(
                vault,
                IncidentInput(
                    what_happened="He called again and again.",
                    when=f"{day.isoformat()} 19:30",
                    tactics=["unwanted_calls"],
                    channel="phone_call",
                    offenders=[mark.ref],
                    fear=2,
                ),
            )
        for n in range(23):  # then outside the home, 46 to 2 days ago
            day = today - timedelta(days=46 - 2 * n)
            incidents.record_incident(
                vault,
                IncidentInput(
                    what_happened="He stood across the road and watched the house.",
                    when=f"{day.isoformat()} 22:10",
                    where="Outside my home",
                    tactics=["watching"],
                    channel="in_person",
                    offenders=[mark.ref],
                    fear=3,
                ),
            )
        notice_day = today - timedelta(days=60)
        events.add_notice(
            vault, events.NoticeInput(notice_day.isoformat(), "text_message", mark.ref)
        )
        chat = folder / "WhatsApp Chat with Mark Doyle.txt"
        chat.write_text(_chat(today), encoding="utf-8")
        run_import(vault, [chat], options=ImportOptions(me="Sam"))
    finally:
        vault.close()
    yield Demo(folder / "vault", today, chat, hashlib.sha256(chat.read_bytes()).hexdigest())


def _cli(demo: Demo, *args: str) -> str:
    result = CliRunner().invoke(
        app,
        list(args),
        env={
            "SAFETRAIL_VAULT": str(demo.path),
            "SAFETRAIL_PASSPHRASE": PASSPHRASE,
            "COLUMNS": "200",
        },
    )
    assert result.exit_code == 0, result.output
    return result.output


def _open(demo: Demo) -> Vault:
    return open_vault(demo.path, PASSPHRASE)


def _text(pdf: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def analyzed(demo: Demo) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(_cli(demo, "analyze", "--json"))
    return loaded


@pytest.fixture(scope="module")
def report(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path, str]:
    out = tmp_path_factory.mktemp("out") / "report.pdf"
    vault = _open(demo)
    try:
        made = write_report(vault, ReportOptions(), out)
    finally:
        vault.close()
    return made, out, _text(out)


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_what_they_wrote_quotes_every_flagged_message(
    demo: Demo, report: tuple[Report, Path, str]
) -> None:
    made, _out, text = report
    export = next(e for e in made.case.exhibits if e.name == demo.chat.name)
    assert export.sha256 == demo.chat_sha256
    section = _flat(_between(text, "What they wrote", "Chronological incident log"))
    positions = [section.index(message) for message in FLAGGED]
    assert positions == sorted(positions)  # in time order
    assert "Pick up the phone" not in section  # only flagged messages are quoted
    assert [m.text for m in made.findings.quoted] == list(FLAGGED)
    for message in made.findings.quoted:
        assert message.exhibit_ref == export.ref
        assert message.source_sha256 == demo.chat_sha256
        assert message.sender == "Mark Doyle"
    # Each row names the exhibit; the exports quoted are listed after with their SHA-256.
    assert section.count(export.ref) == 3 + 1
    assert section.count(demo.chat_sha256) == 1
    # the position in the export
    assert [f"{export.ref}, line {n}" in section for n in (3, 5, 6)] == [True, True, True]


def test_report_carries_the_place_signal_and_the_evidence_index(
    demo: Demo, report: tuple[Report, Path, str]
) -> None:
    made, _out, text = report
    flat = _flat(text)
    assert "At or near home: 23 times" in flat
    signals = _flat(_between(text, "Signals and the incidents behind them", "What they wrote"))
    assert "Serious: They came to places that are part of your life" in signals
    assert "Contact after your no-contact notice" in signals
    assert "Threats" in signals
    evidence = _flat(_between(text, "Evidence index", "Imported communications"))
    assert "EX-0001 WhatsApp Chat with Mark" in evidence
    assert demo.chat_sha256 in re.sub(r"\s", "", evidence)
    assert "Appendix: every message and call from them" not in flat  # off by default
    assert len(made.case.incidents) == 40 + 6  # 40 recorded, 6 days of messages summarised


def test_log_shows_a_message_incidents_flagged_text(report: tuple[Report, Path, str]) -> None:
    _made, _out, text = report
    log = _flat(_between(text, "Chronological incident log", "Evidence index"))
    assert log.count("Flagged message (") == 3
    squeezed = re.sub(r"\s", "", log)  # the column is narrow: long lines wrap
    for message in FLAGGED:
        assert re.sub(r"\s", "", message) in squeezed


def test_police_sheet_and_bundle_carry_the_same_signals_as_analyze(
    demo: Demo, analyzed: dict[str, object], tmp_path: Path
) -> None:
    vault = _open(demo)
    try:
        sheet = build_sheet(vault, ReportOptions())
        bundle_path = tmp_path / "case.zip"
        write_bundle(vault, ReportOptions(), bundle_path)
    finally:
        vault.close()
    expected = {k: analyzed[k] for k in ("signals", "could_not_compute")}
    assert signals_json(sheet.findings.analysis) == expected
    sheet_file = tmp_path / "sheet.pdf"
    sheet_file.write_bytes(sheet.pdf)
    sheet_text = _flat(_text(sheet_file))
    for signal in sheet.findings.signals:
        assert signal.title in sheet_text
    with zipfile.ZipFile(bundle_path) as archive:
        folder = archive.namelist()[0].split("/")[0]
        shipped = json.loads(archive.read(f"{folder}/analysis.json"))
        names = archive.namelist()
    assert shipped == analyzed
    assert f"{folder}/evidence/EX-0001_{demo.chat.name}" in names


def test_appendix_lists_every_message_from_them_when_chosen(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "with-appendix.pdf"
    _cli(demo, "report", "--output", str(out), "--communications-appendix")
    appendix = _flat(_text(out).split("Appendix: every message and call from them", 1)[1])
    for message in ("Why won't you answer me?", "Pick up the phone.", "Good morning.", *FLAGGED):
        assert message in appendix


def test_pages_render_to_png(report: tuple[Report, Path, str]) -> None:
    out = report[1]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(out), str(ARTIFACTS / "page")], check=True)
    pages = sorted(ARTIFACTS.glob("page-*.png"))
    count = int(re.search(rb"/Count (\d+)", out.read_bytes()).group(1))  # type: ignore[union-attr]
    assert len(pages) == count
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
