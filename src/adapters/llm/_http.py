"""The shared outbound policy of every provider adapter: timeouts, retries, limits.

The retry policy follows openai/openai-python ``_base_client.py``: retry 408, 409, 429 and
5xx (plus Anthropic's 529), 0.5 s doubling to 8 s, honour ``retry-after-ms`` / ``retry-after``
up to a cap and give up when the server asks for longer. Narrower than the SDK on purpose:
only connection failures that happened before a byte was sent are retried (a completion that
timed out mid-read may still be billed), 401/403 never are, and a stream never is once its
first event arrived. Every failure becomes one domain error (``_errors``), scrubbed of keys.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Final, TypeVar

import httpx
import msgspec

from adapters.llm._errors import ErrorReader, Failure, ProviderErrorMapper
from adapters.llm.sse import SseEvent, SseLimitExceeded, SseStreamTooLarge, iter_events
from domain.api_key import ApiKey

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
ScopeFactory = Callable[[], AbstractContextManager[object]]

logger = logging.getLogger("adapters.llm")

MiB: Final = 1024 * 1024


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
    "complete", max_retries=1, read_timeout=60.0, deadline=120.0, names_model=True
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
    """Bytes read from one response: a JSON body, one streamed line or event, a whole stream.

    A stream past ``max_stream_bytes`` ends like a broken one (``ProviderProtocolError`` after
    the events that fit): a user's own compatible server could otherwise stream gigabytes."""

    max_body_bytes: int = 8 * MiB
    max_event_bytes: int = 1 * MiB
    max_line_bytes: int = 1 * MiB
    max_stream_bytes: int = 8 * MiB


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
            failure: Failure
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
                failure = Failure(failure.error, False)  # the deadline is final
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
            failure: Failure
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
                if response.status_code == 200 and not _is_json(response):
                    break
                try:
                    async with asyncio.timeout_at(deadline):
                        raw = await self._read_capped(response)
                except (httpx.HTTPError, TimeoutError):
                    raw = b""
                finally:
                    await response.aclose()
                if response.status_code == 200:
                    # A server that ignored ``stream: true`` and answered with one JSON body.
                    raise self.errors.protocol("expected an event stream, got a JSON body")
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
            max_stream_bytes=self.limits.max_stream_bytes,
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
                except SseStreamTooLarge:
                    raise self.errors.protocol("the stream exceeded the size limit") from None
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

    async def _should_retry(self, failure: Failure, attempt: int, call: CallSpec) -> bool:
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


def _is_json(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().endswith("json")
