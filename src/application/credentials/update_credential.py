"""Change a credential's model, or rotate its key without losing its id."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.caching._changes import announce
from application.credentials._events import CredentialEvents
from application.credentials._input import parse_credential_input
from application.credentials._sealer import CredentialSealer
from application.llm._key_check import ApiKeyChecker, KeyCheck
from application.llm._reachable_models import ReachableModels
from domain.api_key import ApiKey
from domain.credential import LlmCredential, check_expiry
from domain.credential_event import CredentialEventKind
from domain.errors import CredentialNotFound, InvalidApiKey, ModelNotAvailable
from domain.model_name import parse_model_name
from domain.ports import ChangeFeed, Clock, UnitOfWorkFactory

UNCHANGED = object()


class UpdateCredential:
    """- a new key is validated live, then re-encrypted under the same credential id;
    - a new model name is checked against the live model list of the (new or stored) key;
    - no transaction is held open while the provider is asked; the row is re-read under the
      user lock before it is changed, so a concurrent revoke wins;
    - ``expires_at``: a future time, or None to clear it; a new key clears the old key's
      expiry unless the same call sets one;
    - audit, in the transaction of the change: ``rotated``, ``model_changed``; a key (new or
      stored) the provider refuses: ``validation_failed``, and nothing changes;
    - the model list a check fetched is what the (new or stored) key reaches."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        checker: ApiKeyChecker,
        sealer: CredentialSealer,
        clock: Clock,
        events: CredentialEvents,
        *,
        reachable: ReachableModels,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._reachable = reachable
        self._events = events
        self._uow = uow
        self._checker = checker
        self._sealer = sealer
        self._clock = clock

    async def execute(
        self,
        user_id: UUID,
        credential_id: UUID,
        *,
        api_key: str | None = None,
        model_name: str | object | None = UNCHANGED,
        expires_at: datetime | object | None = UNCHANGED,
    ) -> LlmCredential:
        new_expiry = expires_at if isinstance(expires_at, datetime) else None
        if expires_at is not UNCHANGED:
            check_expiry(new_expiry, self._clock.now())
        async with self._uow() as uow:
            credential = await uow.credentials.get(user_id, credential_id)
            if credential is None:
                raise CredentialNotFound()
            credential.ensure_active()
            new_key: ApiKey | None = None
            if api_key is not None:
                new_key = parse_credential_input(
                    credential.provider.value,
                    api_key,
                    base_url=credential.base_url,
                    model_name=None,
                    # The stored base_url already passed the guard when it was saved.
                    allow_http_base_urls=True,
                ).key
            model_changes = model_name is not UNCHANGED
            new_model = (
                parse_model_name(model_name if isinstance(model_name, str) else None)
                if model_changes
                else credential.model_name
            )
            if new_key is None and (not model_changes or new_model is None):
                key_to_check = None
            else:
                key_to_check = new_key or await self._sealer.open(uow, credential)

        check: KeyCheck | None = None
        if key_to_check is not None:
            try:
                check = await self._checker.check(
                    credential.provider,
                    key_to_check,
                    user_id=user_id,
                    base_url=credential.base_url,
                    model_name=new_model,
                )
            except InvalidApiKey:
                await self._record_refused(user_id, credential_id, key_to_check.hint)
                raise
            if check.model_available is False and new_model is not None:
                raise ModelNotAvailable(credential.provider.value, new_model)

        async with self._uow() as uow:
            await uow.users.lock(user_id)
            fresh = await uow.credentials.get(user_id, credential_id)
            if fresh is None:
                raise CredentialNotFound()
            now = self._clock.now()
            if new_key is not None:
                sealed, data_key_id = await self._sealer.seal(
                    uow,
                    user_id=user_id,
                    credential_id=fresh.id,
                    provider=fresh.provider,
                    base_url=fresh.base_url,
                    key=new_key,
                )
                fresh.rotate_key(sealed, data_key_id, new_key.hint, now)
                await self._events.record(uow, CredentialEventKind.ROTATED, fresh)
            if model_changes and new_model != fresh.model_name:
                fresh.change_model(new_model, now)
                await self._events.record(uow, CredentialEventKind.MODEL_CHANGED, fresh)
            if expires_at is not UNCHANGED:
                fresh.set_expiry(new_expiry, now)
            fresh.ensure_active()
            await uow.credentials.save(fresh)
            await uow.commit()
            await announce(self._changes, user_id)
        if check is not None:
            # The key checked: the new one (now sealed in ``fresh``), or the stored one as read.
            await self._reachable.remember(fresh if new_key else credential, check.models)
        return fresh

    async def _record_refused(self, user_id: UUID, credential_id: UUID, hint: str) -> None:
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            fresh = await uow.credentials.get(user_id, credential_id)
            if fresh is None or not fresh.is_active:
                return
            await self._events.record(
                uow, CredentialEventKind.VALIDATION_FAILED, fresh, key_hint=hint
            )
            await uow.commit()
