"""Reports, the police sheet and letters in Japanese and Korean, read back with poppler.

pdftotext must find the headings and dates in the language; no character may have been
replaced (the typesetter writes an unknown one as "[name]"); the CJK font must be embedded;
page 1 is rendered to PNG in tests/artifacts/i18n/ for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetrail.cli.main import app
from safetrail.i18n import use_language
from safetrail.reports import letters
from safetrail.reports.model import ReportOptions
from safetrail.reports.pdf_report import write_report
from safetrail.reports.police_sheet import write_sheet
from safetrail.reports.typeset import BODY, Doc
from safetrail.services import incidents, people, settings
from safetrail.services.incidents import IncidentInput
from safetrail.services.people import PersonInput
from safetrail.services.vault import Vault, create_vault
from tests.conftest import PASSPHRASE, StepClock

ARTIFACTS = Path(__file__).parent / "artifacts" / "i18n"
LONG_JA = (
    "駅の改札を出たところから自宅のマンションの前まで、ずっと後ろをついて来ました。"
    "振り返ると立ち止まり、スマートフォンでこちらを撮影しているようでした。"
)


def _poppler() -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("poppler-utils is required when CI=true")
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed")


def _text(pdf: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def _fonts(pdf: Path) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout


def _render(pdf: Path, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = ARTIFACTS / name
    subprocess.run(
        ["pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf), prefix],
        check=True,
    )
    return prefix.with_suffix(".png")


def _case(tmp_path: Path, lang: str, country: str, tz: str) -> Vault:
    vault = create_vault(tmp_path / "vault", PASSPHRASE, country, tz, clock=StepClock())
    settings.update(vault, "test", language=lang)
    with use_language(lang):
        person = people.add_person(vault, PersonInput(names=["山田 太郎"]))
        incidents.record_incident(
            vault,
            IncidentInput(
                what_happened=LONG_JA,
                when="2026-08-01 21:40",
                where="自宅前",
                tactics=["following", "watching"],
                offenders=[person.ref],
                fear=3,
                police_reported=True,
                police_reference="R-12345",
            ),
        )
        incidents.record_incident(
            vault,
            IncidentInput(
                what_happened="무언 전화 5회", when="2026-08-03", tactics=["unwanted_calls"]
            ),
        )
    return vault


@pytest.fixture
def ja_vault(tmp_path: Path) -> Iterator[Vault]:
    vault = _case(tmp_path, "ja", "JP", "Asia/Tokyo")
    yield vault
    vault.close()


def test_japanese_report(ja_vault: Vault, tmp_path: Path) -> None:
    _poppler()
    pdf = tmp_path / "report.pdf"
    with use_language("ja"):
        write_report(ja_vault, ReportOptions(), pdf)
    text = _text(pdf)
    for heading in (
        "出来事の記録 報告書",
        "出来事の時系列記録",
        "証拠の一覧",
        "改ざんがないことの説明",
    ):
        assert heading in text
    assert "2026年8月1日(土) ～ 2026年8月3日(月)" in text  # the period on the cover
    assert "21:40" in text
    assert "受理番号：R-12345" in text
    assert "무언 전화 5회" in text  # Korean text in a Japanese report prints as written
    # no incident names a channel: a sentence, not a table of headings with no rows
    assert "これらの出来事には、届いた手段が記録されていません。" in text
    assert not re.search(r"\[(?:cjk|hangul|hiragana|katakana)[^\]]*\]", text)
    assert re.search(r"\b2 / \d+\b", text)  # page numbers are digits, not stray kanji
    assert re.search(r"\+NotoSansCJKJP .* yes yes", _fonts(pdf))  # embedded (subset)
    assert "Chronological" not in text
    _render(pdf, "report-ja-page1")


def test_korean_dates_in_a_korean_report(tmp_path: Path) -> None:
    _poppler()
    vault = _case(tmp_path, "ko", "KR", "Asia/Seoul")
    pdf = tmp_path / "report.pdf"
    with use_language("ko"):
        write_report(vault, ReportOptions(), pdf)
    vault.close()
    text = _text(pdf)
    assert "2026년 8월 1일 (토)" in text
    assert "오후 9:40" in text
    _render(pdf, "report-ko-page1")


def test_police_sheet_in_japanese(ja_vault: Vault, tmp_path: Path) -> None:
    _poppler()
    pdf = tmp_path / "sheet.pdf"
    with use_language("ja"):
        write_sheet(ja_vault, ReportOptions(), pdf)
    text = _text(pdf)
    assert "警察への相談の準備シート" in text
    assert "持っていくもの" in text
    assert "2026年8月1日(土)" in text
    _render(pdf, "police-sheet-ja")


def test_english_copy_from_a_japanese_vault(ja_vault: Vault, tmp_path: Path) -> None:
    """--language en writes an English report while the vault (and the CLI) speak Japanese."""
    _poppler()
    ja_vault.close()
    pdf = tmp_path / "english.pdf"
    env = {"SAFETRAIL_PASSPHRASE": PASSPHRASE, "SAFETRAIL_VAULT": str(tmp_path / "vault")}
    done = CliRunner().invoke(app, ["report", "--output", str(pdf), "--language", "en"], env=env)
    assert done.exit_code == 0, done.output
    assert "報告書" in done.output  # the terminal stays in the vault's language
    text = _text(pdf)
    assert "Chronological incident log" in text
    assert "1 Aug 2026" in text
    refused = CliRunner().invoke(
        app, ["report", "--output", str(tmp_path / "x.pdf"), "--language", "fr"], env=env
    )
    assert refused.exit_code != 0
    assert not (tmp_path / "x.pdf").exists()


def test_long_japanese_lines_break_between_characters() -> None:
    """No spaces to break at: lines still fit the width, and none starts with 、 or 。."""
    doc = Doc("A4", "", "", "t", datetime(2026, 8, 1))
    width = 60.0
    lines = doc.wrap(LONG_JA * 2, BODY, width)
    assert len(lines) > 4
    assert "".join(lines) == LONG_JA * 2
    assert all(doc.width(line, BODY) <= width + 0.01 for line in lines)
    assert not any(line.startswith(("、", "。", "ょ", "ッ")) for line in lines)


def test_cli_help_and_flow_in_japanese(tmp_path: Path) -> None:
    """The real command: help in the language, a quick incident recorded and listed."""
    env = {
        **os.environ,
        "SAFETRAIL_LANG": "ja",
        "SAFETRAIL_PASSPHRASE": PASSPHRASE,
        "SAFETRAIL_VAULT": str(tmp_path / "vault"),
        "COLUMNS": "200",
    }
    command = str(Path(sys.executable).with_name("safetrail"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([command, *args], env=env, capture_output=True, text=True)

    helped = run("incident", "add", "--help")
    assert "起きたことを記録します。" in helped.stdout
    assert "Record something" not in helped.stdout
    made = run("init", "--country", "JP", "--timezone", "Asia/Tokyo")
    assert made.returncode == 0, made.stderr
    assert "保管庫を" in made.stdout
    added = run(
        "incident", "add", "--what", "家の前にいた", "--when", "昨日 21時", "--tactic", "watching"
    )
    assert added.returncode == 0, added.stderr
    assert "I-0001 として保存しました" in added.stdout
    listed = run("incident", "list")
    assert "21:00" in listed.stdout
    assert "番号" in listed.stdout and "1 件中 1 件を表示。" in listed.stdout
    wrong = run("incident", "add", "--what", "x", "--when", "そのうち")
    assert wrong.returncode != 0
    assert "SafeTrail が読み取れる日付や時刻ではありません" in wrong.stderr + wrong.stdout
    assert "Traceback" not in wrong.stderr


def test_no_contact_letter_follows_the_local_procedure(ja_vault: Vault, tmp_path: Path) -> None:
    """Japan: warning and prohibition order; Korea: emergency and provisional measures."""
    with use_language("ja"):
        japanese = letters.compose(ja_vault, letters.LetterInput(kind="no-contact")).text()
    assert "ストーカー規制法" in japanese
    assert "警告" in japanese and "禁止命令" in japanese and "都道府県公安委員会" in japanese
    korea = create_vault(tmp_path / "kr", PASSPHRASE, "KR", "Asia/Seoul", clock=StepClock())
    with use_language("en"):
        made = letters.compose(korea, letters.LetterInput(kind="no-contact"))
    korea.close()
    assert made.title == "Request to stop stalking"
    assert "Act on the Punishment of Stalking Crimes" in made.text()
    assert "(112)" in made.text() and "urgent emergency measures" in made.text()
    britain = create_vault(tmp_path / "gb", PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    with use_language("en"):
        general = letters.compose(britain, letters.LetterInput(kind="no-contact"))
    britain.close()
    assert general.title == "No-contact notice"
    assert "Anti-Stalking" not in general.text()


def test_safety_plan_and_supporters_guide_pdfs_in_japanese(tmp_path: Path) -> None:
    _poppler()
    from tests.webutil import form_csrf, new_client

    client = new_client(tmp_path / "vault")
    client.headers["Accept-Language"] = "ja"
    page = client.get("/setup")
    client.post(
        "/setup",
        data={
            "csrf": form_csrf(page.text),
            "passphrase": PASSPHRASE,
            "confirm": PASSPHRASE,
            "country": "JP",
            "timezone": "Asia/Tokyo",
        },
    )
    for path, name, expected in (
        ("/plan/pdf", "plan-ja", ("私の安全計画", "DV相談＋（プラス）", "#8103", "2026年")),
        ("/guidance/supporting/pdf", "guide-ja", ("ストーカー被害にあっている人を支えるために",)),
    ):
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(client.get(path).content)
        text = _text(pdf)
        for words in expected:
            assert words in text, (path, words)
        _render(pdf, name)
