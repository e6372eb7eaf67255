"""The metered provider counts every call once, by provider, operation and outcome, and changes
nothing about what the provider it wraps returns or raises."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client import CollectorRegistry

from adapters.llm.openai import OpenAiProvider
from adapters.metrics import KeyringMetrics, MeteredProviderRegistry, ProviderMetrics
from adapters.metrics.provider_metrics import MeteredLlmProvider
from domain.api_key import ApiKey
from domain.errors import InvalidBaseUrl, ProviderRateLimited, ProviderUnavailable
from domain.llm import ChatMessage, CompletionRequest, Role
from domain.provider import Provider
from tests.support.fakes import FakeProviderRegistry

KEY = "sk-proj-" + "m" * 40
REQUEST = CompletionRequest(model="model-a", messages=(ChatMessage(Role.USER, "hi"),))


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def fakes() -> FakeProviderRegistry:
    fakes = FakeProviderRegistry()
    fakes.accept(Provider.OPENAI, KEY)
    fakes.get(Provider.OPENAI).reply = "one two three"
    return fakes


def metered(fakes: FakeProviderRegistry, registry: CollectorRegistry) -> MeteredProviderRegistry:
    return MeteredProviderRegistry(fakes, ProviderMetrics.for_registry(registry))


def calls(registry: CollectorRegistry, operation: str, outcome: str) -> float:
    labels = {"provider": "openai", "operation": operation, "outcome": outcome}
    return registry.get_sample_value("byom_provider_calls_total", labels) or 0.0


def errors(registry: CollectorRegistry, operation: str, outcome: str) -> float:
    labels = {"provider": "openai", "operation": operation, "outcome": outcome}
    return registry.get_sample_value("byom_provider_errors_total", labels) or 0.0


async def test_successful_calls_are_counted_and_timed_by_operation(
    fakes: FakeProviderRegistry, registry: CollectorRegistry
) -> None:
    provider = metered(fakes, registry).get(Provider.OPENAI)

    models = await provider.list_models(ApiKey(KEY))
    completion = await provider.complete(ApiKey(KEY), REQUEST)
    chunks = [c async for c in provider.stream(ApiKey(KEY), REQUEST)]

    assert [m.id for m in models] == ["model-a", "model-b"]
    assert completion.text == "one two three"
    assert "".join(c.delta for c in chunks) == "one two three"
    for operation in ("list_models", "complete", "stream"):
        assert calls(registry, operation, "ok") == 1
        labels = {"provider": "openai", "operation": operation, "outcome": "ok"}
        assert registry.get_sample_value("byom_provider_call_duration_seconds_count", labels) == 1
    assert (
        registry.get_sample_value(
            "byom_provider_stream_first_chunk_seconds_count", {"provider": "openai"}
        )
        == 1
    )
    assert errors(registry, "complete", "ok") == 0


async def test_a_provider_error_is_counted_by_its_code_and_raised_unchanged(
    fakes: FakeProviderRegistry, registry: CollectorRegistry
) -> None:
    failure = ProviderRateLimited("openai", "slow down", retry_after=3)
    fakes.get(Provider.OPENAI).fail_with = failure
    provider = metered(fakes, registry).get(Provider.OPENAI)

    with pytest.raises(ProviderRateLimited) as raised:
        await provider.complete(ApiKey(KEY), REQUEST)

    assert raised.value is failure
    assert calls(registry, "complete", "provider-rate-limited") == 1
    assert errors(registry, "complete", "provider-rate-limited") == 1
    assert calls(registry, "complete", "ok") == 0


async def test_a_wrong_key_is_counted_as_invalid_api_key(
    fakes: FakeProviderRegistry, registry: CollectorRegistry
) -> None:
    provider = metered(fakes, registry).get(Provider.OPENAI)
    with pytest.raises(Exception, match="invalid"):
        await provider.list_models(ApiKey("sk-proj-" + "w" * 40))
    assert errors(registry, "list_models", "invalid-api-key") == 1


async def test_a_stream_dropped_mid_reply_is_an_error_after_the_pieces_that_arrived(
    fakes: FakeProviderRegistry, registry: CollectorRegistry
) -> None:
    fakes.get(Provider.OPENAI).drop_stream_after = 2
    provider = metered(fakes, registry).get(Provider.OPENAI)
    received: list[str] = []

    async def consume() -> None:
        async for chunk in provider.stream(ApiKey(KEY), REQUEST):
            received.append(chunk.delta)

    with pytest.raises(ProviderUnavailable, match="dropped"):
        await consume()
    assert received == ["one", " two"]
    assert errors(registry, "stream", "provider-unavailable") == 1
    assert calls(registry, "stream", "ok") == 0


async def test_a_stream_the_caller_leaves_early_is_closed_early_not_ok(
    fakes: FakeProviderRegistry, registry: CollectorRegistry
) -> None:
    provider = metered(fakes, registry).get(Provider.OPENAI)
    stream = provider.stream(ApiKey(KEY), REQUEST)
    first = await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]
    assert first.delta == "one"
    assert calls(registry, "stream", "closed-early") == 1
    assert calls(registry, "stream", "ok") == 0


async def test_a_cancelled_call_is_counted_as_cancelled(
    fakes: FakeProviderRegistry, registry: CollectorRegistry
) -> None:
    class Hanging:
        async def complete(self, *args: object, **kwargs: object) -> None:
            await asyncio.Event().wait()

    fakes.by_provider[Provider.OPENAI] = Hanging()  # type: ignore[assignment]
    provider = metered(fakes, registry).get(Provider.OPENAI)
    task = asyncio.ensure_future(provider.complete(ApiKey(KEY), REQUEST))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls(registry, "complete", "cancelled") == 1


def test_the_registry_wraps_whatever_client_the_inner_registry_now_holds(
    fakes: FakeProviderRegistry, registry: CollectorRegistry
) -> None:
    wrapped = metered(fakes, registry)
    first = wrapped.get(Provider.OPENAI)
    assert wrapped.get(Provider.OPENAI) is first
    fakes.by_provider[Provider.OPENAI] = type(fakes.get(Provider.OPENAI))("openai")
    assert wrapped.get(Provider.OPENAI) is not first


def test_one_set_of_instruments_per_registry() -> None:
    registry = CollectorRegistry()
    assert ProviderMetrics.for_registry(registry) is ProviderMetrics.for_registry(registry)
    assert KeyringMetrics.for_registry(registry) is KeyringMetrics.for_registry(registry)


def test_the_census_shows_every_master_key_and_which_is_primary() -> None:
    registry = CollectorRegistry()
    keyring = KeyringMetrics.for_registry(registry)
    keyring.record_census({"k1": 5, "gone": 2}, ("k2", "k1"), "k2")
    keyring.record_census({"k1": 2, "k2": 3}, ("k2", "k1"), "k2")

    def gauge(key_id: str, primary: str) -> float | None:
        labels = {"master_key_id": key_id, "primary": primary}
        return registry.get_sample_value("byom_data_keys", labels)

    assert gauge("k2", "true") == 3
    assert gauge("k1", "false") == 2
    assert gauge("gone", "false") is None  # not left over from the previous scrape


async def test_a_stream_refused_when_it_is_called_is_counted(registry: CollectorRegistry) -> None:
    """OpenAI's adapter refuses a user's base URL when its stream is called, before any read."""
    async with httpx.AsyncClient() as client:
        provider = MeteredLlmProvider(
            OpenAiProvider(client), Provider.OPENAI, ProviderMetrics.for_registry(registry)
        )
        with pytest.raises(InvalidBaseUrl):
            [c async for c in provider.stream(ApiKey(KEY), REQUEST, base_url="http://x.test")]
    assert errors(registry, "stream", InvalidBaseUrl.code) == 1
