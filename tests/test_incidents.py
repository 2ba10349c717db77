"""Incidents, people, notices and orders through the services, on SQLCipher."""

from __future__ import annotations

import pytest

from safetrail.errors import RecordNotFound, RecordVoided, ValidationError
from safetrail.services import events, incidents, people, settings, summary
from safetrail.services.events import NoticeInput, OrderInput
from safetrail.services.incidents import IncidentFilter, IncidentInput, Witness
from safetrail.services.people import PersonInput, Vehicle
from safetrail.services.vault import Vault
from safetrail.services.verify import verify


def _full(vault: Vault) -> tuple[str, str]:
    person = people.add_person(
        vault,
        PersonInput(
            names=["Mark Example", "M"],
            relationship="former partner",
            identifiers=["07700 900123", "Mark@Example.COM", "@MarkX"],
            vehicles=[Vehicle("grey Ford Focus", "AB12 CDE")],
        ),
    )
    record = incidents.record_incident(
        vault,
        IncidentInput(
            what_happened="  He was waiting by my car after work.  ",
            when="2026-11-20T18:05",
            where="Office car park",
            latitude=51.5072,
            longitude=-0.1276,
            tactics=["watching", "showing_up", "watching"],
            channel="in_person",
            offenders=[person.ref],
            witnesses=[Witness("Sam Lee", "07700 900999"), Witness("  ")],
            fear=3,
            impacts=["changed_routine"],
            police_reported=True,
            police_reference="CAD 1234/20NOV",
            police_officer="PC Jones",
            police_badge="4521",
            private_note="I could not sleep.",
        ),
    )
    return person.ref, record.ref


def test_full_incident_round_trip(vault: Vault) -> None:
    person_ref, ref = _full(vault)
    record, history = incidents.show_incident(vault, ref)
    assert ref == "I-0001"
    assert person_ref == "P-001"
    data = record.data
    assert data["what_happened"] == "He was waiting by my car after work."
    assert data["occurred"]["tz"] == "Europe/London"
    assert data["occurred"]["precision"] == "minute"
    assert data["tactics"] == ["showing_up", "watching"]
    assert data["channel"] == "in_person"
    assert data["witnesses"] == [{"name": "Sam Lee", "contact": "07700 900999"}]
    assert data["fear"] == 3
    assert data["impacts"] == ["changed_routine"]
    assert data["police"] == {
        "reported": True,
        "reference": "CAD 1234/20NOV",
        "officer": "PC Jones",
        "badge": "4521",
    }
    assert data["location"] == {
        "text": "Office car park",
        "latitude": 51.5072,
        "longitude": -0.1276,
    }
    assert data["private_note"] == "I could not sleep."
    assert [(v.version, v.op) for v in history] == [(1, "create")]
    assert history[0].recorded_at == "2026-11-01T09:00:04.000000Z"
    person, _ = people.show_person(vault, person_ref)
    assert [(i["kind"], i["normalised"]) for i in person.data["identifiers"]] == [
        ("phone", "+447700900123"),
        ("email", "mark@example.com"),
        ("handle", "markx"),
    ]
    assert person.data["vehicles"] == [{"description": "grey Ford Focus", "plate": "AB12 CDE"}]
    assert [p.ref for p in people.match_identifier(vault, "+44 7700 900123")] == ["P-001"]
    assert verify(vault).ok


def test_amend_and_void_keep_history(vault: Vault) -> None:
    _, ref = _full(vault)
    incidents.amend_incident(vault, ref, {"what_happened": "He waited by my car."}, "clearer")
    incidents.amend_incident(vault, ref, {"fear": 4, "tactics": ["watching"]}, "recalled")
    incidents.void_incident(vault, ref, "recorded the wrong day")
    record, history = incidents.show_incident(vault, ref)
    assert record.voided
    assert [(v.version, v.op, v.reason) for v in history] == [
        (1, "create", None),
        (2, "amend", "clearer"),
        (3, "amend", "recalled"),
        (4, "void", "recorded the wrong day"),
    ]
    assert history[0].data["what_happened"] == "He was waiting by my car after work."
    assert history[1].data["what_happened"] == "He waited by my car."
    assert history[2].data["fear"] == 4
    assert history[2].data["tactics"] == ["watching"]
    assert history[3].data == history[2].data
    with pytest.raises(RecordVoided):
        incidents.amend_incident(vault, ref, {"fear": 1}, "again")
    with pytest.raises(RecordVoided):
        incidents.void_incident(vault, ref, "twice")
    assert verify(vault).ok


def test_reason_is_required_and_no_op_amend_refused(vault: Vault) -> None:
    _, ref = _full(vault)
    with pytest.raises(ValidationError, match="reason is needed"):
        incidents.amend_incident(vault, ref, {"fear": 1}, "  ")
    with pytest.raises(ValidationError, match="Nothing changed"):
        incidents.amend_incident(vault, ref, {"fear": 3}, "same")
    with pytest.raises(ValidationError, match="reason is needed"):
        incidents.void_incident(vault, ref, "")


def test_validation_messages(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="describe what happened"):
        incidents.record_incident(vault, IncidentInput(what_happened="   "))
    with pytest.raises(ValidationError):
        incidents.record_incident(vault, IncidentInput(what_happened="x", tactics=["stalkin"]))
    with pytest.raises(ValidationError, match="both latitude and longitude"):
        incidents.record_incident(vault, IncidentInput(what_happened="x", latitude=1.0))
    with pytest.raises(RecordNotFound):
        incidents.record_incident(vault, IncidentInput(what_happened="x", offenders=["P-009"]))
    with pytest.raises(RecordNotFound):
        incidents.show_incident(vault, "I-0042")


def test_quick_incident_defaults_to_now(vault: Vault) -> None:
    record = incidents.quick_incident(vault, "Missed calls again", tactic="unwanted_calls")
    assert record.data["tactics"] == ["unwanted_calls"]
    assert record.data["occurred"]["precision"] == "minute"
    assert record.data["private_note"] is None


def test_list_filters_and_pages(vault: Vault) -> None:
    person = people.add_person(vault, PersonInput(names=["Mark"]))
    for day in range(1, 13):
        incidents.record_incident(
            vault,
            IncidentInput(
                what_happened=f"Day {day}: " + ("flowers left" if day % 3 == 0 else "calls"),
                when=f"2026-10-{day:02d}T12:00",
                tactics=["items_sent"] if day % 3 == 0 else ["unwanted_calls"],
                offenders=[person.ref] if day % 2 == 0 else [],
            ),
        )
    incidents.void_incident(vault, "I-0012", "duplicate")
    found, total = incidents.list_incidents(vault, IncidentFilter(limit=5))
    assert total == 11
    assert [r.ref for r in found] == ["I-0011", "I-0010", "I-0009", "I-0008", "I-0007"]
    page3, _ = incidents.list_incidents(vault, IncidentFilter(limit=5, offset=10))
    assert [r.ref for r in page3] == ["I-0001"]
    items, total = incidents.list_incidents(vault, IncidentFilter(tactic="items_sent"))
    assert [r.ref for r in items] == ["I-0009", "I-0006", "I-0003"]
    mine, total = incidents.list_incidents(vault, IncidentFilter(offender="P-001"))
    assert [r.ref for r in mine] == ["I-0010", "I-0008", "I-0006", "I-0004", "I-0002"]
    text, _ = incidents.list_incidents(vault, IncidentFilter(text="FLOWERS"))
    assert [r.ref for r in text] == ["I-0009", "I-0006", "I-0003"]
    window, _ = incidents.list_incidents(
        vault,
        IncidentFilter(since="2026-10-03T00:00:00.000000Z", until="2026-10-05T00:00:00.000000Z"),
    )
    assert [r.ref for r in window] == ["I-0004", "I-0003"]
    with_voided, total = incidents.list_incidents(vault, IncidentFilter(include_voided=True))
    assert total == 12
    assert with_voided[0].ref == "I-0012" and with_voided[0].voided


def test_notice_order_and_summary(vault: Vault) -> None:
    _full(vault)
    notice = events.add_notice(
        vault, NoticeInput("2026-11-02", "text_message", "P-001", "Told him to stop all contact")
    )
    order = events.add_order(
        vault,
        OrderInput(
            "Non-molestation order",
            "2026-11-10",
            "2027-11-10",
            "Family Court",
            "ZW26F00123",
            "No contact; stay 100 m away",
            "P-001",
        ),
    )
    assert (notice.ref, order.ref) == ("N-001", "O-001")
    assert [r.ref for r in events.list_events(vault, "order")] == ["O-001"]
    with pytest.raises(ValidationError, match="cannot expire before"):
        events.add_order(vault, OrderInput("Order", "2026-11-10", "2026-11-01"))
    with pytest.raises(ValidationError, match="year-month-day"):
        events.add_notice(vault, NoticeInput("yesterday-ish", "email"))
    case = summary.summarise(vault)
    assert (case.incidents, case.people, case.notices, case.orders) == (1, 1, 1, 1)
    assert case.top_tactics == [("showing_up", 1), ("watching", 1)]
    assert case.ledger_entries == 6  # case, settings, person, incident, notice, order


def test_settings_change_is_versioned(vault: Vault) -> None:
    assert settings.current(vault) == settings.Place("GB", "Europe/London")
    settings.change(vault, "jp", "Asia/Tokyo", "moved")
    assert settings.current(vault) == settings.Place("JP", "Asia/Tokyo")
    with pytest.raises(ValidationError, match="country code"):
        settings.change(vault, "XX", None, "bad")
    with pytest.raises(ValidationError, match="time zone"):
        settings.change(vault, None, "Mars/Olympus", "bad")
    assert verify(vault).ok


def test_undecodable_text_is_refused_clearly(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="could not be read correctly"):
        incidents.record_incident(vault, IncidentInput(what_happened="bad \udcff byte"))
    assert incidents.list_incidents(vault, IncidentFilter())[1] == 0
