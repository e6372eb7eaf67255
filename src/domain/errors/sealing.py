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


class KeyServiceUnavailable(DomainError):
    """The service that unwraps data keys (a KMS) could not answer; the request may be retried.

    Names what failed by its kind only (an error code, a transport failure), never a key."""

    code = "key-service-unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(f"the key service is unavailable ({reason})")
        self.reason = reason
