"""docs/security-tests.md, section A: the sealed API key envelope (AES-256-GCM, a user's data
key)."""

from __future__ import annotations

import dataclasses
import secrets
import string
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.crypto import AesGcmCipher
from domain.errors import DecryptionFailed
from domain.sealing import SealContext

CIPHER = AesGcmCipher()
KEY_ALPHABET = string.ascii_letters + string.digits + "-_"


def openai_key() -> bytes:
    return ("sk-proj-" + "".join(secrets.choice(KEY_ALPHABET) for _ in range(156))).encode()


def canary() -> bytes:
    return f"sk-canary-{uuid.uuid4().hex}".encode()


def row_context(
    provider: str = "openai_compatible", base_url: str | None = "https://llm.example.com/v1"
) -> SealContext:
    return SealContext(uuid.uuid4(), uuid.uuid4(), provider, base_url)


def assert_does_not_open(dek: bytes, sealed: bytes, context: SealContext) -> None:
    """The failure is the generic domain error, with no message detail and no exception chain."""
    with pytest.raises(DecryptionFailed) as caught:
        CIPHER.open(dek, sealed, context)
    error = caught.value
    assert str(error) == "stored secret could not be decrypted"
    assert error.__cause__ is None
    assert error.__context__ is None


# --- A2, A3: nonces -----------------------------------------------------------------------------


def test_a2_sealing_the_same_key_twice_gives_different_nonces_and_ciphertexts() -> None:
    dek, context, plaintext = CIPHER.new_data_key(), row_context(), openai_key()

    first = CIPHER.seal(dek, plaintext, context)
    second = CIPHER.seal(dek, plaintext, context)

    assert first[1:13] != second[1:13]
    assert first[13:] != second[13:]
    assert CIPHER.open(dek, first, context) == CIPHER.open(dek, second, context) == plaintext


def test_a3_100k_seals_under_one_data_key_never_repeat_a_12_byte_nonce() -> None:
    dek, context = CIPHER.new_data_key(), row_context()
    seal = CIPHER.seal

    nonces = [seal(dek, b"sk-same-key", context)[1:13] for _ in range(100_000)]

    assert all(len(nonce) == 12 for nonce in nonces)
    assert len(set(nonces)) == 100_000


# --- A4, A5, A6, A7: tampering ------------------------------------------------------------------


def test_a4_a5_a6_a7_flipping_any_bit_anywhere_in_the_envelope_fails() -> None:
    """Every bit of version (A7), nonce (A6), ciphertext (A4) and tag (A5), one at a time."""
    dek, context, plaintext = CIPHER.new_data_key(), row_context(), openai_key()
    sealed = CIPHER.seal(dek, plaintext, context)

    for position in range(len(sealed)):
        for bit in range(8):
            tampered = bytearray(sealed)
            tampered[position] ^= 1 << bit
            assert_does_not_open(dek, bytes(tampered), context)


@settings(max_examples=300, deadline=None)
@given(
    plaintext=st.binary(min_size=1, max_size=512),
    data=st.data(),
)
def test_a4_any_single_byte_change_fails_for_any_key(plaintext: bytes, data: st.DataObject) -> None:
    dek, context = CIPHER.new_data_key(), row_context()
    sealed = CIPHER.seal(dek, plaintext, context)
    position = data.draw(st.integers(0, len(sealed) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="xor mask")

    tampered = bytearray(sealed)
    tampered[position] ^= mask

    assert_does_not_open(dek, bytes(tampered), context)


def test_a5_truncating_the_envelope_at_any_length_fails() -> None:
    """Includes the tag cut to 12 bytes: the tag length is fixed at 16."""
    dek, context = CIPHER.new_data_key(), row_context()
    sealed = CIPHER.seal(dek, openai_key(), context)

    assert_does_not_open(dek, sealed[:-4], context)
    for length in range(len(sealed)):
        assert_does_not_open(dek, sealed[:length], context)


def test_a5_extending_the_envelope_fails() -> None:
    dek, context = CIPHER.new_data_key(), row_context()
    sealed = CIPHER.seal(dek, openai_key(), context)

    assert_does_not_open(dek, sealed + b"\x00", context)
    assert_does_not_open(dek, sealed + sealed[-16:], context)


def test_a4_a_failed_open_returns_no_partial_plaintext() -> None:
    """GCM checks the tag before releasing anything: the call raises, it never returns bytes."""
    dek, context = CIPHER.new_data_key(), row_context()
    plaintext = canary()
    sealed = bytearray(CIPHER.seal(dek, plaintext, context))
    sealed[-1] ^= 1

    with pytest.raises(DecryptionFailed) as caught:
        CIPHER.open(dek, bytes(sealed), context)

    assert plaintext.decode() not in repr(caught.value)
    assert plaintext.decode() not in str(caught.value.args)


# --- A8–A12: the envelope is bound to its row ---------------------------------------------------


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("A8 other credential of the same user", {"credential_id": uuid.uuid4()}),
        ("A9 other user", {"user_id": uuid.uuid4()}),
        ("A10 other provider", {"provider": "anthropic"}),
        ("A11 other base_url", {"base_url": "https://evil.example.com/v1"}),
        ("A11 base_url removed", {"base_url": None}),
        ("A11 base_url with a trailing slash", {"base_url": "https://llm.example.com/v1/"}),
    ],
)
def test_a8_to_a11_an_envelope_copied_to_another_row_fails(
    case: str, change: dict[str, Any]
) -> None:
    dek, context, plaintext = CIPHER.new_data_key(), row_context(), openai_key()
    sealed = CIPHER.seal(dek, plaintext, context)
    other_row = dataclasses.replace(context, **change)

    assert_does_not_open(dek, sealed, other_row)
    assert CIPHER.open(dek, sealed, context) == plaintext


def test_a10_provider_swap_between_fixed_providers_fails() -> None:
    dek = CIPHER.new_data_key()
    context = row_context("openai", None)
    sealed = CIPHER.seal(dek, openai_key(), context)

    for provider in ("anthropic", "google", "openai_compatible", "OpenAI", "openai "):
        assert_does_not_open(dek, sealed, dataclasses.replace(context, provider=provider))


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("a:b", "c"), ("a", "b:c")),
        (("ab", None), ("a", "b")),
        (("openai", "https://x"), ("openaihttps://x", None)),
        (("a|b", "c"), ("a", "b|c")),
    ],
)
def test_a12_associated_data_is_canonical(
    left: tuple[str, str | None], right: tuple[str, str | None]
) -> None:
    """Field boundaries are length-prefixed, so concatenation tricks give different AAD."""
    user_id, credential_id = uuid.uuid4(), uuid.uuid4()
    a = SealContext(user_id, credential_id, *left)
    b = SealContext(user_id, credential_id, *right)
    dek = CIPHER.new_data_key()

    assert a.associated_data(b"\x01") != b.associated_data(b"\x01")
    assert_does_not_open(dek, CIPHER.seal(dek, b"sk-key", a), b)


# --- A15: no plaintext in the stored bytes ------------------------------------------------------


def test_a15_the_envelope_contains_no_piece_of_the_key() -> None:
    dek, context = CIPHER.new_data_key(), row_context()
    for plaintext in (canary(), openai_key(), b"k" * 200):
        sealed = CIPHER.seal(dek, plaintext, context)

        window = 6  # 48 bits: a chance match in a 200-byte envelope is ~1e-12
        pieces = {plaintext[i : i + window] for i in range(len(plaintext) - window + 1)}
        assert not [piece for piece in pieces if piece in sealed]
        assert plaintext[-4:] not in sealed  # the stored hint is not in the ciphertext either
