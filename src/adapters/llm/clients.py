"""Builds the long-lived ``httpx.AsyncClient`` each provider adapter is handed, and reads the
failures of the transports it chooses from.

Every client: no proxy from the environment (``trust_env=False``), no redirects, HTTP/1.1
keep-alive pool, at most so many connections to one origin (``origin_limits``), explicit
timeouts. The transport is a setting (``BYOM_HTTP_TRANSPORT``):
httpx's own (httpcore) or httpx_aiohttp's (``lean_aiohttp``; httpx 0.28's pool is slow at high
concurrency, encode/httpx#3215). The client for user-supplied base URLs always uses the
httpcore transport with ``PinnedNetworkBackend`` (``pinning.py``): that is where connecting to
the guard's checked address is possible. ``classify_transport_error`` reads what either
transport raised.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from typing import Any, Literal

import aiohttp
import httpx

from adapters.llm.lean_aiohttp import LeanAiohttpTransport
from adapters.llm.origin_limits import OriginLimitedTransport
from adapters.llm.pinning import PinnedHTTPTransport

TransportName = Literal["aiohttp", "httpx"]
TransportFault = Literal["tls", "connect", "timeout", "lost"]

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=10.0, pool=10.0)
DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=32, keepalive_expiry=30.0
)
DEFAULT_PER_ORIGIN = 16


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing. Providers authenticate by key; a cookie one user's call was
    sent (a CDN's bot-management cookie, or one a user's own server chose) must not ride along
    on the next user's call through this shared client. Not reading them also spares every
    reply httpx's cookie parsing (about 40 µs of CPU a call)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class CookielessClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` with a jar that keeps nothing (``_NoCookies``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: httpx._types.CookieTypes) -> None:
        raise TypeError("provider clients keep no cookies")


def quiet_http_loggers() -> None:
    """httpx logs every request URL at INFO; keep it and httpcore at WARNING."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def build_http_client(
    transport: TransportName = "aiohttp",
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    limits: httpx.Limits = DEFAULT_LIMITS,
    per_origin: int = DEFAULT_PER_ORIGIN,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """A client for one provider's fixed base URL. ``aiohttp`` is the default: about 3-4x less
    CPU per request than httpx's own pool at concurrency 32 (tests/bench/llm_transports.py).
    At most ``per_origin`` of its connections go to one origin (scheme, host, port)."""
    quiet_http_loggers()
    chosen: httpx.AsyncBaseTransport
    if transport == "aiohttp":
        chosen = _aiohttp_transport(limits, per_origin, verify)
    elif transport == "httpx":
        chosen = OriginLimitedTransport(
            httpx.AsyncHTTPTransport(
                verify=verify, trust_env=False, http1=True, http2=False, limits=limits
            ),
            per_origin,
        )
    else:
        raise ValueError(f"unknown HTTP transport {transport!r}; use 'aiohttp' or 'httpx'")
    return CookielessClient(
        transport=chosen, timeout=timeout, trust_env=False, follow_redirects=False
    )


def build_guarded_http_client(
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    limits: httpx.Limits = DEFAULT_LIMITS,
    per_origin: int = DEFAULT_PER_ORIGIN,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """A client that connects only to addresses an ``SsrfGuard`` check pinned for the call, at
    most ``per_origin`` of its connections to one origin: every user's server shares its pool."""
    quiet_http_loggers()
    return CookielessClient(
        transport=OriginLimitedTransport(
            PinnedHTTPTransport(verify=verify, limits=limits), per_origin
        ),
        timeout=timeout,
        trust_env=False,
        follow_redirects=False,
    )


def _aiohttp_transport(
    limits: httpx.Limits, per_origin: int, verify: ssl.SSLContext | bool
) -> LeanAiohttpTransport:
    """httpx-aiohttp's transport on a connector with a per-host limit, which its own factory
    does not set (aiohttp counts per host, port and TLS: an origin)."""
    context = httpx.create_ssl_context(verify=verify, trust_env=False)

    def session() -> aiohttp.ClientSession:
        # Made on first use, inside the event loop that serves the calls.
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0,
            limit_per_host=per_origin,
            keepalive_timeout=limits.keepalive_expiry,
            ssl=context,
        )
        # aiohttp keeps its own jar under httpx's: one call's cookies would ride on the next
        # user's call (``_NoCookies``); DummyCookieJar keeps none.
        return aiohttp.ClientSession(
            connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
        )

    return LeanAiohttpTransport(
        verify=verify, trust_env=False, http1=True, http2=False, limits=limits, client=session
    )


def classify_transport_error(exc: BaseException) -> tuple[TransportFault, bool]:
    """(kind, request_may_have_been_sent) of a failure from either transport.

    Looks through the cause chain because the aiohttp transport maps most connection errors to
    ``httpx.ConnectTimeout``; the aiohttp error underneath tells what really happened."""
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


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
