"""The ``KeyWrapper`` contract, run against every adapter: the local keyring (AES-GCM), AWS KMS
(moto's server mode over HTTP), KMS behind the unwrap cache, and the two chained as during a
move from the keyring to KMS."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from adapters.crypto import AesGcmKeyWrapper, Keyring, MasterKey
from adapters.crypto.aws_kms import AwsKmsKeyWrapper
from adapters.crypto.chained import ChainedKeyWrapper
from adapters.crypto.kms_key_ref import KmsKeyRef
from adapters.crypto.unwrap_cache import CachingKeyWrapper
from domain.errors import DecryptionFailed, UnknownMasterKey
from domain.ports import KeyWrapper
from domain.sealing import WrappedKey
from tests.support.fakes import FakeClock
from tests.support.kms_standin import KmsStandin

WRAPPERS = ["local", "aws-kms", "aws-kms-cached", "kms-after-local"]


def _local() -> AesGcmKeyWrapper:
    return AesGcmKeyWrapper(Keyring([MasterKey("k1", os.urandom(32))]))


@pytest.fixture(params=WRAPPERS)
async def wrapper(request: pytest.FixtureRequest) -> AsyncIterator[KeyWrapper]:
    if request.param == "local":
        yield _local()
        return
    request.getfixturevalue("aws_credentials")
    standin: KmsStandin = request.getfixturevalue("kms_standin")
    kms = AwsKmsKeyWrapper(KmsKeyRef.parse(standin.key_arn), endpoint_url=standin.endpoint_url)
    try:
        if request.param == "aws-kms":
            yield kms
        elif request.param == "aws-kms-cached":
            yield CachingKeyWrapper(kms, FakeClock())
        else:
            yield ChainedKeyWrapper(CachingKeyWrapper(kms, FakeClock()), _local())
    finally:
        await kms.aclose()


def _secret_forms(dek: bytes) -> list[str]:
    return [dek.hex(), base64.b64encode(dek).decode(), base64.urlsafe_b64encode(dek).decode()]


async def test_a_wrapped_data_key_unwraps_to_the_same_bytes(wrapper: KeyWrapper) -> None:
    dek, user_id = os.urandom(32), uuid.uuid4()

    wrapped = await wrapper.wrap(dek, user_id)

    assert await wrapper.unwrap(wrapped, user_id) == dek
    assert dek not in wrapped.ciphertext


async def test_new_wraps_are_recorded_under_the_primary_key(wrapper: KeyWrapper) -> None:
    wrapped = await wrapper.wrap(os.urandom(32), uuid.uuid4())

    assert wrapped.kek_id == wrapper.primary_key_id
    assert wrapper.key_ids()[0] == wrapper.primary_key_id
    assert len(wrapped.kek_id) <= 64, "the tables give a master key id 64 characters"


async def test_wrapping_twice_gives_different_ciphertexts(wrapper: KeyWrapper) -> None:
    dek, user_id = os.urandom(32), uuid.uuid4()

    first = await wrapper.wrap(dek, user_id)
    second = await wrapper.wrap(dek, user_id)

    assert first.ciphertext != second.ciphertext


async def test_another_users_id_does_not_unwrap_a_data_key(wrapper: KeyWrapper) -> None:
    dek, owner = os.urandom(32), uuid.uuid4()
    wrapped = await wrapper.wrap(dek, owner)

    with pytest.raises(DecryptionFailed) as refused:
        await wrapper.unwrap(wrapped, uuid.uuid4())

    text = f"{refused.value!s} {refused.value!r}"
    assert not any(form in text for form in _secret_forms(dek))
    assert refused.value.__cause__ is None
    assert refused.value.__context__ is None


async def test_a_tampered_wrapped_key_is_refused(wrapper: KeyWrapper) -> None:
    user_id = uuid.uuid4()
    wrapped = await wrapper.wrap(os.urandom(32), user_id)
    flipped = bytearray(wrapped.ciphertext)
    flipped[-1] ^= 1

    with pytest.raises(DecryptionFailed):
        await wrapper.unwrap(WrappedKey(wrapped.kek_id, bytes(flipped)), user_id)


async def test_a_master_key_id_it_does_not_hold_is_unknown(wrapper: KeyWrapper) -> None:
    user_id = uuid.uuid4()
    wrapped = await wrapper.wrap(os.urandom(32), user_id)

    for stranger in ("k9", "kms:00000000-0000-4000-8000-000000000000"):
        with pytest.raises(UnknownMasterKey):
            await wrapper.unwrap(WrappedKey(stranger, wrapped.ciphertext), user_id)


@pytest.mark.parametrize("size", [0, 16, 31, 33])
async def test_only_32_byte_data_keys_are_wrapped(wrapper: KeyWrapper, size: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        await wrapper.wrap(os.urandom(size), uuid.uuid4())


async def test_its_repr_names_keys_never_material(wrapper: KeyWrapper) -> None:
    dek, user_id = os.urandom(32), uuid.uuid4()
    await wrapper.unwrap(await wrapper.wrap(dek, user_id), user_id)

    assert not any(form in repr(wrapper) for form in _secret_forms(dek))
