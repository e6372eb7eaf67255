"""Builds the long-lived ``httpx.AsyncClient`` each provider adapter is handed.

Every client: no proxy from the environment (``trust_env=False``), no redirects, HTTP/1.1
keep-alive pool, explicit timeouts. The transport is a setting: httpx's own (httpcore) or
``httpx_aiohttp.AiohttpTransport`` (httpx 0.28's pool is slow at high concurrency,
encode/httpx#3215). The client for user-supplied base URLs always uses the httpcore transport
with ``PinnedNetworkBackend``: that is where connecting to the guard's checked address is possible.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Iterable
from typing import Literal

import httpcore
import httpx
from httpx_aiohttp import AiohttpTransport

from adapters.llm.ssrf import pinned_addresses

TransportName = Literal["aiohttp", "httpx"]

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=10.0, pool=10.0)
DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=32, keepalive_expiry=30.0
)


def quiet_http_loggers() -> None:
    """httpx logs every request URL at INFO; keep it and httpcore at WARNING."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def build_http_client(
    transport: TransportName = "aiohttp",
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    limits: httpx.Limits = DEFAULT_LIMITS,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """A client for one provider's fixed base URL. ``aiohttp`` is the default: about 3-4x less
    CPU per request than httpx's own pool at concurrency 32 (tests/bench/llm_transports.py)."""
    quiet_http_loggers()
    chosen: httpx.AsyncBaseTransport
    if transport == "aiohttp":
        chosen = AiohttpTransport(
            verify=verify, trust_env=False, http1=True, http2=False, limits=limits
        )
    elif transport == "httpx":
        chosen = httpx.AsyncHTTPTransport(
            verify=verify, trust_env=False, http1=True, http2=False, limits=limits
        )
    else:
        raise ValueError(f"unknown HTTP transport {transport!r}; use 'aiohttp' or 'httpx'")
    return httpx.AsyncClient(
        transport=chosen, timeout=timeout, trust_env=False, follow_redirects=False
    )


def build_guarded_http_client(
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    limits: httpx.Limits = DEFAULT_LIMITS,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """A client that connects only to addresses an ``SsrfGuard`` check pinned for the call."""
    quiet_http_loggers()
    return httpx.AsyncClient(
        transport=PinnedHTTPTransport(verify=verify, limits=limits),
        timeout=timeout,
        trust_env=False,
        follow_redirects=False,
    )


class PinnedHTTPTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose connection pool dials through ``PinnedNetworkBackend``.

    httpx does not expose the pool's network backend, so the pool is rebuilt with the same
    settings; tests/security/test_ssrf.py proves connections go only to pinned addresses.
    """

    def __init__(
        self, *, verify: ssl.SSLContext | bool = True, limits: httpx.Limits = DEFAULT_LIMITS
    ) -> None:
        super().__init__(verify=verify, trust_env=False, http1=True, http2=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=PinnedNetworkBackend(),
        )


class PinnedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the guard pinned for the current call; refuses otherwise."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = pinned_addresses(host, port)
        if not addresses:
            raise httpcore.ConnectError("no checked address for this destination")
        # Try each checked address in turn; the last one's failure is the one reported.
        *others, last = addresses
        for address in others:
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
        return await self._inner.connect_tcp(last, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
