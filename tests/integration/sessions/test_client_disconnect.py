"""A client that leaves mid-reply: the app stores what arrived, marked incomplete.

Driven at the ASGI level, because only there can a test hang up the way a browser does
(``http.disconnect`` while the response streams) and then look at what was stored.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from domain.provider import Provider
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
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}
        await hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])
        elif message["type"] == "http.response.body":
            received.append(message.get("body", b""))
            if b"".join(received).count(b"event: delta") == 3:
                hang_up.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver.local"),
            (b"authorization", me["Authorization"].encode()),
            (b"accept", b"text/event-stream"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
        "state": {},
    }

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
