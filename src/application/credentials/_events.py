"""Writes the credential events (the audit trail) in the caller's unit of work, so an event is
stored exactly when the change it records is."""

from __future__ import annotations

from uuid import UUID

from application.audit import current_origin
from domain.credential import LlmCredential
from domain.credential_event import CredentialEvent, CredentialEventKind
from domain.ports import Clock, IdGenerator, UnitOfWork
from domain.provider import Provider


class CredentialEvents:
    """- an event names the credential, its provider and key hint (never the key), the time,
    and the request id and client address of the request being served (``request_origin``);
    - it is added to ``uow``: it commits or rolls back with the change it records."""

    def __init__(self, ids: IdGenerator, clock: Clock) -> None:
        self._ids = ids
        self._clock = clock

    async def record(
        self,
        uow: UnitOfWork,
        kind: CredentialEventKind,
        credential: LlmCredential,
        *,
        key_hint: str | None = None,
    ) -> None:
        """``key_hint`` when the event is about another key than the stored one (a new key
        the provider refused during a rotation)."""
        await self._add(
            uow,
            credential.user_id,
            kind,
            credential.id,
            credential.provider,
            key_hint if key_hint is not None else credential.key_hint,
        )

    async def record_refused_key(
        self, uow: UnitOfWork, user_id: UUID, provider: Provider, key_hint: str
    ) -> None:
        """A new key the provider refused: it was never stored, so no credential id."""
        await self._add(
            uow, user_id, CredentialEventKind.VALIDATION_FAILED, None, provider, key_hint
        )

    async def _add(
        self,
        uow: UnitOfWork,
        user_id: UUID,
        kind: CredentialEventKind,
        credential_id: UUID | None,
        provider: Provider,
        key_hint: str,
    ) -> None:
        origin = current_origin()
        await uow.credential_events.add(
            CredentialEvent(
                id=self._ids.new_id(),
                user_id=user_id,
                kind=kind,
                credential_id=credential_id,
                provider=provider,
                key_hint=key_hint,
                at=self._clock.now(),
                request_id=origin.request_id,
                client_address=origin.client_address,
            )
        )
