"""The gateway's SSE response leaves in as few writes as its events allow: the role line with the
first piece (read before the response began), the finish and ``[DONE]`` lines with the end of
the body. Each ASGI body message is a write and a system call for the server, and wakes the
client (issue 15: apart, they were most of what a short stream cost over a JSON answer)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from domain.provider import Provider
from tests.support.asgi import body_then_hang_up, post_scope
from tests.support.gateway import Gateway


async def test_the_role_leaves_with_the_first_piece_and_the_end_with_the_last(
    gateway: Gateway,
) -> None:
    client = await gateway.user_with_key("writes@example.com", Provider.OPENAI)
    body = json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    ).encode()
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    auth = [(b"authorization", f"Bearer {client.api_key}".encode())]
    scope = post_scope("/v1/chat/completions", body, auth, host="byom.test")
    stays = body_then_hang_up(body, asyncio.Event())  # the client never leaves
    # A safety net so a regression fails instead of hanging the suite; not a timing assertion.
    await asyncio.wait_for(gateway.api.client.app(scope, stays, send), timeout=30)

    writes = [m for m in messages if m["type"] == "http.response.body"]
    lines = [m["body"].count(b"data: ") for m in writes]
    assert len(writes) >= 3
    assert lines == [2] + [1] * (len(writes) - 2) + [2]  # role + piece, pieces, finish + DONE
    assert b'"role":"assistant"' in writes[0]["body"]
    assert b'"content":"' in writes[0]["body"].split(b"\n\n")[1]
    assert b'"finish_reason":"stop"' in writes[-1]["body"]
    assert writes[-1]["body"].endswith(b"data: [DONE]\n\n")
    assert [m["more_body"] for m in writes] == [True] * (len(writes) - 1) + [False]


async def test_a_stream_the_provider_sent_at_once_is_written_in_one_pass_of_the_loop(
    gateway: Gateway,
) -> None:
    """Its usage row is queued before ``[DONE]`` without a task's two passes of the event loop
    in between (``start_eagerly``): the server joins a pass's writes into one system call, so
    the whole answer leaves in one write, not two."""
    client = await gateway.user_with_key("one-pass@example.com", Provider.OPENAI)
    body = json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    ).encode()
    loop = asyncio.get_running_loop()
    passes = 0

    def tick() -> None:
        nonlocal passes
        passes += 1
        loop.call_soon(tick)

    ticker = loop.call_soon(tick)
    sent_in: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            sent_in.append(passes)

    auth = [(b"authorization", f"Bearer {client.api_key}".encode())]
    scope = post_scope("/v1/chat/completions", body, auth, host="byom.test")
    stays = body_then_hang_up(body, asyncio.Event())
    try:
        await asyncio.wait_for(gateway.api.client.app(scope, stays, send), timeout=30)
    finally:
        ticker.cancel()
    assert len(sent_in) >= 3
    assert len(set(sent_in)) == 1, f"body messages sent in passes {sent_in}"
