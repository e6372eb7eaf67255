"""Mapping of provider HTTP failures (a status and what its body said, or a transport error)
to the domain errors of docs/providers.md ("Error mapping"), with whether the policy may retry
them."""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

import httpx

from adapters.llm._scrub import clip, scrub
from adapters.llm.clients import classify_transport_error
from domain.api_key import ApiKey
from domain.errors import (
    InvalidApiKey,
    ModelNotFound,
    ProviderError,
    ProviderProtocolError,
    ProviderRateLimited,
    ProviderRejectedRequest,
    ProviderTimeout,
    ProviderUnavailable,
)

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
    """A spent quota, not a rate limit. Gemini's text mentions "quota" and "billing" on every
    429; a limit that lifts soon carries RetryInfo (``retry_delay``), so that wins."""
    if detail is None or detail.retry_delay is not None:
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
        kind, sent = classify_transport_error(exc)
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
