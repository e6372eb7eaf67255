"""The models each stored key can reach: its provider's own list, kept for a short time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from uuid import UUID

from application.credentials._sealer import CredentialSealer
from application.llm._key_check import ApiKeyChecker
from application.llm._single_flight import SingleFlight
from domain.credential import LlmCredential
from domain.errors import DomainError
from domain.model_list import MAX_LISTED_MODELS, ModelListKey
from domain.ports import ModelCatalog, ModelListCache, UnitOfWorkFactory
from domain.provider import Provider


@dataclass(frozen=True, slots=True)
class ModelList:
    """``live``: the provider listed ``names`` for this key within the cache's time to live;
    else they are the catalog's models of its provider, not confirmed for this key."""

    names: tuple[str, ...]
    live: bool


class ReachableModels:
    """- a credential's list is its provider's answer for its key (the call a key check
      makes), kept in ``ModelListCache`` under the key's version: a rotated key never gets
      the old key's list;
    - a key check (create, rotate, check again) stores the list it just fetched (``remember``);
    - concurrent misses for one key version make one provider call;
    - the call is bounded by ``timeout_s``; a provider that cannot be asked in time, or refuses
      the key, gives the catalog's models of that provider (``live=False``), never an error,
      and nothing is kept, so the next listing asks again;
    - at most ``MAX_LISTED_MODELS`` names are kept per key."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sealer: CredentialSealer,
        checker: ApiKeyChecker,
        cache: ModelListCache,
        catalog: ModelCatalog,
        *,
        timeout_s: float,
    ) -> None:
        self._uow = uow
        self._sealer = sealer
        self._checker = checker
        self._cache = cache
        self._catalog = catalog
        self._timeout_s = timeout_s
        self._flights: SingleFlight[ModelListKey, ModelList] = SingleFlight()

    async def remember(self, credential: LlmCredential, models: tuple[str, ...]) -> None:
        await self._cache.put(ModelListKey.of(credential), models[:MAX_LISTED_MODELS])

    async def forget(self, credential_id: UUID) -> None:
        await self._cache.discard(credential_id)

    async def of(self, credentials: Sequence[LlmCredential]) -> dict[UUID, ModelList]:
        """Each credential's list; the misses are fetched side by side."""
        found: dict[UUID, ModelList] = {}
        missing: list[LlmCredential] = []
        for credential in credentials:
            cached = await self._cache.get(ModelListKey.of(credential))
            if cached is None:
                missing.append(credential)
            else:
                found[credential.id] = ModelList(cached, live=True)
        fetched = await asyncio.gather(
            *(self._flights.run(ModelListKey.of(c), partial(self._fetch, c)) for c in missing)
        )
        found.update((c.id, listing) for c, listing in zip(missing, fetched, strict=True))
        return found

    async def _fetch(self, credential: LlmCredential) -> ModelList:
        try:
            # A key that cannot be opened now (the key service down) lists the catalog too.
            since = self._sealer.ticket()
            async with self._uow() as uow:
                key = await self._sealer.open(uow, credential, since=since)
            async with asyncio.timeout(self._timeout_s):
                check = await self._checker.check(
                    credential.provider,
                    key,
                    user_id=credential.user_id,
                    base_url=credential.base_url,
                    model_name=None,
                )
        except (DomainError, TimeoutError):
            return ModelList(self._catalog_names(credential.provider), live=False)
        models = check.models[:MAX_LISTED_MODELS]
        await self._cache.put(ModelListKey.of(credential), models)
        return ModelList(models, live=True)

    def _catalog_names(self, provider: Provider) -> tuple[str, ...]:
        for entry in self._catalog.providers():
            if entry.provider == provider.value:
                return tuple(m.name for m in entry.models)
        return ()
