"""A gateway client that hangs up mid-stream (``http.disconnect`` while the reply streams, the
provider still silent): the response ends, and what arrived is recorded as usage, estimated.
(Sessions: tests/integration/sessions/test_client_disconnect.py.)"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from domain.provider import Provider
from entrypoints.http.lean_stream import CLIENT_GONE, ClientGone
from tests.support.asgi import body_then_hang_up, post_scope
from tests.support.gateway import Gateway


@pytest.mark.parametrize("told_by", ["http.disconnect", "the server's ClientGone"])
async def test_a_client_that_hangs_up_mid_stream_ends_it_and_its_usage_is_kept(
    gateway: Gateway, told_by: str
) -> None:
    """Told as any ASGI server tells it (a listener waits for ``http.disconnect``), or by
    ``byom serve``'s protocol (``ClientGone`` in the scope: no listener; ``receive`` here then
    never says the client left)."""
    client = await gateway.user_with_key("leaver@example.com", Provider.OPENAI)
    gateway.api.upstreams[Provider.OPENAI].stall_after = 2  # two pieces, then quiet for ever
    body = json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    ).encode()
    hang_up = asyncio.Event()
    sent: list[bytes] = []

    gone = ClientGone()
    receive = body_then_hang_up(body, hang_up if told_by == "http.disconnect" else asyncio.Event())

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            sent.append(message.get("body", b""))
            if b"Carry" in message.get("body", b""):
                hang_up.set()
                asyncio.get_running_loop().call_soon(gone.went)  # as connection_lost does

    auth = [(b"authorization", f"Bearer {client.api_key}".encode())]
    scope = post_scope("/v1/chat/completions", body, auth, host="byom.test")
    if told_by != "http.disconnect":
        scope["extensions"] = {CLIENT_GONE: {"watch": gone}}
    # A safety net so a regression fails instead of hanging the suite; not a timing assertion.
    await asyncio.wait_for(gateway.api.client.app(scope, receive, send), timeout=30)

    assert hang_up.is_set()
    assert not any(b"[DONE]" in piece for piece in sent)
    assert gateway.api.db is not None
    [row] = gateway.api.db.usage.values()
    assert row.estimated
    assert row.output_tokens >= 1


async def test_a_client_gone_before_the_answer_began_ends_the_stream_at_its_first_wait(
    gateway: Gateway,
) -> None:
    """``ClientGone`` told before the body started (the connection was lost while the call was
    being opened): the stream stops at its first wait, its usage kept."""
    client = await gateway.user_with_key("early-leaver@example.com", Provider.OPENAI)
    gateway.api.upstreams[Provider.OPENAI].stall_after = 2
    body = json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    ).encode()
    gone = ClientGone()
    gone.went()
    sent: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            sent.append(message.get("body", b""))

    auth = [(b"authorization", f"Bearer {client.api_key}".encode())]
    scope = post_scope("/v1/chat/completions", body, auth, host="byom.test")
    scope["extensions"] = {CLIENT_GONE: {"watch": gone}}
    stays = body_then_hang_up(body, asyncio.Event())
    await asyncio.wait_for(gateway.api.client.app(scope, stays, send), timeout=30)

    assert not any(b"[DONE]" in piece for piece in sent)
    assert gateway.api.db is not None
    [row] = gateway.api.db.usage.values()
    assert row.estimated
