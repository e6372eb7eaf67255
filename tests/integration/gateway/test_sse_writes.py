"""The gateway's SSE response leaves in as few writes as its events allow: the role line with the
first piece (read before the response began), the finish and ``[DONE]`` lines with the end of
the body, and the pieces of one network read of the provider's together. Each ASGI body
message is a trip through every middleware, a write and a system call for the server, and
wakes the client (issue 15: apart, they were most of what a short stream cost over a JSON
answer)."""

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
    """The provider sends its events apart (a read each): each piece leaves as it came."""
    client = await gateway.user_with_key("writes@example.com", Provider.OPENAI)
    gateway.api.upstreams[Provider.OPENAI].apart = True
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
    pieces = len(gateway.api.upstreams[Provider.OPENAI].pieces)
    assert lines == [2] + [1] * (pieces - 1) + [2]  # role + piece, pieces, finish + DONE
    assert b'"role":"assistant"' in writes[0]["body"]
    assert b'"content":"' in writes[0]["body"].split(b"\n\n")[1]
    assert b'"finish_reason":"stop"' in writes[-1]["body"]
    assert writes[-1]["body"].endswith(b"data: [DONE]\n\n")
    assert [m["more_body"] for m in writes] == [True] * (len(writes) - 1) + [False]


async def test_a_stream_the_provider_sent_at_once_leaves_in_one_message_in_one_pass(
    gateway: Gateway,
) -> None:
    """Every piece, the finish and ``[DONE]`` in one body message, sent in the pass of the event
    loop that sent the head: its usage row is queued before ``[DONE]`` without a task's two
    passes in between (``start_eagerly``)."""
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
    sent: list[tuple[int, dict[str, Any]]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append((passes, message))

    auth = [(b"authorization", f"Bearer {client.api_key}".encode())]
    scope = post_scope("/v1/chat/completions", body, auth, host="byom.test")
    stays = body_then_hang_up(body, asyncio.Event())
    try:
        await asyncio.wait_for(gateway.api.client.app(scope, stays, send), timeout=30)
    finally:
        ticker.cancel()
    [(began, head), (ended, whole)] = sent
    assert head["type"] == "http.response.start"
    assert whole["more_body"] is False
    pieces = len(gateway.api.upstreams[Provider.OPENAI].pieces)
    assert whole["body"].count(b"data: ") == 1 + pieces + 2  # role, pieces, finish, [DONE]
    assert whole["body"].endswith(b"data: [DONE]\n\n")
    assert began == ended, f"head sent in pass {began}, body in pass {ended}"
