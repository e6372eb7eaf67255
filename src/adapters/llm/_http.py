"""The shared outbound policy of every provider adapter: timeouts, retries, limits, error mapping.

The retry policy follows openai/openai-python ``_base_client.py``: retry 408, 409, 429 and
5xx (plus Anthropic's 529), 0.5 s doubling to 8 s, honour ``retry-after-ms`` / ``retry-after``
up to a cap and give up when the server asks for longer. Narrower than the SDK on purpose:
only connection failures that happened before a byte was sent are retried (a completion that
timed out mid-read may still be billed), 401/403 never are, and a stream never is once its
first event arrived. Every failure becomes one domain error whose message is scrubbed of keys.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import re
import ssl
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import aiohttp
import httpx
import msgspec

from adapters.llm.sse import SseEvent, SseLimitExceeded, iter_events
from domain.api_key import ApiKey
from domain.errors import (
    InvalidApiKey,
    InvalidBaseUrl,
    ModelNotFound,
    ProviderError,
    ProviderProtocolError,
    ProviderRateLimited,
    ProviderRejectedRequest,
    ProviderTimeout,
    ProviderUnavailable,
)
from domain.provider import Provider

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
ScopeFactory = Callable[[], AbstractContextManager[object]]

logger = logging.getLogger("adapters.llm")

MiB: Final = 1024 * 1024
RETRYABLE_STATUSES: Final = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
_MAX_MESSAGE_CHARS: Final = 300
_MAX_RETRY_AFTER_REPORTED: Final = 86_400.0


# --- per-call policy -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallSpec:
    """How one kind of call behaves: its retry budget and its clocks (seconds)."""

    name: str
    max_retries: int
    read_timeout: float
    deadline: float | None
    names_model: bool
    connect_timeout: float = 5.0
    write_timeout: float = 10.0
    pool_timeout: float = 10.0

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.write_timeout,
            pool=self.pool_timeout,
        )


LIST_MODELS: Final = CallSpec(
    "list_models", max_retries=2, read_timeout=10.0, deadline=20.0, names_model=False
)
COMPLETION: Final = CallSpec(
    "complete", max_retries=1, read_timeout=60.0, deadline=180.0, names_model=True
)
# A stream's deadline bounds the whole reply; the read timeout bounds each silence (stall).
STREAM: Final = CallSpec(
    "stream", max_retries=1, read_timeout=60.0, deadline=600.0, names_model=True
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff with full jitter; ``sleep`` and ``rand`` are injectable so tests never wait."""

    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 8.0
    sleep: Sleep = asyncio.sleep
    rand: Callable[[], float] = random.random

    def backoff(self, retry_number: int) -> float:
        ceiling = min(self.max_delay, self.initial_delay * 2.0 ** min(retry_number, 30))
        return ceiling * self.rand()


@dataclass(frozen=True, slots=True)
class BodyLimits:
    max_body_bytes: int = 8 * MiB
    max_event_bytes: int = 1 * MiB
    max_line_bytes: int = 1 * MiB


# --- what a provider said --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """The parts of a provider's error body that decide the mapping (all optional)."""

    message: str | None = None
    type: str | None = None
    code: str | None = None
    reason: str | None = None
    retry_delay: float | None = None


ErrorReader = Callable[[bytes], ErrorDetail | None]

_NON_RETRYABLE_429 = re.compile(r"insufficient_quota|spend[_ ]?limit|billing", re.IGNORECASE)


def _quota_exhausted(detail: ErrorDetail | None) -> bool:
    if detail is None:
        return False
    return any(
        value is not None and _NON_RETRYABLE_429.search(value)
        for value in (detail.type, detail.code, detail.message)
    )


# --- scrubbing -------------------------------------------------------------------------------

_KEYLIKE = re.compile(
    r"sk-ant-[A-Za-z0-9_\-*.…]+"
    r"|sk-[A-Za-z0-9_\-*.…]{3,}"
    r"|AIza[0-9A-Za-z_\-*.…]{6,}"
    r"|(?i:bearer)\s+\S+"
    r"|(?i:(?:api[_-]?key|x-goog-api-key|x-api-key|key)\s*[=:]\s*)[^\s&,;\"']+"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def scrub(text: str, key: ApiKey | str | None = None) -> str:
    """Remove the key, its recognisable pieces and anything key-shaped from provider text."""
    secret = key.reveal() if isinstance(key, ApiKey) else key
    if secret:
        text = text.replace(secret, "[redacted]")
        if len(secret) >= 16:
            for piece in (secret[:8], secret[-8:]):
                text = text.replace(piece, "[redacted]")
    text = _KEYLIKE.sub("[redacted]", text)
    return _CONTROL.sub(" ", text).strip()


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE_CHARS else text[: _MAX_MESSAGE_CHARS - 1] + "…"


# --- retry-after -----------------------------------------------------------------------------


def parse_retry_after(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait, from ``retry-after-ms`` or ``retry-after``."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            continue
        if math.isnan(value) or value < 0:
            continue
        return min(value / divisor, _MAX_RETRY_AFTER_REPORTED)
    raw_date = headers.get("retry-after")
    if raw_date is None:
        return None
    try:
        parsed = email.utils.parsedate_tz(raw_date)
        if parsed is None:
            return None
        when = email.utils.mktime_tz(parsed)
    except (TypeError, ValueError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


# --- mapping ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Failure:
    error: ProviderError
    retryable: bool
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class ProviderErrorMapper:
    """Turns a provider's HTTP failure into one domain error; messages scrubbed and clipped."""

    provider: str
    label: str
    reflect_messages: bool = True

    def _message(
        self, what: str, status: int | None, detail: ErrorDetail | None, key: ApiKey | None
    ) -> str:
        head = f"{self.label}: {what}" + (f" (HTTP {status})" if status is not None else "")
        if self.reflect_messages and detail is not None and detail.message:
            said = _clip(scrub(detail.message, key))
            if said:
                return f"{head}: {said}"
        return head

    def from_status(
        self,
        status: int,
        headers: httpx.Headers | None,
        detail: ErrorDetail | None,
        *,
        call: CallSpec,
        key: ApiKey | None,
    ) -> _Failure:
        retry_after = parse_retry_after(headers) if headers is not None else None
        if retry_after is None and detail is not None:
            retry_after = detail.retry_delay
        code = detail.code if detail else None
        reason = detail.reason if detail else None
        should_retry = headers.get("x-should-retry") if headers is not None else None
        retryable = status in RETRYABLE_STATUSES and should_retry != "false"

        if status in (401, 403) or reason == "API_KEY_INVALID" or code == "invalid_api_key":
            what = "the API key was rejected"
            return _Failure(
                InvalidApiKey(self.provider, self._message(what, status, detail, key)), False
            )
        if status == 404 or code == "model_not_found":
            if call.names_model:
                msg = self._message("the model was not found", status, detail, key)
                return _Failure(ModelNotFound(self.provider, msg), False)
            msg = self._message("the endpoint was not found", status, detail, key)
            return _Failure(ProviderRejectedRequest(self.provider, msg), False)
        if status == 429:
            quota = _quota_exhausted(detail)
            msg = self._message(
                "quota or spend limit exhausted" if quota else "rate limited", status, detail, key
            )
            error = ProviderRateLimited(
                self.provider, msg, retry_after=None if quota else retry_after
            )
            return _Failure(error, retryable and not quota, retry_after)
        if status == 408:
            msg = self._message("the provider timed out the request", status, detail, key)
            return _Failure(ProviderTimeout(self.provider, msg), retryable, retry_after)
        if status == 409 or status >= 500:
            msg = self._message("the provider is unavailable", status, detail, key)
            return _Failure(ProviderUnavailable(self.provider, msg), retryable, retry_after)
        if 400 <= status < 500:
            msg = self._message("the provider rejected the request", status, detail, key)
            return _Failure(ProviderRejectedRequest(self.provider, msg), False)
        if 300 <= status < 400:
            # Redirects are never followed: they could point anywhere (SSRF) and drop headers.
            msg = f"{self.label}: redirect (HTTP {status}) not followed"
            return _Failure(ProviderProtocolError(self.provider, msg), False)
        msg = f"{self.label}: unexpected HTTP status {status}"
        return _Failure(ProviderProtocolError(self.provider, msg), False)

    def from_transport(self, exc: BaseException) -> _Failure:
        kind, sent = _classify_transport(exc)
        if kind == "tls":
            msg = f"{self.label}: the TLS handshake with the provider failed"
            return _Failure(ProviderUnavailable(self.provider, msg), False)
        if kind == "connect":
            msg = f"{self.label}: could not connect to the provider"
            return _Failure(ProviderUnavailable(self.provider, msg), not sent)
        if kind == "timeout":
            msg = f"{self.label}: the provider did not answer in time"
            return _Failure(ProviderTimeout(self.provider, msg), not sent)
        msg = f"{self.label}: the connection to the provider was lost"
        return _Failure(ProviderUnavailable(self.provider, msg), False)

    def protocol(self, what: str) -> ProviderProtocolError:
        return ProviderProtocolError(self.provider, f"{self.label}: {what}")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _classify_transport(exc: BaseException) -> tuple[str, bool]:
    """(kind, request_may_have_been_sent). Looks through the cause chain because the aiohttp
    transport maps most connection errors to ``httpx.ConnectTimeout``."""
    chain = list(_chain(exc))
    if any(isinstance(e, ssl.SSLError | aiohttp.ClientSSLError) for e in chain):
        return "tls", False
    for e in chain:
        if isinstance(e, aiohttp.ConnectionTimeoutError):
            return "timeout", False
        if isinstance(e, aiohttp.ServerTimeoutError):
            return "timeout", True
        if isinstance(e, aiohttp.ClientConnectorError):
            return "connect", False
        if isinstance(e, aiohttp.ClientError):
            return "lost", True
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return "timeout", False
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timeout", True
    if isinstance(exc, httpx.ConnectError):
        return "connect", False
    return "lost", True


# --- the executor ----------------------------------------------------------------------------


@dataclass(slots=True)
class ProviderHttp:
    """Sends one provider's requests under the shared policy.

    ``scope`` wraps each send (the SSRF guard uses it to pin the checked address).
    """

    client: httpx.AsyncClient
    errors: ProviderErrorMapper
    read_error: ErrorReader
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: BodyLimits = field(default_factory=BodyLimits)

    async def get_json(
        self,
        url: str,
        decode: type[T],
        *,
        key: ApiKey,
        headers: dict[str, str],
        call: CallSpec,
        params: dict[str, str] | None = None,
        scope: ScopeFactory | None = None,
    ) -> T:
        return await self._json(
            "GET",
            url,
            decode,
            key=key,
            headers=headers,
            call=call,
            params=params,
            body=None,
            scope=scope,
        )

    async def post_json(
        self,
        url: str,
        body: object,
        decode: type[T],
        *,
        key: ApiKey,
        headers: dict[str, str],
        call: CallSpec,
        scope: ScopeFactory | None = None,
    ) -> T:
        return await self._json(
            "POST",
            url,
            decode,
            key=key,
            headers=headers,
            call=call,
            params=None,
            body=body,
            scope=scope,
        )

    async def _json(
        self,
        method: str,
        url: str,
        decode: type[T],
        *,
        key: ApiKey,
        headers: dict[str, str],
        call: CallSpec,
        params: dict[str, str] | None,
        body: object | None,
        scope: ScopeFactory | None,
    ) -> T:
        content = msgspec.json.encode(body) if body is not None else None
        attempt = 0
        while True:
            request = self._build(
                method, url, headers=headers, params=params, content=content, call=call
            )
            failure: _Failure
            try:
                async with asyncio.timeout(call.deadline):
                    with scope() if scope else nullcontext():
                        response = await self.client.send(request, stream=True)
                    try:
                        raw = await self._read_capped(response)
                    finally:
                        await response.aclose()
            except TimeoutError as exc:
                failure = self.errors.from_transport(exc)
                failure = _Failure(failure.error, False)  # the deadline is final
            except httpx.DecodingError:
                raise self.errors.protocol("the response body could not be decoded") from None
            except httpx.HTTPError as exc:
                failure = self.errors.from_transport(exc)
            else:
                self._log(method, request, response.status_code, attempt)
                if response.status_code == 200:
                    try:
                        return msgspec.json.decode(raw, type=decode)
                    except msgspec.DecodeError:
                        raise self.errors.protocol(
                            "the response body did not have the expected shape"
                        ) from None
                failure = self.errors.from_status(
                    response.status_code, response.headers, self.read_error(raw), call=call, key=key
                )
            if not await self._should_retry(failure, attempt, call):
                raise failure.error from None
            attempt += 1

    async def stream_events(
        self,
        url: str,
        body: object,
        *,
        key: ApiKey,
        headers: dict[str, str],
        call: CallSpec = STREAM,
        scope: ScopeFactory | None = None,
    ) -> AsyncGenerator[SseEvent, None]:
        """Server-sent events of a POST. Retried only until the first event arrives."""
        content = msgspec.json.encode(body)
        loop = asyncio.get_running_loop()
        deadline = None if call.deadline is None else loop.time() + call.deadline
        attempt = 0
        while True:
            request = self._build(
                "POST",
                url,
                headers={**headers, "accept": "text/event-stream"},
                params=None,
                content=content,
                call=call,
            )
            failure: _Failure
            try:
                async with asyncio.timeout_at(deadline):
                    with scope() if scope else nullcontext():
                        response = await self.client.send(request, stream=True)
            except TimeoutError as exc:
                raise self.errors.from_transport(exc).error from None
            except httpx.HTTPError as exc:
                failure = self.errors.from_transport(exc)
            else:
                self._log("POST", request, response.status_code, attempt)
                if response.status_code == 200:
                    break
                try:
                    async with asyncio.timeout_at(deadline):
                        raw = await self._read_capped(response)
                except (httpx.HTTPError, TimeoutError):
                    raw = b""
                finally:
                    await response.aclose()
                failure = self.errors.from_status(
                    response.status_code, response.headers, self.read_error(raw), call=call, key=key
                )
            if not await self._should_retry(failure, attempt, call):
                raise failure.error from None
            attempt += 1

        events = iter_events(
            response.aiter_bytes(),
            max_line_bytes=self.limits.max_line_bytes,
            max_event_bytes=self.limits.max_event_bytes,
        )
        try:
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        event = await anext(events)
                except StopAsyncIteration:
                    return
                except TimeoutError as exc:
                    raise self.errors.from_transport(exc).error from None
                except SseLimitExceeded:
                    raise self.errors.protocol("a streamed event exceeded the size limit") from None
                except httpx.DecodingError:
                    raise self.errors.protocol("the stream could not be decoded") from None
                except httpx.HTTPError as exc:
                    raise self.errors.from_transport(exc).error from None
                yield event
        finally:
            await events.aclose()
            await response.aclose()

    def _build(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        params: dict[str, str] | None,
        content: bytes | None,
        call: CallSpec,
    ) -> httpx.Request:
        all_headers = {"accept": "application/json", "accept-encoding": "identity", **headers}
        if content is not None:
            all_headers["content-type"] = "application/json"
        return self.client.build_request(
            method, url, params=params, content=content, headers=all_headers, timeout=call.timeout()
        )

    async def _read_capped(self, response: httpx.Response) -> bytes:
        limit = self.limits.max_body_bytes
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise self.errors.protocol("the response body is larger than allowed")
        buf = bytearray()
        async for chunk in response.aiter_bytes():
            buf += chunk
            if len(buf) > limit:
                raise self.errors.protocol("the response body is larger than allowed")
        return bytes(buf)

    async def _should_retry(self, failure: _Failure, attempt: int, call: CallSpec) -> bool:
        if not failure.retryable or attempt >= call.max_retries:
            return False
        wait = failure.retry_after
        if wait is not None and wait > self.retry.max_retry_after:
            return False  # the server asks for longer than we hold a caller: report, do not wait
        delay = wait if wait is not None else self.retry.backoff(attempt)
        logger.debug(
            "retrying %s call to %s in %.2fs (retry %d of %d)",
            call.name,
            self.errors.provider,
            delay,
            attempt + 1,
            call.max_retries,
        )
        await self.retry.sleep(delay)
        return True

    def _log(self, method: str, request: httpx.Request, status: int, attempt: int) -> None:
        # Path only: no query string, no headers. Keys never travel in URLs anyway.
        logger.debug(
            "%s %s %s -> %d (attempt %d)",
            self.errors.provider,
            method,
            request.url.path,
            status,
            attempt + 1,
        )


def decode_error(body: bytes, shape: type[Any]) -> Any | None:
    """Best-effort decode of an error body; ``None`` when it is not the expected JSON."""
    if not body:
        return None
    try:
        return msgspec.json.decode(body, type=shape)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None


def refuse_user_base_url(base_url: str | None, provider: Provider) -> None:
    """Official providers go only to the operator's configured URL, never to a user's."""
    if base_url is not None:
        raise InvalidBaseUrl(
            f"base_url is accepted only for openai_compatible, not {provider.value}"
        )
