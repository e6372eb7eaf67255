"""Check a stored credential against its provider again."""

from __future__ import annotations

from uuid import UUID

from application.caching._changes import announce
from application.credentials._events import CredentialEvents
from application.credentials._sealer import CredentialSealer
from application.credentials.validate_api_key import ValidationResult
from application.llm._key_check import ApiKeyChecker
from application.llm._reachable_models import ReachableModels
from domain.credential_event import CredentialEventKind
from domain.errors import CredentialNotFound, InvalidApiKey
from domain.ports import ChangeFeed, Clock, UnitOfWorkFactory


class RevalidateCredential:
    """- valid: ``last_validated_at`` moves to now and any recorded error is cleared;
    - rejected: ``last_validated_at`` is cleared and the scrubbed reason recorded;
    - provider unreachable: nothing changes and the error propagates (503);
    - the result is written under the owner's lock after a fresh read: a credential revoked
      while its provider was asked stays revoked;
    - audit: ``validated`` or ``validation_failed``, with the change it records;
    - valid: the model list the check fetched is what the key reaches; rejected: its kept list
      is dropped."""

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

    async def execute(self, user_id: UUID, credential_id: UUID) -> ValidationResult:
        async with self._uow() as uow:
            credential = await uow.credentials.get(user_id, credential_id)
            if credential is None:
                raise CredentialNotFound()
            credential.ensure_active()
            key = await self._sealer.open(uow, credential)
        try:
            check = await self._checker.check(
                credential.provider,
                key,
                user_id=user_id,
                base_url=credential.base_url,
                model_name=credential.model_name,
            )
        except InvalidApiKey as exc:
            result = ValidationResult(False, credential.provider, detail=exc.message)
            await self._reachable.forget(credential.id)
        else:
            result = ValidationResult(
                True, credential.provider, check.models, check.model_available
            )
            await self._reachable.remember(credential, check.models)
        async with self._uow() as uow:
            await uow.users.lock(user_id)
            fresh = await uow.credentials.get(user_id, credential_id)
            if fresh is not None and fresh.is_active:
                now = self._clock.now()
                if result.valid:
                    fresh.mark_validated(now)
                    kind = CredentialEventKind.VALIDATED
                else:
                    fresh.mark_rejected(result.detail or "rejected by the provider", now)
                    kind = CredentialEventKind.VALIDATION_FAILED
                await uow.credentials.save(fresh)
                await self._events.record(uow, kind, fresh)
                await uow.commit()
                await announce(self._changes, user_id)
        return result
