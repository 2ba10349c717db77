"""The self-check and risk screening (pure), and the vault side: loader and saved assessments."""

from __future__ import annotations

from datetime import date

import pytest

from safetrail.analysis import risk, self_check
from safetrail.analysis.case import analyse
from safetrail.analysis.helplines import LawInfo, LocalHelp, law_info, local_help
from safetrail.analysis.loader import load_case
from safetrail.analysis.service import (
    analyse_vault,
    assessment,
    assessments,
    risk_questions,
    save_risk,
    save_self_check,
    self_check_for,
    today_in,
)
from safetrail.errors import RecordNotFound, ValidationError
from safetrail.services import events, incidents, people
from safetrail.services.incidents import IncidentInput
from safetrail.services.vault import Vault
from tests.test_analysis_fixtures import Log, utc

TODAY = date(2026, 6, 1)
HELP = LocalHelp("GB", "999", None, True, (), False)
LAW = LawInfo("GB", None, "Laws differ.", None, None, False, False)
NEVER = ("low risk", "you are fine", "you're fine", "not stalking", "safe now")


def rich_log() -> Log:
    log = Log()
    log.notice("2026-03-10")
    log.add("2026-03-03 18:00", tactics=["unwanted_calls"], fear=1)
    log.add("2026-03-05 18:00", tactics=["unwanted_calls"], fear=2, police=True)
    for day in (11, 12, 13, 14):
        log.add(
            f"2026-03-{day} 21:00",
            text="He was outside my house and said he would kill me",
            tactics=["watching", "threats"],
            channel="in_person",
            place="home",
            fear=4,
            impacts=["changed_routine", "sleep_health"],
        )
    log.add("2026-03-20 10:00", tactics=["property_damage"], people=["p2"])
    return log


# --- self-check ----------------------------------------------------------------------------


def test_self_check_is_filled_in_from_the_log() -> None:
    check = self_check.prepare(analyse(rich_log().facts(), TODAY), LAW, HELP)
    assert check.summary == (
        "You have recorded 7 incidents since 3 Mar 2026; "
        "4 came after your no-contact notice of 10 Mar 2026."
    )
    will, repeated, afraid = check.questions
    assert will.suggested == "yes"
    assert will.from_log == (
        "You told them to stop on 10 Mar 2026 (N-001). You reported 1 incident to the police."
    )
    assert repeated.suggested == "yes"
    assert repeated.from_log == (
        "You have recorded 7 incidents on 7 different days, from 3 Mar 2026 to 20 Mar 2026."
    )
    assert afraid.suggested == "yes"
    assert afraid.from_log is not None
    assert "In 5 incidents you recorded feeling worried or more" in afraid.from_log
    assert "changed my routine or route, sleep or health affected" in afraid.from_log
    counts = {t.slug: t.count for t in check.tactics}
    assert counts["watching"] == 4 and counts["following"] == 0
    assert len(check.tactics) == 20


def test_an_empty_log_never_answers_no() -> None:
    check = self_check.prepare(analyse(Log().facts(), TODAY), LAW, HELP)
    assert [q.suggested for q in check.questions] == [None, None, None]
    assert check.summary.startswith("Nothing is recorded yet.")


@pytest.mark.parametrize(
    ("answers", "heading"),
    [
        ({"against_will": "yes", "repeated": "yes", "afraid": "yes"}, "fits what stalking is"),
        ({"against_will": "yes", "repeated": "yes", "afraid": "unsure"}, "important signs"),
        ({"against_will": "no", "repeated": "no", "afraid": "no"}, "all right not to be sure"),
        ({}, "all right not to be sure"),
    ],
)
def test_self_check_results_are_calm(answers: dict[str, str], heading: str) -> None:
    check = self_check.prepare(analyse(Log().facts(), TODAY), LAW, HELP)
    outcome = self_check.result(check, answers, ["following", "not-a-tactic", "following"])
    assert heading in outcome.heading
    assert outcome.tactics == ("following",)
    text = " ".join([outcome.heading, outcome.message, *outcome.points]).lower()
    assert not any(phrase in text for phrase in NEVER)
    assert "your fault" not in text.replace("not your fault", "")


# --- risk screening ------------------------------------------------------------------------


def test_risk_questions_prefilled_from_the_log() -> None:
    questions = {q.key: q for q in risk.prepare(analyse(rich_log().facts(), TODAY))}
    assert len(questions) == len(risk.QUESTIONS) == 32
    suggested = {k for k, q in questions.items() if q.suggested == "yes"}
    assert suggested == {
        "frightened",
        "visits_weekly",
        "home_visits",
        "loitering",
        "property",
        "threats_harm",
        "threats_kill",
        "others_helping",
        "ex_partner",
        "changed_life",
    }
    assert questions["visits_weekly"].from_log == "4 visits in the week from 11 Mar 2026."
    assert questions["threats_kill"].from_log == (
        "Found in 4 incidents in your log (latest: I-0004, I-0005, I-0006)."
    )
    assert questions["ex_partner"].from_log == ("You described P-001 (Mark) as: “former partner”.")
    assert questions["strangled"].suggested is None  # the log cannot know: the person answers


def test_risk_result_lists_red_flags_serious_first() -> None:
    outcome = risk.result(
        {
            "substances": "yes",
            "strangled": "yes",
            "weapons": "unsure",
            "bogus": "yes",
            "pets": "maybe",
        },
        TODAY,
    )
    assert [f.key for f in outcome.flags] == ["strangled", "substances"]
    assert [f.key for f in outcome.serious] == ["strangled"]
    assert [f.key for f in outcome.unsure] == ["weapons"]
    assert outcome.answers == {"substances": "yes", "strangled": "yes", "weapons": "unsure"}
    saved = outcome.to_json()
    assert saved["red_flags"] == ["strangled", "substances"]
    assert risk.from_json(saved) == outcome


def test_risk_comparison() -> None:
    first = risk.result({"threats_kill": "yes", "weapons": "yes"}, date(2026, 5, 1))
    second = risk.result({"threats_kill": "yes", "strangled": "yes"}, date(2026, 6, 1))
    change = risk.compare(first, second)
    assert [f.key for f in change.new] == ["strangled"]
    assert [f.key for f in change.gone] == ["weapons"]
    assert [f.key for f in change.still] == ["threats_kill"]


def test_risk_wording_never_reassures() -> None:
    for spec_key in risk.QUESTIONS:
        flag = risk.result({spec_key: "yes"}, TODAY).flags[0]
        text = f"{flag.text} {flag.why}".lower()
        assert not any(phrase in text for phrase in NEVER), spec_key


# --- helplines and law --------------------------------------------------------------------


def test_local_help_and_law_fall_back_calmly() -> None:
    unknown = local_help("ZZ")
    assert unknown.emergency == "112" and unknown.helplines == ()
    law = law_info("ZZ")
    assert not law.from_dataset and "not legal advice" in law.summary
    gb = local_help("GB")
    assert gb.emergency == "999"
    if gb.from_dataset:  # the resources dataset is built separately; use it when present
        assert all(h.number for h in gb.helplines)
        assert law_info("GB").from_dataset


# --- the vault side -------------------------------------------------------------------------


def _record(vault: Vault) -> None:
    mark = people.add_person(vault, people.PersonInput(["Mark"], relationship="ex-boyfriend"))
    incidents.record_incident(
        vault,
        IncidentInput(
            what_happened="He said he would kill me",
            when="2026-10-01 18:00",
            where="home",
            tactics=["threats", "watching"],
            channel="in_person",
            offenders=[mark.ref],
            fear=4,
            impacts=["moved_or_stayed_elsewhere"],
            private_note="SECRET NOTE",
        ),
    )
    incidents.record_incident(
        vault,
        IncidentInput(
            what_happened="Called again",
            when="2026-10-02 09:00",
            tactics=["unwanted_calls"],
            offenders=[mark.ref],
        ),
    )
    gone = incidents.record_incident(
        vault, IncidentInput(what_happened="Mistake", when="2026-10-03")
    )
    incidents.withdraw_incident(vault, gone.ref, "entered by mistake")
    events.add_notice(vault, events.NoticeInput("2026-09-30", "letter", mark.ref))
    events.add_order(
        vault, events.OrderInput("non-molestation order", "2026-10-01", person=mark.ref)
    )


def test_loader_reads_the_projection(vault: Vault) -> None:
    _record(vault)
    facts = load_case(vault, with_impacts=True)
    assert [f.ref for f in facts.incidents] == ["I-0001", "I-0002"]  # the withdrawn one is out
    first = facts.incidents[0]
    assert first.tactics == ("threats", "watching")
    assert first.people == (facts.people[0].id,)
    assert first.place == "home" and first.fear == 4 and first.channel == "in_person"
    assert first.impacts == ("moved_or_stayed_elsewhere",)
    assert first.start == utc(2026, 10, 1, 17, 0)  # 18:00 BST
    assert facts.incidents[1].impacts == ()
    assert [(e.kind, e.ref, e.label) for e in facts.events] == [
        ("notice", "N-001", "Letter"),
        ("order", "O-001", "non-molestation order"),
    ]
    assert (facts.country, facts.timezone) == ("GB", "Europe/London")
    assert "SECRET" not in repr(facts)  # private notes are never read
    assert load_case(vault).incidents[0].impacts == ()


def test_analyse_vault_and_today(vault: Vault) -> None:
    _record(vault)
    found = analyse_vault(vault, date(2026, 10, 10))
    assert found.pattern.incidents == 2
    assert {s.kind for s in found.signals} >= {"threats", "after_notice", "approach_places"}
    assert [b.ref for b in found.breaches] == ["I-0002"]
    assert today_in(vault, utc(2026, 10, 10, 23, 30)) == date(2026, 10, 11)  # BST


def test_saved_assessments_round_trip(vault: Vault) -> None:
    _record(vault)
    found = analyse_vault(vault, date(2026, 10, 10), with_impacts=True)
    evidence = {q.key: q.from_log for q in risk_questions(found)}
    first, outcome = save_risk(vault, {"threats_kill": "yes"}, evidence, date(2026, 10, 10))
    second, _ = save_risk(vault, {"weapons": "yes", "threats_kill": "no"}, None, date(2026, 10, 20))
    assert (first.ref, second.ref) == ("RA-001", "RA-002")
    assert outcome.from_log["threats_kill"].startswith("Found in 1 incident")
    saved = assessments(vault)
    assert [(s.ref, s.result.taken_on) for s in saved] == [
        ("RA-001", date(2026, 10, 10)),
        ("RA-002", date(2026, 10, 20)),
    ]
    assert assessment(vault, "RA-002").result.flags[0].key == "weapons"
    with pytest.raises(ValidationError):
        save_risk(vault, {}, None)
    check = self_check_for(found)
    kept = save_self_check(vault, self_check.result(check, {"repeated": "yes"}, []))
    assert kept.ref == "RA-003"
    assert [s.ref for s in assessments(vault)] == ["RA-001", "RA-002"]  # risk checks only
    with pytest.raises(RecordNotFound):
        assessment(vault, "RA-003")
