"""The model catalog, and what the LLM factory would pick for the caller now."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency

from application.resolve_llm import ResolveLlm
from domain.errors import NoLlmConfigured
from domain.llm import CatalogModel
from domain.provider import Provider
from entrypoints.http.deps import CURRENT_USER, container_of, use_cases


class ModelOut(msgspec.Struct):
    name: str
    context_window: int | None
    max_output_tokens: int | None
    input_usd_per_mtok: Decimal | None
    output_usd_per_mtok: Decimal | None

    @classmethod
    def of(cls, m: CatalogModel) -> ModelOut:
        price = m.price
        return cls(
            m.name,
            m.context_window,
            m.max_output_tokens,
            price.input_per_mtok if price else None,
            price.output_per_mtok if price else None,
        )


class ProviderOut(msgspec.Struct):
    provider: str
    label: str
    default_model: str | None
    takes_base_url: bool
    models: list[ModelOut]


class LlmChoiceOut(msgspec.Struct):
    reason: str
    provider: str | None = None
    model: str | None = None
    credential_id: UUID | None = None
    detail: str | None = None


class LlmCatalogController(Controller):
    path = "/api/v1/llm"
    tags = ["Providers and models"]
    opt = {"exclude_from_auth": True}

    @get("/providers", operation_id="ListProviders", summary="Providers, defaults and prices")
    async def providers(self, state: State) -> list[ProviderOut]:
        catalog = container_of(state).catalog
        listed = {Provider(p.provider): p for p in catalog.providers()}
        return [
            ProviderOut(
                provider=provider.value,
                label=provider.label,
                default_model=catalog.default_model(provider),
                takes_base_url=provider.takes_base_url,
                models=[ModelOut.of(m) for m in listed[provider].models]
                if provider in listed
                else [],
            )
            for provider in Provider
        ]


class MyLlmController(Controller):
    path = "/api/v1/users/me/llm"
    tags = ["Providers and models"]
    dependencies = {**CURRENT_USER, **use_cases("resolve_llm")}

    @get("/", operation_id="ExplainMyLlm", summary="What your agents would use now, and why")
    async def explain(
        self, user_id: NamedDependency[UUID], resolve_llm: NamedDependency[ResolveLlm]
    ) -> LlmChoiceOut:
        try:
            choice = await resolve_llm.explain(user_id)
        except NoLlmConfigured as exc:
            return LlmChoiceOut(reason="none", detail=exc.message)
        return LlmChoiceOut(
            reason=choice.reason.value,
            provider=choice.provider.value,
            model=choice.model,
            credential_id=choice.credential_id,
        )
