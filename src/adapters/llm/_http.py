"""The shared outbound policy of every provider adapter: timeouts, retries, limits.

The retry policy follows openai/openai-python ``_base_client.py``: retry 408, 409, 429 and
5xx (plus Anthropic's 529), 0.5 s doubling to 8 s, honour ``retry-after-ms`` / ``retry-after``
up to a cap and give up when the server asks for longer. Narrower than the SDK on purpose:
only connection failures that happened before a byte was sent are retried (a completion that
timed out mid-read may still be billed), 401/403 never are, and a stream never is once its
first event arrived. Every failure becomes one domain error (``_errors``), scrubbed of keys.

One loop (``ProviderHttp._open``) sends and retries until a 200 arrives; the JSON calls read
that response whole, the stream iterates it. Both run under one deadline (``CallSpec``).
Bodies are read as sent, never decompressed (``_bodies``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import msgspec

from adapters.llm._bodies import COMPRESSED, close_response, is_compressed, is_json, read_capped
from adapters.llm._errors import ErrorReader, Failure, ProviderErrorMapper
from adapters.llm._event_reader import EventReader
from adapters.llm._policy import STREAM, BodyLimits, CallSpec, Deadline, RetryPolicy
from adapters.llm._urls import parsed_url
from adapters.llm.sse import SseEvent
from domain.api_key import ApiKey

T = TypeVar("T")
ScopeFactory = Callable[[], AbstractContextManager[object]]
RequestFactory = Callable[[], httpx.Request]

logger = logging.getLogger("adapters.llm")
_OUR_HEADERS = {"accept": "application/json", "accept-encoding": "identity"}


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
    # The client's headers, read once, here: httpx's ``Headers`` decodes them on every read.
    _defaults: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._defaults = {**self.client.headers, **_OUR_HEADERS}

    async def request_json(
        self,
        method: str,
        url: str,
        decode: type[T],
        *,
        key: ApiKey,
        headers: dict[str, str],
        call: CallSpec,
        body: object | None = None,
        params: dict[str, str] | None = None,
        scope: ScopeFactory | None = None,
    ) -> T:
        """The reply to one request, read whole (up to the body limit) and decoded."""
        content = None if body is None else msgspec.json.encode(body)
        request = self._request(method, url, headers, content=content, params=params, call=call)
        deadline = Deadline.start(call.deadline, self.retry.clock)
        try:
            async with deadline.timeout():
                response = await self._open(request, scope, key=key, call=call, deadline=deadline)
                try:
                    raw = await self._read_capped(response)
                finally:
                    await close_response(response)
                deadline.check()
        except TimeoutError as exc:
            raise self.errors.from_transport(exc).error from None  # the deadline is final
        except httpx.HTTPError as exc:
            raise self.errors.from_transport(exc).error from None  # the read's: never retried
        try:
            return msgspec.json.decode(raw, type=decode)
        except msgspec.DecodeError:
            raise self.errors.protocol(
                "the response body did not have the expected shape"
            ) from None

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
        deadline = Deadline.start(call.deadline, self.retry.clock)
        headers = {**headers, "accept": "text/event-stream"}
        content = msgspec.json.encode(body)
        request = self._request("POST", url, headers, content=content, params=None, call=call)
        try:
            async with deadline.timeout():
                response = await self._open(request, scope, key=key, call=call, deadline=deadline)
        except TimeoutError as exc:
            raise self.errors.from_transport(exc).error from None  # the deadline is final
        if is_json(response):
            await close_response(response)
            # A server that ignored ``stream: true`` and answered with one JSON body.
            raise self.errors.protocol("expected an event stream, got a JSON body")
        reader = EventReader(
            response,
            limits=self.limits,
            errors=self.errors,
            deadline=deadline,
            idle=call.event_idle,
        )
        try:
            while (batch := await reader.batch()) is not None:
                for event in batch:
                    yield event
                    if deadline.passed():  # the caller held this event past the deadline
                        raise self.errors.from_transport(TimeoutError()).error
        finally:
            try:
                await reader.aclose()
            finally:
                await close_response(response)

    async def _open(
        self,
        request: RequestFactory,
        scope: ScopeFactory | None,
        *,
        key: ApiKey,
        call: CallSpec,
        deadline: Deadline,
    ) -> httpx.Response:
        """Sends ``request`` until a 200 arrives and returns it open, its body unread.

        Any other answer is read for its error, closed, and retried as the policy allows;
        what cannot be retried is raised as its domain error. Run under the call's deadline
        (``Deadline.timeout``), by the caller: one timer for the sends, the reads of error
        bodies and the waits between them (a timer per step was 4% of a call's CPU)."""
        attempt = 0
        while True:
            deadline.check()
            sent = request()
            failure: Failure
            try:
                with scope() if scope else nullcontext():
                    response = await self.client.send(sent, stream=True)
            except httpx.HTTPError as exc:
                failure = self.errors.from_transport(exc)
            else:
                # Path only: no query string, no headers. Keys never travel in URLs anyway.
                logger.debug(
                    "%s %s %s -> %d (attempt %d)",
                    self.errors.provider,
                    sent.method,
                    sent.url.path,
                    response.status_code,
                    attempt + 1,
                )
                if deadline.passed():  # the answer itself came too late: never read
                    await close_response(response)
                    raise TimeoutError
                if response.status_code == 200:
                    if is_compressed(response):
                        await close_response(response)
                        raise self.errors.protocol(COMPRESSED)
                    return response
                try:
                    # A compressed error body is not read: the status says enough.
                    raw = b"" if is_compressed(response) else await self._read_capped(response)
                except httpx.HTTPError:
                    raw = b""  # the status decides; an unreadable error body says nothing more
                finally:
                    await close_response(response)
                failure = self.errors.from_status(
                    response.status_code, response.headers, self.read_error(raw), call=call, key=key
                )
            if not await self._should_retry(failure, attempt, call, deadline):
                try:
                    raise failure.error from None
                finally:
                    del failure  # else a cycle: the error's traceback holds this frame
            attempt += 1

    def _request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        content: bytes | None,
        params: dict[str, str] | None,
        call: CallSpec,
    ) -> RequestFactory:
        """A fresh request for each attempt: a sent request is spent. Made as the client's
        ``build_request`` would, without merging its cookies (it keeps none), query parameters
        and base URL (it has neither) into every request: half of building one."""
        headers = {**self._defaults, **headers}
        if content is not None:
            headers["content-type"] = "application/json"
        parsed, timeout = parsed_url(url), call.timeout().as_dict()
        return lambda: httpx.Request(
            method,
            parsed,
            params=params,
            content=content,
            headers=headers,
            extensions={"timeout": timeout},
        )

    async def _read_capped(self, response: httpx.Response) -> bytes:
        return await read_capped(response, self.limits.max_body_bytes, self.errors)

    async def _should_retry(
        self, failure: Failure, attempt: int, call: CallSpec, deadline: Deadline
    ) -> bool:
        if not failure.retryable or attempt >= call.max_retries:
            return False
        wait = failure.retry_after
        if wait is not None and wait > self.retry.max_retry_after:
            return False  # the server asks for longer than we hold a caller: report, do not wait
        delay = wait if wait is not None else self.retry.backoff(attempt)
        left = deadline.left()
        if left is not None and delay >= left:
            return False  # the call would be over before the retry began: report, do not wait
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
