"""AesGcmKeyWrapper: users' data keys wrapped under the master keyring."""

from __future__ import annotations

import os
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.crypto import AesGcmKeyWrapper, Keyring, MasterKey
from domain.errors import DecryptionFailed
from domain.sealing import WrappedKey


def keyring(*key_ids: str) -> Keyring:
    return Keyring(MasterKey(key_id, os.urandom(32)) for key_id in key_ids)


async def test_a_wrapped_data_key_unwraps_to_the_same_bytes() -> None:
    wrapper = AesGcmKeyWrapper(keyring("v1"))
    dek, user_id = os.urandom(32), uuid.uuid4()

    wrapped = await wrapper.wrap(dek, user_id)

    assert await wrapper.unwrap(wrapped, user_id) == dek


async def test_wrapping_uses_the_documented_format_and_associated_data() -> None:
    ring = keyring("v1")
    wrapper = AesGcmKeyWrapper(ring)
    dek, user_id = os.urandom(32), uuid.uuid4()

    wrapped = await wrapper.wrap(dek, user_id)

    blob = wrapped.ciphertext
    assert wrapped.kek_id == "v1"
    assert len(blob) == 1 + 12 + 32 + 16
    assert blob[0] == 1
    aad = b"byom:dek:v1|" + str(user_id).encode()
    assert AESGCM(ring.primary.material).decrypt(blob[1:13], blob[13:], aad) == dek


async def test_wrapping_twice_gives_different_ciphertexts() -> None:
    wrapper = AesGcmKeyWrapper(keyring("v1"))
    dek, user_id = os.urandom(32), uuid.uuid4()

    first = await wrapper.wrap(dek, user_id)
    second = await wrapper.wrap(dek, user_id)

    assert first.ciphertext[1:13] != second.ciphertext[1:13]
    assert first.ciphertext != second.ciphertext


async def test_the_wrapper_reports_the_keyring_ids_primary_first() -> None:
    wrapper = AesGcmKeyWrapper(keyring("v3", "v2", "v1"))

    assert wrapper.primary_key_id == "v3"
    assert wrapper.key_ids() == ("v3", "v2", "v1")


@pytest.mark.parametrize("size", [0, 16, 31, 33, 48])
async def test_only_32_byte_data_keys_are_wrapped(size: int) -> None:
    wrapper = AesGcmKeyWrapper(keyring("v1"))

    with pytest.raises(ValueError, match="32 bytes"):
        await wrapper.wrap(os.urandom(size), uuid.uuid4())


@pytest.mark.parametrize("length", [0, 1, 29, 60, 62, 100])
async def test_wrapped_keys_of_the_wrong_length_are_refused(length: int) -> None:
    wrapper = AesGcmKeyWrapper(keyring("v1"))

    with pytest.raises(DecryptionFailed):
        await wrapper.unwrap(WrappedKey("v1", b"\x01" * length), uuid.uuid4())


async def test_an_unknown_wrap_version_is_refused() -> None:
    wrapper = AesGcmKeyWrapper(keyring("v1"))
    user_id = uuid.uuid4()
    wrapped = await wrapper.wrap(os.urandom(32), user_id)

    with pytest.raises(DecryptionFailed):
        await wrapper.unwrap(WrappedKey("v1", b"\x02" + wrapped.ciphertext[1:]), user_id)
