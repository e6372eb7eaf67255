"""Store a new provider key for a user."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.caching._changes import announce
from application.credentials._events import CredentialEvents
from application.credentials._input import parse_credential_input
from application.credentials._sealer import CredentialSealer
from application.llm._key_check import ApiKeyChecker
from application.llm._reachable_models import ReachableModels
from domain.credential import LlmCredential, check_expiry
from domain.credential_event import CredentialEventKind
from domain.errors import (
    DuplicateActiveCredential,
    InvalidApiKey,
    ModelNotAvailable,
    UserNotFound,
)
from domain.ports import ChangeFeed, Clock, IdGenerator, UnitOfWorkFactory
from domain.provider import Provider


class AddCredential:
    """- the key is validated live first; a wrong key or an unreachable provider stores nothing;
    - a ``model_name`` the key cannot reach is refused;
    - one active credential per provider: a second one is refused with the existing id;
    - the user's first credential becomes the default unless ``is_default=False`` is asked;
      ``is_default=True`` moves the default in the same transaction;
    - ``expires_at``, when given, must be in the future;
    - audit: ``created`` (and ``default_set`` when it became the default) in the same
      transaction; a key the provider refuses is never stored, but its ``validation_failed``
      event is (without a credential id);
    - the model list the check fetched is what the new key reaches (``ReachableModels``)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        checker: ApiKeyChecker,
        sealer: CredentialSealer,
        ids: IdGenerator,
        clock: Clock,
        events: CredentialEvents,
        *,
        reachable: ReachableModels,
        allow_http_base_urls: bool = False,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._changes = changes
        self._reachable = reachable
        self._events = events
        self._uow = uow
        self._checker = checker
        self._sealer = sealer
        self._ids = ids
        self._clock = clock
        self._allow_http = allow_http_base_urls

    async def execute(
        self,
        user_id: UUID,
        *,
        provider: str,
        api_key: str,
        model_name: str | None = None,
        is_default: bool | None = None,
        base_url: str | None = None,
        expires_at: datetime | None = None,
    ) -> LlmCredential:
        given = parse_credential_input(
            provider,
            api_key,
            base_url=base_url,
            model_name=model_name,
            allow_http_base_urls=self._allow_http,
        )
        check_expiry(expires_at, self._clock.now())
        # Fail fast on a duplicate before spending a provider call on it.
        async with self._uow() as uow:
            existing = await uow.credentials.active_for_provider(user_id, given.provider)
            if existing is not None:
                raise DuplicateActiveCredential(given.provider.value, existing.id)
        try:
            check = await self._checker.check(
                given.provider,
                given.key,
                user_id=user_id,
                base_url=given.base_url,
                model_name=given.model_name,
            )
        except InvalidApiKey:
            await self._record_refused(user_id, given.provider, given.key.hint)
            raise
        if check.model_available is False and given.model_name is not None:
            raise ModelNotAvailable(given.provider.value, given.model_name)

        async with self._uow() as uow:
            await uow.users.lock(user_id)
            if await uow.users.get(user_id) is None:
                raise UserNotFound()
            existing = await uow.credentials.active_for_provider(user_id, given.provider)
            if existing is not None:
                raise DuplicateActiveCredential(given.provider.value, existing.id)
            now = self._clock.now()
            current_default = await uow.credentials.default_for_user(user_id)
            becomes_default = is_default is True or (current_default is None and is_default is None)
            if becomes_default and current_default is not None:
                current_default.unset_default(now)
                await uow.credentials.save(current_default)
            credential_id = self._ids.new_id()
            sealed, data_key_id = await self._sealer.seal(
                uow,
                user_id=user_id,
                credential_id=credential_id,
                provider=given.provider,
                base_url=given.base_url,
                key=given.key,
            )
            credential = LlmCredential(
                id=credential_id,
                user_id=user_id,
                provider=given.provider,
                model_name=given.model_name,
                encrypted_api_key=sealed,
                encryption_key_id=data_key_id,
                key_hint=given.key.hint,
                base_url=given.base_url,
                is_default=becomes_default,
                is_active=True,
                created_at=now,
                updated_at=now,
                last_validated_at=now,
                expires_at=expires_at,
            )
            await uow.credentials.add(credential)
            await self._events.record(uow, CredentialEventKind.CREATED, credential)
            if becomes_default:
                await self._events.record(uow, CredentialEventKind.DEFAULT_SET, credential)
            await uow.commit()
            await announce(self._changes, user_id)
        await self._reachable.remember(credential, check.models)
        return credential

    async def _record_refused(self, user_id: UUID, provider: Provider, hint: str) -> None:
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            if await uow.users.get(user_id) is None:
                return
            await self._events.record_refused_key(uow, user_id, provider, hint)
            await uow.commit()
