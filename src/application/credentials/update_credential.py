"""Change a credential's model, or rotate its key without losing its id."""

from __future__ import annotations

from uuid import UUID

from application.credentials._input import parse_credential_input
from application.credentials._sealer import CredentialSealer
from application.llm._key_check import ApiKeyChecker
from domain.api_key import ApiKey
from domain.credential import LlmCredential
from domain.errors import CredentialNotFound, ModelNotAvailable
from domain.model_name import parse_model_name
from domain.ports import Clock, UnitOfWorkFactory

UNCHANGED = object()


class UpdateCredential:
    """- a new key is validated live, then re-encrypted under the same credential id;
    - a new model name is checked against the live model list of the (new or stored) key;
    - no transaction is held open while the provider is asked; the row is re-read under the
      user lock before it is changed, so a concurrent revoke wins."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        checker: ApiKeyChecker,
        sealer: CredentialSealer,
        clock: Clock,
    ) -> None:
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
    ) -> LlmCredential:
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

        if key_to_check is not None:
            check = await self._checker.check(
                credential.provider,
                key_to_check,
                user_id=user_id,
                base_url=credential.base_url,
                model_name=new_model,
            )
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
            if model_changes:
                fresh.change_model(new_model, now)
            fresh.ensure_active()
            await uow.credentials.save(fresh)
            await uow.commit()
        return fresh
