"""``KeyWrapper`` over AWS KMS (docs/security.md, "Master keys in AWS KMS").

Data keys are sent to KMS ``Encrypt``/``Decrypt`` with an encryption context that names their
owner, as the local wrapper's associated data does: KMS refuses to unwrap a data key for anyone
else, and CloudTrail shows whose key each call opened. The client is aiobotocore's (the standard
credential chain, SigV4, retries); this module only translates its answers. Every failure leaves
with no exception context: botocore's errors hold request metadata we have no reason to carry.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore.exceptions import BotoCoreError, ClientError

from adapters.crypto.kms_key_ref import KmsKeyRef, kms_master_key_id
from domain.errors import DecryptionFailed, KeyServiceUnavailable, UnknownMasterKey
from domain.ports import KeyWrapper
from domain.sealing import WrappedKey

if TYPE_CHECKING:
    from types_aiobotocore_kms import KMSClient

T = TypeVar("T")

DATA_KEY_BYTES = 32
CONTEXT_PURPOSE = "byom:dek:v1"
# One retry (botocore's standard mode, jittered) and short timeouts: a request waiting on an
# unwrap should fail over to a clear 503 in seconds, not hang on an unreachable KMS.
_CLIENT_CONFIG = AioConfig(
    retries={"max_attempts": 2, "mode": "standard"},
    connect_timeout=2,
    read_timeout=5,
)
# KMS says "the ciphertext or its context is wrong" with these; anything else is the service's.
_REFUSALS = frozenset({"InvalidCiphertextException", "IncorrectKeyException"})
_SAFE_CODE = re.compile(r"[A-Za-z0-9.]{1,64}")
# botocore logs request and response bodies at DEBUG: plaintext data keys, base64-encoded.
_CHATTY_LOGGERS = ("botocore", "aiobotocore")


def encryption_context(user_id: UUID) -> dict[str, str]:
    """What binds a KMS-wrapped data key to its owner (the local wrapper's associated data)."""
    return {"purpose": CONTEXT_PURPOSE, "user": str(user_id)}


class AwsKmsKeyWrapper(KeyWrapper):
    """``KeyWrapper``: one KMS key wraps new data keys and unwraps those it wrapped.

    Named by ARN or key id, its master key id is known at once; named by an alias, ``open()``
    asks KMS which key the alias points to (once: repointing the alias needs a restart)."""

    __slots__ = (
        "_client",
        "_endpoint_url",
        "_key",
        "_lock",
        "_primary",
        "_region",
        "_session",
        "_stack",
    )

    def __init__(
        self,
        key: KmsKeyRef,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        session: AioSession | None = None,
    ) -> None:
        self._key = key.value
        self._primary = None if key.key_id is None else kms_master_key_id(key.key_id)
        self._region = region or key.region
        self._endpoint_url = endpoint_url
        self._session = session or shared_session()
        self._client: KMSClient | None = None
        self._stack = AsyncExitStack()
        self._lock = asyncio.Lock()
        for name in _CHATTY_LOGGERS:
            # Its own level, not the effective one: a root logger at DEBUG must not reach it.
            chatty = logging.getLogger(name)
            if chatty.level < logging.INFO:
                chatty.setLevel(logging.INFO)

    async def open(self) -> None:
        """Resolve an alias to its key (a no-op for an ARN or key id)."""
        if self._primary is not None:
            return
        described = await self._call(lambda kms: kms.describe_key(KeyId=self._key))
        # From now on, encrypt with the key itself, so what is recorded is what was used.
        self._key = described["KeyMetadata"]["Arn"]
        self._primary = kms_master_key_id(described["KeyMetadata"]["KeyId"])

    async def aclose(self) -> None:
        await self._stack.aclose()
        self._client = None

    @property
    def primary_key_id(self) -> str:
        if self._primary is None:
            raise RuntimeError("the KMS alias in BYOM_KMS_KEY_ID is not resolved: call open()")
        return self._primary

    def key_ids(self) -> tuple[str, ...]:
        return (self.primary_key_id,)

    async def wrap(self, dek: bytes, user_id: UUID) -> WrappedKey:
        if len(dek) != DATA_KEY_BYTES:
            raise ValueError(f"a data key must be exactly {DATA_KEY_BYTES} bytes")
        context = encryption_context(user_id)
        out = await self._call(
            lambda kms: kms.encrypt(KeyId=self._key, Plaintext=dek, EncryptionContext=context)
        )
        return WrappedKey(kek_id=kms_master_key_id(out["KeyId"]), ciphertext=out["CiphertextBlob"])

    async def unwrap(self, wrapped: WrappedKey, user_id: UUID) -> bytes:
        if wrapped.kek_id not in self.key_ids():
            raise UnknownMasterKey(wrapped.kek_id)
        blob, context = bytes(wrapped.ciphertext), encryption_context(user_id)
        out = await self._call(
            lambda kms: kms.decrypt(CiphertextBlob=blob, KeyId=self._key, EncryptionContext=context)
        )
        dek = out.get("Plaintext", b"")
        if len(dek) != DATA_KEY_BYTES:
            raise DecryptionFailed()
        return dek

    async def _call(self, request: Callable[[KMSClient], Awaitable[T]]) -> T:
        client = await self._connected()
        failure: Exception
        try:
            return await request(client)
        except ClientError as exc:
            failure = _translated(exc)
        except (BotoCoreError, OSError, TimeoutError) as exc:
            failure = KeyServiceUnavailable(type(exc).__name__)
        raise failure  # outside the handler: no exception context

    async def _connected(self) -> KMSClient:
        async with self._lock:
            if self._client is None:
                self._client = await self._stack.enter_async_context(
                    self._session.create_client(
                        "kms",
                        region_name=self._region,
                        endpoint_url=self._endpoint_url,
                        config=_CLIENT_CONFIG,
                    )
                )
            return self._client

    def __repr__(self) -> str:
        return f"AwsKmsKeyWrapper(primary={self._primary!r}, region={self._region!r})"


@cache
def shared_session() -> AioSession:
    """One per process: a session loads botocore's service models (about a second) and keeps
    them for every client it creates; clients stay per wrapper (each bound to its loop)."""
    return get_session()


def _translated(exc: ClientError) -> Exception:
    response: dict[str, Any] = dict(exc.response)
    code = str(response.get("Error", {}).get("Code", ""))
    if code in _REFUSALS:
        return DecryptionFailed()
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return KeyServiceUnavailable(code if _SAFE_CODE.fullmatch(code) else f"HTTP {status}")
