"""Accounts, master-key rotation (rewrap), per-user data key rotation and crypto-shredding."""

from __future__ import annotations

from uuid import UUID

import pytest
from litestar.stores.memory import MemoryStore

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.auth.jwt_issuer import JwtTokenIssuer
from adapters.auth.login_throttle import StoreLoginThrottle
from adapters.persistence.memory import MemoryDataKeyStore
from application.authenticate_user import AuthenticateUser
from domain.errors import (
    DataKeyDestroyed,
    DecryptionFailed,
    EmailTaken,
    InvalidEmail,
    InvalidLogin,
    MasterKeysMissing,
    TooManyLoginAttempts,
    UnknownMasterKey,
    UserNotFound,
    WeakPassword,
)
from domain.provider import Provider
from domain.sealing import DataKey, WrappedKey
from tests.builders import JWT_SECRET, World, key_line, make_settings, memory_world
from tests.unit.application.conftest import ANTHROPIC_KEY, GOOGLE_KEY, OPENAI_KEY
from tests.unit.application.interleave import interleave

K1 = key_line("k1")
K2 = key_line("k2")


async def test_signing_up_normalises_the_email_and_hashes_the_password(world: World) -> None:
    user = await world.container.register_user.execute(
        email="  Trader@Example.COM ", password="a long enough password"
    )
    assert user.email == "trader@example.com"
    stored = world.db.users[user.id]
    assert stored.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in stored.password_hash


async def test_an_email_can_sign_up_once(world: World, user_id: UUID) -> None:
    with pytest.raises(EmailTaken):
        await world.container.register_user.execute(
            email="TRADER@example.com", password="another long password"
        )


@pytest.mark.parametrize("password", ["short", "x" * 1025])
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
        email="trader@example.com", password="a long enough password"
    )
    assert token.user.id == user_id
    assert token.expires_in == 3600
    assert token.token.count(".") == 2


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("trader@example.com", "the wrong password"),
        ("nobody@example.com", "a long enough password"),
        ("not-an-email", "a long enough password"),
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
    user = await world.container.register_user.execute(
        email="old@example.com", password="a long enough password"
    )
    world.db.users[user.id].password_hash = await weak.hash("a long enough password")
    # The container's hasher is the test profile; a stronger one considers the weak hash stale.
    strong = Argon2PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    assert strong.needs_rehash(world.db.users[user.id].password_hash)
    tokens = JwtTokenIssuer(JWT_SECRET, 600, world.clock)
    login = AuthenticateUser(
        world.container.uow, strong, tokens, StoreLoginThrottle(MemoryStore(), world.clock)
    )
    await login.execute(email="old@example.com", password="a long enough password")
    assert not strong.needs_rehash(world.db.users[user.id].password_hash)


async def test_a_deleted_account_cannot_log_in_or_be_found(world: World, user_id: UUID) -> None:
    await world.container.delete_account.execute(user_id)
    with pytest.raises(InvalidLogin):
        await world.container.authenticate_user.execute(
            email="trader@example.com", password="a long enough password"
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


# --- master key rotation -----------------------------------------------------------------------


async def _users_with_keys(world: World, count: int) -> list[UUID]:
    users = []
    for n in range(count):
        user = await world.container.register_user.execute(
            email=f"u{n}@example.com", password="a long enough password"
        )
        await world.container.add_credential.execute(user.id, provider="openai", api_key=OPENAI_KEY)
        await world.container.add_credential.execute(
            user.id, provider="anthropic", api_key=ANTHROPIC_KEY
        )
        users.append(user.id)
    return users


def _providers_accepting_everything(world: World) -> None:
    world.providers.accept(Provider.OPENAI, OPENAI_KEY)
    world.providers.accept(Provider.ANTHROPIC, ANTHROPIC_KEY)
    world.providers.accept(Provider.GOOGLE, GOOGLE_KEY)


async def _all_credentials_open(world: World) -> int:
    opened = 0
    async with world.container.uow() as uow:
        for credential in world.db.credentials.values():
            if credential.is_active:
                await world.container.sealer.open(uow, credential)
                opened += 1
    return opened


async def test_after_adding_a_new_primary_old_keys_still_open_and_new_wraps_use_it() -> None:
    old = memory_world(make_settings(keys=K1))
    _providers_accepting_everything(old)
    await _users_with_keys(old, 2)
    new = memory_world(make_settings(keys=f"{K2},{K1}"), db=old.db, providers=old.providers)
    assert await _all_credentials_open(new) == 4
    user = await new.container.register_user.execute(
        email="fresh@example.com", password="a long enough password"
    )
    await new.container.add_credential.execute(user.id, provider="google", api_key=GOOGLE_KEY)
    assert await new.container.keyring_census.execute() == {"k1": 2, "k2": 1}


async def test_rewrap_moves_every_data_key_and_leaves_ciphertexts_alone() -> None:
    old = memory_world(make_settings(keys=K1))
    _providers_accepting_everything(old)
    await _users_with_keys(old, 5)
    ciphertexts = {c.id: c.encrypted_api_key for c in old.db.credentials.values()}
    new = memory_world(make_settings(keys=f"{K2},{K1}"), db=old.db, providers=old.providers)
    report = await new.container.rewrap_data_keys.execute(batch_size=2)
    assert (report.rewrapped, report.batches, report.remaining) == (5, 3, 0)
    assert await new.container.keyring_census.execute() == {"k2": 5}
    assert {c.id: c.encrypted_api_key for c in new.db.credentials.values()} == ciphertexts
    assert await _all_credentials_open(new) == 10


async def test_an_interrupted_rewrap_completes_when_run_again() -> None:
    old = memory_world(make_settings(keys=K1))
    _providers_accepting_everything(old)
    await _users_with_keys(old, 5)
    new = memory_world(make_settings(keys=f"{K2},{K1}"), db=old.db, providers=old.providers)
    partial = await new.container.rewrap_data_keys.execute(batch_size=2, max_batches=1)
    assert (partial.rewrapped, partial.remaining) == (2, 3)
    assert await _all_credentials_open(new) == 10, "half-way, every credential still opens"
    rest = await new.container.rewrap_data_keys.execute(batch_size=2)
    assert (rest.rewrapped, rest.remaining) == (3, 0)
    again = await new.container.rewrap_data_keys.execute(batch_size=2)
    assert again.rewrapped == 0, "idempotent: nothing left to move"
    only_new = memory_world(make_settings(keys=K2), db=old.db, providers=old.providers)
    assert await _all_credentials_open(only_new) == 10, "k1 can be retired after the rewrap"


async def _rotation_worlds(count: int) -> tuple[World, list[UUID]]:
    """``count`` users with two keys each under k1, and a world whose primary is now k2."""
    old = memory_world(make_settings(keys=K1))
    _providers_accepting_everything(old)
    users = await _users_with_keys(old, count)
    new = memory_world(make_settings(keys=f"{K2},{K1}"), db=old.db, providers=old.providers)
    return new, users


def _key_of(world: World, user_id: UUID) -> DataKey:
    return next(k for k in world.db.data_keys.values() if k.user_id == user_id)


async def test_a_rewrap_racing_an_account_deletion_never_brings_its_data_key_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SECURITY-TESTS B8/B11: the deletion commits after the rewrap picked its batch."""
    world, (doomed, kept) = await _rotation_worlds(2)
    race = interleave(
        monkeypatch,
        MemoryDataKeyStore,
        "live_not_wrapped_by",
        lambda: world.container.delete_account.execute(doomed),
    )

    report = await world.container.rewrap_data_keys.execute()

    await race.outcome()
    assert not _key_of(world, doomed).is_live, "a shredded key stays shredded"
    assert _key_of(world, doomed).wrapped.kek_id == "k1"
    assert _key_of(world, kept).wrapped.kek_id == "k2"
    assert (report.rewrapped, report.remaining, report.failed) == (1, 0, ())
    assert await world.container.keyring_census.execute() == {"k2": 1}


async def test_a_seal_committed_after_the_rewrap_picked_its_batch_is_still_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SECURITY-TESTS B8/A18: neither the rewrap nor the seal count is lost."""
    world, (user,) = await _rotation_worlds(1)
    race = interleave(
        monkeypatch,
        MemoryDataKeyStore,
        "live_not_wrapped_by",
        lambda: world.container.add_credential.execute(user, provider="google", api_key=GOOGLE_KEY),
    )

    await world.container.rewrap_data_keys.execute()

    await race.outcome()
    key = _key_of(world, user)
    assert (key.wrapped.kek_id, key.seal_count) == ("k2", 3)
    assert await _all_credentials_open(world) == 3


async def test_a_rewrap_while_a_seal_is_under_way_waits_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other order: the seal read the data key, then the rewrap runs before it writes."""
    world, (user,) = await _rotation_worlds(1)
    race = interleave(
        monkeypatch,
        MemoryDataKeyStore,
        "live_for_user",
        lambda: world.container.rewrap_data_keys.execute(),
    )

    await world.container.add_credential.execute(user, provider="google", api_key=GOOGLE_KEY)

    report = await race.outcome()
    assert report.rewrapped == 1
    key = _key_of(world, user)
    assert (key.wrapped.kek_id, key.seal_count) == ("k2", 3)
    assert await world.container.keyring_census.execute() == {"k2": 1}


async def test_keys_that_cannot_be_unwrapped_are_reported_and_the_rewrap_goes_on() -> None:
    """SECURITY-TESTS B6/B7: one bad row neither stops the run nor pins every later run on it."""
    world, users = await _rotation_worlds(5)
    corrupt, orphaned = _key_of(world, users[1]), _key_of(world, users[3])
    corrupt.wrapped = WrappedKey("k1", bytes(len(corrupt.wrapped.ciphertext)))
    orphaned.wrapped = WrappedKey("k0", orphaned.wrapped.ciphertext)
    bad = tuple(sorted([corrupt.id, orphaned.id]))

    report = await world.container.rewrap_data_keys.execute(batch_size=1)

    assert (report.rewrapped, report.remaining) == (3, 2)
    assert report.failed == bad
    assert await world.container.keyring_census.execute() == {"k2": 3, "k1": 1, "k0": 1}
    again = await world.container.rewrap_data_keys.execute(batch_size=1)
    assert (again.rewrapped, again.remaining, again.failed) == (0, 2, bad)


async def test_dropping_a_master_key_that_still_wraps_data_keys_is_refused() -> None:
    old = memory_world(make_settings(keys=K1))
    _providers_accepting_everything(old)
    await _users_with_keys(old, 3)
    dropped = memory_world(make_settings(keys=K2), db=old.db, providers=old.providers)
    with pytest.raises(MasterKeysMissing, match=r"'k1' \(3 data keys\)"):
        await dropped.container.keyring_census.ensure_complete()
    async with dropped.container.uow() as uow:
        credential = next(iter(dropped.db.credentials.values()))
        with pytest.raises(UnknownMasterKey, match="k1"):
            await dropped.container.sealer.open(uow, credential)


async def test_rotating_one_users_data_key_reseals_only_their_credentials() -> None:
    world = memory_world()
    _providers_accepting_everything(world)
    alice, bob = await _users_with_keys(world, 2)
    before = {c.id: c.encrypted_api_key for c in world.db.credentials.values()}
    old_key = next(k for k in world.db.data_keys.values() if k.user_id == alice)
    count = await world.container.rotate_user_data_key.execute(alice)
    assert count == 2
    after = {c.id: c.encrypted_api_key for c in world.db.credentials.values()}
    for credential in world.db.credentials.values():
        changed = before[credential.id] != after[credential.id]
        assert changed is (credential.user_id == alice)
    assert not world.db.data_keys[old_key.id].is_live
    live = [k for k in world.db.data_keys.values() if k.user_id == alice and k.is_live]
    assert len(live) == 1
    assert await _all_credentials_open(world) == 4
    del bob


async def test_every_seal_is_counted_on_the_data_key(world: World, user_id: UUID) -> None:
    """SECURITY-TESTS A18: the per-key encryption counter moves with every seal and is stored."""
    c = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    await world.container.add_credential.execute(user_id, provider="google", api_key=GOOGLE_KEY)
    world.providers.accept(Provider.OPENAI, OPENAI_KEY.replace("wxyz", "n3w1"))
    await world.container.update_credential.execute(
        user_id, c.id, api_key=OPENAI_KEY.replace("wxyz", "n3w1")
    )
    (data_key,) = world.db.data_keys.values()
    assert data_key.seal_count == 3


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
            email="trader@example.com", password="a long enough password"
        )
    other = await world.container.register_user.execute(
        email="other@example.com", password="a long enough password"
    )
    token = await world.container.authenticate_user.execute(
        email="other@example.com", password="a long enough password"
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
        email="trader@example.com", password="a long enough password"
    )
    assert token.user.id == user_id, "the owner gets back in once the wait is over"
    with pytest.raises(InvalidLogin):
        await world.container.authenticate_user.execute(**wrong)


async def test_unknown_accounts_are_slowed_down_the_same_way(world: World) -> None:
    ghost = {"email": "ghost@example.com", "password": "whatever it is"}
    for _ in range(5):
        with pytest.raises(InvalidLogin):
            await world.container.authenticate_user.execute(**ghost)
    with pytest.raises(TooManyLoginAttempts):
        await world.container.authenticate_user.execute(**ghost)
