"""Keys past their ``expires_at``: never resolved, and their ``expired`` event written once."""

from __future__ import annotations

from application.caching._changes import announce
from application.credentials._events import CredentialEvents
from domain.credential import LlmCredential
from domain.credential_event import CredentialEventKind
from domain.ports import ChangeFeed, Clock, UnitOfWork
from domain.resolution import ExpiredKey


class ExpiredCredentials:
    """- a credential whose ``expires_at`` is past is expired: the factory passes it over;
    - the first time the factory meets it expired, the ``expired`` event is written with one
      conditional write (``CredentialStore.record_expiry``), so of concurrent requests one
      records it; it is committed at once (the factory's unit of work only reads otherwise);
    - nothing is written while nothing expired: one comparison with the clock."""

    def __init__(
        self, clock: Clock, events: CredentialEvents, *, changes: ChangeFeed | None = None
    ) -> None:
        self._changes = changes
        self._clock = clock
        self._events = events

    def has_passed(self, credential: LlmCredential) -> bool:
        expires_at = credential.expires_at
        return expires_at is not None and expires_at <= self._clock.now()

    async def passed_over(self, uow: UnitOfWork, credential: LlmCredential) -> ExpiredKey | None:
        """The credential as passed over when it expired; None when it is still usable."""
        now = self._clock.now()
        expires_at = credential.expires_at
        if expires_at is None or expires_at > now:
            return None
        if credential.expiry_unrecorded:
            user_id = credential.user_id
            if await uow.credentials.record_expiry(user_id, credential.id, expires_at, now):
                await self._events.record(uow, CredentialEventKind.EXPIRED, credential)
            await uow.commit()
            await announce(self._changes, user_id)
        return ExpiredKey(
            credential.id,
            credential.provider,
            credential.key_hint,
            expires_at,
            was_default=credential.is_default,
        )
