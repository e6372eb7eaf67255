"""Mapping of provider HTTP failures to the domain errors of PROVIDERS.md, and the readers of
provider bodies every adapter shares (error envelopes, finish reasons)."""

from __future__ import annotations

import email.utils
import math
import re
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar

import aiohttp
import httpx
import msgspec

from adapters.llm._scrub import clip, scrub
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
from domain.llm import FinishReason
from domain.provider import Provider

B = TypeVar("B")
B_co = TypeVar("B_co", covariant=True)

RETRYABLE_STATUSES: Final = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
_MAX_RETRY_AFTER_REPORTED: Final = 86_400.0


class CallKind(Protocol):
    """What the mapper needs to know about the call that failed."""

    @property
    def name(self) -> str: ...

    @property
    def names_model(self) -> bool: ...


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
class Failure:
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
            said = clip(scrub(detail.message, key))
            if said:
                return f"{head}: {said}"
        return head

    def from_status(
        self,
        status: int,
        headers: httpx.Headers | None,
        detail: ErrorDetail | None,
        *,
        call: CallKind,
        key: ApiKey | None,
    ) -> Failure:
        retry_after = parse_retry_after(headers) if headers is not None else None
        if retry_after is None and detail is not None:
            retry_after = detail.retry_delay
        code = detail.code if detail else None
        reason = detail.reason if detail else None
        should_retry = headers.get("x-should-retry") if headers is not None else None
        retryable = status in RETRYABLE_STATUSES and should_retry != "false"

        if status in (401, 403) or reason == "API_KEY_INVALID" or code == "invalid_api_key":
            what = "the API key was rejected"
            return Failure(
                InvalidApiKey(self.provider, self._message(what, status, detail, key)), False
            )
        if status == 404 or code == "model_not_found":
            if call.names_model:
                msg = self._message("the model was not found", status, detail, key)
                return Failure(ModelNotFound(self.provider, msg), False)
            msg = self._message("the endpoint was not found", status, detail, key)
            return Failure(ProviderRejectedRequest(self.provider, msg), False)
        if status == 429:
            quota = _quota_exhausted(detail)
            msg = self._message(
                "quota or spend limit exhausted" if quota else "rate limited", status, detail, key
            )
            error = ProviderRateLimited(
                self.provider, msg, retry_after=None if quota else retry_after
            )
            return Failure(error, retryable and not quota, retry_after)
        if status == 408:
            msg = self._message("the provider timed out the request", status, detail, key)
            return Failure(ProviderTimeout(self.provider, msg), retryable, retry_after)
        if status == 409 or status >= 500:
            msg = self._message("the provider is unavailable", status, detail, key)
            return Failure(ProviderUnavailable(self.provider, msg), retryable, retry_after)
        if 400 <= status < 500:
            msg = self._message("the provider rejected the request", status, detail, key)
            return Failure(ProviderRejectedRequest(self.provider, msg), False)
        if 300 <= status < 400:
            # Redirects are never followed: they could point anywhere (SSRF) and drop headers.
            msg = f"{self.label}: redirect (HTTP {status}) not followed"
            return Failure(ProviderProtocolError(self.provider, msg), False)
        msg = f"{self.label}: unexpected HTTP status {status}"
        return Failure(ProviderProtocolError(self.provider, msg), False)

    def from_transport(self, exc: BaseException) -> Failure:
        kind, sent = _classify_transport(exc)
        if kind == "tls":
            msg = f"{self.label}: the TLS handshake with the provider failed"
            return Failure(ProviderUnavailable(self.provider, msg), False)
        if kind == "connect":
            msg = f"{self.label}: could not connect to the provider"
            return Failure(ProviderUnavailable(self.provider, msg), not sent)
        if kind == "timeout":
            msg = f"{self.label}: the provider did not answer in time"
            return Failure(ProviderTimeout(self.provider, msg), not sent)
        msg = f"{self.label}: the connection to the provider was lost"
        return Failure(ProviderUnavailable(self.provider, msg), False)

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


def decode_error(body: bytes, shape: type[Any]) -> Any | None:
    """Best-effort decode of an error body; ``None`` when it is not the expected JSON."""
    if not body:
        return None
    try:
        return msgspec.json.decode(body, type=shape)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None


class ErrorEnvelope(Protocol[B_co]):
    """``{"error": {...}}``: the outer shape of every provider's error body."""

    @property
    def error(self) -> B_co: ...


def error_reader(
    envelope: type[ErrorEnvelope[B]], detail: Callable[[B], ErrorDetail]
) -> ErrorReader:
    """An ``ErrorReader`` for one provider's envelope; ``detail`` also serves its stream errors."""

    def read(body: bytes) -> ErrorDetail | None:
        found = decode_error(body, envelope)
        return None if found is None else detail(found.error)

    return read


def finish_reason(table: Mapping[str, FinishReason], raw: str | None) -> FinishReason:
    """A provider's finish reason in the domain's terms: none given is a stop, an unknown one
    (providers add them) is ``OTHER``."""
    if raw is None:
        return FinishReason.STOP
    return table.get(raw, FinishReason.OTHER)


def refuse_user_base_url(base_url: str | None, provider: Provider) -> None:
    """Official providers go only to the operator's configured URL, never to a user's."""
    if base_url is not None:
        raise InvalidBaseUrl(
            f"base_url is accepted only for openai_compatible, not {provider.value}"
        )
