"""Each detector is isolated: one that fails is reported, the others still appear."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetrail.analysis.detectors import REGISTRY, Detector, DetectorRegistry
from safetrail.analysis.escalation import DetectionContext, Signal
from safetrail.analysis.serialize import signals_json
from safetrail.analysis.service import analyse_vault
from safetrail.cli.main import app
from safetrail.i18n import N_
from safetrail.services import events, incidents, people
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault, create_vault, open_vault
from tests.conftest import PASSPHRASE, StepClock

TODAY = date(2026, 10, 20)


def _broken(ctx: DetectionContext) -> list[Signal]:
    raise RuntimeError("boom on purpose")


@pytest.fixture
def broken() -> Iterator[Detector]:
    with REGISTRY.added(Detector("broken", N_("A check that always fails"), _broken)) as found:
        yield found


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    path = tmp_path / "vault"
    vault = create_vault(path, PASSPHRASE, "GB", "Europe/London", clock=StepClock())
    mark = people.add_person(vault, people.PersonInput(["Mark"], relationship="former partner"))
    for day in (1, 3, 5):
        incidents.record_incident(
            vault,
            IncidentInput(
                what_happened="He kept calling",
                when=f"2026-10-{day:02d} 20:00",
                tactics=["unwanted_calls"],
                channel="phone_call",
                offenders=[mark.ref],
            ),
        )
    incidents.record_incident(
        vault,
        IncidentInput(
            what_happened="He waited outside my home and said he would kill me",
            when="2026-10-12 22:00",
            where="home",
            tactics=["watching", "threats"],
            channel="in_person",
            offenders=[mark.ref],
            fear=4,
        ),
    )
    events.add_notice(vault, events.NoticeInput("2026-10-02", "letter", mark.ref))
    vault.close()
    return path


def _open(path: Path) -> Vault:
    return open_vault(path, PASSPHRASE)


def test_a_failing_detector_is_reported_and_the_others_still_run(
    vault_dir: Path, broken: Detector
) -> None:
    vault = _open(vault_dir)
    try:
        found = analyse_vault(vault, TODAY)
        with_failure = [s.kind for s in found.signals]
        assert [(f.name, f.reason) for f in found.failures] == [
            ("broken", "RuntimeError: boom on purpose")
        ]
        assert found.failures[0].message == (
            "A check that always fails: could not be computed (RuntimeError: boom on purpose)."
        )
        REGISTRY.unregister("broken")
        clean = analyse_vault(vault, TODAY)
        REGISTRY.register(broken)
    finally:
        vault.close()
    assert clean.failures == ()
    assert with_failure == [s.kind for s in clean.signals]
    assert {"threats", "after_notice", "approach_places", "new_tier"} <= set(with_failure)


def test_a_failing_builtin_detector_leaves_the_rest(vault_dir: Path) -> None:
    """A registry without the place detector but with a broken threats detector."""
    registry = DetectorRegistry(
        [d for d in REGISTRY.all() if d.name not in {"threats"}]
        + [Detector("threats", N_("Threats"), _broken)]
    )
    vault = _open(vault_dir)
    try:
        from safetrail.analysis.case import analyse
        from safetrail.analysis.loader import load_case

        found = analyse(load_case(vault), TODAY, registry=registry)
    finally:
        vault.close()
    kinds = {s.kind for s in found.signals}
    assert "threats" not in kinds
    assert {"after_notice", "approach_places", "new_tier"} <= kinds
    assert signals_json(found)["could_not_compute"] == [
        {"detector": "threats", "label": "Threats", "reason": "RuntimeError: boom on purpose"}
    ]


def test_registry_refuses_a_second_detector_with_the_same_name() -> None:
    with pytest.raises(ValueError, match="already registered"):
        REGISTRY.register(Detector("threats", N_("Threats"), _broken))


def _cli(vault_dir: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        list(args),
        env={
            "SAFETRAIL_VAULT": str(vault_dir),
            "SAFETRAIL_PASSPHRASE": PASSPHRASE,
            "COLUMNS": "200",
        },
    )
    return result.exit_code, result.output


def test_cli_shows_the_failure_and_the_other_signals(vault_dir: Path, broken: Detector) -> None:
    code, out = _cli(vault_dir, "analyze", "--today", TODAY.isoformat())
    assert code == 0, out
    failure = "A check that always fails: could not be computed (RuntimeError: boom on purpose)."
    assert failure in out
    assert "Contact after your no-contact notice" in out
    assert "Threats" in out
    code, out = _cli(vault_dir, "analyze", "--today", TODAY.isoformat(), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["could_not_compute"] == [
        {
            "detector": "broken",
            "label": "A check that always fails",
            "reason": "RuntimeError: boom on purpose",
        }
    ]
    assert "after_notice" in [s["kind"] for s in data["signals"]]


def test_patterns_page_shows_the_failure_and_the_other_signals(
    tmp_path: Path, broken: Detector
) -> None:
    from tests.test_analysis_web import fill
    from tests.webutil import new_client, set_up

    with new_client(tmp_path / "web") as client:
        set_up(client)
        vault = client.app.state.safetrail.vault  # type: ignore[attr-defined]
        fill(vault)
        page = client.get("/analysis")
    assert page.status_code == 200
    assert (
        "A check that always fails: could not be computed (RuntimeError: boom on purpose)."
        in page.text
    )
    assert "Contact after your no-contact notice" in page.text


def test_report_and_sheet_show_the_failure_and_the_other_signals(
    vault_dir: Path, broken: Detector
) -> None:
    from safetrail.reports.model import ReportOptions
    from safetrail.reports.pdf_report import build_report
    from safetrail.reports.police_sheet import build_sheet
    from tests.test_reports_support import pdf_text

    vault = _open(vault_dir)
    try:
        report = " ".join(pdf_text(build_report(vault, ReportOptions()).pdf).split())
        sheet = " ".join(pdf_text(build_sheet(vault, ReportOptions()).pdf).split())
    finally:
        vault.close()
    failure = "A check that always fails: could not be computed (RuntimeError: boom on purpose)."
    for text in (report, sheet):
        assert failure in text
        assert "Contact after your no-contact notice" in text
