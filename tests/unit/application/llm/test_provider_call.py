"""``ProviderCall``: one pipeline for a whole reply and a streamed one, failures translated in
both, and what to keep left to the use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID, uuid4

import pytest

from adapters.ids import UuidV7Generator
from adapters.persistence.memory.database import MemoryDatabase
from application.budgets._spend_guard import Spend
from application.credentials._events import CredentialEvents
from application.llm._provider_call import ProviderCall
from application.llm._provider_failures import ProviderFailures
from application.llm.resolve_llm import ResolvedLlm
from domain.api_key import ApiKey
from domain.errors import InvalidApiKey, ProviderCallFailed, ProviderRateLimited
from domain.gateway_token import GatewayToken
from domain.llm import ChatMessage, CompletionRequest, Reply, Role, Usage
from domain.provider import Provider
from domain.resolution import LlmChoice, ResolutionReason
from tests.support.fakes import FakeClock, FakeLlmProvider

KEY = "sk-proj-provider-call-key-0001"


@dataclass(frozen=True, slots=True)
class Call:
    user_id: UUID
    llm: ResolvedLlm
    request: CompletionRequest
    token: GatewayToken | None = None


@dataclass
class Keeper:
    """What the use case keeps: here, the calls it was handed and what they brought."""

    kept: list[tuple[Call, str, Usage | None]] = field(default_factory=list)

    async def keep(self, call: Call, reply: Reply, usage: Usage | None, spend: Spend) -> str:
        text = reply.text
        self.kept.append((call, text, usage))
        return f"kept {len(text)} characters"


def call_on(provider: FakeLlmProvider) -> Call:
    choice = LlmChoice(Provider.OPENAI, "model-a", None, ResolutionReason.SYSTEM_DEFAULT)
    llm = ResolvedLlm(choice, provider, ApiKey(KEY))
    request = CompletionRequest("model-a", (ChatMessage(Role.USER, "hi"),))
    return Call(uuid4(), llm, request)


def pipeline(keeper: Keeper) -> ProviderCall[Call, str]:
    clock = FakeClock()
    failures = ProviderFailures(
        MemoryDatabase().unit_of_work, clock, CredentialEvents(UuidV7Generator(), clock)
    )
    return ProviderCall(failures, keeper.keep)


async def test_a_whole_reply_is_kept_with_its_usage() -> None:
    keeper, call = Keeper(), call_on(FakeLlmProvider("openai", {KEY}))

    completion, kept = await pipeline(keeper).complete(call)

    assert completion.text == "Hello from the fake model."
    assert kept == "kept 26 characters"
    assert keeper.kept == [(call, "Hello from the fake model.", Usage(12, 5))]


async def test_a_streamed_reply_is_prepared_only_when_started_and_kept_when_finished() -> None:
    keeper, call = Keeper(), call_on(FakeLlmProvider("openai", {KEY}))
    prepared: list[Call] = []

    async def prepare() -> Call:
        prepared.append(call)
        return call

    stream = pipeline(keeper).stream(prepare)
    assert prepared == []
    async with stream:
        assert "".join([text async for text in stream]) == "Hello from the fake model."

    assert prepared == [call]
    assert stream.result == "kept 26 characters"
    assert keeper.kept == [(call, "Hello from the fake model.", Usage(12, 5))]


@pytest.mark.parametrize("streamed", [False, True])
async def test_provider_failures_are_translated_the_same_way_whole_or_streamed(
    streamed: bool,
) -> None:
    refusing = FakeLlmProvider("openai", {KEY}, fail_with=InvalidApiKey("openai", "no"))
    limited = FakeLlmProvider("openai", {KEY}, fail_with=ProviderRateLimited("openai", "slow"))
    keeper = Keeper()

    async def attempt(call: Call) -> None:
        if streamed:

            async def prepare() -> Call:
                return call

            await pipeline(keeper).stream(prepare).start()
        else:
            await pipeline(keeper).complete(call)

    with pytest.raises(ProviderCallFailed, match="system default key"):
        await attempt(call_on(refusing))
    with pytest.raises(ProviderRateLimited):
        await attempt(call_on(limited))
    assert keeper.kept == [], "a failure before any text keeps nothing"
