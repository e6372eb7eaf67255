"""Settings that keep one user (or one upstream server) from taking what others need: calls in
flight, request rates, outbound connections, a stalled stream's patience."""

from __future__ import annotations

from dataclasses import dataclass

from entrypoints.settings._parsers import positive
from entrypoints.settings._variables import setting


@dataclass(frozen=True, slots=True)
class LimitSettings:
    provider_calls_per_user: int = setting(
        "BYOM_PROVIDER_CALLS_PER_USER",
        8,
        positive,
        "provider calls one user may have in flight per worker process, streams included "
        "(429 past it)",
    )
    chat_rate_per_minute: int = setting(
        "BYOM_CHAT_RATE_PER_MINUTE", 60, positive, "session messages per user per minute"
    )
    gateway_rate_per_minute: int = setting(
        "BYOM_GATEWAY_RATE_PER_MINUTE",
        120,
        positive,
        "gateway chat completions per user per minute",
    )
    outbound_connections: int = setting(
        "BYOM_OUTBOUND_CONNECTIONS",
        100,
        positive,
        "connections per provider client per worker process",
    )
    outbound_connections_per_origin: int = setting(
        "BYOM_OUTBOUND_CONNECTIONS_PER_ORIGIN",
        16,
        positive,
        "of those, connections to any one origin (scheme, host, port) of user-supplied base URLs",
    )
    user_endpoint_stream_idle_s: int = setting(
        "BYOM_USER_ENDPOINT_STREAM_IDLE_S",
        20,
        positive,
        "longest silence between two streamed events of a user-supplied base URL, in seconds "
        "(public providers: 60)",
    )
