"""The ports: what the application needs from the outside world, named for the role they play.

Every read of user-owned data takes the owner's id: there is no "get by id" that ignores it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from domain.agent_session import AgentMessage, AgentSession
from domain.api_key import ApiKey
from domain.credential import LlmCredential
from domain.gateway_token import GatewayToken
from domain.llm import (
    CatalogModel,
    CatalogProvider,
    Completion,
    CompletionChunk,
    CompletionRequest,
    ModelInfo,
)
from domain.provider import Provider
from domain.sealing import DataKey, SealContext, WrappedKey
from domain.usage import DailyUsage, UsageRecord, UsageTotal
from domain.user import User

# --- time and identity -----------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> UUID:
        """A new unique id (UUIDv7 in production: time-ordered ids index well)."""
        ...


# --- stores ----------------------------------------------------------------------------------


class UserStore(Protocol):
    async def add(self, user: User) -> None:
        """Raises ``EmailTaken`` when the (normalised) email exists."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...

    async def save(self, user: User) -> None:
        """Persist changes. A deactivated account is final: saving onto one (from a stale read)
        changes nothing and raises ``UserNotFound``."""
        ...

    async def lock(self, user_id: UUID) -> None:
        """Serialise changes to one user's credentials until the unit of work ends."""
        ...


class CredentialStore(Protocol):
    async def add(self, credential: LlmCredential) -> None:
        """Raises ``DuplicateActiveCredential`` / ``DuplicateDefaultCredential`` on an invariant."""
        ...

    async def get(self, user_id: UUID, credential_id: UUID) -> LlmCredential | None: ...

    async def list_for_user(
        self, user_id: UUID, *, include_inactive: bool = False
    ) -> list[LlmCredential]:
        """Default first, then newest first."""
        ...

    async def active_for_provider(
        self, user_id: UUID, provider: Provider
    ) -> LlmCredential | None: ...

    async def default_for_user(self, user_id: UUID) -> LlmCredential | None: ...

    async def save(self, credential: LlmCredential) -> None:
        """Persist changes; raises the same invariant errors as ``add``. A revoked credential is
        final: saving onto one (from a stale read) changes nothing, raises ``CredentialRevoked``."""
        ...


class DataKeyStore(Protocol):
    async def add(self, key: DataKey) -> None: ...

    async def get(self, user_id: UUID, key_id: UUID) -> DataKey | None: ...

    async def live_for_user(self, user_id: UUID) -> DataKey | None:
        """The user's one data key that is not destroyed, if any."""
        ...

    async def save(self, key: DataKey) -> None:
        """Persist changes. A destroyed key is final: saving onto one (from a stale read) changes
        nothing and raises ``DataKeyDestroyed``."""
        ...

    async def live_not_wrapped_by(
        self, kek_id: str, limit: int, *, after: UUID | None = None
    ) -> list[DataKey]:
        """A page of live data keys wrapped by another master key, by id, after ``after``."""
        ...

    async def count_by_kek(self) -> dict[str, int]:
        """Live data keys per master key id."""
        ...


class AgentSessionStore(Protocol):
    async def add(self, session: AgentSession) -> None: ...

    async def get(self, user_id: UUID, session_id: UUID) -> AgentSession | None: ...

    async def list_for_user(self, user_id: UUID, *, limit: int = 100) -> list[AgentSession]:
        """Newest first."""
        ...

    async def save(self, session: AgentSession) -> None: ...

    async def add_message(self, user_id: UUID, message: AgentMessage) -> None:
        """Raises ``SessionNotFound`` unless the message's session is this user's."""
        ...

    async def messages(self, user_id: UUID, session_id: UUID) -> list[AgentMessage]:
        """Oldest first; none for a session that is not this user's."""
        ...


class UsageStore(Protocol):
    async def add(self, record: UsageRecord) -> None: ...

    async def totals(self, user_id: UUID, *, since: datetime | None = None) -> list[UsageTotal]:
        """Per (provider, model), sorted by provider then model."""
        ...

    async def daily(self, user_id: UUID, *, since: datetime | None = None) -> list[DailyUsage]:
        """Per (UTC day, provider, model), oldest day first."""
        ...


class GatewayTokenStore(Protocol):
    async def add(self, token: GatewayToken) -> None: ...

    async def get(self, user_id: UUID, token_id: UUID) -> GatewayToken | None: ...

    async def by_digest(self, digest: bytes) -> GatewayToken | None: ...

    async def list_for_user(self, user_id: UUID) -> list[GatewayToken]:
        """Newest first, revoked ones included."""
        ...

    async def save(self, token: GatewayToken) -> None:
        """Persist changes. A revoked token is final: saving onto one (from a stale read)
        changes nothing and raises ``GatewayTokenNotFound``."""
        ...

    async def touch(self, user_id: UUID, token_id: UUID, used_at: datetime) -> bool:
        """Record a use (``last_used_at`` never moves back) of a token that is still live, in
        one conditional write. False, changing nothing, when it is revoked or not this user's."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every store. Leaving the block without ``commit()`` rolls back."""

    users: UserStore
    credentials: CredentialStore
    data_keys: DataKeyStore
    sessions: AgentSessionStore
    usage: UsageStore
    gateway_tokens: GatewayTokenStore

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork:
        """A fresh unit of work: one per use-case call, never shared between requests."""
        ...


class HealthProbe(Protocol):
    async def check(self) -> None:
        """Raises when the backing store cannot be reached (an error of the adapter's own)."""
        ...


# --- encryption ------------------------------------------------------------------------------


class KeyWrapper(Protocol):
    """Wraps users' data keys with the master keyring (a KMS could implement this later)."""

    @property
    def primary_key_id(self) -> str: ...

    def key_ids(self) -> tuple[str, ...]: ...

    async def wrap(self, dek: bytes, user_id: UUID) -> WrappedKey: ...

    async def unwrap(self, wrapped: WrappedKey, user_id: UUID) -> bytes:
        """Raises ``UnknownMasterKey`` or ``DecryptionFailed``."""
        ...


class Cipher(Protocol):
    """Authenticated encryption of API keys under a data key; ``context`` is the associated data."""

    def new_data_key(self) -> bytes: ...

    def seal(self, dek: bytes, plaintext: bytes, context: SealContext) -> bytes: ...

    def open(self, dek: bytes, sealed: bytes, context: SealContext) -> bytes:
        """Raises ``DecryptionFailed`` for any tampering or a context that does not match."""
        ...


# --- accounts --------------------------------------------------------------------------------


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    async def verify_dummy(self, password: str) -> None:
        """Spend the time a real verification would, so unknown emails are not revealed."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class LoginThrottle(Protocol):
    """Slows down repeated failed logins per account (the address limit is the HTTP layer's)."""

    async def retry_after(self, account: str) -> int | None:
        """Seconds to wait before this account may try again, or None."""
        ...

    async def failed(self, account: str) -> None: ...

    async def succeeded(self, account: str) -> None: ...


class TokenIssuer(Protocol):
    def issue(self, user_id: UUID) -> tuple[str, int]:
        """A signed access token and its lifetime in seconds."""
        ...


# --- LLM providers ---------------------------------------------------------------------------


class LlmProvider(Protocol):
    """One provider's API. ``base_url`` is only given for OpenAI-compatible credentials."""

    async def list_models(self, key: ApiKey, *, base_url: str | None = None) -> list[ModelInfo]:
        """Cheap call that proves the key works (no tokens spent)."""
        ...

    async def complete(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> Completion: ...

    def stream(
        self, key: ApiKey, request: CompletionRequest, *, base_url: str | None = None
    ) -> AsyncIterator[CompletionChunk]:
        """Text deltas, then one final chunk carrying usage and the finish reason."""
        ...


class LlmProviderRegistry(Protocol):
    def get(self, provider: Provider) -> LlmProvider: ...


class ModelCatalog(Protocol):
    def providers(self) -> tuple[CatalogProvider, ...]: ...

    def default_model(self, provider: Provider) -> str | None: ...

    def model(self, provider: Provider, name: str) -> CatalogModel | None: ...
