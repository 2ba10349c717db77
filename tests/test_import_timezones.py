"""Times written without a zone (Telegram's ``date`` without ``date_unixtime``): read in the
vault's zone unless ``--timezone`` names the export's, and said so in the import report."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from safetrail.cli.common import console
from safetrail.cli.import_cmds import print_report
from safetrail.errors import ValidationError
from safetrail.services.imports.run import ImportOptions, run_import
from safetrail.services.vault import Vault
from safetrail.storage.comm_tables import communications

CHAT = Path(__file__).parent / "samples" / "telegram" / "local-dates" / "result.json"


def _times(vault: Vault) -> list[tuple[str, bool]]:
    with vault.read() as conn:
        rows = conn.execute(
            select(communications.c.at, communications.c.wall_time).order_by(communications.c.id)
        ).all()
    return [(r[0], bool(r[1])) for r in rows]


def test_local_dates_are_read_in_the_vault_zone_and_the_report_says_so(vault: Vault) -> None:
    report = run_import(vault, [CHAT])
    (source,) = report.sources
    assert (source.records, source.local_times, source.local_zone) == (4, 3, "Europe/London")
    assert report.to_json()["sources"][0]["local_times"] == 3
    # London is on UTC in January; the last message has its own Unix time
    assert _times(vault) == [
        ("2024-01-20T23:41:05.000000Z", True),
        ("2024-01-20T23:42:30.000000Z", True),
        ("2024-01-21T08:15:00.000000Z", True),
        ("2024-01-21T08:20:11.000000Z", False),
    ]
    with console.capture() as captured:
        print_report(report)
    text = " ".join(captured.get().split())
    assert (
        "3 records in result.json carry only the local time of the device that made the "
        "export; they were read as Europe/London time. If that device was set to another "
        "time zone, import again with --timezone."
    ) in text


def test_timezone_option_sets_the_exports_zone(vault: Vault) -> None:
    report = run_import(vault, [CHAT], ImportOptions(timezone="Asia/Tokyo"))
    assert (report.sources[0].local_times, report.sources[0].local_zone) == (3, "Asia/Tokyo")
    assert _times(vault) == [
        ("2024-01-20T14:41:05.000000Z", True),
        ("2024-01-20T14:42:30.000000Z", True),
        ("2024-01-20T23:15:00.000000Z", True),
        ("2024-01-21T08:20:11.000000Z", False),
    ]


def test_an_unknown_zone_is_refused_before_anything_is_read(vault: Vault) -> None:
    with pytest.raises(ValidationError) as caught:
        run_import(vault, [CHAT], ImportOptions(timezone="Mars/Olympus"))
    assert caught.value.message == "There is no time zone called 'Mars/Olympus'."
    assert _times(vault) == []
