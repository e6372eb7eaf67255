"""AesGcmCipher: API keys sealed under a user's data key, bound to their row."""

from __future__ import annotations

import secrets
import string
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.crypto import AesGcmCipher
from domain.errors import DecryptionFailed
from domain.sealing import SealContext

KEY_ALPHABET = string.ascii_letters + string.digits + "-_"


def fake_key(prefix: str, total_length: int, suffix: str = "") -> bytes:
    middle = "".join(secrets.choice(KEY_ALPHABET) for _ in range(total_length - len(prefix)))
    return (prefix + middle[: len(middle) - len(suffix)] + suffix).encode()


def context(provider: str = "openai", base_url: str | None = None) -> SealContext:
    return SealContext(uuid.uuid4(), uuid.uuid4(), provider, base_url)


@pytest.fixture
def cipher() -> AesGcmCipher:
    return AesGcmCipher()


@pytest.mark.parametrize(
    ("name", "plaintext"),
    [
        ("openai project key", fake_key("sk-proj-", 164)),
        ("anthropic key", fake_key("sk-ant-api03-", 108, suffix="AA")),
        ("google key", fake_key("AIza", 39)),
        ("legacy openai key", fake_key("sk-", 51)),
        ("single byte", b"x"),
        ("64 bytes", fake_key("", 64)),
        ("4096 bytes", fake_key("sk-", 4096)),
        ("8 KiB, the limit", secrets.token_bytes(8 * 1024)),
        ("non-ASCII text", "ключ-🔑-clé-鍵".encode()),
        ("every byte value", bytes(range(256))),
    ],
)
def test_a1_sealed_keys_open_to_the_same_bytes(
    cipher: AesGcmCipher, name: str, plaintext: bytes
) -> None:
    """A1: round trip for every provider's key shape, sizes up to the limit and non-ASCII."""
    dek = cipher.new_data_key()
    ctx = context()

    sealed = cipher.seal(dek, plaintext, ctx)

    assert cipher.open(dek, sealed, ctx) == plaintext
    assert len(sealed) == 1 + 12 + len(plaintext) + 16


def test_the_envelope_is_version_nonce_then_ciphertext_and_tag(cipher: AesGcmCipher) -> None:
    """The stored layout is the documented one: readable by plain AES-GCM with the header in AAD."""
    dek = cipher.new_data_key()
    ctx = context("openai_compatible", "https://llm.example.com/v1")
    plaintext = fake_key("sk-", 51)

    sealed = cipher.seal(dek, plaintext, ctx)

    assert sealed[0] == 1
    nonce, body = sealed[1:13], sealed[13:]
    assert AESGCM(dek).decrypt(nonce, body, ctx.associated_data(b"\x01")) == plaintext


def test_new_data_keys_are_32_random_bytes(cipher: AesGcmCipher) -> None:
    keys = {cipher.new_data_key() for _ in range(1000)}

    assert len(keys) == 1000
    assert all(len(key) == 32 for key in keys)


def test_an_empty_secret_is_refused(cipher: AesGcmCipher) -> None:
    """A14 (adapter side): the API layer answers 422 earlier; the cipher still refuses."""
    with pytest.raises(ValueError, match="empty"):
        cipher.seal(cipher.new_data_key(), b"", context())


def test_a_secret_over_8_kib_is_refused(cipher: AesGcmCipher) -> None:
    """A14 (adapter side)."""
    with pytest.raises(ValueError, match="8192"):
        cipher.seal(cipher.new_data_key(), b"k" * (8 * 1024 + 1), context())


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_a_data_key_of_the_wrong_size_is_refused(cipher: AesGcmCipher, size: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        cipher.seal(b"k" * size, b"secret", context())
    with pytest.raises(ValueError, match="32 bytes"):
        cipher.open(b"k" * size, b"\x01" + b"\x00" * 40, context())


@pytest.mark.parametrize(
    "sealed",
    [b"", b"\x01", b"\x01" + b"\x00" * 12, b"\x01" + b"\x00" * 28, b"\x01" + b"\x00" * 8300],
    ids=["empty", "header only", "no tag", "tag but no ciphertext", "over the size limit"],
)
def test_envelopes_of_impossible_length_are_refused(cipher: AesGcmCipher, sealed: bytes) -> None:
    with pytest.raises(DecryptionFailed):
        cipher.open(cipher.new_data_key(), sealed, context())


@pytest.mark.parametrize("version", [0, 2, 0x7F, 0xFF])
def test_an_unknown_format_version_is_refused(cipher: AesGcmCipher, version: int) -> None:
    dek, ctx = cipher.new_data_key(), context()
    sealed = cipher.seal(dek, b"sk-test-key", ctx)

    with pytest.raises(DecryptionFailed):
        cipher.open(dek, bytes([version]) + sealed[1:], ctx)


def test_a_different_data_key_cannot_open(cipher: AesGcmCipher) -> None:
    ctx = context()
    sealed = cipher.seal(cipher.new_data_key(), b"sk-test-key", ctx)

    with pytest.raises(DecryptionFailed):
        cipher.open(cipher.new_data_key(), sealed, ctx)
