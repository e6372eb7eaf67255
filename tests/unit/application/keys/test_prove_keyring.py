"""ProveKeyring: the primary master key must unwrap its canary."""

from __future__ import annotations

import os
from uuid import uuid4

import pytest

from adapters.crypto import AesGcmCipher, AesGcmKeyWrapper
from adapters.crypto.keyring import Keyring
from adapters.persistence.memory import MemoryKeyCanaryStore
from application.keys.prove_keyring import CANARY_OWNER, ProveKeyring
from domain.errors import DecryptionFailed
from domain.sealing import WrappedKey
from tests.support.builders import key_line


def prove(keys: str, stored: dict[str, WrappedKey]) -> ProveKeyring:
    wrapper = AesGcmKeyWrapper(Keyring.parse(keys))
    return ProveKeyring(MemoryKeyCanaryStore(stored), wrapper, AesGcmCipher())


async def test_the_first_check_stores_a_canary_that_later_checks_unwrap() -> None:
    stored: dict[str, WrappedKey] = {}
    keys = key_line("k1")
    assert await prove(keys, stored).execute() == "k1"
    assert list(stored) == ["k1"]
    canary = stored["k1"]
    assert await prove(keys, stored).execute() == "k1"
    assert stored["k1"] == canary


async def test_the_same_key_id_with_other_bytes_fails() -> None:
    stored: dict[str, WrappedKey] = {}
    await prove(key_line("k1", os.urandom(32)), stored).execute()
    with pytest.raises(DecryptionFailed):
        await prove(key_line("k1", os.urandom(32)), stored).execute()


async def test_a_canary_is_bound_to_its_owner_not_a_users_data_key() -> None:
    stored: dict[str, WrappedKey] = {}
    keys = key_line("k1")
    await prove(keys, stored).execute()
    wrapper = AesGcmKeyWrapper(Keyring.parse(keys))
    assert len(await wrapper.unwrap(stored["k1"], CANARY_OWNER)) == 32
    with pytest.raises(DecryptionFailed):
        await wrapper.unwrap(stored["k1"], uuid4())
