"""Safety plan versions, protective-order breaches, checklist progress, contacts and PDFs."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from safetrail.errors import RecordNotFound, RecordVoided, ValidationError
from safetrail.i18n import use_language
from safetrail.planning import checklist, notice
from safetrail.planning import plan as model
from safetrail.planning.pdf import Document, FontSet, find_fonts
from safetrail.services import arrangements, events, incidents, people, planning, settings
from safetrail.services.events import BreachInput, NoticeInput, OrderChanges, OrderInput
from safetrail.services.vault import Vault
from safetrail.services.verify import verify

ADOPT = model.Choice("adopted")
SKIP = model.Choice("skipped")


def test_every_save_is_a_new_dated_revision_and_each_can_be_read_back(vault: Vault) -> None:
    assert planning.current_plan(vault).version is None
    assert planning.plan_history(vault) == []
    first = planning.save_section(
        vault,
        "home",
        {"neighbours": ADOPT, "locks": SKIP, "camera": model.Choice("adopted", "Doorbell camera")},
        ["Keep the curtains closed at night", "  "],
    )
    assert first is not None and first.ref == "SP-001"
    second = planning.save_contingencies(
        vault,
        [
            {"if": "he comes to the door", "then": "stay upstairs and call 999"},
            {"if": "", "then": ""},
        ],
    )
    third = planning.save_trusted_people(
        vault,
        [{"name": "Aunt Mo", "reach": "07700 900111", "knows": "everything", "if_contacted": ""}],
    )
    assert (second and second.head.version, third and third.head.version) == (2, 3)

    revisions = planning.plan_history(vault)
    assert [r.version for r in revisions] == [3, 2, 1]
    assert [r.reason for r in revisions] == [
        "Trusted people updated",
        "If this happens updated",
        "Home updated",
    ]
    assert [r.changed for r in revisions] == [["Trusted people"], ["If this happens"], ["Home"]]
    # The conftest clock advances one second per reading: each revision has its own time.
    assert len({r.saved_at for r in revisions}) == 3
    assert all("(Europe/London)" in r.saved_at for r in revisions)

    one = planning.plan_version(vault, 1)
    home = next(s for s in one.sections() if s.section.id == "home")
    assert home.adopted == [
        model.section("home").suggestion("neighbours").text_now(),  # type: ignore[union-attr]
        "Doorbell camera",
    ]
    assert home.own == ["Keep the curtains closed at night"]
    assert (home.skipped, home.undecided) == (1, len(model.section("home").suggestions) - 3)
    assert one.data["contingencies"] == [] and not one.is_latest
    two = planning.plan_version(vault, 2)
    assert two.data["contingencies"] == [
        {"if": "he comes to the door", "then": "stay upstairs and call 999"}
    ]
    assert two.data["trusted_people"] == []
    now = planning.current_plan(vault)
    assert now.version == 3 and now.is_latest
    assert now.data["trusted_people"][0]["name"] == "Aunt Mo"
    with pytest.raises(RecordNotFound, match="no revision 9"):
        planning.plan_version(vault, 9)
    assert verify(vault).ok


def test_saving_the_same_thing_again_adds_no_revision(vault: Vault) -> None:
    assert planning.save_section(vault, "general", {}, []) is None  # empty plan: nothing stored
    planning.save_section(vault, "general", {"log": ADOPT}, [])
    assert planning.save_section(vault, "general", {"log": ADOPT}, []) is None
    assert [r.version for r in planning.plan_history(vault)] == [1]


def test_adopted_wording_is_kept_as_saved(vault: Vault) -> None:
    planning.save_section(vault, "technology", {"passwords": ADOPT}, [])
    stored = planning.current_plan(vault).data["sections"]["technology"]["choices"]
    assert stored == {
        "passwords": {
            "state": "adopted",
            "text": model.section("technology").suggestion("passwords").text_now(),  # type: ignore[union-attr]
        }
    }
    # "Decide later" removes the choice.
    planning.save_section(vault, "technology", {"passwords": model.Choice("")}, [])
    assert "technology" not in planning.current_plan(vault).data["sections"]


def test_plan_input_mistakes_are_explained(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="no plan section called garden"):
        planning.save_section(vault, "garden", {}, [])
    with pytest.raises(ValidationError, match="both parts"):
        planning.save_contingencies(vault, [{"if": "he calls", "then": ""}])
    with pytest.raises(ValidationError, match="needs a name"):
        planning.save_trusted_people(vault, [{"name": "", "reach": "07700 900111"}])
    with pytest.raises(ValidationError, match="too long"):
        planning.save_section(vault, "home", {}, ["x" * 2001])
    with pytest.raises(ValidationError, match="year-month-day"):
        planning.save_review_date(vault, "next week")
    with pytest.raises(ValidationError, match="in the past"):
        planning.save_review_date(vault, "2000-01-01")
    with pytest.raises(ValidationError, match="not a region"):
        planning.save_region(vault, "wales_north")
    assert planning.current_plan(vault).version is None


def test_review_date_region_and_go_bag(vault: Vault) -> None:
    today = planning.today(vault)
    planning.save_review_date(vault, model.suggested_review_date(today))
    view = planning.current_plan(vault)
    assert view.review_on == model.suggested_review_date(today)
    assert not view.review_due(today) and view.review_due(date(2099, 1, 1))
    planning.save_region(vault, "Scotland")
    assert planning.home_region(vault) == "scotland"
    found = planning.place_resources(vault)
    assert found is not None and found.region == "scotland"
    planning.save_go_bag(
        vault,
        {"id_documents": "packed", "keys": "to_pack", "pets": "not_needed", "money": ""},
        [{"item": "Inhaler", "state": "packed"}, {"item": "", "state": "to_pack"}],
    )
    bag = {item.text: item.state for item in planning.current_plan(vault).go_bag()}
    assert bag["Identity documents (passport, ID card, driving licence)"] == "packed"
    assert bag["Spare keys for home and car"] == "to_pack"
    assert bag["Food, lead and records for pets"] == "not_needed"
    assert bag["Some cash and a bank card"] == ""
    assert bag["Inhaler"] == "packed"
    with pytest.raises(ValidationError, match="packed, still to pack"):
        planning.save_go_bag(vault, {"keys": "lost"}, [])
    assert [r.changed for r in planning.plan_history(vault)] == [
        ["Go-bag"],
        ["Where I live"],
        ["Review date"],
    ]


# --- protective orders ------------------------------------------------------------------


def _order(vault: Vault, **changes: object) -> str:
    person = people.add_person(vault, people.PersonInput(names=["Mark Example"]))
    given = OrderInput(
        "Non-molestation order",
        "2026-01-05",
        "2027-01-05",
        "Family Court",
        "ZW26F00123",
        "No contact",
        person.ref,
        kind_id="gb_non_molestation",
        no_contact=True,
        distance_m="100",
    )
    for key, value in changes.items():
        setattr(given, key, value)
    return events.add_order(vault, given).ref


def test_an_order_breach_records_an_incident_linked_both_ways(vault: Vault) -> None:
    ref = _order(vault)
    incident = events.record_breach(
        vault, ref, BreachInput("He walked up to my door.", "2026-11-20 19:05", "Home")
    )
    assert incident.ref == "I-0001"
    data = incident.data
    assert data["tactics"] == ["order_breach"]
    assert data["what_happened"] == (
        "Breach of protective order O-001 (Non-molestation order, reference ZW26F00123).\n"
        "He walked up to my door."
    )
    assert data["location"]["text"] == "Home"
    order = events.order_detail(vault, ref, today=date(2026, 11, 21))
    assert data["offender_ids"] == [order.record.data["person_id"]]
    assert order.record.data["breach_incident_ids"] == [incident.id]
    assert [(b.ref, b.when) for b in order.breaches] == [
        ("I-0001", "20 Nov 2026, 19:05 (Europe/London)")
    ]
    assert order.history[-1].reason == "breach recorded as I-0001"
    assert events.breached_orders(vault) == {incident.id: ["O-001"]}
    # One tap, nothing typed: dated now, described by the order alone.
    quick = events.record_breach(vault, ref)
    assert quick.data["what_happened"] == (
        "Breach of protective order O-001 (Non-molestation order, reference ZW26F00123)."
    )
    listed, _total = incidents.list_incidents(
        vault, incidents.IncidentFilter(tactic="order_breach")
    )
    assert [r.ref for r in listed] == ["I-0002", "I-0001"]
    assert verify(vault).ok


def test_a_breach_outside_the_order_dates_is_refused(vault: Vault) -> None:
    ref = _order(vault, expires_on="2026-03-01")
    with pytest.raises(ValidationError, match="before the order was made"):
        events.record_breach(vault, ref, BreachInput(when="2025-12-31 10:00"))
    with pytest.raises(ValidationError, match="had already ended on 2026-03-01"):
        events.record_breach(vault, ref, BreachInput(when="2026-04-01 10:00"))
    assert incidents.list_incidents(vault, incidents.IncidentFilter())[1] == 0
    assert events.order_detail(vault, ref).breaches == []


def test_order_terms_reminder_and_copy(vault: Vault, tmp_path: Path) -> None:
    ref = _order(vault)
    detail = events.order_detail(vault, ref, today=date(2026, 6, 1))
    assert (detail.no_contact, detail.distance_m, detail.remind_days) == (True, 100, 30)
    assert detail.kind is not None and detail.kind.name == "Non-molestation order"
    assert detail.reminder is None

    near = events.order_reminders(vault, date(2026, 12, 22))
    assert [(r.ref, r.days_left) for r in near] == [("O-001", 14)]
    assert near[0].message() == (
        "Non-molestation order O-001 ends in 14 days, on 2027-01-05. Ask the court, the police or "
        "a support service about extending it if you still need it."
    )
    assert "ends today" in events.order_reminders(vault, date(2027, 1, 5))[0].message()
    assert events.order_reminders(vault, date(2027, 1, 6))[0].ended
    assert events.order_reminders(vault, date(2027, 3, 1)) == []

    events.update_order(
        vault, ref, OrderChanges(remind_days="60", distance_m="200", no_contact=False), "terms"
    )
    assert [r.days_left for r in events.order_reminders(vault, date(2026, 11, 7))] == [59]
    detail = events.order_detail(vault, ref, today=date(2026, 11, 7))
    assert (detail.no_contact, detail.distance_m, detail.remind_days) == (False, 200, 60)
    assert [v.reason for v in detail.history] == [None, "terms"]
    with pytest.raises(ValidationError, match="whole number"):
        events.update_order(vault, ref, OrderChanges(distance_m="a lot"), "x")
    with pytest.raises(ValidationError, match="cannot expire before"):
        events.update_order(vault, ref, OrderChanges(expires_on="2025-01-01"), "x")
    with pytest.raises(ValidationError, match="does not know the order kind"):
        events.update_order(vault, ref, OrderChanges(kind_id="made_up"), "x")

    from safetrail.services import evidence

    scan = tmp_path / "order-scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    exhibit = evidence.add_evidence(vault, scan).record
    events.attach_order_copy(vault, ref, exhibit.ref)
    events.attach_order_copy(vault, ref, exhibit.ref)  # twice: no new version
    detail = events.order_detail(vault, ref)
    assert detail.copies == [("EX-0001", "order-scan.png")]
    assert [v.reason for v in detail.history][-1] == "copy of the order added"
    assert len(detail.history) == 3


def test_existing_order_callers_still_work(vault: Vault) -> None:
    record = events.add_order(vault, OrderInput("Restraining order", "2026-02-01"))
    assert record.data["terms"] == {"no_contact": None, "distance_m": None}
    assert record.data["kind_id"] is None and record.data["remind_days"] is None
    assert events.overview(vault).orders[0].order_type == "Restraining order"
    assert events.order_reminders(vault) == []  # no end date, no reminder


def test_a_withdrawn_order_cannot_be_breached(vault: Vault) -> None:
    ref = _order(vault)
    with vault.write() as conn:
        vault.store.void(conn, vault.store.resolve(conn, "order", ref), "entered twice")
    with pytest.raises(RecordVoided):
        events.record_breach(vault, ref)


# --- checklist, contacts, notice ----------------------------------------------------------


def test_checklist_progress_is_saved_and_versioned(vault: Vault) -> None:
    assert planning.checklist_states(vault) == {}
    assert planning.save_checklist(vault, {"email_password": "to_do"}) is None
    first = planning.save_checklist(
        vault, {"email_password": "done", "two_step": "done", "tracking_tags": "not_needed"}
    )
    assert first is not None and first.ref == "CL-001"
    assert (
        planning.save_checklist(
            vault, {"email_password": "done", "two_step": "done", "tracking_tags": "not_needed"}
        )
        is None
    )
    planning.save_checklist(vault, {"email_password": "done", "questions": "done"})
    states = planning.checklist_states(vault)
    assert states == {"email_password": "done", "questions": "done"}
    progress = checklist.progress({"items": states})
    assert (progress.done, progress.not_needed, progress.total) == (2, 0, len(checklist.ITEM_IDS))
    with vault.read() as conn:
        history = vault.store.history(conn, first.id)
    assert [v.data["items"] for v in history] == [
        {"email_password": "done", "two_step": "done", "tracking_tags": "not_needed"},
        {"email_password": "done", "questions": "done"},
    ]
    with pytest.raises(ValidationError, match="to do, done, or not needed"):
        planning.save_checklist(vault, {"two_step": "maybe"})


def test_local_contacts(vault: Vault) -> None:
    sam = planning.add_contact(
        vault, planning.ContactInput("Sam", "advocate", "0161 496 0000", "", "Tuesdays")
    )
    planning.add_contact(vault, planning.ContactInput("Central police station", "police"))
    planning.update_contact(
        vault, sam.ref, planning.ContactInput("Sam Okafor", "advocate", "0161 496 0000")
    )
    planning.remove_contact(vault, "LC-002")
    shown = planning.list_contacts(vault)
    assert [(r.ref, r.data["name"], r.data["notes"]) for r in shown] == [
        ("LC-001", "Sam Okafor", None)
    ]
    with pytest.raises(ValidationError, match="Give the contact a name"):
        planning.add_contact(vault, planning.ContactInput("  "))
    with pytest.raises(ValidationError, match="what kind of contact"):
        planning.add_contact(vault, planning.ContactInput("X", "neighbour"))


def test_notice_draft_is_plain_and_recorded_as_a_notice(vault: Vault) -> None:
    text = notice.draft(notice.DraftChoices())
    assert text.splitlines() == [
        "I do not want any kind of relationship with you.",
        "Do not contact me again in any way.",
        "That means no calls, texts, messages, emails, social media, letters or gifts, and not "
        "coming to my home or work.",
        "Do not contact me through other people, and do not contact my family, friends or "
        "colleagues about me.",
        "If you contact me again, I will report it to the police.",
        "I will not reply to any further messages.",
    ]
    short = notice.draft(
        notice.DraftChoices("", False, False, "", False, "Return my spare key by post.")
    )
    assert short == "Do not contact me again in any way.\nReturn my spare key by post."
    record = events.add_notice(vault, NoticeInput("2026-11-02", "email", None, short))
    assert (record.ref, record.data["summary"], record.data["starts_on"]) == (
        "N-001",
        short,
        "2026-11-02",
    )


# --- PDFs ---------------------------------------------------------------------------------


def test_plan_pdf_has_everything_and_never_mentions_the_app_in_discreet_mode(vault: Vault) -> None:
    planning.save_section(vault, "home", {"neighbours": ADOPT}, ["Keep curtains closed"])
    _order(vault)
    planning.add_contact(vault, planning.ContactInput("Sam", "advocate", "0161 496 0000"))
    view = planning.current_plan(vault)
    doc = planning.plan_document(vault, view, printed_on=date(2026, 11, 21))
    assert doc.title == "My safety plan"
    assert doc.emergency_headline == "In danger now? Call 999."
    assert any("press 55" in line for line in doc.emergency_lines)
    assert any(line.startswith("National Stalking Helpline") for line in doc.emergency_lines)
    assert [s.entries for s in doc.sections if s.entries] == [
        [model.section("home").suggestion("neighbours").text_now(), "Keep curtains closed"]  # type: ignore[union-attr]
    ]
    assert doc.contacts == [("Sam (Advocate or support worker)", "0161 496 0000")]
    assert ("Distance", "100 metres") in doc.orders[0]
    pdf = planning.plan_pdf_bytes(vault)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")

    settings.update(vault, "test", discreet=True)
    discreet = planning.plan_document(vault, view)
    assert discreet.title == "Personal notes"
    assert "SafeTrail" not in repr(discreet)


def _pdf_text(pdf: bytes, folder: Path, name: str) -> str:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    # A page image to look at (tests/artifacts/plan), as the person would print it.
    images = Path(__file__).parent / "artifacts" / "plan"
    images.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(path), str(images / name)],
        check=True,
    )
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def test_plan_pdf_has_the_children_and_who_was_told(vault: Vault, tmp_path: Path) -> None:
    order = _order(vault)
    arrangements.add_arrangement(
        vault,
        arrangements.ArrangementInput(
            person="P-001",
            channels=["sms:07700 900123"],
            windows=["fri 17:00-19:00"],
            about="Handovers of the children",
            children=["Mia", "Leo"],
            place="Front steps of the town library",
            source="order",
            order=order,
            note="PRIVATE-NOTE he was late twice",
        ),
    )
    ended = arrangements.add_arrangement(
        vault,
        arrangements.ArrangementInput(
            person="P-001",
            channels=["email:mark@example.org"],
            about="OLD-ARRANGEMENT school reports",
            starts_on="2026-01-05",
            ends_on="2026-02-01",
        ),
    )
    assert ended.ref == "AR-002"
    planning.save_trusted_people(
        vault,
        [
            {
                "name": "Priya at reception",
                "reach": "0161 496 0100",
                "knows": "what he looks like",
                "if_contacted": "Do not let him in; call me",
                "circle": "work",
                "told_on": "2026-08-03",
                "has_sheet": "yes",
            },
            {"name": "Aunt Mo", "reach": "07700 900111", "knows": "", "if_contacted": ""},
        ],
    )
    doc = planning.plan_document(vault, planning.current_plan(vault))
    assert doc.children == [
        [
            ("With", "P-001 Mark Example"),
            ("About", "Handovers of the children"),
            ("Children", "Mia, Leo"),
            ("Channels", "sms: +447700900123"),
            ("When", "Friday, 17:00 to 19:00"),
            ("Time zone", "Europe/London"),
            ("Handover place", "Front steps of the town library"),
            ("Where it comes from", "set by a court order (O-001)"),
            ("Until", ""),
        ]
    ]
    assert doc.trusted_people[0] == (
        "Priya at reception",
        [
            ("Where they are in your life", "Work"),
            ("How to reach them", "0161 496 0100"),
            ("What they know", "what he looks like"),
            ("What you asked them to do", "Do not let him in; call me"),
            ("When you told them", "3 Aug 2026"),
            ("Lookout sheet", "Yes"),
        ],
    )

    text = _pdf_text(planning.plan_pdf_bytes(vault), tmp_path, "plan-children-en")
    lines = [line.strip() for line in text.splitlines()]
    for expected in (
        "Children and contact that must continue",
        "With: P-001 Mark Example",
        "Children: Mia, Leo",
        "Channels: sms: +447700900123",
        "When: Friday, 17:00 to 19:00",
        "Handover place: Front steps of the town library",
        "Where it comes from: set by a court order (O-001)",
        "Trusted people",
        "Priya at reception",
        "Where they are in your life: Work",
        "What you asked them to do: Do not let him in; call me",
        "When you told them: 3 Aug 2026",
        "Lookout sheet: Yes",
        "Aunt Mo",
        "How to reach them: 07700 900111",
    ):
        assert expected in lines, expected
    assert "PRIVATE-NOTE" not in text and "OLD-ARRANGEMENT" not in text
    # Aunt Mo's empty fields are left out, not printed as blanks.
    assert lines.count("Lookout sheet: Yes") == 1
    assert not any(
        line.startswith("Where they are in your life: ") and "Work" not in line for line in lines
    )

    with use_language("ja"):
        text = _pdf_text(planning.plan_pdf_bytes(vault), tmp_path, "plan-children-ja")
    lines = [line.strip() for line in text.splitlines()]
    for expected in (
        "子どもと、続けなければならない連絡",
        "受け渡しの場所: Front steps of the town library",
        "あなたとの関係: 職場",
        "お願いしたこと: Do not let him in; call me",
        "伝えた日: 2026年8月3日(月)",
        "注意喚起シート: はい",
    ):
        assert expected in lines, expected
    assert "□" not in text and "PRIVATE-NOTE" not in text


def test_scottish_helplines_in_the_pdf_once_the_region_is_known(vault: Vault) -> None:
    planning.save_region(vault, "scotland")
    doc = planning.plan_document(vault, planning.current_plan(vault))
    assert any("0800 027 1234" in line for line in doc.emergency_lines)
    assert not any("0808 802 0300" in line for line in doc.emergency_lines)


def test_missing_glyphs_are_marked_and_explained_not_dropped() -> None:
    fonts = find_fonts()
    assert fonts.regular is not None, "DejaVu Sans ships with matplotlib"
    latin_only = FontSet(fonts.regular, fonts.bold, ())
    doc = Document("Plan", "footer", latin_only)
    assert doc.safe("Café – 999 → ☑") == "Café – 999 → ☑"
    assert doc.safe("警察を呼んで") == "□□□□□□" and doc.missing_glyphs
    doc.paragraph("警察を呼んで")
    assert doc.finish().startswith(b"%PDF-")
    core = Document("Plan", "footer", FontSet(None, None, ()))
    assert core.safe("Café ☑") == "Café ?" and core.missing_glyphs
    assert core.finish().startswith(b"%PDF-")


def test_japanese_is_drawn_when_a_cjk_font_is_installed() -> None:
    doc = Document("Plan", "footer")
    assert doc.safe("警察を呼んで!") == "警察を呼んで!" and not doc.missing_glyphs


def test_supporting_pdf_is_neutral() -> None:
    from safetrail.planning import guidance

    doc = planning.guide_document(guidance.SUPPORTING, "GB", "northern_ireland")
    assert doc.title == "Supporting someone who is being stalked"
    assert doc.help_headline == "In an emergency, call 999 (United Kingdom)."
    assert any("0808 802 1414" in line for line in doc.help_lines)
    assert "SafeTrail" not in repr(doc)
    assert planning.guide_pdf_bytes(guidance.SUPPORTING, "JP").startswith(b"%PDF-")
    assert planning.guide_document(guidance.SUPPORTING, "ZZ").help_headline is None
