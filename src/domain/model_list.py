"""Which key version a credential's live model list was fetched with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from domain.credential import LlmCredential

MAX_LISTED_MODELS = 1000
"""Names kept per key: OpenRouter lists about 400; a user's own server could list millions,
and every worker keeps up to 10,000 lists."""


@dataclass(frozen=True, slots=True)
class ModelListKey:
    """A credential and a fingerprint of its sealed key: a rotated key (sealed anew) is another
    version, so a list fetched with the old key never answers for the new one. The fingerprint
    is of the ciphertext, so telling versions apart opens no key and reveals nothing of it."""

    credential_id: UUID
    key_version: str

    @classmethod
    def of(cls, credential: LlmCredential) -> ModelListKey:
        sealed = credential.encrypted_api_key or b""
        return cls(credential.id, hashlib.sha256(sealed).hexdigest()[:32])
