"""No CSV SafeTrail writes can carry a live spreadsheet formula (review finding 5)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from safetrail.reports import bundle as bundles
from safetrail.reports.csvsafe import cell
from safetrail.reports.model import ReportOptions
from safetrail.services import exports
from safetrail.services.imports.run import run_import
from safetrail.services.incidents import quick_incident
from safetrail.services.people import PersonInput, add_person
from safetrail.services.vault import Vault

FORMULA = '=HYPERLINK("http://evil.example","x")'
HOSTILE = [FORMULA, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def escape(text: str) -> str:
    return text.replace("\t", "&#9;").replace("\r", "&#13;").replace('"', "&quot;")


def sms_backup(path: Path) -> Path:
    """An SMS Backup & Restore file with formula-looking bodies, written here."""
    rows = "".join(
        f'<sms protocol="0" address="+447700900123" date="{1767225600000 + i * 60000}" '
        f'type="1" body="{escape(body)}" '
        'read="1" status="-1" contact_name="Sam" />'
        for i, body in enumerate(HOSTILE)
    )
    path.write_text(
        f"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
        f'<smses count="{len(HOSTILE)}">{rows}</smses>',
        "utf-8",
    )
    return path


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (FORMULA, "'" + FORMULA),
        ("+447700900123", "'+447700900123"),
        ("-5 degrees", "'-5 degrees"),
        ("@handle", "'@handle"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("He said =no", "He said =no"),
        ("", ""),
        (3, 3),
        (-1, -1),
    ],
)
def test_cell(value: object, written: object) -> None:
    assert cell(value) == written


def test_incident_csv_neutralises_formulas(vault: Vault) -> None:
    for text in HOSTILE:
        quick_incident(vault, text)
    rows = rows_of(exports.build_csv(vault))
    column = rows[0].index("what_happened")
    # The JSON export keeps the text as stored (surrounding blanks trimmed at entry).
    stored = sorted(i["what_happened"] for i in exports.build_json(vault)["incidents"])
    assert stored == sorted(
        ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A9)", "=1+1", "=1+1"]
    )
    assert sorted(r[column] for r in rows[1:]) == ["'" + t for t in stored]


def test_bundle_csvs_neutralise_formulas(vault: Vault, tmp_path: Path) -> None:
    quick_incident(vault, FORMULA)
    add_person(vault, PersonInput(names=["Sam"], identifiers=["+447700900123"]))
    report = run_import(vault, [sms_backup(tmp_path / "sms-20260101.xml")])
    assert report.status == "complete", report
    out = tmp_path / "bundle.zip"
    bundles.write_bundle(vault, ReportOptions(), out)
    with zipfile.ZipFile(out) as archive:
        texts = {
            Path(name).name: archive.read(name).decode("utf-8-sig")
            for name in archive.namelist()
            if name.endswith(".csv")
        }
    incidents = rows_of(texts["incidents.csv"])
    assert incidents[1][incidents[0].index("what_happened")] == "'" + FORMULA
    comms = rows_of(texts["communications.csv"])
    text_col, who_col = comms[0].index("text"), comms[0].index("counterpart")
    assert sorted(r[text_col] for r in comms[1:]) == sorted("'" + t for t in HOSTILE)
    assert {r[who_col] for r in comms[1:]} == {"'+447700900123"}
    for row in incidents[1:] + comms[1:]:
        assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row)
