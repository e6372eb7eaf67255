"""The models the caller can reach through the gateway."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.gateway._routing import route
from domain.ports import ModelCatalog, UnitOfWorkFactory
from domain.provider import Provider
from domain.resolution import SystemDefault


@dataclass(frozen=True, slots=True)
class GatewayModel:
    """``id`` is what to send as ``model``: it routes back to ``provider``."""

    id: str
    provider: Provider


class ListGatewayModels:
    """- for each active credential: the catalog's models of its provider and the credential's
      own model (an OpenAI-compatible server's models are only known by that name);
    - the system default's model, when the operator configured one with a key;
    - each id routes back to its provider: a name no rule recognises gets a ``provider/``
      prefix (``openai_compatible/llama3``);
    - the catalog, not a live call to each provider: listing stays fast and spends nothing."""

    def __init__(
        self, uow: UnitOfWorkFactory, catalog: ModelCatalog, system: SystemDefault | None
    ) -> None:
        self._uow = uow
        self._catalog = catalog
        self._system = system

    async def execute(self, user_id: UUID) -> list[GatewayModel]:
        async with self._uow() as uow:
            credentials = await uow.credentials.list_for_user(user_id)
        reachable: dict[Provider, set[str]] = {}
        for credential in credentials:
            names = reachable.setdefault(credential.provider, set())
            names.update(self._catalog_names(credential.provider))
            if credential.model_name:
                names.add(credential.model_name)
        system = self._system
        if system is not None and system.api_key is not None:
            model = system.model or self._catalog.default_model(system.provider)
            if model:
                reachable.setdefault(system.provider, set()).add(model)
        found = {
            _model_id(provider, name): GatewayModel(_model_id(provider, name), provider)
            for provider, names in reachable.items()
            for name in names
        }
        return [found[key] for key in sorted(found)]

    def _catalog_names(self, provider: Provider) -> list[str]:
        for entry in self._catalog.providers():
            if entry.provider == provider.value:
                return [m.name for m in entry.models]
        return []


def _model_id(provider: Provider, name: str) -> str:
    return name if route(name).provider is provider else f"{provider.value}/{name}"
