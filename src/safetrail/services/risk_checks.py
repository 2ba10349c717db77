"""The self-check and risk screening as commands use them: answers, saved checks compared."""

from __future__ import annotations

from dataclasses import dataclass

from safetrail.analysis import risk
from safetrail.analysis.helplines import LocalHelp, local_help
from safetrail.analysis.service import SavedAssessment, analyse_vault, assessment
from safetrail.case import CaseContext
from safetrail.errors import ValidationError
from safetrail.i18n import _

ANSWER_WORDS = {
    "y": "yes",
    "yes": "yes",
    "n": "no",
    "no": "no",
    "?": "unsure",
    "u": "unsure",
    "unsure": "unsure",
    "not sure": "unsure",
}


def answer_word(text: str) -> str | None:
    """``yes``, ``no`` or ``unsure`` for what someone typed; None when it is none of them."""
    return ANSWER_WORDS.get(text.strip().lower())


def parse_answers(pairs: list[str], valid: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``question=yes`` pairs as a dict, each question one of ``valid``."""
    answers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        word = answer_word(value)
        if not sep or key not in valid or word is None:
            raise ValidationError(
                _("'{pair}' is not an answer SafeTrail understands.").format(pair=pair),
                _("Write question=yes, question=no or question=unsure; questions: {keys}.").format(
                    keys=", ".join(valid)
                ),
            )
        answers[key] = word
    return answers


def saved_with_help(vault: CaseContext, ref: str) -> tuple[SavedAssessment, LocalHelp]:
    """A saved risk check, and the help where the person lives."""
    item = assessment(vault, ref)
    return item, local_help(analyse_vault(vault).facts.country)


@dataclass(frozen=True)
class SavedComparison:
    first: SavedAssessment
    second: SavedAssessment
    change: risk.Comparison


def compare_saved(vault: CaseContext, refs: list[str]) -> SavedComparison:
    """Two saved risk checks, earlier first, and what changed between them."""
    if len(refs) != 2:
        raise ValidationError(_("Give exactly two saved risk checks to compare."))
    first, second = sorted((assessment(vault, ref) for ref in refs), key=lambda s: s.recorded_at)
    return SavedComparison(first, second, risk.compare(first.result, second.result))
