"""What an audited request did, in plain words, for the person whose case it was.

The audit table keeps the request as it came ("GET /incidents/I-0001"): exact, and what
an operator or a court may want. A person reading who looked at their case should not
have to read addresses, so their pages show each entry as a sentence ("Looked at incident
I-0001", "Downloaded the court report"), one per kind of page. A page not named here is
still shown, as "Looked at a page of your case"; the recorded request never changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from safetrail.i18n import _

#: a record's reference as it appears in an address (anything else is not repeated back)
_REF = r"(?P<ref>[A-Za-z]{1,4}-[0-9]{1,9})"

Words = Callable[[], str]

# (method, address pattern, words); the first match wins. Words with a {ref} repeat the
# record's reference from the address.
_PAGES: tuple[tuple[str, str, Words], ...] = (
    ("GET", r"/", lambda: _("Looked at the start page")),
    ("GET", r"/caseload", lambda: _("Looked at your case's figures in their caseload")),
    ("GET", r"/shared", lambda: _("Looked at the page of what you shared")),
    ("GET", r"/incidents", lambda: _("Looked at the list of incidents")),
    ("GET", r"/incidents/new", lambda: _("Opened the form for a new incident")),
    ("GET", rf"/incidents/{_REF}", lambda: _("Looked at incident {ref}")),
    ("GET", rf"/incidents/{_REF}/amend", lambda: _("Opened incident {ref} to change it")),
    ("GET", r"/capture", lambda: _("Opened the quick record form")),
    ("GET", r"/analysis", lambda: _("Looked at the Patterns page")),
    ("GET", r"/analysis/chart/[a-z]+\.png", lambda: _("Looked at a chart on the Patterns page")),
    ("GET", r"/analysis/check", lambda: _("Looked at “Is this stalking?”")),
    ("GET", r"/analysis/risk", lambda: _("Looked at the risk screening")),
    ("GET", rf"/analysis/risk/{_REF}", lambda: _("Looked at saved risk screening {ref}")),
    ("GET", r"/evidence", lambda: _("Looked at the evidence library")),
    ("GET", rf"/evidence/{_REF}", lambda: _("Looked at evidence {ref}")),
    ("GET", rf"/evidence/{_REF}/raw", lambda: _("Opened the file of evidence {ref}")),
    ("GET", r"/messages", lambda: _("Looked at the messages")),
    ("GET", r"/people(/.*)?", lambda: _("Looked at the people in your case")),
    ("GET", r"/events", lambda: _("Looked at notices and orders")),
    ("GET", r"/arrangements", lambda: _("Looked at the arrangements for contact")),
    ("GET", r"/plan/pdf", lambda: _("Downloaded your safety plan")),
    ("GET", r"/plan(/.*)?", lambda: _("Looked at your safety plan")),
    ("GET", r"/checkins(/.*)?", lambda: _("Looked at your check-ins")),
    ("GET", r"/reports", lambda: _("Looked at the reports page")),
    ("GET", r"/guidance/supporting/pdf", lambda: _("Downloaded the guide for supporters")),
    ("GET", r"/(guidance|resources|notice-helper)(/.*)?", lambda: _("Looked at guidance")),
    ("POST", r"/(incidents/new|capture|incidents)", lambda: _("Added an incident")),
    ("POST", rf"/incidents/{_REF}/amend", lambda: _("Changed incident {ref}")),
    ("POST", r"/analysis/check", lambda: _("Went through “Is this stalking?”")),
    ("POST", r"/analysis/risk", lambda: _("Saved a risk screening")),
    ("POST", r"/shared/notes", lambda: _("Wrote a note in your case")),
    ("POST", r"/shared/screening", lambda: _("Asked you to complete a risk screening")),
    ("POST", r"/reports/pdf", lambda: _("Downloaded the court report")),
    ("POST", r"/reports/police-sheet", lambda: _("Downloaded the police sheet")),
    ("POST", r"/reports/bundle", lambda: _("Downloaded the case bundle")),
    ("POST", r"/reports/export/[a-z]+", lambda: _("Downloaded an export of your records")),
    ("POST", r"/reports/letter/download", lambda: _("Downloaded a letter")),
    ("POST", r"/lookout", lambda: _("Downloaded the lookout sheet")),
)
_COMPILED = tuple((method, re.compile(pattern), words) for method, pattern, words in _PAGES)


def in_words(detail: str | None, completed: bool = True) -> str:
    """The recorded request ``detail`` ("GET /incidents/I-0001") as a sentence.

    ``completed`` False is a download that was allowed but not made (``export-failed``)."""
    if not completed:
        return _("Started a download that was not completed")
    method, _sep, path = (detail or "").partition(" ")
    for wanted, pattern, words in _COMPILED:
        if method != wanted:
            continue
        found = pattern.fullmatch(path)
        if found is not None:
            ref = found.groupdict().get("ref")
            said = words()
            return said.format(ref=ref) if ref else said
    if method == "GET":
        return _("Looked at a page of your case")
    return _("Sent a form on a page of your case")


__all__ = ["in_words"]
