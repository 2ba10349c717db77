"""Server accounts on real PostgreSQL: passwords, TOTP, recovery codes, back-off,
sessions, case keys, roles and the append-only audit log."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import DBAPIError

from safetrail.errors import Forbidden, WeakPassphrase
from safetrail.server import accounts, audit, db, sessions, totp
from safetrail.server.accounts import ADVOCATE, OPERATOR, PERSON
from safetrail.server.sessions import SignedIn, SignInRefused
from tests.server_support import private_database

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
CASE_KEY = bytes(range(32))
IDLE = 900


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    os.environ["SAFETRAIL_TEST_WEAK_KDF"] = "1"
    with private_database() as url:
        made = create_engine(url)
        accounts.install(made)
        yield made
        made.dispose()


def case_id(name: str) -> str:
    return hashlib.md5(name.encode()).hexdigest()


def _case_row(case: str, owner: str) -> dict[str, object]:
    """A bare row in the storage side's cases table (no schema made: not needed here)."""
    row: dict[str, object] = {"id": case, "owner_account_id": owner}
    for column in db.cases.columns:
        if column.name not in row and not column.nullable and column.server_default is None:
            row[column.name] = b"-" if column.type.python_type is bytes else "-"
    return row


def _person(engine: Engine, name: str) -> tuple[accounts.Account, str]:
    with engine.begin() as conn:
        account, kek = accounts.create_account(conn, name, PASSWORD, PERSON, T0)
        conn.execute(db.cases.insert().values(_case_row(case_id(name), account.id)))
        recovery = accounts.attach_case(conn, account, case_id(name), CASE_KEY, kek, T0)
        return accounts.get(conn, account.id), recovery


def _with_totp(engine: Engine, account: accounts.Account, at: datetime) -> tuple[bytes, list[str]]:
    with engine.begin() as conn:
        checked = accounts.check_password(conn, account.name, PASSWORD)
        assert checked is not None
        account_key = accounts.open_account_key(conn, account.id, checked[1])
        secret = accounts.begin_totp(conn, account.id, account_key)
        codes = accounts.confirm_totp(
            conn, account.id, account_key, totp.code_at(secret, at.timestamp()), at.timestamp()
        )
    assert codes is not None
    return secret, codes


def _sign_in(
    engine: Engine,
    name: str,
    password: str = PASSWORD,
    code: str = "",
    at: datetime = T0,
    address: str = "192.0.2.1",
) -> SignedIn | SignInRefused:
    with engine.begin() as conn:
        return sessions.sign_in(conn, name, password, code, at, IDLE, address, "test agent")


def test_rfc6238_sha1_vectors() -> None:
    secret = b"12345678901234567890"
    expected = {
        59: "94287082",
        1111111109: "07081804",
        1111111111: "14050471",
        1234567890: "89005924",
        2000000000: "69279037",
        20000000000: "65353130",
    }
    for moment, code in expected.items():
        assert totp.code_for_step(secret, totp.step_at(moment), digits=8) == code
    assert totp.code_at(secret, 59) == "287082"


def test_secret_text_and_uri() -> None:
    secret = bytes(20)
    assert totp.secret_text(secret) == "AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA"
    uri = totp.provisioning_uri(secret, "ana", "SafeTrail")
    assert uri == (
        "otpauth://totp/SafeTrail%3Aana?secret=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "&issuer=SafeTrail&algorithm=SHA1&digits=6&period=30"
    )


def test_password_only_sign_in_unwraps_the_case_key(engine: Engine) -> None:
    account, _ = _person(engine, "pat")
    result = _sign_in(engine, "Pat ")
    assert isinstance(result, SignedIn)
    assert result.stage == sessions.FULL
    with engine.begin() as conn:
        session = sessions.resolve(conn, result.cookie, T0 + timedelta(seconds=10))
    assert session is not None
    assert session.account.id == account.id
    assert session.case_id == case_id("pat")
    assert session.case_key == CASE_KEY


def test_wrong_password_and_unknown_name_are_alike(engine: Engine) -> None:
    _person(engine, "wren")
    assert _sign_in(engine, "wren", "not the password", address="192.0.2.50") == SignInRefused(0)
    assert _sign_in(engine, "nobody", PASSWORD, address="192.0.2.50") == SignInRefused(0)


def test_totp_sign_in_replay_and_window(engine: Engine) -> None:
    account, _ = _person(engine, "tess")
    secret, _codes = _with_totp(engine, account, T0)
    # The enrolment code's step is spent: the same code again is a replay.
    same = totp.code_at(secret, T0.timestamp())
    assert _sign_in(engine, "tess", code=same, address="192.0.2.2") == SignInRefused(0)
    assert _sign_in(engine, "tess", code="", address="192.0.2.2") == SignInRefused(0)
    later = T0 + timedelta(seconds=60)
    fresh = totp.code_at(secret, later.timestamp())
    assert _sign_in(engine, "tess", "wrong password!", fresh, later, "192.0.2.2") == SignInRefused(
        0
    )
    assert isinstance(_sign_in(engine, "tess", code=fresh, at=later, address="192.0.2.2"), SignedIn)
    # Replayed (same step) within its window: refused.
    replay = _sign_in(
        engine, "tess", code=fresh, at=later + timedelta(seconds=5), address="192.0.2.2"
    )
    assert replay == SignInRefused(0)
    # One step late is still accepted, two steps late is not.
    at = later + timedelta(seconds=120)
    late = totp.code_at(secret, (at - timedelta(seconds=30)).timestamp())
    assert isinstance(_sign_in(engine, "tess", code=late, at=at, address="192.0.2.3"), SignedIn)
    at2 = at + timedelta(seconds=120)
    stale = totp.code_at(secret, (at2 - timedelta(seconds=60)).timestamp())
    assert _sign_in(engine, "tess", code=stale, at=at2, address="192.0.2.3") == SignInRefused(0)


def test_recovery_code_is_good_once(engine: Engine) -> None:
    account, _ = _person(engine, "rory")
    _secret, codes = _with_totp(engine, account, T0)
    assert len(codes) == 10 and len(set(codes)) == 10
    first = _sign_in(engine, "rory", code=codes[3].upper(), address="192.0.2.4")
    assert isinstance(first, SignedIn)
    assert _sign_in(engine, "rory", code=codes[3], address="192.0.2.4") == SignInRefused(0)
    with engine.begin() as conn:
        assert accounts.recovery_codes_left(conn, account.id) == 9
        actions = [e.action for e in audit.for_account(conn, account.id)]
    assert actions[:3] == [audit.SIGN_IN_FAILED, audit.RECOVERY_CODE_USED, audit.SIGN_IN]


def test_back_off_grows_per_account(engine: Engine) -> None:
    _person(engine, "lee")
    for n in range(4):
        assert _sign_in(engine, "lee", "bad password", address=f"198.51.100.{n}") == SignInRefused(
            0
        )
    # 3 free, the 4th failure costs 1 s; even the right password waits.
    assert _sign_in(engine, "lee", address="198.51.100.9") == SignInRefused(1)
    at = T0 + timedelta(seconds=1)
    assert _sign_in(engine, "lee", "bad password", at=at, address="198.51.100.9") == SignInRefused(
        0
    )
    assert _sign_in(engine, "lee", at=at, address="198.51.100.9") == SignInRefused(2)
    assert _sign_in(
        engine, "LEE", at=at + timedelta(seconds=1), address="198.51.100.9"
    ) == SignInRefused(1)
    ok = _sign_in(engine, "lee", at=at + timedelta(seconds=2), address="198.51.100.9")
    assert isinstance(ok, SignedIn)
    # Success clears the account's count.
    assert _sign_in(
        engine, "lee", "bad password", at=at + timedelta(seconds=2), address="198.51.100.9"
    ) == SignInRefused(0)


def test_back_off_per_address_across_names(engine: Engine) -> None:
    address = "203.0.113.77"
    for n in range(11):
        assert _sign_in(engine, f"ghost{n}", "whatever pw", address=address) == SignInRefused(0)
    assert _sign_in(engine, "someone-new", "whatever pw", address=address) == SignInRefused(1)
    assert _sign_in(engine, "someone-new", "whatever pw", address="203.0.113.78") == SignInRefused(
        0
    )


def test_sessions_list_revoke_and_idle(engine: Engine) -> None:
    account, _ = _person(engine, "sam")
    one = _sign_in(engine, "sam", address="192.0.2.10")
    two = _sign_in(engine, "sam", address="192.0.2.11", at=T0 + timedelta(seconds=30))
    assert isinstance(one, SignedIn) and isinstance(two, SignedIn)
    assert one.cookie != two.cookie
    with engine.begin() as conn:
        current = sessions.resolve(conn, two.cookie, T0 + timedelta(seconds=40))
        assert current is not None
        listed = sessions.list_for(conn, account.id, current.id_hash, T0 + timedelta(seconds=40))
        assert [(s.address, s.current) for s in listed] == [
            ("192.0.2.11", True),
            ("192.0.2.10", False),
        ]
        assert sessions.revoke(conn, account.id, listed[1].id_hash, T0 + timedelta(seconds=41))
        assert not sessions.revoke(conn, "someone-else", listed[0].id_hash, T0)
    with engine.begin() as conn:
        assert sessions.resolve(conn, one.cookie, T0 + timedelta(seconds=42)) is None
        # Idle: alive just inside the timeout, gone after it.
        seen = T0 + timedelta(seconds=40)
        assert sessions.resolve(conn, two.cookie, seen + timedelta(seconds=IDLE)) is not None
        last = seen + timedelta(seconds=IDLE)
        assert sessions.resolve(conn, two.cookie, last + timedelta(seconds=IDLE + 1)) is None
        # Gone for good, even if asked at an earlier time again.
        assert sessions.resolve(conn, two.cookie, last) is None


def test_cookie_parts_alone_open_nothing(engine: Engine) -> None:
    _person(engine, "cass")
    result = _sign_in(engine, "cass", address="192.0.2.12")
    assert isinstance(result, SignedIn)
    session_id, secret = result.cookie.split(".")
    forged = f"{session_id}.{secret[:-2]}AA"
    with engine.begin() as conn:
        assert sessions.resolve(conn, forged, T0) is None
        assert sessions.resolve(conn, "garbage", T0) is None
        assert sessions.resolve(conn, None, T0) is None
        rows = conn.execute(select(sessions.sessions.c.wrapped_key)).all()
    assert all(CASE_KEY not in (row.wrapped_key or b"") for row in rows)


def test_password_change_and_operator_reset(engine: Engine) -> None:
    account, recovery = _person(engine, "nova")
    with engine.begin() as conn:
        operator, _ = accounts.create_account(conn, "op-nova", PASSWORD, OPERATOR, T0)
        assert not accounts.change_password(
            conn, account.id, "not it at all", "a new long password", T0
        )
        assert accounts.change_password(conn, account.id, PASSWORD, "a new long password", T0)
        with pytest.raises(WeakPassphrase):
            accounts.change_password(conn, account.id, "a new long password", "short", T0)
    assert _sign_in(engine, "nova", address="192.0.2.20") == SignInRefused(0)
    result = _sign_in(engine, "nova", "a new long password", address="192.0.2.20")
    assert isinstance(result, SignedIn)
    with engine.begin() as conn:
        assert sessions.resolve(conn, result.cookie, T0).case_key == CASE_KEY  # type: ignore[union-attr]
        with pytest.raises(Forbidden):
            accounts.reset_password(conn, account, operator.id, "operator tries")
        reset = accounts.reset_password(conn, operator, account.id, "temporary password 1")
    assert reset.case_locked and reset.must_change_password
    after = _sign_in(engine, "nova", "temporary password 1", address="192.0.2.20")
    assert isinstance(after, SignedIn) and after.stage == sessions.CHANGE_PASSWORD
    with engine.begin() as conn:
        session = sessions.resolve(conn, after.cookie, T0)
        assert session is not None and session.case_key is None and session.case_id is None
        assert (
            accounts.unlock_with_recovery_key(conn, reset, "AAAA-BBBB", "temporary password 1", T0)
            is None
        )
        opened = accounts.unlock_with_recovery_key(
            conn, reset, recovery.lower(), "temporary password 1", T0
        )
        assert opened == CASE_KEY
    again = _sign_in(engine, "nova", "temporary password 1", address="192.0.2.20")
    with engine.begin() as conn:
        assert isinstance(again, SignedIn)
        assert sessions.resolve(conn, again.cookie, T0).case_key == CASE_KEY  # type: ignore[union-attr]


def test_roles_and_permissions(engine: Engine) -> None:
    alice, _ = _person(engine, "alice")
    case_a, case_b = case_id("alice"), case_id("bob")
    bob, _ = _person(engine, "bob")
    with engine.begin() as conn:
        advocate, _ = accounts.create_account(conn, "adv", PASSWORD, ADVOCATE, T0)
        operator, _ = accounts.create_account(conn, "op", PASSWORD, OPERATOR, T0)
        conn.execute(
            accounts.case_access.insert().values(
                case_id=case_a, account_id=advocate.id, scope="all", access="read", granted_at=T0
            )
        )
        assert accounts.permission(conn, alice, case_a) == accounts.Access(
            case_a, True, "owner", "all"
        )
        assert accounts.permission(conn, alice, case_b) is None
        assert accounts.permission(conn, bob, case_a) is None
        assert accounts.permission(conn, advocate, case_a) == accounts.Access(
            case_a, False, "read", "all"
        )
        assert accounts.permission(conn, advocate, case_b) is None
        assert accounts.permission(conn, operator, case_a) is None
        assert accounts.shared_cases(conn, advocate) == [case_a]
        conn.execute(
            accounts.case_access.update()
            .where(accounts.case_access.c.account_id == advocate.id)
            .values(revoked_at=T0)
        )
        assert accounts.permission(conn, advocate, case_a) is None
        with pytest.raises(Forbidden):
            accounts.require_role(alice, OPERATOR)
        with pytest.raises(Forbidden):
            accounts.set_role(conn, advocate, bob.id, OPERATOR)
        assert accounts.set_role(conn, operator, advocate.id, PERSON) == (ADVOCATE, PERSON)
    assert advocate.needs_totp and operator.needs_totp and not alice.needs_totp
    first = _sign_in(engine, "adv", address="192.0.2.30")
    assert isinstance(first, SignedIn) and first.stage == sessions.FULL  # now a person
    second = _sign_in(engine, "op", address="192.0.2.30")
    assert isinstance(second, SignedIn) and second.stage == sessions.ENROL


def test_audit_entries_exact_and_append_only(engine: Engine) -> None:
    account, _ = _person(engine, "audrey")
    _sign_in(engine, "audrey", "wrong password", address="192.0.2.40")
    _sign_in(engine, "audrey", address="192.0.2.41")
    with engine.begin() as conn:
        entries = audit.for_case(conn, case_id("audrey"))
    assert [(e.action, e.account_id, e.detail, e.address) for e in entries] == [
        (audit.SIGN_IN, account.id, None, "192.0.2.41"),
        (audit.SIGN_IN_FAILED, account.id, "password", "192.0.2.40"),
    ]
    assert entries[0].account_name == "audrey"
    for statement in (
        "UPDATE safetrail.audit SET action = 'x'",
        "DELETE FROM safetrail.audit",
        "TRUNCATE safetrail.audit",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with engine.begin() as conn:
        assert len(audit.for_case(conn, case_id("audrey"))) == 2


def test_sessions_end_after_twelve_hours_however_busy(engine: Engine) -> None:
    _person(engine, "abe")
    result = _sign_in(engine, "abe", address="192.0.2.60")
    assert isinstance(result, SignedIn)
    moment = T0
    with engine.begin() as conn:
        while moment < T0 + timedelta(hours=12) - timedelta(minutes=10):
            moment += timedelta(minutes=10)
            assert sessions.resolve(conn, result.cookie, moment) is not None
        assert sessions.resolve(conn, result.cookie, T0 + timedelta(hours=12)) is None
