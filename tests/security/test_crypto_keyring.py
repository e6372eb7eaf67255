"""docs/security-tests.md, sections A and B: master keys, wrapped data keys, rotation, shredding."""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

import pytest

from adapters.crypto import (
    AesGcmCipher,
    AesGcmKeyWrapper,
    Keyring,
    KeyringError,
    MasterKey,
    load_keyring,
)
from domain.errors import DecryptionFailed, UnknownMasterKey
from domain.sealing import SealContext, WrappedKey

CIPHER = AesGcmCipher()


def b64url(material: bytes) -> str:
    return base64.urlsafe_b64encode(material).decode().rstrip("=")


def renderings(material: bytes) -> list[str]:
    """Ways key bytes could show up in text: repr, hex, both base64 alphabets, padded or not."""
    forms = [repr(material), material.hex(), material.hex().upper()]
    for encoded in (base64.urlsafe_b64encode(material), base64.b64encode(material)):
        forms += [encoded.decode(), encoded.decode().rstrip("=")]
    return forms


def assert_no_key_material(text: str, material: bytes) -> None:
    for form in renderings(material):
        assert form not in text
    # Also no long run of the encoded key (a truncated echo is still a leak).
    encoded = b64url(material)
    assert not [
        encoded[i : i + 12] for i in range(len(encoded) - 11) if encoded[i : i + 12] in text
    ]


def ring(*keys: tuple[str, bytes]) -> Keyring:
    return Keyring(MasterKey(key_id, material) for key_id, material in keys)


# --- A13: a wrapped data key belongs to one user ------------------------------------------------


async def test_a13_a_wrapped_data_key_moved_to_another_user_does_not_unwrap() -> None:
    wrapper = AesGcmKeyWrapper(ring(("v1", os.urandom(32))))
    alice, bob = uuid.uuid4(), uuid.uuid4()
    alice_dek, bob_dek = CIPHER.new_data_key(), CIPHER.new_data_key()
    alice_wrapped = await wrapper.wrap(alice_dek, alice)
    bob_wrapped = await wrapper.wrap(bob_dek, bob)

    with pytest.raises(DecryptionFailed) as caught:
        await wrapper.unwrap(alice_wrapped, bob)
    assert caught.value.__context__ is None
    with pytest.raises(DecryptionFailed):
        await wrapper.unwrap(bob_wrapped, alice)
    assert await wrapper.unwrap(alice_wrapped, alice) == alice_dek


async def test_a13_any_single_bit_flip_in_a_wrapped_data_key_fails() -> None:
    wrapper = AesGcmKeyWrapper(ring(("v1", os.urandom(32))))
    user_id = uuid.uuid4()
    wrapped = await wrapper.wrap(CIPHER.new_data_key(), user_id)

    for position in range(len(wrapped.ciphertext)):
        for bit in range(8):
            tampered = bytearray(wrapped.ciphertext)
            tampered[position] ^= 1 << bit
            with pytest.raises(DecryptionFailed):
                await wrapper.unwrap(WrappedKey("v1", bytes(tampered)), user_id)


async def test_a7_relabelling_a_wrapped_key_with_another_master_key_id_fails() -> None:
    """The key id selects the master key; pointing it at another key fails, never falls back."""
    wrapper = AesGcmKeyWrapper(ring(("v2", os.urandom(32)), ("v1", os.urandom(32))))
    user_id = uuid.uuid4()
    wrapped = await wrapper.wrap(CIPHER.new_data_key(), user_id)
    assert wrapped.kek_id == "v2"

    with pytest.raises(DecryptionFailed):
        await wrapper.unwrap(WrappedKey("v1", wrapped.ciphertext), user_id)


# --- A16, A17: wrong or bad master keys ---------------------------------------------------------


async def test_a16_right_key_id_with_wrong_bytes_fails_closed() -> None:
    user_id = uuid.uuid4()
    wrapped = await AesGcmKeyWrapper(ring(("v1", os.urandom(32)))).wrap(os.urandom(32), user_id)
    misconfigured = AesGcmKeyWrapper(ring(("v1", os.urandom(32))))

    with pytest.raises(DecryptionFailed) as caught:
        await misconfigured.unwrap(wrapped, user_id)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("31 bytes", f"v1:{b64url(os.urandom(31))}"),
        ("16 bytes", f"v1:{b64url(os.urandom(16))}"),
        ("not base64", "v1:this-is-not*base64"),
        ("standard base64", "v1:" + base64.b64encode(b"\xfb\xff" * 16).decode()),
        ("missing key", "v1:"),
        ("bad key id", f"v 1:{b64url(os.urandom(32))}"),
    ],
)
def test_a17_bad_master_key_material_refuses_to_start(name: str, entry: str) -> None:
    with pytest.raises(KeyringError):
        load_keyring(entry, None, dev_file=None)


# --- B1: rotation -------------------------------------------------------------------------------


async def test_b1_after_rotation_old_wraps_unwrap_and_new_wraps_use_the_new_primary() -> None:
    v1, v2 = ("v1", os.urandom(32)), ("v2", os.urandom(32))
    user_id = uuid.uuid4()
    old_dek = CIPHER.new_data_key()
    before = AesGcmKeyWrapper(ring(v1))
    old_wrapped = await before.wrap(old_dek, user_id)
    assert old_wrapped.kek_id == "v1"

    after = AesGcmKeyWrapper(ring(v2, v1))
    new_dek = CIPHER.new_data_key()
    new_wrapped = await after.wrap(new_dek, user_id)

    assert after.primary_key_id == "v2"
    assert new_wrapped.kek_id == "v2"
    assert await after.unwrap(old_wrapped, user_id) == old_dek
    assert await after.unwrap(new_wrapped, user_id) == new_dek
    rewrapped = await after.wrap(await after.unwrap(old_wrapped, user_id), user_id)
    assert rewrapped.kek_id == "v2"
    assert await AesGcmKeyWrapper(ring(v2)).unwrap(rewrapped, user_id) == old_dek


async def test_b1_sealed_credentials_survive_a_master_key_rotation() -> None:
    """Only the data key is rewrapped: the credential envelope opens unchanged afterwards."""
    v1, v2 = ("v1", os.urandom(32)), ("v2", os.urandom(32))
    user_id = uuid.uuid4()
    context = SealContext(user_id, uuid.uuid4(), "anthropic", None)
    dek = CIPHER.new_data_key()
    wrapped_v1 = await AesGcmKeyWrapper(ring(v1)).wrap(dek, user_id)
    sealed = CIPHER.seal(dek, b"sk-ant-api03-rotation-test-AA", context)

    rotating = AesGcmKeyWrapper(ring(v2, v1))
    wrapped_v2 = await rotating.wrap(await rotating.unwrap(wrapped_v1, user_id), user_id)
    only_v2 = AesGcmKeyWrapper(ring(v2))

    assert CIPHER.open(await only_v2.unwrap(wrapped_v2, user_id), sealed, context) == (
        b"sk-ant-api03-rotation-test-AA"
    )


# --- B6: unknown master key ---------------------------------------------------------------------


async def test_b6_a_data_key_under_a_master_key_not_in_the_keyring_names_the_id() -> None:
    user_id = uuid.uuid4()
    wrapped = await AesGcmKeyWrapper(ring(("2024-retired", os.urandom(32)))).wrap(
        os.urandom(32), user_id
    )
    current = AesGcmKeyWrapper(ring(("2025-current", os.urandom(32))))

    with pytest.raises(UnknownMasterKey) as caught:
        await current.unwrap(wrapped, user_id)

    assert caught.value.key_id == "2024-retired"
    assert "'2024-retired'" in str(caught.value)
    assert "not in the keyring" in str(caught.value)


# --- B11: crypto-shredding ----------------------------------------------------------------------


async def test_b11_once_the_data_key_is_destroyed_old_ciphertext_cannot_be_opened() -> None:
    """A user's replacement data key (same row, same context) opens none of the old envelopes."""
    wrapper = AesGcmKeyWrapper(ring(("v1", os.urandom(32))))
    user_id = uuid.uuid4()
    context = SealContext(user_id, uuid.uuid4(), "openai", None)
    old_dek = CIPHER.new_data_key()
    backup_of_envelope = CIPHER.seal(old_dek, b"sk-proj-shredded-key", context)
    del old_dek  # the user_data_keys row is destroyed: nothing holds the old key any more

    new_dek = await wrapper.unwrap(await wrapper.wrap(CIPHER.new_data_key(), user_id), user_id)

    with pytest.raises(DecryptionFailed):
        CIPHER.open(new_dek, backup_of_envelope, context)


# --- G8/G9: key material never printed ----------------------------------------------------------


async def test_master_keys_keyrings_and_wrappers_never_print_key_material() -> None:
    material = os.urandom(32)
    key = MasterKey("v1", material)
    keyring = Keyring([key, MasterKey("v0", os.urandom(32))])
    wrapper = AesGcmKeyWrapper(keyring)

    for text in (repr(key), str(key), repr(keyring), str(keyring), repr(wrapper), f"{key!r}"):
        assert_no_key_material(text, material)
    loaded = load_keyring(f"v1:{b64url(material)}", None, dev_file=None)
    assert_no_key_material(repr(loaded), material)
    assert repr(key) == "MasterKey(key_id='v1')"
    assert repr(keyring) == "Keyring(key_ids=('v1', 'v0'))"


@pytest.mark.parametrize(
    "template",
    [
        "v1:{short}",
        "v1:{key},v1:{key}",
        "v1:{key}!",
        "v1:{key}{key}",
        "bad id:{key}",
        "{key}:v1",  # id and key swapped: the "id" is the key and must not be echoed
        "{key}",
        "v1:{std}",
    ],
)
def test_keyring_errors_never_contain_key_material(template: str) -> None:
    material = os.urandom(32)
    while "+" not in base64.b64encode(material).decode():
        material = os.urandom(32)
    text = template.format(
        key=b64url(material), short=b64url(material[:31]), std=base64.b64encode(material).decode()
    )

    with pytest.raises(KeyringError) as caught:
        Keyring.parse(text)

    assert_no_key_material(str(caught.value), material)
    assert_no_key_material(repr(caught.value), material)
    assert_no_key_material(str(caught.value), material[:31])


def test_keyring_file_errors_never_contain_key_material(tmp_path: Path) -> None:
    material = os.urandom(32)
    path = tmp_path / "keys"
    path.write_text(f"v1:{b64url(material)}\n")
    path.chmod(0o644)

    with pytest.raises(KeyringError) as caught:
        load_keyring(None, str(path), dev_file=None)

    assert_no_key_material(str(caught.value), material)
