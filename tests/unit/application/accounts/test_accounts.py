"""Accounts: sign-up, login (and its throttle), account deletion and crypto-shredding."""

from __future__ import annotations

from uuid import UUID

import pytest
from litestar.stores.memory import MemoryStore

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from application.accounts.authenticate_user import AuthenticateUser
from domain.errors import (
    DataKeyDestroyed,
    DecryptionFailed,
    EmailTaken,
    InvalidEmail,
    InvalidLogin,
    TooManyLoginAttempts,
    UserNotFound,
    WeakPassword,
)
from entrypoints.http.access_tokens import JwtTokenIssuer
from entrypoints.http.login_throttle import StoreLoginThrottle
from tests.support.builders import JWT_SECRET, World, key_line, memory_world
from tests.support.constants import OPENAI_KEY, PASSWORD

K1 = key_line("k1")
K2 = key_line("k2")


async def test_signing_up_normalises_the_email_and_hashes_the_password(world: World) -> None:
    user = await world.container.register_user.execute(
        email="  Trader@Example.COM ", password=PASSWORD
    )
    assert user.email == "trader@example.com"
    stored = world.db.users[user.id]
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash


async def test_an_email_can_sign_up_once(world: World, user_id: UUID) -> None:
    with pytest.raises(EmailTaken):
        await world.container.register_user.execute(
            email="TRADER@example.com", password="another long password"
        )


@pytest.mark.parametrize(
    "password",
    ["short", "x" * 1025, "\x00" * 10, "a long\tpassphrase here", "a passphrase\x7f ok ok"],
)
async def test_passwords_outside_the_limits_are_refused(world: World, password: str) -> None:
    with pytest.raises(WeakPassword):
        await world.container.register_user.execute(email="a@example.com", password=password)
    assert world.db.users == {}


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@b", "two@@example.com", "a b@example.com"])
async def test_malformed_emails_are_refused(world: World, email: str) -> None:
    with pytest.raises(InvalidEmail):
        await world.container.register_user.execute(email=email, password="a long password")


async def test_long_passwords_are_kept_whole(world: World) -> None:
    password = "p" * 72 + "tail that bcrypt would have dropped"
    await world.container.register_user.execute(email="long@example.com", password=password)
    await world.container.authenticate_user.execute(email="long@example.com", password=password)
    with pytest.raises(InvalidLogin):
        await world.container.authenticate_user.execute(email="long@example.com", password="p" * 72)


async def test_logging_in_returns_a_token(world: World, user_id: UUID) -> None:
    token = await world.container.authenticate_user.execute(
        email="trader@example.com", password=PASSWORD
    )
    assert token.user.id == user_id
    assert token.expires_in == 3600
    assert token.token.count(".") == 2


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("trader@example.com", "the wrong password"),
        ("nobody@example.com", PASSWORD),
        ("not-an-email", PASSWORD),
        ("trader@example.com", "x" * 5000),
    ],
)
async def test_every_failed_login_looks_the_same(
    world: World, user_id: UUID, email: str, password: str
) -> None:
    with pytest.raises(InvalidLogin) as caught:
        await world.container.authenticate_user.execute(email=email, password=password)
    assert caught.value.message == "email or password is wrong"


async def test_weak_hashes_are_upgraded_on_login() -> None:
    world = memory_world()
    weak = Argon2PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    user = await world.container.register_user.execute(email="old@example.com", password=PASSWORD)
    world.db.users[user.id].password_hash = await weak.hash(PASSWORD)
    # The container's hasher is the test profile; a stronger one considers the weak hash stale.
    strong = Argon2PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    assert strong.needs_rehash(world.db.users[user.id].password_hash)
    tokens = JwtTokenIssuer(JWT_SECRET, 600, world.clock)
    login = AuthenticateUser(
        world.container.uow,
        strong,
        tokens,
        StoreLoginThrottle(MemoryStore(), world.clock),
        world.container.session_revocations,
        world.clock,
    )
    await login.execute(email="old@example.com", password=PASSWORD)
    assert not strong.needs_rehash(world.db.users[user.id].password_hash)


async def test_a_deleted_account_cannot_log_in_or_be_found(world: World, user_id: UUID) -> None:
    await world.container.delete_account.execute(user_id)
    with pytest.raises(InvalidLogin):
        await world.container.authenticate_user.execute(
            email="trader@example.com", password=PASSWORD
        )
    with pytest.raises(UserNotFound):
        await world.container.get_user.execute(user_id)


async def test_deleting_an_account_crypto_shreds_its_keys(world: World, user_id: UUID) -> None:
    c = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    backup = world.db.credentials[c.id].encrypted_api_key
    await world.container.delete_account.execute(user_id)
    row = world.db.credentials[c.id]
    assert not row.is_active
    assert row.encrypted_api_key is None
    assert all(not k.is_live for k in world.db.data_keys.values())
    # A backup copy of the ciphertext cannot be opened any more: its data key is gone.
    row.is_active, row.encrypted_api_key = True, backup
    async with world.container.uow() as uow:
        with pytest.raises(DataKeyDestroyed):
            await world.container.sealer.open(uow, row)


@pytest.mark.parametrize("key_id", ["default", "", "not-a-uuid"])
async def test_a_credential_naming_no_data_key_fails_to_open_cleanly(
    world: World, user_id: UUID, key_id: str
) -> None:
    """Rows written outside BYOM get the column's server default 'default' (the original
    design's): that is a key that cannot be opened (503), not a crash (500)."""
    c = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    row = world.db.credentials[c.id]
    row.encryption_key_id = key_id
    async with world.container.uow() as uow:
        with pytest.raises(DecryptionFailed):
            await world.container.sealer.open(uow, row)
    with pytest.raises(DecryptionFailed):
        await world.container.resolve_llm.execute(user_id)


async def test_repeated_failures_slow_one_account_down_and_never_lock_it(
    world: World, user_id: UUID
) -> None:
    wrong = {"email": "trader@example.com", "password": "not the password"}
    for _ in range(5):
        with pytest.raises(InvalidLogin):
            await world.container.authenticate_user.execute(**wrong)
    with pytest.raises(TooManyLoginAttempts) as caught:
        await world.container.authenticate_user.execute(**wrong)
    assert caught.value.retry_after == 1
    with pytest.raises(TooManyLoginAttempts):
        await world.container.authenticate_user.execute(
            email="trader@example.com", password=PASSWORD
        )
    other = await world.container.register_user.execute(
        email="other@example.com", password=PASSWORD
    )
    token = await world.container.authenticate_user.execute(
        email="other@example.com", password=PASSWORD
    )
    assert token.user.id == other.id, "other accounts are not slowed down"

    world.clock.advance(2)
    with pytest.raises(InvalidLogin):
        await world.container.authenticate_user.execute(**wrong)
    with pytest.raises(TooManyLoginAttempts) as caught:
        await world.container.authenticate_user.execute(**wrong)
    assert caught.value.retry_after == 2, "each further failure doubles the wait"

    world.clock.advance(3)
    token = await world.container.authenticate_user.execute(
        email="trader@example.com", password=PASSWORD
    )
    assert token.user.id == user_id, "the owner gets back in once the wait is over"
    with pytest.raises(InvalidLogin):
        await world.container.authenticate_user.execute(**wrong)


async def test_an_attacker_failing_every_five_minutes_never_slows_the_owner_elsewhere(
    world: World, user_id: UUID
) -> None:
    """Issue 13, item 5: before, five failures from anyone, then one every 5 minutes, kept the
    owner's correct password refused (429) for as long as the attacker liked."""
    login = world.container.authenticate_user
    wrong = {"email": "trader@example.com", "password": "not the password"}
    for _ in range(5):
        with pytest.raises(InvalidLogin):
            await login.execute(**wrong, client="203.0.113.66")
    for _ in range(2):  # the fake clock starts ten minutes back; tokens cannot be from the future
        world.clock.advance(299)
        with pytest.raises((InvalidLogin, TooManyLoginAttempts)):
            await login.execute(**wrong, client="203.0.113.66")
        token = await login.execute(
            email="trader@example.com", password=PASSWORD, client="198.51.100.7"
        )
        assert token.user.id == user_id
    with pytest.raises(TooManyLoginAttempts):
        await login.execute(**wrong, client="203.0.113.66")
    failures = world.db.users[user_id].login_failures
    assert failures is not None
    assert failures.count >= 6
    assert failures.last_from == "203.0.113.0/24"


async def test_unknown_accounts_are_slowed_down_the_same_way(world: World) -> None:
    ghost = {"email": "ghost@example.com", "password": "whatever it is"}
    for _ in range(5):
        with pytest.raises(InvalidLogin):
            await world.container.authenticate_user.execute(**ghost)
    with pytest.raises(TooManyLoginAttempts):
        await world.container.authenticate_user.execute(**ghost)
