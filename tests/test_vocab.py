from __future__ import annotations

import pytest

from safetrail.domain.vocab import (
    CHANNELS,
    FEAR_LEVELS,
    IMPACTS,
    SEVERITY_LABELS,
    TACTICS,
    SeverityTier,
    channel,
    fear_label,
    impact,
    normalise_slug,
    tactic,
    validate_fear,
)
from safetrail.errors import ValidationError

EXPECTED_TIERS = {
    "unwanted_calls": SeverityTier.CONTACT,
    "unwanted_messages": SeverityTier.CONTACT,
    "items_sent": SeverityTier.CONTACT,
    "following": SeverityTier.SURVEILLANCE,
    "watching": SeverityTier.SURVEILLANCE,
    "showing_up": SeverityTier.APPROACH,
    "approaching": SeverityTier.APPROACH,
    "tech_tracking": SeverityTier.SURVEILLANCE,
    "account_intrusion": SeverityTier.SURVEILLANCE,
    "impersonation": SeverityTier.INDIRECT,
    "rumours": SeverityTier.INDIRECT,
    "intimate_images": SeverityTier.APPROACH,
    "third_party_contact": SeverityTier.SURVEILLANCE,
    "information_gathering": SeverityTier.INDIRECT,
    "property_damage": SeverityTier.APPROACH,
    "threats": SeverityTier.APPROACH,
    "harm_to_pets": SeverityTier.VIOLENCE,
    "violence": SeverityTier.VIOLENCE,
    "order_breach": SeverityTier.APPROACH,
    "other": SeverityTier.CONTACT,
}


def test_tactic_slugs_are_exactly_the_twenty_in_order() -> None:
    assert [t.slug for t in TACTICS] == list(EXPECTED_TIERS)
    assert len(TACTICS) == 20


def test_tactic_tiers() -> None:
    assert {t.slug: t.tier for t in TACTICS} == EXPECTED_TIERS


def test_severity_order() -> None:
    assert (
        SeverityTier.INDIRECT
        < SeverityTier.CONTACT
        < SeverityTier.SURVEILLANCE
        < SeverityTier.APPROACH
        < SeverityTier.VIOLENCE
    )
    assert set(SEVERITY_LABELS) == set(SeverityTier)


def test_every_tactic_has_a_short_label_and_one_sentence_description() -> None:
    labels = set()
    for t in TACTICS:
        assert t.label and len(t.label) <= 40, t.slug
        assert t.description.endswith(".") and t.description.count(". ") == 0, t.slug
        assert len(t.description) <= 120, t.slug
        labels.add(t.label)
        assert t.label_text() == t.label  # no catalogue: English source is shown
        assert t.description_text() == t.description
    assert len(labels) == len(TACTICS)


def test_descriptions_do_not_blame_the_person() -> None:
    for t in TACTICS:
        words = t.description.casefold()
        assert "you should" not in words and "your fault" not in words, t.slug
        assert words.startswith(("they ", "anything")), t.slug


def test_channel_slugs() -> None:
    assert [c.slug for c in CHANNELS] == [
        "in_person",
        "phone_call",
        "text_message",
        "messaging_app",
        "email",
        "social_media",
        "letter_item",
        "third_party",
        "device_account",
        "other",
    ]
    assert channel("email").label == "Email"


def test_impact_slugs() -> None:
    assert [i.slug for i in IMPACTS] == [
        "changed_routine",
        "missed_work_school",
        "changed_number_accounts",
        "moved_or_stayed_elsewhere",
        "sleep_health",
        "sought_help",
        "told_employer_school",
    ]
    assert impact("sleep_health").label == "Sleep or health affected"


def test_lookup_is_forgiving_about_case_spaces_and_dashes() -> None:
    assert tactic("threats").tier is SeverityTier.APPROACH
    assert tactic(" Unwanted-Calls ").slug == "unwanted_calls"
    assert tactic("showing up").slug == "showing_up"
    assert channel("Phone Call").slug == "phone_call"
    assert normalise_slug("  Third  Party-Contact ") == "third_party_contact"


def test_unknown_tactic_suggests_closest_match() -> None:
    with pytest.raises(ValidationError) as caught:
        tactic("folowing")
    assert caught.value.message == "'folowing' is not a known tactic."
    assert caught.value.hint.startswith("Did you mean 'following'? Valid tactics: unwanted_calls, ")
    assert caught.value.hint.endswith(", order_breach, other.")


def test_unknown_slug_without_close_match_lists_all() -> None:
    with pytest.raises(ValidationError) as caught:
        channel("carrier pigeon")
    assert caught.value.hint == (
        "Valid channels: in_person, phone_call, text_message, messaging_app, email, "
        "social_media, letter_item, third_party, device_account, other."
    )
    with pytest.raises(ValidationError) as caught:
        impact("sleep")
    assert "Did you mean 'sleep_health'?" in caught.value.hint


def test_fear_scale() -> None:
    assert list(FEAR_LEVELS) == [0, 1, 2, 3, 4]
    assert FEAR_LEVELS[0] == "Not afraid"
    assert FEAR_LEVELS[4] == "Terrified, afraid for my life"
    assert [validate_fear(n) for n in (0, 4, "3", " 2 ")] == [0, 4, 3, 2]
    assert fear_label(2) == "Worried"


@pytest.mark.parametrize("bad", [-1, 5, "5", "two", "", True, 2.0, None, "٣"])
def test_fear_out_of_range(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fear(bad)  # type: ignore[arg-type]
    assert "from 0 to 4" in caught.value.message
    assert "0 = Not afraid" in caught.value.hint
