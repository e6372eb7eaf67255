"""Issue 13 item 2: a per-user cap on provider calls in flight, streams included.

The real app and adapters on stand-in upstreams, with the cap lowered to one call per user. A
call over the cap is refused before any provider hears of it: a 429 problem
(``/problems/too-many-calls``) on /api, OpenAI's 429 (``rate_limit_exceeded``) on /v1, both
with Retry-After. However a stream ends, its slot comes back.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import UUID

import pytest

from adapters.call_slots import InProcessCallSlots
from application.gateway.relay_completion import RelayedStream, RelayRequest
from domain.errors import ProviderCallFailed, ProviderRateLimited, TooManyProviderCalls
from domain.llm import ChatMessage, Role
from domain.provider import Provider
from entrypoints.settings import LimitSettings
from tests.support.asgi import body_then_hang_up, post_scope
from tests.support.chat_api import ChatApi, make_chat_api
from tests.support.constants import KEYS

ASK = RelayRequest("gpt-4o-mini", (ChatMessage(Role.USER, "Where is EUR/USD?"),))


@pytest.fixture
async def api() -> AsyncIterator[ChatApi]:
    async for built in make_chat_api("memory", limits=LimitSettings(provider_calls_per_user=1)):
        yield built


def slots_of(api: ChatApi) -> InProcessCallSlots:
    slots = api.container.call_slots
    assert isinstance(slots, InProcessCallSlots)
    return slots


async def user(api: ChatApi, email: str) -> tuple[dict[str, str], UUID]:
    me = await api.user(email)
    await api.add_key(me, Provider.OPENAI)
    found = await api.client.get("/api/v1/users/me", headers=me)
    return me, UUID(found.json()["id"])


async def held_stream(api: ChatApi, user_id: UUID) -> RelayedStream:
    """A stream open on the provider (it stalls after one piece): the user's one slot."""
    api.upstreams[Provider.OPENAI].stall_after = 1
    stream = api.container.relay_completion.stream(user_id, ASK)
    await stream.start()
    assert slots_of(api).in_flight(user_id) == 1
    return stream


async def test_a_call_over_the_cap_is_a_429_on_every_route_and_reaches_no_provider(
    api: ChatApi,
) -> None:
    me, me_id = await user(api, "busy@example.com")
    session = await api.start(me)
    token = (
        await api.client.post("/api/v1/users/me/gateway-tokens", json={"name": "t"}, headers=me)
    ).json()["token"]
    stream = await held_stream(api, me_id)
    upstream = api.upstreams[Provider.OPENAI]
    seen = len(upstream.requests)

    chat = await api.send(me, session["id"], "And now?")
    assert chat.status_code == 429
    assert chat.headers["content-type"].startswith("application/problem+json")
    assert chat.json()["type"] == "/problems/too-many-calls"
    assert int(chat.headers["retry-after"]) >= 1

    streamed = await api.stream(me, session["id"], "And now, streamed?")
    assert (streamed.status_code, streamed.json()["type"]) == (429, "/problems/too-many-calls")

    relayed = await api.client.post(
        "/v1/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert relayed.status_code == 429
    error = relayed.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit_error", "rate_limit_exceeded")
    assert int(relayed.headers["retry-after"]) >= 1

    checked = await api.client.post(
        "/api/v1/users/me/llm-credentials/validate",
        json={"provider": "openai", "api_key": KEYS[Provider.OPENAI]},
        headers=me,
    )
    assert (checked.status_code, checked.json()["type"]) == (429, "/problems/too-many-calls")
    assert len(upstream.requests) == seen, "nothing over the cap reached the provider"

    upstream.stall_after = None
    other, _ = await user(api, "other@example.com")
    other_session = await api.start(other)
    assert (await api.send(other, other_session["id"], "Mine?")).status_code == 200

    await stream.aclose()
    assert slots_of(api).in_flight(me_id) == 0
    assert (await api.send(me, session["id"], "And now?")).status_code == 200


async def _read_all(stream: RelayedStream) -> None:
    async for _ in stream.chunks():
        pass
    await stream.finish()


async def _close_early(stream: RelayedStream) -> None:
    await anext(stream.chunks())
    await stream.aclose()


async def _read_until_it_fails(stream: RelayedStream) -> None:
    with pytest.raises(ProviderCallFailed):
        async for _ in stream.chunks():
            pass
    await stream.finish()


async def _cancel_mid_read(stream: RelayedStream) -> None:
    reading = asyncio.create_task(_read_all(stream))
    await asyncio.sleep(0)  # the read is waiting on the stalled provider
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    await stream.aclose()


ENDINGS: dict[str, tuple[dict[str, Any], Callable[[RelayedStream], Awaitable[None]]]] = {
    "read to the end": ({}, _read_all),
    "closed early": ({"stall_after": 3}, _close_early),
    "dropped by the provider": ({"drop_after": 2}, _read_until_it_fails),
    "cancelled mid-read": ({"stall_after": 1}, _cancel_mid_read),
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
async def test_a_stream_gives_its_slot_back_however_it_ends(api: ChatApi, ending: str) -> None:
    _, me_id = await user(api, "streamer@example.com")
    upstream_faults, end = ENDINGS[ending]
    for name, value in upstream_faults.items():
        setattr(api.upstreams[Provider.OPENAI], name, value)
    stream = api.container.relay_completion.stream(me_id, ASK)
    await stream.start()
    assert slots_of(api).in_flight(me_id) == 1
    await end(stream)
    assert slots_of(api).in_flight(me_id) == 0


async def test_a_stream_dropped_unclosed_gives_its_slot_back(api: ChatApi) -> None:
    """A last resort (the HTTP layer always closes its streams): the event loop finalises a
    provider stream nobody holds any more, and that gives its slot back."""
    _, me_id = await user(api, "dropper@example.com")
    api.upstreams[Provider.OPENAI].stall_after = 3

    async def open_and_drop() -> None:
        stream = api.container.relay_completion.stream(me_id, ASK)
        await stream.start()
        await anext(stream.chunks())

    await open_and_drop()
    assert slots_of(api).in_flight(me_id) == 1
    gc.collect()
    for _ in range(5):
        await asyncio.sleep(0)
    assert slots_of(api).in_flight(me_id) == 0


async def test_a_stream_the_provider_refuses_at_once_holds_no_slot(api: ChatApi) -> None:
    _, me_id = await user(api, "refused@example.com")
    api.upstreams[Provider.OPENAI].fail = "rate_limited"
    api.upstreams[Provider.OPENAI].retry_after = "60"
    with pytest.raises(ProviderRateLimited):
        await api.container.relay_completion.stream(me_id, ASK).start()
    assert slots_of(api).in_flight(me_id) == 0
    with pytest.raises(ProviderRateLimited):
        await api.container.relay_completion.execute(me_id, ASK)
    assert slots_of(api).in_flight(me_id) == 0


async def test_a_stream_over_the_cap_is_refused_before_it_opens(api: ChatApi) -> None:
    _, me_id = await user(api, "twice@example.com")
    stream = await held_stream(api, me_id)
    with pytest.raises(TooManyProviderCalls):
        await api.container.relay_completion.stream(me_id, ASK).start()
    await stream.aclose()


async def test_a_client_that_hangs_up_mid_stream_gives_the_slot_back(api: ChatApi) -> None:
    """Over ASGI, the way a browser leaves (``http.disconnect`` while the reply streams)."""
    me, me_id = await user(api, "leaver@example.com")
    session = await api.start(me)
    api.upstreams[Provider.OPENAI].stall_after = 2
    path = f"/api/v1/agent-sessions/{session['id']}/messages"
    body = json.dumps({"content": "Explain the basis trade"}).encode()
    hang_up = asyncio.Event()

    receive = body_then_hang_up(body, hang_up)

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and b"event: delta" in message.get("body", b""):
            assert slots_of(api).in_flight(me_id) == 1
            hang_up.set()

    auth = [(b"authorization", me["Authorization"].encode()), (b"accept", b"text/event-stream")]
    scope = post_scope(path, body, auth)
    # A safety net so a regression fails instead of hanging the suite; not a timing assertion.
    await asyncio.wait_for(api.client.app(scope, receive, send), timeout=30)

    assert hang_up.is_set()
    assert slots_of(api).in_flight(me_id) == 0
    api.upstreams[Provider.OPENAI].stall_after = None
    assert (await api.send(me, session["id"], "Again")).status_code == 200
