"""A client that leaves mid-reply: the app stores what arrived, marked incomplete.

Driven at the ASGI level, because only there can a test hang up the way a browser does
(``http.disconnect`` while the response streams) and then look at what was stored.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from domain.provider import Provider
from tests.support.asgi import body_then_hang_up, post_scope
from tests.support.chat_api import ChatApi


async def test_a_client_gone_mid_reply_leaves_an_incomplete_reply_stored(api: ChatApi) -> None:
    me = await api.user("leaver@example.com")
    await api.add_key(me, Provider.OPENAI)
    session = await api.start(me)
    # The model writes three pieces, then thinks for ever.
    api.upstreams[Provider.OPENAI].stall_after = 3
    path = f"/api/v1/agent-sessions/{session['id']}/messages"
    body = json.dumps({"content": "Explain the basis trade"}).encode()

    hang_up = asyncio.Event()
    received: list[bytes] = []
    statuses: list[int] = []

    receive = body_then_hang_up(body, hang_up)

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])
        elif message["type"] == "http.response.body":
            received.append(message.get("body", b""))
            if b"".join(received).count(b"event: delta") == 3:
                hang_up.set()

    auth = [(b"authorization", me["Authorization"].encode()), (b"accept", b"text/event-stream")]
    scope = post_scope(path, body, auth)

    # A safety net so a regression fails instead of hanging the suite; not a timing assertion.
    await asyncio.wait_for(api.client.app(scope, receive, send), timeout=30)

    assert statuses == [200]
    streamed = b"".join(received).decode()
    assert streamed.count("event: delta") == 3
    assert "event: done" not in streamed, "nobody was listening any more"
    stored = await api.messages(me, session["id"])
    assert [(m["role"], m["content"], m["incomplete"]) for m in stored] == [
        ("user", "Explain the basis trade", False),
        ("assistant", "Carry is positive;", True),
    ]
    assert (stored[1]["usage"], stored[1]["cost_usd"]) == (None, None)
