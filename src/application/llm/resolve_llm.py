"""The LLM factory: which provider, model and key serve a user, and why."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from application.credentials._sealer import CredentialSealer
from application.llm._expiry import ExpiredCredentials
from application.llm._resolved import ChoiceKey, KnownChoices, ResolvedLlm
from application.llm._user_calls import UserCalls
from domain.api_key import ApiKey
from domain.credential import LlmCredential
from domain.errors import (
    CredentialExpired,
    CredentialNotFound,
    CredentialProviderMismatch,
    NoLlmConfigured,
)
from domain.model_name import parse_model_name
from domain.ports import (
    LlmProvider,
    LlmProviderRegistry,
    ModelCatalog,
    ProviderCallSlots,
    UnitOfWork,
    UnitOfWorkFactory,
)
from domain.provider import Provider
from domain.resolution import ExpiredKey, LlmChoice, ResolutionReason, SystemDefault

__all__ = ["ResolveLlm", "ResolvedLlm"]


class ResolveLlm:
    """Order of preference:

    - an explicit credential id (must be the caller's and active);
    - the user's active credential for the requested provider (a requested provider is never
      swapped for another one: without a credential for it, only a system default of that
      same provider can serve);
    - the user's default credential;
    - the system default (``BYOM_SYSTEM_DEFAULT_*``), when the operator configured one with a key,
      for the models the operator allows on it only (``ModelNotAllowed`` otherwise, before any
      key is opened or provider called);
    - otherwise ``NoLlmConfigured``.

    A key past its ``expires_at`` is never resolved: named explicitly it is
    ``CredentialExpired``; otherwise the next choice serves (a provider's expired key: only a
    system default of that provider) and the choice, or ``NoLlmConfigured``, says which key
    expired when (``expired``); see ``ExpiredCredentials``.

    The model is the requested one, else the credential's, else the catalog default of the
    provider. ``explain`` answers the same question without opening any key. The client it
    hands over holds one of the user's ``slots`` during each call (``UserCalls``).

    An answer is remembered briefly (``known``, dropped by the change feed when anything of the
    user's changes): a hit opens the sealed key with the remembered data key and runs no
    statement, unless the key's ``expires_at`` has passed since (then the store is asked, and
    the expiry recorded, as on any miss)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        providers: LlmProviderRegistry,
        sealer: CredentialSealer,
        catalog: ModelCatalog,
        system_default: SystemDefault | None,
        slots: ProviderCallSlots,
        *,
        expiry: ExpiredCredentials,
        known: KnownChoices,
    ) -> None:
        self._known = known
        self._expiry = expiry
        self._slots = slots
        self._uow = uow
        self._providers = providers
        self._sealer = sealer
        self._catalog = catalog
        self._system = system_default

    async def execute(
        self,
        user_id: UUID,
        *,
        provider: str | Provider | None = None,
        model: str | None = None,
        credential_id: UUID | None = None,
    ) -> ResolvedLlm:
        wanted = Provider.parse(provider) if isinstance(provider, str) else provider
        asked: ChoiceKey = (user_id, wanted, model, credential_id)
        known = self._known.recall(asked)
        if known is not None and (ready := self._ready(user_id, *known)) is not None:
            return ready
        ticket, data_key_ticket = self._known.ticket(), self._sealer.ticket()
        async with self._uow() as uow:
            choice, credential = await self._choose(uow, user_id, wanted, model, credential_id)
            if credential is not None:
                key = await self._sealer.open(uow, credential, since=data_key_ticket)
            else:
                key = self._system_key()
        self._known.keep(user_id, asked, (choice, credential), ticket)
        return ResolvedLlm(choice, self._client(user_id, choice.provider), key)

    def _ready(
        self, user_id: UUID, choice: LlmChoice, credential: LlmCredential | None
    ) -> ResolvedLlm | None:
        """A remembered choice opened without a statement; None: ask the store (the key
        expired since, or its data key is not remembered)."""
        if credential is None:
            return ResolvedLlm(choice, self._client(user_id, choice.provider), self._system_key())
        if self._expiry.has_passed(credential):
            return None
        key = self._sealer.open_remembered(credential)
        if key is None:
            return None
        return ResolvedLlm(choice, self._client(user_id, choice.provider), key)

    async def explain(
        self,
        user_id: UUID,
        *,
        provider: str | Provider | None = None,
        model: str | None = None,
        credential_id: UUID | None = None,
    ) -> LlmChoice:
        async with self._uow() as uow:
            choice, _ = await self._choose(uow, user_id, provider, model, credential_id)
        return choice

    def system_default(self, user_id: UUID, model: str | None = None) -> ResolvedLlm:
        """The operator's fallback, for ``user_id``'s sessions that were started on it."""
        system = self._usable_system_default()
        if system is None:
            raise NoLlmConfigured("the system default LLM is no longer configured")
        choice = self._from_system(system, parse_model_name(model))
        return ResolvedLlm(choice, self._client(user_id, system.provider), self._system_key())

    def _client(self, user_id: UUID, provider: Provider) -> LlmProvider:
        return UserCalls(self._providers.get(provider), self._slots, user_id)

    async def _choose(
        self,
        uow: UnitOfWork,
        user_id: UUID,
        provider: str | Provider | None,
        model: str | None,
        credential_id: UUID | None,
    ) -> tuple[LlmChoice, LlmCredential | None]:
        wanted = Provider.parse(provider) if isinstance(provider, str) else provider
        wanted_model = parse_model_name(model)

        if credential_id is not None:
            credential = await uow.credentials.get(user_id, credential_id)
            if credential is None:
                raise CredentialNotFound()
            credential.ensure_active()
            if wanted is not None and credential.provider is not wanted:
                raise CredentialProviderMismatch(credential.provider.value, wanted.value)
            if expired := await self._expiry.passed_over(uow, credential):
                raise CredentialExpired(credential.provider.value, expired.expires_at.isoformat())
            return self._from(credential, wanted_model, ResolutionReason.EXPLICIT_CREDENTIAL)

        if wanted is not None:
            credential = await uow.credentials.active_for_provider(user_id, wanted)
            expired = await self._passed_over(uow, credential)
            if credential is not None and expired is None:
                return self._from(credential, wanted_model, ResolutionReason.PROVIDER_CREDENTIAL)
            system = self._usable_system_default()
            if system is not None and system.provider is wanted:
                return replace(self._from_system(system, wanted_model), expired=expired), None
            if expired is not None:
                raise NoLlmConfigured(
                    f"{expired.note}; rotate it or set a later expiry, or choose another provider",
                    expired=expired,
                )
            raise NoLlmConfigured(
                f"you have no active {wanted.value} credential; add a {wanted.label} key "
                "or choose another provider"
            )

        credential = await uow.credentials.default_for_user(user_id)
        expired = await self._passed_over(uow, credential)
        if credential is not None and expired is None:
            return self._from(credential, wanted_model, ResolutionReason.USER_DEFAULT)

        system = self._usable_system_default()
        if system is not None:
            return replace(self._from_system(system, wanted_model), expired=expired), None
        if expired is not None:
            raise NoLlmConfigured(
                f"{expired.note}; rotate it, set a later expiry or make another key the default",
                expired=expired,
            )
        raise NoLlmConfigured()

    async def _passed_over(
        self, uow: UnitOfWork, credential: LlmCredential | None
    ) -> ExpiredKey | None:
        return None if credential is None else await self._expiry.passed_over(uow, credential)

    def _from(
        self, credential: LlmCredential, model: str | None, reason: ResolutionReason
    ) -> tuple[LlmChoice, LlmCredential]:
        choice = LlmChoice(
            provider=credential.provider,
            model=self._model_for(credential.provider, model or credential.model_name),
            credential_id=credential.id,
            reason=reason,
            base_url=credential.base_url,
        )
        return choice, credential

    def _from_system(self, system: SystemDefault, model: str | None) -> LlmChoice:
        return LlmChoice(
            provider=system.provider,
            model=system.admit(model),
            credential_id=None,
            reason=ResolutionReason.SYSTEM_DEFAULT,
            base_url=system.base_url,
        )

    def _model_for(self, provider: Provider, model: str | None) -> str:
        chosen = model or self._catalog.default_model(provider)
        if chosen is None:
            raise NoLlmConfigured(
                f"no model chosen for this {provider.value} credential; set its model_name"
            )
        return chosen

    def _usable_system_default(self) -> SystemDefault | None:
        system = self._system
        if system is None or system.api_key is None:
            return None
        return system

    def _system_key(self) -> ApiKey:
        system = self._usable_system_default()
        if system is None or system.api_key is None:
            raise NoLlmConfigured("the system default LLM is no longer configured")
        return system.api_key
