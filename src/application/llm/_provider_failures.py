"""What a provider failure during a call means for the user who made it."""

from __future__ import annotations

from uuid import UUID

from application.caching._changes import announce
from application.credentials._events import CredentialEvents
from domain.credential_event import CredentialEventKind
from domain.errors import (
    CredentialRejected,
    DomainError,
    InvalidApiKey,
    ModelNotFound,
    ProviderCallFailed,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
)
from domain.ports import ChangeFeed, Clock, UnitOfWorkFactory
from domain.resolution import LlmChoice


class ProviderFailures:
    """- the provider refuses the user's stored key: the credential is flagged
      (``last_validated_at`` cleared, the scrubbed reason in ``last_error``) and
      ``CredentialRejected`` tells the user to update it; a revoke committed meanwhile wins
      (the flag is written under the owner's lock, after a fresh read), with its
      ``rejected_by_provider`` event;
    - the provider refuses the operator's system default key: the user cannot fix that, so it
      is a failed upstream call (``ProviderCallFailed``);
    - rate limits (with their retry delay), timeouts and an unknown model pass through as they are;
    - anything else (provider down, connection dropped mid-reply, a refused or garbled
      exchange) is a failed upstream call."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        events: CredentialEvents,
        *,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._events = events
        self._uow = uow
        self._clock = clock

    async def translate(
        self, user_id: UUID, choice: LlmChoice, error: ProviderError
    ) -> DomainError:
        if isinstance(error, InvalidApiKey):
            if choice.credential_id is None:
                return ProviderCallFailed(
                    error.provider,
                    f"{choice.provider.label} refused the platform's system default key; "
                    "the operator must update it",
                )
            await self._flag(user_id, choice.credential_id, error.message)
            return CredentialRejected(choice.provider.value)
        if isinstance(error, ProviderRateLimited | ProviderTimeout | ModelNotFound):
            return error
        if isinstance(error, ProviderCallFailed):
            return error
        return ProviderCallFailed(error.provider, error.message)

    async def _flag(self, user_id: UUID, credential_id: UUID, reason: str) -> None:
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            credential = await uow.credentials.get(user_id, credential_id)
            if credential is None or not credential.is_active:
                return
            credential.mark_rejected(reason, self._clock.now())
            await uow.credentials.save(credential)
            await self._events.record(uow, CredentialEventKind.REJECTED_BY_PROVIDER, credential)
            await uow.commit()
            await announce(self._changes, user_id)
