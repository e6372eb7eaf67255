"""Errors about opening stored secrets (data keys, master keys)."""

from __future__ import annotations

from domain.errors._base import DomainError


class DecryptionFailed(DomainError):
    """A ciphertext or wrapped key did not authenticate. Deliberately says nothing more."""

    code = "decryption-failed"

    def __init__(self) -> None:
        super().__init__("stored secret could not be decrypted")


class UnknownMasterKey(DomainError):
    code = "master-key-unavailable"

    def __init__(self, key_id: str) -> None:
        super().__init__(f"master key {key_id!r} is not in the keyring")
        self.key_id = key_id


class DataKeyDestroyed(DomainError):
    code = "data-key-destroyed"

    def __init__(self) -> None:
        super().__init__("the data key for this user was destroyed")
