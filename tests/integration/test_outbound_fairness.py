"""Issue 13 item 2, reproduced: stalled streams to OpenAI-compatible servers must not starve
another user's call to their own server.

The real composition root (``build``: the real provider clients from the settings) with the
pool lowered to four connections; servers on 127.0.0.1. Before the limits, user A's four
stalled streams took all four connections and user B's call failed with 504 after 20 s (the
red team: 105 streams, the default pool of 100; ``tests/bench/outbound_starvation.py`` prints
those figures before and after).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.persistence.memory.database import MemoryDatabase
from application.gateway.relay_completion import RelayRequest
from domain.errors import TooManyProviderCalls
from domain.llm import ChatMessage, Role
from entrypoints.bootstrap import Container, build
from entrypoints.settings import LimitSettings
from tests.support.builders import make_settings, memory_database
from tests.support.llm_local_server import Handler, LocalServer, SeenRequest
from tests.support.slow_upstream import MODEL, quick, stalling, user_of

ASK = RelayRequest(f"openai_compatible/{MODEL}", (ChatMessage(Role.USER, "hello"),))


async def world(limits: LimitSettings) -> Container:
    settings = make_settings(limits=limits)
    settings = replace(
        settings, providers=replace(settings.providers, allow_private_base_urls=True)
    )
    return build(
        settings,
        database=memory_database(MemoryDatabase()),
        hasher=Argon2PasswordHasher.fast_for_tests(),
    )


def counting_posts(handler: Handler, count: int, reached: asyncio.Event) -> Handler:
    posts = 0

    async def wrapped(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        nonlocal posts
        posts += request.method == "POST"
        if posts >= count:
            reached.set()
        await handler(request, writer)

    return wrapped


@pytest.fixture
async def servers() -> AsyncIterator[tuple[LocalServer, LocalServer, asyncio.Event]]:
    two_streaming = asyncio.Event()
    async with (
        LocalServer(counting_posts(stalling(), 2, two_streaming)) as slow,
        LocalServer(quick) as fast,
    ):
        yield slow, fast, two_streaming


async def test_one_users_stalled_streams_leave_the_pool_to_others(
    servers: tuple[LocalServer, LocalServer, asyncio.Event],
) -> None:
    slow, fast, _ = servers
    limits = LimitSettings(outbound_connections=4, provider_calls_per_user=2)
    container = await world(limits)
    a, b = await user_of(container, slow), await user_of(container, fast)
    streams = [container.relay_completion.stream(a, ASK) for _ in range(4)]
    outcomes = await asyncio.gather(*(s.start() for s in streams), return_exceptions=True)

    assert [type(o).__name__ for o in outcomes] == [
        "NoneType",
        "NoneType",
        "TooManyProviderCalls",
        "TooManyProviderCalls",
    ]
    assert all(isinstance(o, TooManyProviderCalls) for o in outcomes[2:])
    relayed = await container.relay_completion.execute(b, ASK)
    assert relayed.completion.text == "Quick answer."
    for stream in streams:
        await stream.aclose()
    await container.aclose()


async def test_many_users_on_one_slow_origin_leave_the_pool_to_other_origins(
    servers: tuple[LocalServer, LocalServer, asyncio.Event],
) -> None:
    slow, fast, two_streaming = servers
    limits = LimitSettings(outbound_connections=4, outbound_connections_per_origin=2)
    container = await world(limits)
    many = [await user_of(container, slow) for _ in range(4)]
    b = await user_of(container, fast)
    streams = [container.relay_completion.stream(a, ASK) for a in many]
    opening = [asyncio.create_task(s.start()) for s in streams]
    # A safety net so a regression fails instead of hanging; not a timing assertion.
    await asyncio.wait_for(two_streaming.wait(), timeout=10)

    relayed = await container.relay_completion.execute(b, ASK)
    assert relayed.completion.text == "Quick answer."
    assert sum(r.method == "POST" for r in slow.requests) == 2, "two wait for their origin"
    for task in opening:
        task.cancel()
    await asyncio.gather(*opening, return_exceptions=True)
    for stream in streams:
        await stream.aclose()
    await container.aclose()
