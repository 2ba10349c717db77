"""Letters filled from the log, as PDF and plain text.

* ``no-contact`` — the one-time notice to the person responsible. Once the person marks it
  sent, it is recorded as a notice event (with the letter's text), so every contact after
  it is counted.
* ``platform`` — a complaint to a platform or service provider about an account, asking
  them to act and to preserve their records.
* ``call-records`` — a request to the person's phone company for the records of calls and
  messages received.

A letter may be read by the person it is about, so it never names SafeTrail, never carries
the log's internal details, and never includes the sender's address or new contact details.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from safetrail.case import CaseContext
from safetrail.domain import vocab
from safetrail.domain.when import zone
from safetrail.errors import ValidationError
from safetrail.fsutil import atomic_write
from safetrail.i18n import N_, _
from safetrail.reports.model import CaseData, IncidentRow, ReportOptions, day_text, gather
from safetrail.reports.typeset import Doc, Font, paper_for
from safetrail.services import events, exports
from safetrail.storage.records import Record

KINDS = ("no-contact", "platform", "call-records")
ONLINE_CHANNELS = frozenset(
    {"social_media", "messaging_app", "email", "device_account", "text_message"}
)
ONLINE_TACTICS = frozenset(
    {"unwanted_messages", "impersonation", "rumours", "intimate_images", "account_intrusion"}
)
PHONE_CHANNELS = frozenset({"phone_call", "text_message"})
MAX_LISTED = 25


@dataclass
class LetterInput:
    kind: str
    person: str = ""  # the person responsible, e.g. "P-001"
    your_name: str = ""
    provider: str = ""  # the platform or phone company
    account: str = ""  # the account complained about (platform letters)
    your_number: str = ""  # the person's own number (call records)
    from_day: str = ""
    to_day: str = ""
    police_reference: str = ""


@dataclass
class Letter:
    kind: str
    title: str
    date_text: str
    to_lines: list[str]
    subject: str | None
    paragraphs: list[str]
    items: list[str] = field(default_factory=list)
    after_items: list[str] = field(default_factory=list)
    sign_off: str = ""
    signature: str = ""
    notices_already: list[str] = field(default_factory=list)  # shown to the person, not printed

    def text(self) -> str:
        lines = [*self.to_lines, "", self.date_text, ""]
        if self.subject:
            lines += [self.subject, ""]
        for paragraph in self.paragraphs:
            lines += [paragraph, ""]
        for item in self.items:
            lines.append(f"- {item}")
        if self.items:
            lines.append("")
        for paragraph in self.after_items:
            lines += [paragraph, ""]
        lines += [self.sign_off, "", self.signature]
        return "\n".join(lines).rstrip() + "\n"


def _today(vault_tz: str) -> date:
    return datetime.now(zone(vault_tz)).date()


def _signature(given: LetterInput) -> str:
    return given.your_name.strip() or "______________________________"


def _police_reference(given: LetterInput, incidents: list[IncidentRow]) -> str:
    if given.police_reference.strip():
        return given.police_reference.strip()
    found = sorted({i.police.reference for i in incidents if i.police.reference})
    return ", ".join(found)


def _line(incident: IncidentRow) -> str:
    day = day_text(incident.occurred.local_start.date())
    kinds = ", ".join(vocab.tactic(t).label_text().lower() for t in incident.tactics)
    text = " ".join(incident.what_happened.split())
    if len(text) > 140:
        text = text[:139].rstrip() + "…"
    return f"{day}: {kinds + ' — ' if kinds else ''}{text}"


def _listed(incidents: list[IncidentRow]) -> tuple[list[str], list[str]]:
    shown = incidents[-MAX_LISTED:]
    items = [_line(i) for i in shown]
    more = []
    if len(incidents) > len(shown):
        more.append(
            _("These are the most recent {n} of {total} recorded incidents.").format(
                n=len(shown), total=len(incidents)
            )
        )
    return items, more


# The no-contact letter follows the local path where SafeTrail knows it: in Japan the police
# warning and prohibition order under the Anti-Stalking Act, in Korea the Stalking Punishment
# Act's emergency measures and provisional measures. Elsewhere it stays general.
_LOCAL_NOTICES: dict[str, tuple[str, list[str]]] = {
    "JP": (
        N_("Notice to stop stalking"),
        [
            N_("I am sending you this notice once, in writing, so that what I want is on record."),
            N_(
                "I do not want any contact with you. Stop following me, waiting for me, and "
                "watching or hanging around my home, my workplace and places I go. Stop calling, "
                "messaging, emailing or writing to me, including through social media; do not "
                "send or leave anything for me, and do not contact me through other people."
            ),
            N_(
                "If this continues, I will ask the police to act under the Anti-Stalking Act. "
                "The police can give you a formal warning, and the prefectural public safety "
                "commission can issue a prohibition order against you; breaking a prohibition "
                "order is a crime."
            ),
            N_(
                "I will not reply to this notice or to anything you send. Everything you do from "
                "now on will be recorded."
            ),
        ],
    ),
    "KR": (
        N_("Request to stop stalking"),
        [
            N_("I am telling you once, in writing, that I do not want any contact with you."),
            N_(
                "Stop approaching or following me, blocking my way, and waiting or watching near "
                "my home, my workplace or my school. Stop contacting me by phone, message, email, "
                "social media or letter, leaving things near me, and contacting me through other "
                "people. Do not spread my personal or location information, and do not pretend "
                "to be me."
            ),
            N_(
                "Doing these things against my will, repeatedly, is a crime under the Act on the "
                "Punishment of Stalking Crimes. If you carry on, I will report it to the police "
                "(112). The police can order urgent emergency measures, such as a ban on coming "
                "within 100 metres of me or contacting me, and a court can order provisional "
                "measures, including detention."
            ),
            N_(
                "I will not reply to this or to anything you send. Everything you do from now on "
                "will be recorded as evidence."
            ),
        ],
    ),
}


def _no_contact_text(country: str) -> tuple[str, list[str]]:
    """The title and paragraphs of the no-contact letter for ``country`` (translated)."""
    local = _LOCAL_NOTICES.get(country.upper())
    if local is not None:
        title, paragraphs = local
        return _(title), [_(p) for p in paragraphs]
    return _("No-contact notice"), [
        _("I am writing to you once, so that there can be no doubt about what I want."),
        _(
            "I do not want any contact with you, of any kind. Do not phone me, send me "
            "messages or emails, write to me, send or leave anything for me, or contact me "
            "through social media or through other people. Do not come to my home, my "
            "work or anywhere else I am, and do not follow or watch me."
        ),
        _(
            "I will not reply to this letter or to anything else you send. If you contact me "
            "or come near me again, I will keep a record of it and report it to the police."
        ),
    ]


def _no_contact(case: CaseData, given: LetterInput) -> Letter:
    person = case.people[0] if given.person and case.people else None
    notices = [
        _("{ref} on {day}").format(ref=n.ref, day=day_text(n.day))
        for n in case.notices
        if person is None or n.person_id in (None, person.id)
    ]
    title, paragraphs = _no_contact_text(case.country)
    return Letter(
        kind="no-contact",
        title=title,
        date_text=day_text(_today(case.timezone)),
        to_lines=[_("To: {name}").format(name=person.name if person else "")],
        subject=None,
        paragraphs=paragraphs,
        sign_off="",
        signature=_signature(given),
        notices_already=notices,
    )


def _platform(case: CaseData, given: LetterInput) -> Letter:
    provider = given.provider.strip()
    if not provider:
        raise ValidationError(
            _("Say which platform or service the complaint is to."),
            _("For example: Instagram, Facebook, X, TikTok, Gmail or your internet provider."),
        )
    person = case.people[0] if given.person and case.people else None
    account = given.account.strip()
    if not account and person:
        handles = [v for kind, v in person.identifiers if kind == "handle"]
        handles += [v for kind, v in person.identifiers if kind == "email"]
        account = ", ".join(handles)
    if not account:
        raise ValidationError(
            _("Say which account you are complaining about (user name, profile link or email)."),
            _("You can also save it on the person's page, as one of their identifiers."),
        )
    relevant = [
        i
        for i in case.incidents
        if (i.channel in ONLINE_CHANNELS) or (set(i.tactics) & ONLINE_TACTICS)
    ]
    items, more = _listed(relevant)
    reference = _police_reference(given, case.incidents)
    paragraphs = [
        _(
            "I am reporting the account {account} on your service. It is being used to harass "
            "and stalk me, and this is causing me serious distress and fear."
        ).format(account=account),
    ]
    if person and person.name:
        paragraphs.append(
            _("I believe the account is operated by {name}{relation}.").format(
                name=person.name,
                relation=f" ({person.relationship})" if person.relationship else "",
            )
        )
    if relevant:
        paragraphs.append(
            _(
                "I have kept a dated record. These are the incidents involving online contact "
                "that I recorded between {first} and {last} ({n} in all):"
            ).format(
                first=day_text(relevant[0].occurred.local_start.date()),
                last=day_text(relevant[-1].occurred.local_start.date()),
                n=len(relevant),
            )
        )
    after = [*more]
    if reference:
        after.append(
            _("I have reported this to the police (reference {ref}).").format(ref=reference)
        )
    after += [
        _("I ask you to:"),
        _(
            "1. review the account under your rules on harassment and threats, and remove or "
            "suspend it;"
        ),
        _(
            "2. preserve every record about the account — messages, posts, log-in times and IP "
            "addresses, and linked accounts — because the police may ask for them;"
        ),
        _("3. tell me what you have done, with your reference number for this report."),
        _(
            "Please do not give my name or contact details to the account holder. I can "
            "provide screenshots and files, each with its SHA-256 fingerprint, on request."
        ),
    ]
    return Letter(
        kind="platform",
        title=_("Complaint about an account"),
        date_text=day_text(_today(case.timezone)),
        to_lines=[_("To: {provider} — safety and abuse reports").format(provider=provider)],
        subject=_("Subject: harassment and stalking from the account {account}").format(
            account=account
        ),
        paragraphs=paragraphs,
        items=items,
        after_items=after,
        sign_off=_("Yours faithfully,"),
        signature=_signature(given),
    )


def _call_records(case: CaseData, given: LetterInput) -> Letter:
    provider = given.provider.strip()
    number = given.your_number.strip()
    if not provider or not number:
        raise ValidationError(
            _("Say which phone company the request is to, and your own phone number."),
            _("The records are of calls and messages to your number, so they need it."),
        )
    person = case.people[0] if given.person and case.people else None
    their_numbers = [v for kind, v in person.identifiers if kind == "phone"] if person else []
    relevant = [
        i
        for i in case.incidents
        if i.channel in PHONE_CHANNELS or {"unwanted_calls", "unwanted_messages"} & set(i.tactics)
    ]
    start = given.from_day or (
        relevant[0].occurred.local_start.date().isoformat() if relevant else ""
    )
    end = given.to_day or _today(case.timezone).isoformat()
    if not start:
        raise ValidationError(
            _("Give the first date the records should cover."),
            _("For example the date the unwanted calls began."),
        )
    items, more = _listed(relevant)
    reference = _police_reference(given, case.incidents)
    paragraphs = [
        _(
            "I am the account holder for the number {number}. I am receiving repeated "
            "unwanted calls and messages as part of a course of harassment and stalking."
        ).format(number=number),
        _(
            "Please send me a record of every call and text message received by {number} "
            "between {start} and {end}, showing for each the calling number (including "
            "withheld numbers where your records show them), the date, the time and, for "
            "calls, the duration."
        ).format(
            number=number,
            start=day_text(date.fromisoformat(start)),
            end=day_text(date.fromisoformat(end)),
        ),
    ]
    if their_numbers:
        paragraphs.append(
            _("The calls I am most concerned about come from: {numbers}.").format(
                numbers=", ".join(their_numbers)
            )
        )
    if items:
        paragraphs.append(_("I have recorded these incidents in that period:"))
    after = [*more]
    if reference:
        after.append(
            _(
                "This has been reported to the police (reference {ref}), who may also ask you "
                "for these records."
            ).format(ref=reference)
        )
    after.append(
        _(
            "Please keep these records, and any records of the calling numbers, and do not "
            "delete them while the police are investigating."
        )
    )
    return Letter(
        kind="call-records",
        title=_("Request for call and message records"),
        date_text=day_text(_today(case.timezone)),
        to_lines=[_("To: {provider} — customer records").format(provider=provider)],
        subject=_("Subject: call and message records for {number}").format(number=number),
        paragraphs=paragraphs,
        items=items,
        after_items=after,
        sign_off=_("Yours faithfully,"),
        signature=_signature(given),
    )


def compose(vault: CaseContext, given: LetterInput) -> Letter:
    if given.kind not in KINDS:
        raise ValidationError(
            _("There is no letter called {kind}.").format(kind=given.kind),
            _("Choose one of: {kinds}.").format(kinds=", ".join(KINDS)),
        )
    options = ReportOptions(
        from_day=given.from_day,
        to_day=given.to_day,
        offenders=(given.person,) if given.person.strip() else (),
    )
    case = gather(vault, options)
    if given.kind == "no-contact":
        return _no_contact(case, given)
    if given.kind == "platform":
        return _platform(case, given)
    return _call_records(case, given)


def letter_pdf(letter: Letter, country: str) -> bytes:
    doc = Doc(
        paper=paper_for(country),
        running_head="",
        footer_left="",
        title=letter.title,
        created=datetime.now().astimezone(),
        plain=True,
    )
    doc.set_margins(25, 25, 25)
    doc.new_page("P")
    body = Font("sans", 10.5)
    for line in letter.to_lines:
        doc.para(line, body, after=0.5)
    doc.gap(4)
    doc.para(letter.date_text, body, after=5)
    if letter.subject:
        doc.para(letter.subject, Font("bold", 10.5), after=4)
    for paragraph in letter.paragraphs:
        doc.para(paragraph, body, after=3.5)
    if letter.items:
        doc.bullets(letter.items, Font("sans", 9.5), after=3)
    for paragraph in letter.after_items:
        doc.para(paragraph, body, after=2.5)
    doc.gap(6)
    if letter.sign_off:
        doc.para(letter.sign_off, body, after=10)
    else:
        doc.gap(8)
    doc.para(letter.signature, body)
    return bytes(doc.output())


def write_letter(
    vault: CaseContext, given: LetterInput, output: Path, country: str | None = None
) -> tuple[Letter, str]:
    """Write the letter as PDF (``.pdf``) or plain text (anything else) and record it."""
    from safetrail.services import settings

    exports.check_output(output)
    letter = compose(vault, given)
    place = country or settings.current(vault).country
    if output.suffix.lower() == ".pdf":
        payload, fmt = letter_pdf(letter, place), "pdf"
    else:
        payload, fmt = letter.text().encode("utf-8"), "text"
    atomic_write(output, payload)
    digest = hashlib.sha256(payload).hexdigest()
    record_letter(vault, letter, given, output.name, digest, len(payload), fmt)
    return letter, digest


def record_letter(
    vault: CaseContext,
    letter: Letter,
    given: LetterInput,
    file_name: str,
    sha256: str,
    size: int,
    fmt: str,
) -> None:
    exports.record_export(
        vault,
        f"letter-{letter.kind}",
        file_name,
        sha256,
        size,
        {"letter": letter.kind, "file_type": fmt, "person": given.person or None},
    )


def mark_notice_sent(vault: CaseContext, given: LetterInput, sent_on: str, method: str) -> Record:
    """Record the no-contact letter as the notice event it became, with its full text."""
    if given.kind != "no-contact":
        raise ValidationError(_("Only the no-contact letter is recorded as a notice."))
    letter = compose(vault, given)
    return events.add_notice(
        vault,
        events.NoticeInput(
            sent_on=sent_on,
            method=method,
            person=given.person.strip() or None,
            summary=letter.text(),
        ),
    )
