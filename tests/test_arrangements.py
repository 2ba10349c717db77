"""Permitted contact arrangements: a shared-custody case from import to analysis and report.

Sam shares the care of two children with Alex. A court order (O-001) forbids contact
except handover texts by SMS from Alex's number on Fridays 17:00-19:00. Alex also writes
by email (never permitted) and, once, sends a threat inside the handover window.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetrail.analysis.service import analyse_vault
from safetrail.cli.main import app
from safetrail.errors import ValidationError
from safetrail.services import arrangement_review, arrangements, people
from safetrail.services.arrangements import ArrangementInput
from safetrail.services.events import NoticeInput, OrderInput, add_notice, add_order
from safetrail.services.imports.run import run_import
from safetrail.services.vault import Vault
from tests.conftest import PASSPHRASE

ALEX = "+447700900123"
TODAY = date(2026, 3, 31)


def _sms(at_ms: int, body: str, kind: int = 1) -> str:
    return (
        f'  <sms protocol="0" address="{ALEX}" date="{at_ms}" type="{kind}" subject="null" '
        f'body="{body}" read="1" status="-1" locked="0" date_sent="{at_ms}" '
        'contact_name="Alex" />\n'
    )


# Friday 2026-03-06 17:30 and Friday 2026-03-13 17:45 London (GMT, UTC+0), handover words;
# Friday 2026-03-13 18:10 a threat inside the window; Wednesday 2026-03-11 22:00 outside the
# window with no child words.
MESSAGES = [
    (1772818200000, "I will pick up the kids at the library at 17:30"),
    (1773423900000, "Running late for the handover, there in 10 minutes"),
    (1773425400000, "Bring them on time or I will kill you"),
    (1773266400000, "Why won't you answer me"),
]


def _sms_file(folder: Path) -> Path:
    body = "".join(_sms(ms, text) for ms, text in MESSAGES)
    path = folder / "sms-20260320120000.xml"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
        f'<smses count="{len(MESSAGES)}" backup_set="b1" backup_date="1773000000000" '
        f'type="full">\n{body}</smses>\n',
        encoding="utf-8",
    )
    return path


def _mbox(folder: Path) -> Path:
    path = folder / "alex.mbox"
    path.write_text(
        "From alex@example.org Fri Mar 13 17:50:00 2026\n"
        "From: Alex Doe <alex@example.org>\n"
        "To: sam@example.net\n"
        "Subject: handover\n"
        "Date: Fri, 13 Mar 2026 17:50:00 +0000\n"
        "Message-ID: <a1@example.org>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "The kids forgot their school bags, I am coming round tonight.\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def custody(vault: Vault, tmp_path: Path) -> Vault:
    people.add_person(
        vault,
        people.PersonInput(
            names=["Alex Doe"],
            relationship="former partner",
            identifiers=[ALEX, "alex@example.org"],
            vehicles=[people.Vehicle("blue estate car", "AB12 CDE")],
        ),
    )
    add_notice(vault, NoticeInput("2026-03-01", "text_message", "P-001"))
    add_order(
        vault,
        OrderInput(
            "non-molestation order",
            "2026-03-02",
            person="P-001",
            conditions="No contact except handover texts on Fridays",
        ),
    )
    run_import(vault, [_sms_file(tmp_path), _mbox(tmp_path)])
    arrangements.add_arrangement(
        vault,
        ArrangementInput(
            person="P-001",
            channels=[f"sms:{ALEX}"],
            windows=["fri 17:00-19:00"],
            about="Handovers of the children",
            children=["Mia", "Leo"],
            place="Front steps of the town library",
            source="order",
            order="O-001",
            starts_on="2026-03-02",
        ),
    )
    return vault


def _contacts_after_notice(vault: Vault) -> int:
    found = analyse_vault(vault, TODAY)
    signal = found.signal("after_notice")
    assert signal is not None
    return signal.evidence_total


def test_suggest_confirm_and_exclude(custody: Vault) -> None:
    # Nothing marked yet: 4 texts + 1 email, and the 3 daily summary incidents of the import.
    assert _contacts_after_notice(custody) == 8
    suggested = arrangement_review.suggest(custody)
    texts = [s.text for s in suggested]
    # The three Friday texts are suggested; the Wednesday text (no window, no child words)
    # and the email (another channel) are not.
    assert texts == [MESSAGES[0][1], MESSAGES[1][1], MESSAGES[2][1]]
    assert suggested[0].reasons == (
        f"on the agreed channel (sms: {ALEX})",
        "inside an agreed time window",
        "about the children or a handover",
    )
    assert [s.threatening for s in suggested] == [False, False, True]
    assert suggested[2].reasons == (
        f"on the agreed channel (sms: {ALEX})",
        "inside an agreed time window",
    )
    arrangements.mark(
        custody, [s.ref for s in suggested], "AR-001", "handover texts the order allows", True
    )
    assert arrangement_review.suggest(custody) == []
    found = analyse_vault(custody, TODAY)
    after = found.signal("after_notice")
    # Left: the Wednesday text and the email, and the summaries of 11 and 13 March (the
    # 13th mixes permitted texts with the email, so it stays); 6 March's summary covered
    # only a handover text and is inside too.
    assert after is not None and after.evidence_total == 4
    assert [(e.kind, e.on.day, e.ref, e.count) for e in after.evidence] == [
        ("contacts", 11, None, 1),
        ("incident", 11, "I-0002", 1),
        ("contacts", 13, None, 1),
        ("incident", 13, "I-0003", 1),
    ]
    assert sum(b.count for b in found.breaches) == 4
    (counted,) = found.arranged
    assert (counted.arrangement.ref, counted.incidents, counted.contacts) == ("AR-001", 1, 3)
    assert counted.flagged == 1  # the threat inside the window is still flagged
    threats = found.signal("threats")
    assert threats is not None and threats.urgent


def test_marks_are_versions_and_can_be_undone(custody: Vault) -> None:
    first = arrangement_review.suggest(custody)[0].ref
    (made,) = arrangements.mark(custody, [first], "AR-001", "handover")
    (changed,) = arrangements.mark(custody, [first], None, "this one was not about the children")
    assert changed.id == made.id and changed.head.version == 2
    assert changed.data["inside"] is False
    assert _contacts_after_notice(custody) == 8
    with pytest.raises(ValidationError):
        arrangements.mark(custody, [first], "AR-001", "   ")


def test_window_and_channel_parsing() -> None:
    window = arrangements.parse_window("mon-wed,sat 09:00-09:30")
    assert window.days == ("mon", "tue", "wed", "sat")
    with pytest.raises(ValidationError):
        arrangements.parse_window("fri 19:00-17:00")
    with pytest.raises(ValidationError):
        arrangements.parse_channel("pigeon", "GB")
    assert arrangements.parse_channel("sms:07700 900123", "GB").identifier == ALEX


def test_cli_review_and_analyze_json(custody: Vault, vault_path: Path, tmp_path: Path) -> None:
    custody.close()
    runner = CliRunner()
    env = {"SAFETRAIL_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"}
    base = ["--vault", str(vault_path)]
    shown = runner.invoke(app, ["arrangement", "list", *base], env=env)
    assert shown.exit_code == 0, shown.output
    assert "AR-001" in shown.output and "Handovers of the children" in shown.output
    review = runner.invoke(app, ["arrangement", "review", *base, "--yes"], env=env)
    assert review.exit_code == 0, review.output
    assert "3 records marked inside AR-001" in review.output
    assert review.output.count("contains threatening words") == 1
    out = runner.invoke(app, ["analyze", *base, "--json", "--today", TODAY.isoformat()], env=env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    after = next(s for s in data["signals"] if s["kind"] == "after_notice")
    assert after["evidence_total"] == 4
    assert sum(b["count"] for b in data["breaches"]) == 4
    assert data["arrangements"][0]["contacts_inside"] == 3
    assert data["arrangements"][0]["flagged_inside"] == 1
    pdf = tmp_path / "report.pdf"
    made = runner.invoke(app, ["report", *base, "--output", str(pdf)], env=env)
    assert made.exit_code == 0, made.output
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "AR-001" in flat
    assert "1 incident and 3 calls or messages fell inside it" in flat
    checked = runner.invoke(app, ["verify", *base], env=env)
    assert checked.exit_code == 0, checked.output


def test_police_sheet_and_show(custody: Vault, vault_path: Path, tmp_path: Path) -> None:
    suggested = arrangement_review.suggest(custody)
    arrangements.mark(custody, [s.ref for s in suggested], "AR-001", "handover texts")
    custody.close()
    runner = CliRunner()
    env = {"SAFETRAIL_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"}
    base = ["--vault", str(vault_path)]
    shown = runner.invoke(app, ["arrangement", "show", "AR-001", *base], env=env)
    assert shown.exit_code == 0, shown.output
    assert "Front steps of the town library" in shown.output
    assert "Records marked inside it: 3. Versions: 1." in shown.output
    ended = runner.invoke(
        app,
        ["arrangement", "end", "AR-001", "--on", "2026-03-01", "--reason", "typo", *base],
        env=env,
    )
    assert ended.exit_code == 1
    assert str(ended.exception) == "The arrangement cannot end before it starts."
    sheet = tmp_path / "sheet.pdf"
    made = runner.invoke(app, ["police-sheet", *base, "--output", str(sheet)], env=env)
    assert made.exit_code == 0, made.output
    text = subprocess.run(
        ["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Permitted contact AR-001 (set by a court order)" in flat
    assert "1 incident and 3 calls or messages fell inside it" in flat


@pytest.mark.parametrize(
    "command",
    [
        "arrangement add",
        "arrangement list",
        "arrangement show",
        "arrangement end",
        "arrangement mark",
        "arrangement review",
        "lookout",
    ],
)
def test_commands_have_help(command: str) -> None:
    done = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
    assert done.exit_code == 0 and "Usage:" in done.output


def test_a_report_about_someone_else_leaves_the_arrangement_out(custody: Vault) -> None:
    from safetrail.analysis.loader import load_case

    facts = load_case(custody)
    alex = facts.people[0].id
    assert [a.ref for a in facts.within(person_ids=frozenset({alex})).arrangements] == ["AR-001"]
    assert facts.within(person_ids=frozenset({"someone-else"})).arrangements == ()


def test_end_is_a_new_version_and_ended_only_after_the_day(custody: Vault) -> None:
    arrangements.end_arrangement(custody, "AR-001", "2999-12-31", "order runs to the end")
    view = arrangements.arrangement_view(custody, "AR-001")
    assert (view.versions, view.ended) == (2, False)
    arrangements.end_arrangement(custody, "AR-001", "2026-04-30", "new order from the court")
    view = arrangements.arrangement_view(custody, "AR-001")
    assert (view.versions, view.ended) == (3, True)
    assert dict(view.rows())["Until"] == "2026-04-30"
