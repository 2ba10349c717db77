"""Identifiers of the people involved: phone numbers, email addresses and online handles.

The same person shows up written many ways ("07700 900123", "+44 7700 900123", "0044 7700
900123"), so every identifier keeps what was given (``value``) and a canonical form
(``normalised``) that analysis and importers match on:

* phone: E.164 (``+447700900123``). Numbers are accepted when they are *possible* for the
  region (right length), not only when the metadata calls them valid: stalkers use new ranges,
  virtual numbers and the fictional ranges used in examples must work too.
* email: NFKC, case folded, domain in ASCII (IDNA) form. Case folding the local part is not
  strictly what RFC 5321 says, but no real provider treats case as significant and matching
  must not miss ``Alice@`` versus ``alice@``.
* handle: NFKC, case folded, without the leading ``@``; an optional platform prefix is kept
  (``instagram:alice``).
* other: what does not fit the above. Three kinds of caller get stable forms so that they can
  be counted: a withheld / private number (``withheld``), a payphone (``payphone``) and a
  short code such as an SMS service number (``shortcode:GB:61234``; short codes are only
  meaningful inside one country, so the region is part of the form). These are never turned
  into E.164 because they are not dialable numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, TypeGuard

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, ValidationResult

from safetrail.errors import ValidationError
from safetrail.i18n import N_, _

__all__ = [
    "Identifier",
    "IdentifierKind",
    "normalise_email",
    "normalise_handle",
    "normalise_phone",
    "normalise_region",
    "parse_identifier",
]

IdentifierKind = Literal["phone", "email", "handle", "other"]

WITHHELD = "withheld"
PAYPHONE = "payphone"


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: IdentifierKind
    value: str
    normalised: str


# --- regions ----------------------------------------------------------------------------

_REGION_ALIASES = {"UK": "GB"}


def normalise_region(region: str) -> str:
    """Upper-case ISO 3166 alpha-2 code known to phonenumbers ("uk" is taken as "GB")."""
    code = region.strip().upper()
    code = _REGION_ALIASES.get(code, code)
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            _("'{region}' is not a country code SafeTrail knows.").format(region=region),
            _("Use a two-letter country code such as GB, US, JP or KR."),
        )
    return code


# --- phone numbers ----------------------------------------------------------------------

# Dash look-alikes people type (or that word processors and Japanese IMEs produce).
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70"), "-")
_PHONE_SHAPE = re.compile(r"\+?[0-9 ()./-]*[0-9][0-9 ()./-]*")
_SHORT_CODE_MAX_DIGITS = 6


def _clean_phone_text(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).translate(_DASHES).strip()
    if text[:4].casefold() == "tel:":
        text = text[4:].strip()
    return text


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _phone_example(region: str) -> str:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return _(
            "Write the number with digits, spaces or dashes, or start with + and the country code."
        )
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return _("A number in {region} looks like {national} or {international}.").format(
        region=region, national=national, international=international
    )


def _try_parse(text: str, region: str) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def _is_complete(number: PhoneNumber | None) -> TypeGuard[PhoneNumber]:
    """Possible as a whole number: right length and not missing an area code."""
    if number is None:
        return False
    result = phonenumbers.is_possible_number_with_reason(number)
    return bool(result == ValidationResult.IS_POSSIBLE)


def _is_short_code(text: str, number: PhoneNumber | None) -> bool:
    """A few digits dialled without any international prefix, and not a real number."""
    if text.startswith(("+", "00")):
        return False
    if len(_digits(text)) > _SHORT_CODE_MAX_DIGITS:
        return False
    return number is None or not phonenumbers.is_valid_number(number)


def _parse_phone(raw: str, region: str) -> tuple[str, PhoneNumber | None]:
    """Cleaned text and the best parse of it (None when it cannot be a phone number)."""
    text = _clean_phone_text(raw)
    if not _PHONE_SHAPE.fullmatch(text):
        return text, None
    number = _try_parse(text, region)
    if not _is_complete(number) and text.startswith("00"):
        # "00" is the international prefix in most of the world, but not everywhere
        # (US: 011, JP: 010); people write it anyway.
        retry = _try_parse("+" + text[2:], region)
        if _is_complete(retry):
            number = retry
    return text, number


_REASONS = {
    ValidationResult.TOO_SHORT: N_("it is too short"),
    ValidationResult.TOO_LONG: N_("it is too long"),
    ValidationResult.INVALID_COUNTRY_CODE: N_("the country code does not exist"),
    ValidationResult.INVALID_LENGTH: N_("it has the wrong number of digits"),
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: N_("the area code is missing"),
}


def normalise_phone(raw: str, region: str) -> str:
    """E.164 form of ``raw``; national numbers are read as numbers of ``region`` (e.g. "GB").

    Accepts spaces, dashes, dots, brackets (including "+44 (0)..."), a "+" or "00"
    international prefix, full-width digits and "tel:". Raises ValidationError for text that
    cannot be a phone number, including short codes (use ``parse_identifier`` to keep those).
    """
    code = normalise_region(region)
    text, number = _parse_phone(raw, code)
    example = _phone_example(code)
    if not text:
        raise ValidationError(_("The phone number is empty."), example)
    if number is None and not _PHONE_SHAPE.fullmatch(text):
        raise ValidationError(
            _("'{raw}' does not look like a phone number: it has letters or symbols in it.").format(
                raw=raw.strip()
            ),
            example,
        )
    if _is_short_code(text, number):
        raise ValidationError(
            _("'{raw}' is a short code or service number, not a full phone number.").format(
                raw=raw.strip()
            ),
            _("Record it as it is shown, for example as a note; it cannot be dialled from abroad."),
        )
    if number is None:
        raise ValidationError(
            _("'{raw}' does not look like a phone number.").format(raw=raw.strip()), example
        )
    result = phonenumbers.is_possible_number_with_reason(number)
    # A local-only number ("555-0143" in the US) lacks its area code, so its E.164 form
    # would be a different, wrong number.
    if result != ValidationResult.IS_POSSIBLE:
        reason = _REASONS.get(result, _REASONS[ValidationResult.INVALID_LENGTH])
        raise ValidationError(
            _("'{raw}' cannot be a phone number in {region}: {reason}.").format(
                raw=raw.strip(), region=code, reason=_(reason)
            ),
            example,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- email ------------------------------------------------------------------------------

_LOCAL_PART = re.compile(r"[^\s@\"(),:;<>\[\]\\]{1,64}")
_DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_DISPLAY_NAME = re.compile(r"[^<>]*<([^<>]+)>")


def _bad_email(raw: str) -> ValidationError:
    return ValidationError(
        _("'{raw}' is not a usable email address.").format(raw=raw.strip()),
        _("An email address looks like name@example.com."),
    )


def normalise_email(raw: str) -> str:
    """Case-folded address with the domain in ASCII (IDNA) form.

    "Ann@Bücher.Example" becomes "ann@xn--bcher-kva.example". Also accepts "mailto:" and
    "Name <address>" forms.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    wrapped = _DISPLAY_NAME.fullmatch(text)
    if wrapped:
        text = wrapped.group(1).strip()
    if text[:7].casefold() == "mailto:":
        text = text[7:].strip()
    local, at, domain = text.rpartition("@")
    if not at or not _LOCAL_PART.fullmatch(local) or local.startswith("@"):
        raise _bad_email(raw)
    domain = domain.rstrip(".")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _bad_email(raw) from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise _bad_email(raw)
    if labels[-1].isdigit():  # "a@1.2.3.4" is an IP address, not a mail domain
        raise _bad_email(raw)
    return f"{local.casefold()}@{ascii_domain}"


# --- handles ----------------------------------------------------------------------------

_PLATFORM_PREFIX = re.compile(r"([^\W\d_][\w.+-]*)\s*:\s*(.*)", re.DOTALL)
# Word characters, dots and dashes; one inner "@" for fediverse handles (alice@mastodon.social).
_HANDLE = re.compile(r"[\w.-]+(?:@[\w.-]+)?")


def normalise_handle(raw: str) -> str:
    """Canonical handle: "@Alice" → "alice"; "Instagram: @Alice" → "instagram:alice"."""
    text = unicodedata.normalize("NFKC", raw).strip()
    platform = ""
    prefixed = _PLATFORM_PREFIX.fullmatch(text)
    if prefixed:
        platform, text = prefixed.group(1).casefold(), prefixed.group(2).strip()
    handle = text.removeprefix("@").strip().casefold()
    if not _HANDLE.fullmatch(handle):
        raise ValidationError(
            _("'{raw}' is not a usable handle.").format(raw=raw.strip()),
            _(
                "Write the user name as shown on the site, e.g. @alice, optionally with the "
                "site in front: instagram:alice."
            ),
        )
    return f"{platform}:{handle}" if platform else handle


# --- guessing the kind ------------------------------------------------------------------

_NOT_A_NUMBER = {
    WITHHELD: (
        "withheld",
        "numberwithheld",
        "private",
        "privatenumber",
        "privatecaller",
        "unknown",
        "unknowncaller",
        "unknownnumber",
        "nocallerid",
        "anonymous",
        "blocked",
        "restricted",
        "hidden",
        "hiddennumber",
        "unavailable",
        "非通知",
        "非通知設定",
        "通知不可能",
        "발신번호표시제한",
        "발신자표시제한",
    ),
    PAYPHONE: ("payphone", "publicphone", "公衆電話", "공중전화"),
}
_NOT_A_NUMBER_LOOKUP = {word: kind for kind, words in _NOT_A_NUMBER.items() for word in words}


def _squash(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _looks_like_email(text: str) -> bool:
    if text.startswith("@") or "@" not in text:
        return False
    return "." in text.rpartition("@")[2].strip(".")


def _other(value: str, normalised: str) -> Identifier:
    return Identifier("other", value, normalised)


def parse_identifier(text: str, region: str) -> Identifier:
    """Guess what kind of identifier ``text`` is and normalise it.

    Order: "tel:" / "mailto:" prefixes; withheld and payphone words; email (an "@" that is
    not the first character, with a dot in the domain); phone (only digits and phone
    punctuation, and possible for ``region``); handle; anything else is kind "other".
    Only empty text (or an unknown region) raises ValidationError.
    """
    code = normalise_region(region)
    value = text
    stripped = unicodedata.normalize("NFKC", text).strip()
    if not stripped:
        raise ValidationError(
            _("The identifier is empty."),
            _("Give a phone number, an email address or a user name."),
        )
    folded = stripped.casefold()
    if folded.startswith("mailto:"):
        try:
            return Identifier("email", value, normalise_email(stripped))
        except ValidationError:
            return _other(value, " ".join(folded.split()))
    special = _NOT_A_NUMBER_LOOKUP.get(_squash(stripped))
    if special is not None:
        return _other(value, special)
    if _looks_like_email(stripped) and not folded.startswith("tel:"):
        try:
            return Identifier("email", value, normalise_email(stripped))
        except ValidationError:
            pass
    cleaned, number = _parse_phone(stripped, code)
    if _PHONE_SHAPE.fullmatch(cleaned):
        if _is_short_code(cleaned, number):
            return _other(value, f"shortcode:{code}:{_digits(cleaned)}")
        if _is_complete(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return Identifier("phone", value, e164)
        plus = "+" if cleaned.startswith("+") else ""
        return _other(value, plus + _digits(cleaned))
    try:
        return Identifier("handle", value, normalise_handle(stripped))
    except ValidationError:
        return _other(value, " ".join(folded.split()))
