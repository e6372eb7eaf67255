"""Asks the provider whether a key works, without spending tokens."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.llm._user_calls import UserCalls
from domain.api_key import ApiKey
from domain.ports import LlmProviderRegistry, ProviderCallSlots
from domain.provider import Provider


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """The live model list a key can reach. ``model_available`` is None when nothing was asked
    or the server lists no models (some OpenAI-compatible servers don't)."""

    models: tuple[str, ...]
    model_available: bool | None


class ApiKeyChecker:
    """- a wrong key raises ``InvalidApiKey`` (the user must fix it);
    - a provider that could not be asked raises ``ProviderUnavailable`` (nobody's fault, retry);
    - the check is one of the user's provider calls in flight (``UserCalls``)."""

    def __init__(self, providers: LlmProviderRegistry, slots: ProviderCallSlots) -> None:
        self._providers = providers
        self._slots = slots

    async def check(
        self,
        provider: Provider,
        key: ApiKey,
        *,
        user_id: UUID,
        base_url: str | None,
        model_name: str | None,
    ) -> KeyCheck:
        client = UserCalls(self._providers.get(provider), self._slots, user_id)
        models = await client.list_models(key, base_url=base_url)
        ids = tuple(sorted({m.id for m in models}))
        available: bool | None = None
        if model_name is not None and ids:
            available = model_name in ids
        return KeyCheck(ids, available)
