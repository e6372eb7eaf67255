"""The models the caller can reach, and whose key pays for each."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.gateway._routing import route
from application.llm._reachable_models import ReachableModels
from domain.llm import CatalogModel
from domain.ports import Clock, ModelCatalog, UnitOfWorkFactory
from domain.provider import Provider
from domain.resolution import Payer, SystemDefault


@dataclass(frozen=True, slots=True)
class GatewayModel:
    """``id`` is what to send as ``model``: it routes back to ``provider``, where ``name`` is
    the provider's own name for it. ``paid_by`` says whose key serves it: the user's
    (``credential_id``) or the platform's (the system default, no credential). ``live``: the
    provider listed it for that key lately; ``known``: the catalog's entry (limits, prices)."""

    id: str
    provider: Provider
    name: str
    paid_by: Payer
    credential_id: UUID | None = None
    live: bool = False
    known: CatalogModel | None = None


class ListGatewayModels:
    """- for each active credential not past its ``expires_at``: the models its provider lists
      for its key (``ReachableModels``: kept for a short time, refreshed by every key check;
      the catalog's models of that provider, ``live`` false, when the provider cannot be
      asked), and the credential's own model (checked when it was saved; an OpenAI-compatible
      server may list none), on the user's key;
    - the system default's allowed models (``BYOM_SYSTEM_DEFAULT_MODELS``), on the platform's
      key, when the operator configured one with a key and the user has no usable credential
      of its provider (theirs would serve those names); nothing else is offered on the
      platform's key, and its list is not fetched (``live`` false);
    - each id routes back to its provider: a name no rule recognises gets a ``provider/``
      prefix (``openai_compatible/llama3``);
    - the catalog's limits and prices are joined in where it knows the model."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        catalog: ModelCatalog,
        system: SystemDefault | None,
        reachable: ReachableModels,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._catalog = catalog
        self._system = system
        self._reachable = reachable
        self._clock = clock

    async def execute(self, user_id: UUID) -> list[GatewayModel]:
        async with self._uow() as uow:
            credentials = await uow.credentials.list_for_user(user_id)
        now = self._clock.now()
        usable = [c for c in credentials if c.is_active and not c.is_expired(now)]
        lists = await self._reachable.of(usable)
        found: dict[str, GatewayModel] = {}
        for credential in usable:
            listing = lists[credential.id]
            names = set(listing.names)
            if credential.model_name:
                names.add(credential.model_name)
            for name in names:
                model = self._model(credential.provider, name, listing.live, credential.id)
                found[model.id] = model
        system = self._system
        covered = {c.provider for c in usable}
        if system is not None and system.api_key is not None and system.provider not in covered:
            for name in system.allowed:
                platform = self._model(system.provider, name, live=False, credential_id=None)
                found[platform.id] = platform
        return [found[key] for key in sorted(found)]

    def _model(
        self, provider: Provider, name: str, live: bool, credential_id: UUID | None
    ) -> GatewayModel:
        paid_by = Payer.PLATFORM if credential_id is None else Payer.USER
        known = self._catalog.model(provider, name)
        model_id = _model_id(provider, name)
        return GatewayModel(model_id, provider, name, paid_by, credential_id, live, known)


def _model_id(provider: Provider, name: str) -> str:
    return name if route(name).provider is provider else f"{provider.value}/{name}"
