"""The no-contact notice helper: a short, firm message built from a few choices.

The wording is ours. It is deliberately plain: no explanations, no feelings, nothing
to argue with, and a clear end. The person edits the draft freely before sending it
themselves; SafeTrail never sends anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from safetrail.i18n import N_, _

OPENINGS = {
    "": "",
    "no_relationship": N_("I do not want any kind of relationship with you."),
    "ended": N_("Our relationship is over, and I will not change my mind."),
}
CONSEQUENCES = {
    "": "",
    "police": N_("If you contact me again, I will report it to the police."),
    "police_legal": N_(
        "If you contact me again, I will report it to the police and take legal action."
    ),
}


@dataclass
class DraftChoices:
    opening: str = "no_relationship"
    list_ways: bool = True
    third_parties: bool = True
    consequence: str = "police"
    no_reply: bool = True
    own_words: str = ""


def draft(choices: DraftChoices) -> str:
    """The message for these choices, one sentence per line."""
    lines = []
    if OPENINGS.get(choices.opening):
        lines.append(_(OPENINGS[choices.opening]))
    lines.append(_("Do not contact me again in any way."))
    if choices.list_ways:
        lines.append(
            _(
                "That means no calls, texts, messages, emails, social media, letters or gifts, "
                "and not coming to my home or work."
            )
        )
    if choices.third_parties:
        lines.append(
            _(
                "Do not contact me through other people, and do not contact my family, friends "
                "or colleagues about me."
            )
        )
    if CONSEQUENCES.get(choices.consequence):
        lines.append(_(CONSEQUENCES[choices.consequence]))
    own = choices.own_words.strip()
    if own:
        lines.append(own)
    if choices.no_reply:
        lines.append(_("I will not reply to any further messages."))
    return "\n".join(lines)
