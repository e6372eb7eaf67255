"""The model catalog, and what the LLM factory would pick for the caller now."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from application.gateway.list_gateway_models import GatewayModel, ListGatewayModels
from application.llm.explain_llm import ExplainLlm, LlmExplanation
from application.llm.list_providers import ListProviders, ProviderOffer
from domain.llm import CatalogModel
from domain.resolution import Payer
from entrypoints.http.deps import CURRENT_USER, use_cases
from entrypoints.http.openapi import PublicOperation


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

    @classmethod
    def of(cls, offer: ProviderOffer) -> ProviderOut:
        p = offer.provider
        models = [ModelOut.of(m) for m in offer.models]
        return cls(p.value, p.label, offer.default_model, p.takes_base_url, models)


class ReachableModelOut(msgspec.Struct):
    """A model the caller may use: ``id`` on the gateway, ``provider`` and ``name`` for a
    session; ``paid_by`` ``user`` (on their ``credential_id``) or ``platform``; ``live`` and
    the catalog's limits and prices as on ``GET /v1/models``."""

    id: str
    provider: str
    name: str
    paid_by: Literal["user", "platform"]
    credential_id: UUID | None
    live: bool = False
    context_window: int | None = None
    input_usd_per_mtok: Decimal | None = None
    output_usd_per_mtok: Decimal | None = None

    @classmethod
    def of(cls, m: GatewayModel) -> ReachableModelOut:
        known = m.known
        price = known.price if known else None
        return cls(
            m.id,
            m.provider.value,
            m.name,
            m.paid_by.value,
            m.credential_id,
            m.live,
            known.context_window if known else None,
            price.input_per_mtok if price else None,
            price.output_per_mtok if price else None,
        )


class ExpiredKeyOut(msgspec.Struct):
    """The caller's key the factory passed over because it expired."""

    credential_id: UUID
    provider: str
    key_hint: str
    expires_at: datetime


class LlmChoiceOut(msgspec.Struct):
    reason: str
    provider: str | None = None
    model: str | None = None
    credential_id: UUID | None = None
    detail: str | None = None
    paid_by: Literal["user", "platform"] | None = None
    models: list[ReachableModelOut] = msgspec.field(default_factory=list)
    expired: ExpiredKeyOut | None = None

    @classmethod
    def of(cls, explained: LlmExplanation, models: list[GatewayModel]) -> LlmChoiceOut:
        reachable = [ReachableModelOut.of(m) for m in models]
        choice, gone = explained.choice, explained.expired
        expired = (
            None
            if gone is None
            else ExpiredKeyOut(
                gone.credential_id, gone.provider.value, f"…{gone.key_hint}", gone.expires_at
            )
        )
        if choice is None:
            return cls(
                reason=explained.reason.value,
                detail=explained.detail,
                models=reachable,
                expired=expired,
            )
        paid_by = Payer.USER if choice.credential_id else Payer.PLATFORM
        return cls(
            explained.reason.value,
            choice.provider.value,
            choice.model,
            choice.credential_id,
            explained.detail,
            paid_by=paid_by.value,
            models=reachable,
            expired=expired,
        )


class LlmCatalogController(Controller):
    path = "/api/v1/llm"
    tags = ["Providers and models"]
    opt = {"exclude_from_auth": True}
    dependencies = use_cases("list_providers")

    @get(
        "/providers",
        operation_id="ListProviders",
        summary="Providers, defaults and prices",
        operation_class=PublicOperation,
    )
    async def providers(self, list_providers: NamedDependency[ListProviders]) -> list[ProviderOut]:
        return [ProviderOut.of(offer) for offer in list_providers.execute()]


class MyLlmController(Controller):
    path = "/api/v1/users/me/llm"
    tags = ["Providers and models"]
    dependencies = {**CURRENT_USER, **use_cases("explain_llm", "list_gateway_models")}

    @get(
        "/",
        operation_id="ExplainMyLlm",
        summary="What your agents would use now and why, and every model you may use",
        description=(
            "`paid_by` says whose key serves: `user` (your credential) or `platform` (the "
            "system default). `models` lists what you may use, each with its gateway `id`, "
            "`provider`, `name` and whose key pays; the platform's key serves only the "
            "operator's allow-list."
        ),
    )
    async def explain(
        self,
        user_id: NamedDependency[UUID],
        explain_llm: NamedDependency[ExplainLlm],
        list_gateway_models: NamedDependency[ListGatewayModels],
    ) -> LlmChoiceOut:
        explained = await explain_llm.execute(user_id)
        return LlmChoiceOut.of(explained, await list_gateway_models.execute(user_id))
