"""AES-256-GCM for both levels of the envelope (docs/security.md, "Encryption at rest").

Both stored formats are ``version(1) | nonce(12) | ciphertext+tag(16)``. Every failure to open
becomes the domain's ``DecryptionFailed`` with no exception context: ``InvalidTag`` carries
nothing useful, and a bare error is one less object that could drag key-holding frames into logs.

AESGCM objects are built once per master key (a small fixed set the keyring already holds) but
not per data key: construction is about 1 µs of a roughly 5 µs seal (measured), far below one
database round trip, and a cache keyed by data keys would be one more place holding them.
"""

from __future__ import annotations

import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.crypto.keyring import Keyring
from domain.errors import DecryptionFailed, UnknownMasterKey
from domain.ports import Cipher, KeyWrapper
from domain.sealing import SealContext, WrappedKey

FORMAT_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
DATA_KEY_BYTES = 32
MAX_PLAINTEXT_BYTES = 8 * 1024

_HEADER = FORMAT_VERSION.to_bytes(1, "big")
_OVERHEAD = len(_HEADER) + NONCE_BYTES + TAG_BYTES
_WRAPPED_BYTES = _OVERHEAD + DATA_KEY_BYTES
_DEK_AAD_PREFIX = b"byom:dek:v1|"


def dek_associated_data(user_id: UUID) -> bytes:
    """What binds a wrapped data key to its owner: it cannot be moved to another user."""
    return _DEK_AAD_PREFIX + str(user_id).encode()


class AesGcmKeyWrapper(KeyWrapper):
    """``KeyWrapper`` over the master keyring: new wraps use the primary, unwraps any listed key."""

    __slots__ = ("_aeads", "_keyring")

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._aeads = {key.key_id: AESGCM(key.material) for key in keyring}

    @property
    def primary_key_id(self) -> str:
        return self._keyring.primary.key_id

    def key_ids(self) -> tuple[str, ...]:
        return self._keyring.key_ids()

    async def wrap(self, dek: bytes, user_id: UUID) -> WrappedKey:
        _require_data_key(dek)
        kek_id = self.primary_key_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aeads[kek_id].encrypt(nonce, dek, dek_associated_data(user_id))
        return WrappedKey(kek_id=kek_id, ciphertext=_HEADER + nonce + sealed)

    async def unwrap(self, wrapped: WrappedKey, user_id: UUID) -> bytes:
        aead = self._aeads.get(wrapped.kek_id)
        if aead is None:
            raise UnknownMasterKey(wrapped.kek_id)
        blob = bytes(wrapped.ciphertext)
        if len(blob) != _WRAPPED_BYTES or blob[:1] != _HEADER:
            raise DecryptionFailed()
        dek = _decrypt(aead, blob, dek_associated_data(user_id))
        if dek is None:
            raise DecryptionFailed()
        return dek

    def __repr__(self) -> str:
        return f"AesGcmKeyWrapper(key_ids={self.key_ids()!r})"


class AesGcmCipher(Cipher):
    """``Cipher``: seals API keys under a user's data key, bound to their row by ``SealContext``."""

    __slots__ = ()

    def new_data_key(self) -> bytes:
        return os.urandom(DATA_KEY_BYTES)

    def seal(self, dek: bytes, plaintext: bytes, context: SealContext) -> bytes:
        _require_data_key(dek)
        if not plaintext:
            raise ValueError("refusing to seal an empty secret")
        if len(plaintext) > MAX_PLAINTEXT_BYTES:
            raise ValueError(f"refusing to seal more than {MAX_PLAINTEXT_BYTES} bytes")
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(dek).encrypt(nonce, plaintext, context.associated_data(_HEADER))
        return _HEADER + nonce + sealed

    def open(self, dek: bytes | bytearray, sealed: bytes, context: SealContext) -> bytes:
        _require_data_key(dek)
        blob = bytes(sealed)
        if not _OVERHEAD < len(blob) <= _OVERHEAD + MAX_PLAINTEXT_BYTES:
            raise DecryptionFailed()
        # Unknown versions are refused before decrypting; the header is also in the associated
        # data, so a future format can never be opened under this one's rules.
        if blob[:1] != _HEADER:
            raise DecryptionFailed()
        plaintext = _decrypt(AESGCM(dek), blob, context.associated_data(blob[:1]))
        if plaintext is None:
            raise DecryptionFailed()
        return plaintext


def _decrypt(aead: AESGCM, blob: bytes, associated_data: bytes) -> bytes | None:
    nonce = blob[len(_HEADER) : len(_HEADER) + NONCE_BYTES]
    try:
        return aead.decrypt(nonce, blob[len(_HEADER) + NONCE_BYTES :], associated_data)
    except InvalidTag:
        return None


def _require_data_key(dek: bytes | bytearray) -> None:
    if len(dek) != DATA_KEY_BYTES:
        raise ValueError(f"a data key must be exactly {DATA_KEY_BYTES} bytes")
