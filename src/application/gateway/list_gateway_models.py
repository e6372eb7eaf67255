"""The models the caller can reach, and whose key pays for each."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.gateway._routing import route
from domain.ports import ModelCatalog, UnitOfWorkFactory
from domain.provider import Provider
from domain.resolution import Payer, SystemDefault


@dataclass(frozen=True, slots=True)
class GatewayModel:
    """``id`` is what to send as ``model``: it routes back to ``provider``, where ``name`` is
    the provider's own name for it. ``paid_by`` says whose key serves it: the user's
    (``credential_id``) or the platform's (the system default, no credential)."""

    id: str
    provider: Provider
    name: str
    paid_by: Payer
    credential_id: UUID | None = None


class ListGatewayModels:
    """- for each active credential: the catalog's models of its provider and the credential's
      own model (an OpenAI-compatible server's models are only known by that name), on the
      user's key;
    - the system default's allowed models (``BYOM_SYSTEM_DEFAULT_MODELS``), on the platform's
      key, when the operator configured one with a key and the user has no credential of its
      provider (theirs would serve those names); nothing else is offered on the platform's key;
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
        found: dict[str, GatewayModel] = {}
        for credential in credentials:
            names = set(self._catalog_names(credential.provider))
            if credential.model_name:
                names.add(credential.model_name)
            for name in names:
                model_id = _model_id(credential.provider, name)
                found[model_id] = GatewayModel(
                    model_id, credential.provider, name, Payer.USER, credential.id
                )
        system = self._system
        covered = {c.provider for c in credentials}
        if system is not None and system.api_key is not None and system.provider not in covered:
            for name in system.allowed:
                model_id = _model_id(system.provider, name)
                found[model_id] = GatewayModel(model_id, system.provider, name, Payer.PLATFORM)
        return [found[key] for key in sorted(found)]

    def _catalog_names(self, provider: Provider) -> list[str]:
        for entry in self._catalog.providers():
            if entry.provider == provider.value:
                return [m.name for m in entry.models]
        return []


def _model_id(provider: Provider, name: str) -> str:
    return name if route(name).provider is provider else f"{provider.value}/{name}"
