"""The person's own places from Google location history: a private track."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from safetrail.errors import InputFileError
from safetrail.importers.base import ImportFormatError, Skipped
from safetrail.importers.location_history import Place, read_places
from safetrail.services import exports, places
from safetrail.services.incidents import IncidentInput, record_incident
from safetrail.services.vault import Vault
from safetrail.services.verify import verify
from safetrail.storage.comm_tables import own_places
from tests.webutil import new_client, set_up

GOOGLE = Path(__file__).parent / "samples" / "google"
HISTORY = GOOGLE / "Takeout" / "Location History (Timeline)"
RECORDS = HISTORY / "Records.json"
SEMANTIC = HISTORY / "Semantic Location History" / "2024" / "2024_MAY.json"
TIMELINE = GOOGLE / "phone" / "Timeline.json"
NO_POSITION = "This entry has no readable position, so it was not read."
NO_TIME = "This entry has no readable time, so it was not read."


def _read(path: Path) -> list[Place | Skipped]:
    with path.open("rb") as stream:
        return list(read_places(stream))


def test_records_json_new_and_old_times() -> None:
    assert _read(RECORDS) == [
        Place("entry 1", "point", datetime(2024, 5, 2, 19, 5, 12, 123000, tzinfo=UTC), None,
              51.503364, -0.141987, accuracy=14),
        Place("entry 2", "point", datetime(2024, 5, 2, 19, 35, 40, tzinfo=UTC), None,
              51.50341, -0.141912, accuracy=9),
        Place("entry 3", "point", datetime(2024, 5, 2, 20, 0, tzinfo=UTC), None, 51.5079,
              -0.1277, accuracy=20),
        Skipped("entry 4", NO_POSITION),
        Skipped("entry 5", NO_TIME),
    ]  # fmt: skip


def test_semantic_location_history_visits_and_travel() -> None:
    assert _read(SEMANTIC) == [
        Place("entry 1", "visit", datetime(2024, 5, 2, 18, 40, tzinfo=UTC),
              datetime(2024, 5, 2, 20, 10, tzinfo=UTC), 51.503364, -0.141987,
              name="Riverside Gym", address="12 Marsh Lane, London"),
        Place("entry 2", "travel", datetime(2024, 5, 2, 20, 10, tzinfo=UTC),
              datetime(2024, 5, 2, 20, 40, tzinfo=UTC), 51.503364, -0.141987),
    ]  # fmt: skip


def test_phone_timeline_export() -> None:
    bst = timezone(timedelta(hours=1))
    assert _read(TIMELINE) == [
        Place("entry 1", "visit", datetime(2024, 5, 3, 7, 55, tzinfo=bst),
              datetime(2024, 5, 3, 9, 30, tzinfo=bst), 51.5201, -0.13004, name="WORK"),
        Place("entry 2, point 1", "point", datetime(2024, 5, 3, 9, 31, tzinfo=bst), None,
              51.5201, -0.13004),
        Place("entry 2, point 2", "point", datetime(2024, 5, 3, 9, 40, tzinfo=bst), None,
              51.515, -0.135),
        Skipped("entry 2, point 3", NO_POSITION),
    ]  # fmt: skip


def test_not_a_location_history(tmp_path: Path) -> None:
    other = tmp_path / "x.json"
    other.write_text('{"messages": []}')
    with pytest.raises(ImportFormatError):
        _read(other)


def test_import_places_next_to_an_incident_and_private(vault: Vault) -> None:
    first = places.import_places(vault, RECORDS)
    assert (first.places, first.new, first.duplicates) == (3, 3, 0)
    assert dict(first.skipped) == {NO_POSITION: 1, NO_TIME: 1}
    second = places.import_places(vault, SEMANTIC)
    assert (second.places, second.new) == (2, 2)
    again = places.import_places(vault, RECORDS)
    assert (again.new, again.duplicates) == (0, 3)
    places.import_places(vault, TIMELINE)
    incident = record_incident(
        vault,
        IncidentInput(
            what_happened="He was waiting by my car at the gym.",
            when="2024-05-02 21:05",  # London summer time: 20:05 UTC
        ),
    )
    ref, found = places.places_near_incident(vault, incident.ref, timedelta(minutes=30))
    assert ref == incident.ref
    assert [(p.kind, p.start_at, p.name) for p in found] == [
        ("visit", "2024-05-02T18:40:00.000000Z", "Riverside Gym"),
        ("point", "2024-05-02T19:35:40.000000Z", None),
        ("point", "2024-05-02T20:00:00.000000Z", None),
        ("travel", "2024-05-02T20:10:00.000000Z", None),
    ]
    assert verify(vault, check_blobs=False).ok
    # never in a shared output: the export holds none of it
    shared = json.dumps(exports.build_json(vault))
    assert "Riverside Gym" not in shared and "51.503364" not in shared
    with vault.write() as conn:
        conn.execute(update(own_places).where(own_places.c.id == 1).values(latitude=51.0))
    problems = [str(p) for p in verify(vault, check_blobs=False).problems]
    assert problems == ["your places: 1 imported places were altered after they were stored"]


def test_missing_file(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        places.import_places(vault, tmp_path / "nothing.json")


def test_incident_page_shows_your_places_to_you(tmp_path: Path) -> None:
    with new_client(tmp_path / "vault") as client:
        set_up(client)
        app: Any = client.app
        vault = app.state.safetrail.vault
        assert vault is not None
        places.import_places(vault, SEMANTIC)
        incident = record_incident(
            vault, IncidentInput(what_happened="He followed me out.", when="2024-05-02 21:05")
        )
        page = client.get(f"/incidents/{incident.ref}")
        assert page.status_code == 200
        assert "Where you were" in page.text
        assert (
            "2024-05-02 18:40 UTC – 2024-05-02 20:10 UTC: Riverside Gym (51.50336, -0.14199)"
            in page.text
        )
        other = record_incident(
            vault, IncidentInput(what_happened="A call at night.", when="2024-06-01 03:00")
        )
        assert "Where you were" not in client.get(f"/incidents/{other.ref}").text
