"""Master-key rotation (rewrap), per-user data key rotation, seal counting."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.persistence.memory import MemoryDataKeyStore
from application.keys.keyring_census import MasterKeysMissing
from domain.errors import UnknownMasterKey
from domain.provider import Provider
from domain.sealing import DataKey, WrappedKey
from tests.support.builders import World, key_line, make_settings, memory_world
from tests.support.constants import ANTHROPIC_KEY, GOOGLE_KEY, OPENAI_KEY, OPENAI_ROTATED
from tests.unit.application.interleave import interleave

K1 = key_line("k1")
K2 = key_line("k2")


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
    """docs/security-tests.md, B8/B11: the deletion commits after the rewrap picked its batch."""
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
    """docs/security-tests.md, B8/A18: neither the rewrap nor the seal count is lost."""
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
    """docs/security-tests.md, B6/B7: one bad row neither stops the run nor pins every later run
    on it."""
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
    """docs/security-tests.md, A18: the per-key encryption counter moves with every seal and is
    stored."""
    c = await world.container.add_credential.execute(user_id, provider="openai", api_key=OPENAI_KEY)
    await world.container.add_credential.execute(user_id, provider="google", api_key=GOOGLE_KEY)
    await world.container.update_credential.execute(user_id, c.id, api_key=OPENAI_ROTATED)
    (data_key,) = world.db.data_keys.values()
    assert data_key.seal_count == 3
