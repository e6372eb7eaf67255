"""Connecting only to the addresses the SSRF guard checked.

A guarded call runs inside ``pin(host, port, addresses)``; the guarded client's transport dials
through ``PinnedNetworkBackend``, which looks the destination up in those pins instead of
resolving the name again (a second lookup is how DNS rebinding gets in) and refuses any
destination that has none.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

import httpcore
import httpx

_PINS: ContextVar[dict[tuple[str, int], tuple[str, ...]] | None] = ContextVar(
    "byom_ssrf_pins", default=None
)


@contextlib.contextmanager
def pin(host: str, port: int, addresses: tuple[str, ...]) -> Iterator[None]:
    """While open, connections to ``host:port`` go only to ``addresses``."""
    current = _PINS.get() or {}
    token = _PINS.set({**current, (host, port): addresses})
    try:
        yield
    finally:
        _PINS.reset(token)


def pinned_addresses(host: str, port: int) -> tuple[str, ...]:
    """The addresses a ``pin`` block allows for ``host:port`` (none: empty)."""
    pins = _PINS.get() or {}
    return pins.get((host.lower().strip("[]"), port), ())


class PinnedHTTPTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose connection pool dials through ``PinnedNetworkBackend``.

    httpx does not expose the pool's network backend, so the pool is rebuilt with the same
    settings; tests/security/test_ssrf.py proves connections go only to pinned addresses.
    """

    def __init__(self, *, verify: ssl.SSLContext | bool = True, limits: httpx.Limits) -> None:
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
