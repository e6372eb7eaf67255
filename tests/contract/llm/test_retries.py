"""Which failures are retried, how often and after what wait."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from domain.errors import (
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from tests.support.fake_http_api import raises, reply
from tests.support.llm_contract import (
    Case,
    Harness,
)


async def test_rate_limit_honours_retry_after_once_then_reports_it(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.rate_limited)
    with pytest.raises(ProviderRateLimited) as caught:
        await h.complete()
    assert caught.value.retry_after == pytest.approx(2.0)
    assert len(h.api.requests) == 2  # one completion retry at most
    assert h.sleeps == [pytest.approx(2.0)]


async def test_rate_limit_on_list_models_is_retried_at_most_twice(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.rate_limited)
    with pytest.raises(ProviderRateLimited):
        await h.list_models()
    assert len(h.api.requests) == 3
    assert h.sleeps == [pytest.approx(2.0), pytest.approx(2.0)]


async def test_rate_limit_then_success_returns_the_completion(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.rate_limited, case.completion)
    assert (await h.complete()).text == "Hello there"
    assert len(h.api.requests) == 2


async def test_exhausted_quota_or_spend_limit_is_not_retried(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.quota_exhausted)
    with pytest.raises(ProviderRateLimited):
        await h.complete()
    assert len(h.api.requests) == 1
    assert h.sleeps == []


async def test_server_errors_are_retried_with_backoff_then_unavailable(
    harness: Callable[..., Harness], case: Case
) -> None:
    for status in case.server_errors:
        h = harness(case.server_error(status))
        with pytest.raises(ProviderUnavailable):
            await h.complete()
        assert len(h.api.requests) == 2, status
        assert h.sleeps == [pytest.approx(0.25)]  # full jitter of 0.5 s, rand = 0.5

        h = harness(case.server_error(status))
        with pytest.raises(ProviderUnavailable):
            await h.list_models()
        assert len(h.api.requests) == 3, status
        assert h.sleeps == [pytest.approx(0.25), pytest.approx(0.5)]  # doubling


async def test_a_stream_is_retried_before_its_first_event(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(case.server_error(503), case.stream)
    chunks = await h.stream()
    assert "".join(c.delta for c in chunks) == "Hello there"
    assert len(h.api.requests) == 2


async def test_a_read_timeout_is_provider_timeout_and_not_retried(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(raises(httpx.ReadTimeout))
    with pytest.raises(ProviderTimeout):
        await h.complete()
    assert len(h.api.requests) == 1


async def test_a_connect_timeout_is_retried_then_provider_timeout(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(raises(httpx.ConnectTimeout))
    with pytest.raises(ProviderTimeout):
        await h.complete()
    assert len(h.api.requests) == 2


async def test_a_refused_connection_is_retried_then_unavailable(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(raises(httpx.ConnectError))
    with pytest.raises(ProviderUnavailable):
        await h.list_models()
    assert len(h.api.requests) == 3


async def test_a_retry_after_beyond_the_cap_is_reported_not_waited(
    harness: Callable[..., Harness], case: Case
) -> None:
    h = harness(reply(429, b"{}", {"retry-after": "30"}))
    with pytest.raises(ProviderRateLimited) as caught:
        await h.complete()
    assert caught.value.retry_after == pytest.approx(30.0)
    assert len(h.api.requests) == 1
    assert h.sleeps == []


async def test_retry_after_ms_is_honoured(harness: Callable[..., Harness], case: Case) -> None:
    h = harness(reply(503, b"{}", {"retry-after-ms": "1250"}), case.completion)
    assert (await h.complete()).text == "Hello there"
    assert h.sleeps == [pytest.approx(1.25)]
