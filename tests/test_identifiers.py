from __future__ import annotations

import pytest

from safetrail.domain.identifiers import (
    Identifier,
    normalise_email,
    normalise_handle,
    normalise_phone,
    normalise_region,
    parse_identifier,
)
from safetrail.errors import ValidationError


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        # United Kingdom (07700 900xxx is the range set aside for fiction)
        ("07700 900123", "GB", "+447700900123"),
        ("07700-900-123", "GB", "+447700900123"),
        ("07700.900.123", "GB", "+447700900123"),
        ("+44 7700 900123", "GB", "+447700900123"),
        ("+44 (0)7700 900123", "GB", "+447700900123"),
        ("0044 7700 900123", "GB", "+447700900123"),
        ("(020) 7946 0958", "GB", "+442079460958"),
        ("tel:+447700900123", "gb", "+447700900123"),
        ("07700 900123", "uk", "+447700900123"),
        # Japan
        ("090-1234-5678", "JP", "+819012345678"),
        ("０９０－１２３４－５６７８", "JP", "+819012345678"),
        ("090ー1234ー5678", "JP", "+819012345678"),
        ("03-1234-5678", "JP", "+81312345678"),
        ("0120-123-456", "JP", "+81120123456"),
        ("+81 90 1234 5678", "JP", "+819012345678"),
        ("010 81 90 1234 5678", "JP", "+819012345678"),
        # United States
        ("(202) 555-0143", "US", "+12025550143"),
        ("202-555-0143", "US", "+12025550143"),
        ("1 202 555 0143", "US", "+12025550143"),
        ("011 44 20 7946 0958", "US", "+442079460958"),
        ("0044 20 7946 0958", "US", "+442079460958"),
        # South Korea
        ("010-1234-5678", "KR", "+821012345678"),
        ("02-312-3456", "KR", "+8223123456"),
        ("+82 10 1234 5678", "KR", "+821012345678"),
        # A number from another country keeps its own country code
        ("+1 202 555 0143", "GB", "+12025550143"),
    ],
)
def test_normalise_phone(raw: str, region: str, expected: str) -> None:
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "message"),
    [
        ("", "GB", "The phone number is empty."),
        (
            "call me",
            "GB",
            "'call me' does not look like a phone number: it has letters or symbols in it.",
        ),
        ("+44 12", "GB", "'+44 12' cannot be a phone number in GB: it is too short."),
        (
            "07700 9001234567",
            "GB",
            "'07700 9001234567' cannot be a phone number in GB: it is too long.",
        ),
        ("555-0143", "US", "'555-0143' cannot be a phone number in US: the area code is missing."),
        ("61234", "GB", "'61234' is a short code or service number, not a full phone number."),
        ("999", "GB", "'999' is a short code or service number, not a full phone number."),
    ],
)
def test_impossible_phone_numbers(raw: str, region: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_phone(raw, region)
    assert caught.value.message == message


def test_phone_error_hint_shows_a_local_example() -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_phone("+44 12", "GB")
    assert caught.value.hint == "A number in GB looks like 07400 123456 or +44 7400 123456."


def test_unknown_region() -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_phone("07700 900123", "XX")
    assert caught.value.message == "'XX' is not a country code SafeTrail knows."
    assert normalise_region(" jp ") == "JP"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice@example.com", "alice@example.com"),
        ("  Alice.Smith@Example.COM ", "alice.smith@example.com"),
        ("mailto:Bob@Example.org", "bob@example.org"),
        ("Bob Jones <Bob@Example.org>", "bob@example.org"),
        ("user+tag@mail.example.co.uk", "user+tag@mail.example.co.uk"),
        ("ann@Bücher.Example", "ann@xn--bcher-kva.example"),
        ("ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"),
        ("ｂｏｂ＠ｅｘａｍｐｌｅ．ｊｐ", "bob@example.jp"),
        ("someone@example.com.", "someone@example.com"),
    ],
)
def test_normalise_email(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "alice",
        "@example.com",
        "alice@",
        "alice@localhost",
        "al ice@example.com",
        "alice@exa mple.com",
        "alice@-example.com",
        "alice@example..com",
        "alice@exa_mple.com",
        "alice@1.2.3.4",
    ],
)
def test_bad_email(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_email(raw)
    assert caught.value.hint == "An email address looks like name@example.com."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@Alice", "alice"),
        ("  alice_99 ", "alice_99"),
        ("instagram:alice", "instagram:alice"),
        ("Instagram: @Alice", "instagram:alice"),
        ("x:@Some.One", "x:some.one"),
        ("＠ａｌｉｃｅ", "alice"),
        ("@alice@mastodon.social", "alice@mastodon.social"),
        ("@김민지", "김민지"),
    ],
)
def test_normalise_handle(raw: str, expected: str) -> None:
    assert normalise_handle(raw) == expected


@pytest.mark.parametrize("raw", ["", "@", "alice smith", "https://x.com/alice", "a/b"])
def test_bad_handle(raw: str) -> None:
    with pytest.raises(ValidationError):
        normalise_handle(raw)


@pytest.mark.parametrize(
    ("text", "region", "kind", "normalised"),
    [
        ("07700 900123", "GB", "phone", "+447700900123"),
        ("090-1234-5678", "JP", "phone", "+819012345678"),
        ("010-1234-5678", "KR", "phone", "+821012345678"),
        ("(202) 555-0143", "US", "phone", "+12025550143"),
        ("tel:+81-90-1234-5678", "GB", "phone", "+819012345678"),
        ("Alice@Example.com", "GB", "email", "alice@example.com"),
        ("mailto:alice@example.com", "GB", "email", "alice@example.com"),
        ("@Alice", "GB", "handle", "alice"),
        ("alice@localhost", "GB", "handle", "alice@localhost"),
        ("@alice@mastodon.social", "GB", "handle", "alice@mastodon.social"),
        ("tiktok:@Alice", "GB", "handle", "tiktok:alice"),
        ("alice_99", "GB", "handle", "alice_99"),
        ("Withheld", "GB", "other", "withheld"),
        ("Private Number", "GB", "other", "withheld"),
        ("No Caller ID", "US", "other", "withheld"),
        ("非通知", "JP", "other", "withheld"),
        ("公衆電話", "JP", "other", "payphone"),
        ("발신번호 표시제한", "KR", "other", "withheld"),
        ("61234", "GB", "other", "shortcode:GB:61234"),
        ("9110", "JP", "other", "shortcode:JP:9110"),
        ("+44 12", "GB", "other", "+4412"),
        ("John  Smith", "GB", "other", "john smith"),
        ("https://x.com/Alice", "GB", "other", "https://x.com/alice"),
    ],
)
def test_parse_identifier(text: str, region: str, kind: str, normalised: str) -> None:
    assert parse_identifier(text, region) == Identifier(kind, text, normalised)  # type: ignore[arg-type]


def test_parse_identifier_refuses_empty_text() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_identifier("   ", "GB")
    assert caught.value.message == "The identifier is empty."


def test_same_number_written_three_ways_matches() -> None:
    forms = ["07700 900123", "+44 7700 900123", "0044-7700-900-123"]
    assert {parse_identifier(f, "GB").normalised for f in forms} == {"+447700900123"}
