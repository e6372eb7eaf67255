"""The shared policy's pieces: retry-after parsing, backoff, scrubbing, error mapping."""

from __future__ import annotations

import email.utils
from collections.abc import Callable

import httpx
import msgspec
import pytest

from adapters.llm._errors import ErrorDetail, ProviderErrorMapper, parse_retry_after
from adapters.llm._policy import COMPLETION, LIST_MODELS, RetryPolicy
from adapters.llm._scrub import scrub
from adapters.llm._urls import parsed_url
from adapters.llm._wire import finish_reason
from adapters.llm.anthropic import read_anthropic_error
from adapters.llm.gemini import read_gemini_error
from adapters.llm.openai import read_openai_error
from domain.api_key import ApiKey
from domain.errors import (
    InvalidApiKey,
    ModelNotFound,
    ProviderProtocolError,
    ProviderRateLimited,
    ProviderRejectedRequest,
    ProviderTimeout,
    ProviderUnavailable,
)
from domain.llm import FinishReason
from tests.support.wire import gemini

MAPPER = ProviderErrorMapper("openai", "OpenAI")


def headers(**values: str) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in values.items()})


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert parse_retry_after(headers(retry_after_ms="1500", retry_after="9")) == 1.5


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    assert parse_retry_after(headers(retry_after="3")) == 3.0
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(headers(retry_after=date), now=1_000_000) == pytest.approx(30.0)


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", ""])
def test_unusable_retry_after_values_are_ignored(raw: str) -> None:
    assert parse_retry_after(headers(retry_after=raw)) is None


def test_backoff_doubles_from_half_a_second_to_eight_with_full_jitter() -> None:
    top = RetryPolicy(rand=lambda: 1.0)
    assert [top.backoff(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert RetryPolicy(rand=lambda: 0.0).backoff(3) == 0.0


def test_scrub_removes_the_key_its_pieces_and_anything_key_shaped() -> None:
    key = ApiKey("sk-canary-0123456789abcdef0123")
    text = (
        "Incorrect API key provided: sk-canary-0123456789abcdef0123. Also sk-proj-****abcd, "
        "sk-ant-api03-XYZ, AIzaSyA1234567890abcdefg, Bearer tok123, ?key=AIzaZZZZZZZZZZ, "
        "ends 89abcdef0123"
    )
    cleaned = scrub(text, key)
    for secret in ("sk-canary", "89abcdef0123"[-8:], "sk-proj", "sk-ant", "AIza", "tok123"):
        assert secret not in cleaned
    assert cleaned.startswith("Incorrect API key provided: [redacted]")


def test_scrub_leaves_ordinary_words_alone() -> None:
    assert scrub("the task-force asked: risk-free?") == "the task-force asked: risk-free?"


def test_scrub_removes_control_characters() -> None:
    assert scrub("line\r\nInjected: header\x00") == "line Injected: header"


@pytest.mark.parametrize(
    ("status", "detail", "error", "retryable"),
    [
        (401, None, InvalidApiKey, False),
        (403, None, InvalidApiKey, False),
        (400, ErrorDetail(reason="API_KEY_INVALID"), InvalidApiKey, False),
        (404, None, ModelNotFound, False),
        (400, ErrorDetail(code="model_not_found"), ModelNotFound, False),
        (429, None, ProviderRateLimited, True),
        (429, ErrorDetail(code="insufficient_quota"), ProviderRateLimited, False),
        (408, None, ProviderTimeout, True),
        (409, None, ProviderUnavailable, True),
        (500, None, ProviderUnavailable, True),
        (502, None, ProviderUnavailable, True),
        (503, None, ProviderUnavailable, True),
        (504, None, ProviderUnavailable, True),
        (529, None, ProviderUnavailable, True),
        (501, None, ProviderUnavailable, False),
        (400, None, ProviderRejectedRequest, False),
        (413, None, ProviderRejectedRequest, False),
        (302, None, ProviderProtocolError, False),
    ],
)
def test_status_mapping(
    status: int, detail: ErrorDetail | None, error: type[Exception], retryable: bool
) -> None:
    failure = MAPPER.from_status(status, httpx.Headers(), detail, call=COMPLETION, key=None)
    assert type(failure.error) is error
    assert failure.retryable is retryable


def test_a_404_on_the_models_list_is_not_a_missing_model() -> None:
    failure = MAPPER.from_status(404, httpx.Headers(), None, call=LIST_MODELS, key=None)
    assert type(failure.error) is ProviderRejectedRequest


def test_the_server_can_veto_a_retry() -> None:
    failure = MAPPER.from_status(
        503, headers(x_should_retry="false"), None, call=COMPLETION, key=None
    )
    assert not failure.retryable


def test_gemini_retry_info_is_used_when_there_is_no_header() -> None:
    detail = ErrorDetail(retry_delay=7.0)
    failure = MAPPER.from_status(429, httpx.Headers(), detail, call=COMPLETION, key=None)
    assert isinstance(failure.error, ProviderRateLimited)
    assert failure.error.retry_after == 7.0


def test_messages_are_clipped_and_name_the_provider() -> None:
    detail = ErrorDetail(message="x" * 1000)
    failure = MAPPER.from_status(400, httpx.Headers(), detail, call=COMPLETION, key=None)
    assert failure.error.provider == "openai"
    assert str(failure.error).startswith("OpenAI: ")
    assert len(str(failure.error)) < 400


def test_an_unreflecting_mapper_keeps_upstream_text_out() -> None:
    mapper = ProviderErrorMapper("openai_compatible", "OpenAI-compatible", reflect_messages=False)
    detail = ErrorDetail(message="internal banner: redis 7.2")
    failure = mapper.from_status(400, httpx.Headers(), detail, call=COMPLETION, key=None)
    assert "banner" not in str(failure.error)


def test_a_finish_reason_maps_through_its_providers_table_missing_is_stop_unknown_other() -> None:
    table = {"end_turn": FinishReason.STOP, "max_tokens": FinishReason.LENGTH}
    assert finish_reason(table, "max_tokens") is FinishReason.LENGTH
    assert finish_reason(table, None) is FinishReason.STOP
    assert finish_reason(table, "a_reason_added_next_year") is FinishReason.OTHER


@pytest.mark.parametrize(
    ("reader", "body", "expected"),
    [
        (
            read_openai_error,
            b'{"error": {"message": "m", "type": "t", "code": 7}}',
            ErrorDetail(message="m", type="t", code="7"),
        ),
        (
            read_anthropic_error,
            b'{"type": "error", "error": {"type": "t", "message": "m"}}',
            ErrorDetail(message="m", type="t"),
        ),
        (
            read_gemini_error,
            b'{"error": {"code": 429, "message": "m", "status": "RESOURCE_EXHAUSTED", "details":'
            b' [{"reason": "R"}, {"retryDelay": "1.5s"}]}}',
            ErrorDetail(message="m", type="RESOURCE_EXHAUSTED", reason="R", retry_delay=1.5),
        ),
    ],
)
def test_each_providers_error_envelope_is_read_and_anything_else_is_none(
    reader: Callable[[bytes], ErrorDetail | None], body: bytes, expected: ErrorDetail
) -> None:
    assert reader(body) == expected
    assert reader(b"<html>502</html>") is None
    assert reader(b"") is None


def test_a_gemini_rate_limit_with_retry_info_is_a_rate_limit_with_its_delay() -> None:
    """Issue 13, item 9: Gemini says "check your plan and billing details" on every 429; the
    RetryInfo it adds to a per-minute limit is what tells it from a spent quota."""
    mapper = ProviderErrorMapper("google", "Google Gemini")
    body = msgspec.json.encode(gemini.rate_limited("17s"))
    failure = mapper.from_status(
        429, httpx.Headers(), read_gemini_error(body), call=COMPLETION, key=None
    )
    assert isinstance(failure.error, ProviderRateLimited)
    assert "rate limited" in str(failure.error)
    assert "quota or spend limit exhausted" not in str(failure.error)
    assert failure.error.retry_after == 17.0
    assert failure.retryable
    assert failure.retry_after == 17.0


def test_a_spent_gemini_quota_is_still_reported_as_exhausted_and_not_retried() -> None:
    mapper = ProviderErrorMapper("google", "Google Gemini")
    body = msgspec.json.encode(gemini.quota_exhausted())
    failure = mapper.from_status(
        429, httpx.Headers(), read_gemini_error(body), call=COMPLETION, key=None
    )
    assert isinstance(failure.error, ProviderRateLimited)
    assert "quota or spend limit exhausted" in str(failure.error)
    assert failure.error.retry_after is None
    assert not failure.retryable


def test_a_base_url_is_parsed_once_but_one_with_credentials_is_never_kept() -> None:
    plain = "https://api.example.test/v1/chat/completions"
    assert parsed_url(plain) is parsed_url(plain)
    assert str(parsed_url(plain)) == plain
    secret = "https://me:hunter2-secret@llm.example.test/v1/chat/completions"
    assert parsed_url(secret) is not parsed_url(secret)
    assert parsed_url(secret).password == "hunter2-secret"
